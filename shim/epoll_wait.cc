// epoll_wait, epoll_pwait, epoll_pwait2: an epoll instance is itself a
// descriptor that polls readable when it has events, so a green thread
// parks on that (runtime/io_wait.h) and then collects the events with a
// zero-timeout epoll_pwait; readiness_wait.h has the loop.
#include <sys/epoll.h>
#include <sys/syscall.h>

#include "runtime/io_wait.h"
#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "shim/io_transfer.h"
#include "shim/readiness_wait.h"
#include "shim/signal_handlers.h"

using namespace greenshim;

namespace {

long epoll_pwait_call(int epoll_fd, epoll_event* events, int capacity, int timeout,
                      const sigset_t* mask) {
  return raw::syscall6(SYS_epoll_pwait, epoll_fd, reinterpret_cast<long>(events), capacity,
                       timeout, reinterpret_cast<long>(mask), sizeof(long));
}

long epoll_wait_green(int epoll_fd, epoll_event* events, int capacity, int64_t deadline_ns,
                      const sigset_t* mask) {
  return shim::wait_until_ready(
      deadline_ns, mask, [&] { return epoll_pwait_call(epoll_fd, events, capacity, 0, mask); },
      [&](int64_t deadline) { return wait_fd_ready(epoll_fd, POLLIN, deadline); });
}

}  // namespace

extern "C" {

int epoll_pwait(int epoll_fd, epoll_event* events, int capacity, int timeout,
                const sigset_t* mask) {
  if (shim::task_that_may_park() == nullptr || timeout == 0)
    return static_cast<int>(
        shim::libc_result(epoll_pwait_call(epoll_fd, events, capacity, timeout, mask)));
  return static_cast<int>(shim::libc_result(epoll_wait_green(
      epoll_fd, events, capacity, shim::deadline_after_milliseconds(timeout), mask)));
}

int epoll_wait(int epoll_fd, epoll_event* events, int capacity, int timeout) {
  return epoll_pwait(epoll_fd, events, capacity, timeout, nullptr);
}

int epoll_pwait2(int epoll_fd, epoll_event* events, int capacity, const timespec* timeout,
                 const sigset_t* mask) {
  int64_t deadline_ns;
  if (shim::task_that_may_park() == nullptr || !shim::deadline_after(timeout, &deadline_ns) ||
      (timeout != nullptr && timeout->tv_sec == 0 && timeout->tv_nsec == 0))
    return static_cast<int>(shim::libc_result(
        raw::syscall6(SYS_epoll_pwait2, epoll_fd, reinterpret_cast<long>(events), capacity,
                      reinterpret_cast<long>(timeout), reinterpret_cast<long>(mask),
                      sizeof(long))));
  return static_cast<int>(
      shim::libc_result(epoll_wait_green(epoll_fd, events, capacity, deadline_ns, mask)));
}

}  // extern "C"
