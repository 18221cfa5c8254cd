// pthread_mutex_*: glibc's ABI over shim/mutex.cc. Attributes are read with
// glibc's own mutexattr getters (their layout is glibc's business).
#include <pthread.h>

#include <cerrno>
#include <cstring>

#include "shim/deadline.h"
#include "shim/mutex.h"

using namespace greenshim;
using shim::MutexState;
using shim::state_of;

extern "C" int pthread_mutex_init(pthread_mutex_t* mutex, const pthread_mutexattr_t* attributes) {
  int type = PTHREAD_MUTEX_DEFAULT;
  int process_shared = PTHREAD_PROCESS_PRIVATE;
  if (attributes != nullptr && (pthread_mutexattr_gettype(attributes, &type) != 0 ||
                                pthread_mutexattr_getpshared(attributes, &process_shared) != 0))
    return EINVAL;
  memset(mutex, 0, sizeof *mutex);
  state_of<MutexState>(mutex)->kind =
      type | (process_shared == PTHREAD_PROCESS_SHARED ? shim::kProcessSharedKind : 0);
  return 0;
}

extern "C" int pthread_mutex_destroy(pthread_mutex_t* mutex) {
  return state_of<MutexState>(mutex)->word.load(std::memory_order_relaxed) != 0 ? EBUSY : 0;
}

extern "C" int pthread_mutex_lock(pthread_mutex_t* mutex) {
  return shim::mutex_lock(state_of<MutexState>(mutex), kNoDeadline, false);
}

extern "C" int pthread_mutex_trylock(pthread_mutex_t* mutex) {
  return shim::mutex_lock(state_of<MutexState>(mutex), kNoDeadline, true);
}

extern "C" int pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t clock,
                                       const timespec* deadline) {
  // POSIX: a lock that is free is taken even when the deadline has passed.
  if (shim::mutex_lock(state_of<MutexState>(mutex), kNoDeadline, true) == 0) return 0;
  int64_t deadline_ns;
  if (int error = shim::deadline_from(clock, deadline, &deadline_ns)) return error;
  return shim::mutex_lock(state_of<MutexState>(mutex), deadline_ns, false);
}

extern "C" int pthread_mutex_timedlock(pthread_mutex_t* mutex, const timespec* deadline) {
  return pthread_mutex_clocklock(mutex, CLOCK_REALTIME, deadline);
}

extern "C" int pthread_mutex_unlock(pthread_mutex_t* mutex) {
  return shim::mutex_unlock(state_of<MutexState>(mutex));
}
