// The mutex algorithm behind pthread_mutex_*, also used by the condition
// variable to release and re-take the caller's mutex around a wait.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>

#include "runtime/runtime.h"
#include "shim/sync_layout.h"

namespace greenshim::shim {

// glibc's flag bits in the kind word, above the type (PTHREAD_MUTEX_*).
constexpr int kRobustKind = 16;           // PTHREAD_MUTEX_ROBUST_NORMAL_NP
constexpr int kPrioInheritKind = 32;      // PTHREAD_MUTEX_PRIO_INHERIT_NP
constexpr int kPrioProtectKind = 64;      // PTHREAD_MUTEX_PRIO_PROTECT_NP
constexpr int kProcessSharedKind = 128;   // PTHREAD_MUTEX_PSHARED_BIT

// The word of an ordinary mutex: a locked bit, a bit saying an unlock has
// woken a waiter that has not run yet, a hand-off bit, and the number of
// waiters above them (mutex.cc).
constexpr uint32_t kMutexLocked = 1;

// The uncontended cases of the normal and adaptive kinds, inlined into the
// entry points so that the common lock and unlock are one atomic each.
inline bool is_plain(const MutexState* mutex) {
  int kind = mutex->kind & ~kProcessSharedKind;
  return kind == PTHREAD_MUTEX_NORMAL || kind == PTHREAD_MUTEX_ADAPTIVE_NP;
}
inline bool mutex_lock_if_free(MutexState* mutex) {
  uint32_t expected = 0;
  return is_plain(mutex) &&
         mutex->word.compare_exchange_strong(expected, kMutexLocked, std::memory_order_acquire);
}
inline bool mutex_unlock_if_uncontended(MutexState* mutex) {
  uint32_t expected = kMutexLocked;
  return is_plain(mutex) &&
         mutex->word.compare_exchange_strong(expected, 0, std::memory_order_release);
}

// 0 or a POSIX error (EDEADLK, EBUSY, ETIMEDOUT, EPERM, EAGAIN, and for
// robust mutexes EOWNERDEAD and ENOTRECOVERABLE).
int mutex_lock(MutexState* mutex, int64_t deadline_ns, bool try_only);
int mutex_unlock(MutexState* mutex);

// 0, or EPERM when the mutex records its owner (errorcheck, recursive,
// robust) and the caller does not hold it.
int mutex_check_owner(const MutexState* mutex);

// The identity of the caller as an owner of `mutex`.
uintptr_t mutex_owner_id(const MutexState* mutex);

// A condition wait gives the mutex up completely, whatever its recursion
// depth, and restores it afterwards. `wait_error` and `info` say how the
// condition wait ended: a broadcast may have moved the waiter onto the
// mutex's own word (mutex_add_requeued_waiters), where an unlock may even
// have handed it the mutex. Returns 0, or EOWNERDEAD/ENOTRECOVERABLE for a
// robust mutex.
uint32_t mutex_release_for_wait(MutexState* mutex);
int mutex_reacquire_after_wait(MutexState* mutex, uint32_t recursion, int wait_error,
                               const WakeInfo& info);

// Whether a broadcast may move condition waiters onto this mutex's word
// (private, not robust), and the accounting for `count` so moved.
bool mutex_accepts_requeue(const MutexState* mutex);
void mutex_add_requeued_waiters(MutexState* mutex, int count);

}  // namespace greenshim::shim
