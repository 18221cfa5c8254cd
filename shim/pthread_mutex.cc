// pthread_mutex_*: glibc's ABI over shim/mutex.cc. Attributes are read with
// glibc's own mutexattr getters (their layout is glibc's business).
//
// Priority protocols are accepted and recorded, and the ceiling can be read
// and changed, but they have no effect: green threads have no priorities
// among themselves (the runtime's queues are FIFO), and a worker's kernel
// thread runs tasks of every priority.
#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cstring>

#include "shim/deadline.h"
#include "shim/mutex.h"
#include "shim/robust_mutex.h"

using namespace greenshim;
using shim::MutexState;
using shim::state_of;

namespace {

bool valid_ceiling(int ceiling) {
  return ceiling >= sched_get_priority_min(SCHED_FIFO) &&
         ceiling <= sched_get_priority_max(SCHED_FIFO);
}

}  // namespace

extern "C" int pthread_mutex_init(pthread_mutex_t* mutex, const pthread_mutexattr_t* attributes) {
  int type = PTHREAD_MUTEX_DEFAULT;
  int process_shared = PTHREAD_PROCESS_PRIVATE;
  int robustness = PTHREAD_MUTEX_STALLED;
  int protocol = PTHREAD_PRIO_NONE;
  int ceiling = 0;
  if (attributes != nullptr && (pthread_mutexattr_gettype(attributes, &type) != 0 ||
                                pthread_mutexattr_getpshared(attributes, &process_shared) != 0 ||
                                pthread_mutexattr_getrobust(attributes, &robustness) != 0 ||
                                pthread_mutexattr_getprotocol(attributes, &protocol) != 0 ||
                                pthread_mutexattr_getprioceiling(attributes, &ceiling) != 0))
    return EINVAL;
  memset(mutex, 0, sizeof *mutex);
  MutexState* state = state_of<MutexState>(mutex);
  state->kind = type | (process_shared == PTHREAD_PROCESS_SHARED ? shim::kProcessSharedKind : 0) |
                (robustness == PTHREAD_MUTEX_ROBUST ? shim::kRobustKind : 0) |
                (protocol == PTHREAD_PRIO_INHERIT ? shim::kPrioInheritKind : 0) |
                (protocol == PTHREAD_PRIO_PROTECT ? shim::kPrioProtectKind : 0);
  state->prio_ceiling = static_cast<uint32_t>(ceiling);
  return 0;
}

extern "C" int pthread_mutex_destroy(pthread_mutex_t* mutex) {
  return shim::mutex_in_use(state_of<MutexState>(mutex)) ? EBUSY : 0;
}

extern "C" int pthread_mutex_lock(pthread_mutex_t* mutex) {
  MutexState* state = state_of<MutexState>(mutex);
  if (shim::mutex_lock_if_free(state)) return 0;
  return shim::mutex_lock(state, kNoDeadline, false);
}

extern "C" int pthread_mutex_trylock(pthread_mutex_t* mutex) {
  MutexState* state = state_of<MutexState>(mutex);
  if (shim::mutex_lock_if_free(state)) return 0;
  return shim::mutex_lock(state, kNoDeadline, true);
}

extern "C" int pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t clock,
                                       const timespec* deadline) {
  // POSIX: a lock that is free is taken even when the deadline has passed.
  int error = pthread_mutex_trylock(mutex);
  if (error != EBUSY) return error;
  int64_t deadline_ns;
  if (int invalid = shim::deadline_from(clock, deadline, &deadline_ns)) return invalid;
  return shim::mutex_lock(state_of<MutexState>(mutex), deadline_ns, false);
}

extern "C" int pthread_mutex_timedlock(pthread_mutex_t* mutex, const timespec* deadline) {
  return pthread_mutex_clocklock(mutex, CLOCK_REALTIME, deadline);
}

extern "C" int pthread_mutex_unlock(pthread_mutex_t* mutex) {
  MutexState* state = state_of<MutexState>(mutex);
  if (shim::mutex_unlock_unless_checking(state)) return 0;
  return shim::mutex_unlock(state);
}

extern "C" int pthread_mutex_consistent(pthread_mutex_t* mutex) {
  MutexState* state = state_of<MutexState>(mutex);
  if ((state->kind & shim::kRobustKind) == 0) return EINVAL;
  if (int error = shim::mutex_check_owner(state)) return error;
  uint32_t expected = shim::kRobustInconsistent;
  return state->robust_state.compare_exchange_strong(expected, shim::kRobustConsistent)
             ? 0
             : EINVAL;
}

// glibc's headers turn the old _np name into the POSIX one, but binaries
// built against older headers still reference it.
extern "C" int consistent_np(pthread_mutex_t* mutex) __asm__("pthread_mutex_consistent_np");
extern "C" int consistent_np(pthread_mutex_t* mutex) { return pthread_mutex_consistent(mutex); }

extern "C" int pthread_mutex_getprioceiling(const pthread_mutex_t* mutex, int* ceiling) {
  const MutexState* state = state_of<const MutexState>(mutex);
  if ((state->kind & shim::kPrioProtectKind) == 0) return EINVAL;
  *ceiling = static_cast<int>(state->prio_ceiling);
  return 0;
}

extern "C" int pthread_mutex_setprioceiling(pthread_mutex_t* mutex, int ceiling, int* old_ceiling) {
  MutexState* state = state_of<MutexState>(mutex);
  if ((state->kind & shim::kPrioProtectKind) == 0 || !valid_ceiling(ceiling)) return EINVAL;
  // POSIX: change it while holding the mutex, taking it if the caller
  // does not hold it already.
  bool held = state->owner.load(std::memory_order_relaxed) == shim::mutex_owner_id(state);
  if (!held) {
    if (int error = shim::mutex_lock(state, kNoDeadline, false)) return error;
  }
  *old_ceiling = static_cast<int>(state->prio_ceiling);
  state->prio_ceiling = static_cast<uint32_t>(ceiling);
  if (!held) shim::mutex_unlock(state);
  return 0;
}
