// poll and ppoll: a green thread waits for its descriptors on the runtime
// (runtime/io_wait.h) instead of in the kernel; readiness_wait.h has the
// loop. A zero timeout, and callers that are not green threads, go straight
// to the kernel.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>

#include "runtime/io_wait.h"
#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "shim/io_transfer.h"
#include "shim/readiness_wait.h"
#include "shim/signal_handlers.h"

using namespace greenshim;

namespace {

long ppoll_call(pollfd* fds, nfds_t count, const timespec* timeout, const sigset_t* mask) {
  return raw::syscall6(SYS_ppoll, reinterpret_cast<long>(fds), static_cast<long>(count),
                       reinterpret_cast<long>(timeout), reinterpret_cast<long>(mask),
                       sizeof(long));
}

long poll_green(pollfd* fds, nfds_t count, int64_t deadline_ns, const sigset_t* mask) {
  const timespec zero{0, 0};
  return shim::wait_until_ready(
      deadline_ns, mask, [&] { return ppoll_call(fds, count, &zero, mask); },
      [&](int64_t deadline) { return wait_any_fd_ready(fds, count, deadline); });
}

}  // namespace

extern "C" {

[[noreturn]] void __chk_fail();

int poll(pollfd* fds, nfds_t count, int timeout) {
  if (shim::task_that_may_park() == nullptr || timeout == 0) {
    timespec relative{timeout / 1000, (timeout % 1000) * 1000000L};
    return static_cast<int>(
        shim::libc_result(ppoll_call(fds, count, timeout < 0 ? nullptr : &relative, nullptr)));
  }
  return static_cast<int>(
      shim::libc_result(poll_green(fds, count, shim::deadline_after_milliseconds(timeout), nullptr)));
}

int ppoll(pollfd* fds, nfds_t count, const timespec* timeout, const sigset_t* mask) {
  int64_t deadline_ns;
  if (shim::task_that_may_park() == nullptr || !shim::deadline_after(timeout, &deadline_ns) ||
      (timeout != nullptr && timeout->tv_sec == 0 && timeout->tv_nsec == 0))
    return static_cast<int>(shim::libc_result(ppoll_call(fds, count, timeout, mask)));
  return static_cast<int>(shim::libc_result(poll_green(fds, count, deadline_ns, mask)));
}

// _FORTIFY_SOURCE builds call these when the array's size is known.
int __poll_chk(pollfd* fds, nfds_t count, int timeout, size_t fds_size) {
  if (fds_size / sizeof(pollfd) < count) __chk_fail();
  return poll(fds, count, timeout);
}

int __ppoll_chk(pollfd* fds, nfds_t count, const timespec* timeout, const sigset_t* mask,
                size_t fds_size) {
  if (fds_size / sizeof(pollfd) < count) __chk_fail();
  return ppoll(fds, count, timeout, mask);
}

}  // extern "C"
