// pthread_join and glibc's variants: try, timed (CLOCK_REALTIME), clock.
#include <pthread.h>

#include <cerrno>
#include <ctime>

#include "runtime/runtime.h"
#include "shim/cancellation.h"
#include "shim/thread_handle.h"

using namespace greenshim;

namespace {

// A join is a cancellation point: a cancellation ends its wait (the
// target stays joinable). A signal's handler has run by the time the wait
// returns EINTR, and the join goes on, as natively.
int join_or_cancel(pthread_t thread, void** result, int64_t deadline_ns) {
  for (;;) {
    shim::cancellation_point();
    int error = join(shim::task_of(thread), result, JoinMode::kWait, deadline_ns);
    if (error != EINTR) return error;
  }
}

int join_until(pthread_t thread, void** result, clockid_t clock, const timespec* deadline) {
  if (deadline == nullptr) return join_or_cancel(thread, result, kNoDeadline);
  if (deadline->tv_nsec < 0 || deadline->tv_nsec >= 1000000000 ||
      (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC))
    return EINVAL;
  return join_or_cancel(thread, result, deadline_from_timespec(clock, *deadline));
}

}  // namespace

extern "C" int pthread_join(pthread_t thread, void** result) {
  return join_or_cancel(thread, result, kNoDeadline);
}

extern "C" int pthread_tryjoin_np(pthread_t thread, void** result) {
  return join(shim::task_of(thread), result, JoinMode::kTry, kNoDeadline);
}

extern "C" int pthread_timedjoin_np(pthread_t thread, void** result, const timespec* deadline) {
  return join_until(thread, result, CLOCK_REALTIME, deadline);
}

extern "C" int pthread_clockjoin_np(pthread_t thread, void** result, clockid_t clock,
                                    const timespec* deadline) {
  return join_until(thread, result, clock, deadline);
}
