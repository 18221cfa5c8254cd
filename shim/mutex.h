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

// The word of an ordinary mutex (mutex.cc): a locked bit, a bit saying an
// unlock has woken a waiter that has not run yet, a hand-off bit, the
// number of waiters, and in the top bits a count of unlocks that wraps.
constexpr uint32_t kMutexLocked = 1;
constexpr uint32_t kMutexWoken = 2;
constexpr uint32_t kMutexHandOff = 4;
constexpr uint32_t kMutexOneWaiter = 8;
constexpr int kMutexUnlockCountShift = 28;
constexpr uint32_t kMutexOneUnlock = uint32_t{1} << kMutexUnlockCountShift;
constexpr uint32_t kMutexWaiters = kMutexOneUnlock - kMutexOneWaiter;

inline uint32_t mutex_waiters_in(uint32_t word) {
  return (word & kMutexWaiters) / kMutexOneWaiter;
}

// Whether an unlock of `word` checks, before it lets the mutex go, that the
// waiters are not starving (mutex.cc): one unlock in 16 does, when there
// are waiters.
inline bool mutex_unlock_checks_starvation(uint32_t word) {
  return (word >> kMutexUnlockCountShift) == 0 && mutex_waiters_in(word) != 0;
}

// After an unlock that found waiters and none of them woken: wake one,
// unless someone else has meanwhile.
void mutex_wake_a_waiter(MutexState* mutex);

// The common cases of the normal and adaptive kinds, inlined into the
// entry points: lock and unlock are a load and one atomic instruction
// each, also while others wait (only one unlock in 16 looks further, and
// an unlock wakes a waiter when none of them is already on its way).
inline bool is_plain(const MutexState* mutex) {
  int kind = mutex->kind & ~kProcessSharedKind;
  return kind == PTHREAD_MUTEX_NORMAL || kind == PTHREAD_MUTEX_ADAPTIVE_NP;
}
// A handed-off mutex stays locked, so no locker can take it from the
// waiter it was passed to. Looking first leaves a held mutex's cache line
// with its holder, which needs it again to unlock.
inline bool mutex_try_take(MutexState* mutex) {
  uint32_t word = mutex->word.load(std::memory_order_relaxed);
  while ((word & kMutexLocked) == 0) {
    if (mutex->word.compare_exchange_weak(word, word | kMutexLocked, std::memory_order_acquire))
      return true;
  }
  return false;
}
inline bool mutex_lock_if_free(MutexState* mutex) {
  return is_plain(mutex) && mutex_try_take(mutex);
}
// False, having done nothing, for mutex_unlock to deal with: the other
// kinds, a free mutex (unlocking it is undefined; the add would corrupt the
// word), and the unlocks that check on the waiters.
inline bool mutex_unlock_unless_checking(MutexState* mutex) {
  if (!is_plain(mutex)) return false;
  // The unlock count only changes under the lock, so it cannot move between
  // this load and the release.
  uint32_t word = mutex->word.load(std::memory_order_relaxed);
  if ((word & kMutexLocked) == 0 || mutex_unlock_checks_starvation(word)) return false;
  uint32_t before =
      mutex->word.fetch_add(kMutexOneUnlock - kMutexLocked, std::memory_order_release);
  if (mutex_waiters_in(before) != 0 && (before & kMutexWoken) == 0) mutex_wake_a_waiter(mutex);
  return true;
}

// Whether pthread_mutex_destroy would destroy a mutex in use: held, or
// waited for.
bool mutex_in_use(const MutexState* mutex);

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
