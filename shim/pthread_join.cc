// pthread_join and glibc's variants: try, timed (CLOCK_REALTIME), clock.
#include <pthread.h>

#include <cerrno>
#include <ctime>

#include "runtime/runtime.h"
#include "shim/cancellation.h"
#include "shim/thread_handle.h"

using namespace greenshim;

namespace {

int join_until(pthread_t thread, void** result, clockid_t clock, const timespec* deadline) {
  if (deadline == nullptr)
    return join(shim::task_of(thread), result, JoinMode::kWait, kNoDeadline);
  if (deadline->tv_nsec < 0 || deadline->tv_nsec >= 1000000000 ||
      (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC))
    return EINVAL;
  return join(shim::task_of(thread), result, JoinMode::kWait,
              deadline_from_timespec(clock, *deadline));
}

}  // namespace

extern "C" int pthread_join(pthread_t thread, void** result) {
  shim::cancellation_point();
  return join(shim::task_of(thread), result, JoinMode::kWait, kNoDeadline);
}

extern "C" int pthread_tryjoin_np(pthread_t thread, void** result) {
  return join(shim::task_of(thread), result, JoinMode::kTry, kNoDeadline);
}

extern "C" int pthread_timedjoin_np(pthread_t thread, void** result, const timespec* deadline) {
  shim::cancellation_point();
  return join_until(thread, result, CLOCK_REALTIME, deadline);
}

extern "C" int pthread_clockjoin_np(pthread_t thread, void** result, clockid_t clock,
                                    const timespec* deadline) {
  shim::cancellation_point();
  return join_until(thread, result, clock, deadline);
}
