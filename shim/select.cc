// select and pselect: the sets are turned into a pollfd list for the
// runtime's wait (runtime/io_wait.h), and every answer comes from the
// kernel's own select with a zero timeout, on a fresh copy of the caller's
// sets, so the result bits are exactly native's. Linux's select writes the
// time left back into *timeout; so does this one.
#include <poll.h>
#include <sys/select.h>
#include <sys/syscall.h>

#include <cstring>
#include <vector>

#include "runtime/io_wait.h"
#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "shim/io_transfer.h"
#include "shim/readiness_wait.h"
#include "shim/signal_handlers.h"

using namespace greenshim;

namespace {

struct SignalMaskArgument {
  const sigset_t* mask;
  size_t size;
};

long pselect_call(int count, fd_set* read_set, fd_set* write_set, fd_set* error_set,
                  const timespec* timeout, const sigset_t* mask) {
  SignalMaskArgument mask_argument{mask, sizeof(long)};
  return raw::syscall6(SYS_pselect6, count, reinterpret_cast<long>(read_set),
                       reinterpret_cast<long>(write_set), reinterpret_cast<long>(error_set),
                       reinterpret_cast<long>(timeout),
                       reinterpret_cast<long>(mask != nullptr ? &mask_argument : nullptr));
}

// The three sets as the caller passed them, to start each look afresh.
struct SelectSets {
  fd_set* caller[3];
  fd_set original[3];

  void save(fd_set* read_set, fd_set* write_set, fd_set* error_set) {
    caller[0] = read_set;
    caller[1] = write_set;
    caller[2] = error_set;
    for (int which = 0; which < 3; ++which) {
      if (caller[which] != nullptr) original[which] = *caller[which];
    }
  }
  void restore() {
    for (int which = 0; which < 3; ++which) {
      if (caller[which] != nullptr) *caller[which] = original[which];
    }
  }
  std::vector<pollfd> as_pollfds(int count) const {
    constexpr short kEvents[3] = {POLLIN, POLLOUT, POLLPRI};
    std::vector<pollfd> fds;
    for (int fd = 0; fd < count; ++fd) {
      short events = 0;
      for (int which = 0; which < 3; ++which) {
        if (caller[which] != nullptr && FD_ISSET(fd, &original[which])) events |= kEvents[which];
      }
      if (events != 0) fds.push_back(pollfd{fd, events, 0});
    }
    return fds;
  }
};

long select_green(int count, fd_set* read_set, fd_set* write_set, fd_set* error_set,
                  int64_t deadline_ns, const sigset_t* mask) {
  SelectSets sets;
  sets.save(read_set, write_set, error_set);
  std::vector<pollfd> fds = sets.as_pollfds(count);
  const timespec zero{0, 0};
  return shim::wait_until_ready(
      deadline_ns, mask,
      [&] {
        sets.restore();
        return pselect_call(count, read_set, write_set, error_set, &zero, mask);
      },
      [&](int64_t deadline) { return wait_any_fd_ready(fds.data(), fds.size(), deadline); });
}

bool served_by_runtime(int count, bool zero_timeout) {
  // Sets larger than fd_set are legal on Linux but cannot be copied here.
  return shim::task_that_may_park() != nullptr && !zero_timeout && count >= 0 &&
         count <= FD_SETSIZE;
}

}  // namespace

extern "C" {

int select(int count, fd_set* read_set, fd_set* write_set, fd_set* error_set, timeval* timeout) {
  int64_t deadline_ns;
  bool valid = shim::deadline_after(timeout, &deadline_ns);
  bool zero = timeout != nullptr && timeout->tv_sec == 0 && timeout->tv_usec == 0;
  if (!valid || !served_by_runtime(count, zero)) {
    return static_cast<int>(shim::libc_result(
        raw::syscall6(SYS_select, count, reinterpret_cast<long>(read_set),
                      reinterpret_cast<long>(write_set), reinterpret_cast<long>(error_set),
                      reinterpret_cast<long>(timeout))));
  }
  long result = select_green(count, read_set, write_set, error_set, deadline_ns, nullptr);
  if (timeout != nullptr && result >= 0) {
    int64_t left = deadline_ns - monotonic_now_ns();
    if (left < 0) left = 0;
    *timeout = timeval{left / 1000000000, (left % 1000000000) / 1000};
  }
  return static_cast<int>(shim::libc_result(result));
}

int pselect(int count, fd_set* read_set, fd_set* write_set, fd_set* error_set,
            const timespec* timeout, const sigset_t* mask) {
  int64_t deadline_ns;
  bool valid = shim::deadline_after(timeout, &deadline_ns);
  bool zero = timeout != nullptr && timeout->tv_sec == 0 && timeout->tv_nsec == 0;
  if (!valid || !served_by_runtime(count, zero)) {
    // pselect does not report the time left: give the kernel a copy.
    timespec copy;
    const timespec* kernel_timeout = nullptr;
    if (timeout != nullptr) {
      copy = *timeout;
      kernel_timeout = &copy;
    }
    return static_cast<int>(shim::libc_result(
        pselect_call(count, read_set, write_set, error_set, kernel_timeout, mask)));
  }
  return static_cast<int>(
      shim::libc_result(select_green(count, read_set, write_set, error_set, deadline_ns, mask)));
}

}  // extern "C"
