// The loop poll, select and epoll_wait share under a green thread: ask the
// kernel without waiting (so the answer is exactly native's), and while
// nothing is ready park until the runtime sees a descriptor become ready or
// the deadline passes, then ask again. A wake-up can find nothing ready
// (another thread took the data first); the loop just asks again. A call
// with a signal mask (ppoll, pselect, epoll_pwait) waits under that mask.
#pragma once

#include <sys/time.h>
#include <time.h>

#include <cerrno>
#include <cstdint>

#include "runtime/clock.h"
#include "shim/cancellation.h"
#include "shim/signal_mask.h"

namespace greenshim::shim {

// poll_now() returns the kernel's result for a zero timeout; park(deadline)
// returns a negative errno if the wait itself failed. Returns the last
// poll_now() result, 0 at the deadline, or -EINTR when a handler ran.
template <typename PollNow, typename Park>
long wait_until_ready(int64_t deadline_ns, const sigset_t* mask, PollNow&& poll_now,
                      Park&& park) {
  cancellation_point();
  SignalMaskDuringWait signal_mask(mask);
  for (;;) {
    long ready = poll_now();
    if (ready != 0) return ready;
    if (signal_mask.handler_ran()) return -EINTR;
    if (deadline_ns != kNoDeadline && monotonic_now_ns() >= deadline_ns) return 0;
    long parked = park(deadline_ns);
    if (parked == -EINTR) cancellation_point();
    if (parked < 0) return parked;
  }
}

// Deadlines from the three timeout conventions. false: malformed (EINVAL).
inline int64_t deadline_after_milliseconds(int timeout) {
  return timeout < 0 ? kNoDeadline : monotonic_now_ns() + int64_t{timeout} * 1000000;
}

inline bool deadline_after(const timespec* timeout, int64_t* deadline_ns) {
  if (timeout == nullptr) {
    *deadline_ns = kNoDeadline;
    return true;
  }
  if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000) return false;
  *deadline_ns = monotonic_now_ns() + int64_t{timeout->tv_sec} * 1000000000 + timeout->tv_nsec;
  return true;
}

inline bool deadline_after(const timeval* timeout, int64_t* deadline_ns) {
  if (timeout == nullptr) {
    *deadline_ns = kNoDeadline;
    return true;
  }
  if (timeout->tv_sec < 0 || timeout->tv_usec < 0 || timeout->tv_usec >= 1000000) return false;
  *deadline_ns = monotonic_now_ns() + int64_t{timeout->tv_sec} * 1000000000 + timeout->tv_usec * 1000;
  return true;
}

}  // namespace greenshim::shim
