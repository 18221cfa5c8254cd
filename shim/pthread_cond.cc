// Condition variables. A waiter reads the sequence word, releases the
// mutex, and parks while the word is unchanged; signal and broadcast bump
// the word and wake one or all. Because the waiter is counted before it
// reads the word, a signaller holding the mutex never skips a waiter that
// already tested its predicate. Wake-ups may be spurious, as POSIX allows.
//
// Broadcast wakes one waiter and moves the others onto the mutex's word,
// counted there as its waiters: the mutex's unlocks then wake them one at a
// time, instead of all of them waking together only to queue on the mutex
// (a thundering herd). The woken one takes the mutex, and its unlock
// starts the chain. Process-shared and robust mutexes are not moved onto
// (their waits are the kernel's, or their word has the kernel's format).
#include <pthread.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "runtime/runtime.h"
#include "shim/cancellation.h"
#include "shim/deadline.h"
#include "shim/mutex.h"
#include "shim/word_wait.h"

using namespace greenshim;
using shim::CondState;
using shim::MutexState;
using shim::state_of;

namespace {

// A cancellation point: on entry, and when a cancellation ends the wait,
// after the mutex is taken again (POSIX: the cleanup handlers run with it
// held). A signal that ends the wait has had its handler run; the wait
// then returns as a spurious wake-up, which POSIX allows.
int wait_until(pthread_cond_t* cond, pthread_mutex_t* mutex, int64_t deadline_ns) {
  shim::cancellation_point();
  MutexState* mutex_state = state_of<MutexState>(mutex);
  if (int error = shim::mutex_check_owner(mutex_state)) return error;
  CondState* state = state_of<CondState>(cond);
  state->waiters.fetch_add(1, std::memory_order_seq_cst);
  uint32_t sequence = state->sequence.load(std::memory_order_seq_cst);
  bool movable = state->process_shared == 0 && shim::mutex_accepts_requeue(mutex_state);
  state->requeue_target.store(movable ? mutex_state : nullptr, std::memory_order_relaxed);
  uint32_t recursion = shim::mutex_release_for_wait(mutex_state);
  WakeInfo info;
  int error = shim::wait_on_word(&state->sequence, sequence, deadline_ns, state->process_shared != 0,
                                 "condvar", &info, WaitPosition::kLast, Interruptible::kYes);
  state->waiters.fetch_sub(1, std::memory_order_relaxed);
  if (int lock_error = shim::mutex_reacquire_after_wait(mutex_state, recursion, error, info))
    return lock_error;
  if (error == EINTR) {
    shim::cancellation_point();
    return 0;
  }
  // A waiter moved by a broadcast was woken, even if its deadline passed
  // while it waited for the mutex.
  bool moved = info.address == &mutex_state->word;
  return error == ETIMEDOUT && !moved ? ETIMEDOUT : 0;
}

void count_moved_waiters(int moved, void* mutex) {
  shim::mutex_add_requeued_waiters(static_cast<MutexState*>(mutex), moved);
}

int wake(pthread_cond_t* cond, int count) {
  CondState* state = state_of<CondState>(cond);
  if (state->waiters.load(std::memory_order_seq_cst) == 0) return 0;
  state->sequence.fetch_add(1, std::memory_order_seq_cst);
  MutexState* mutex = state->requeue_target.load(std::memory_order_relaxed);
  if (count > 1 && mutex != nullptr) {
    requeue_address(&state->sequence, &mutex->word, count_moved_waiters, mutex);
  } else {
    shim::wake_word(&state->sequence, count, state->process_shared != 0);
  }
  return 0;
}

}  // namespace

extern "C" int pthread_cond_init(pthread_cond_t* cond, const pthread_condattr_t* attributes) {
  clockid_t clock = CLOCK_REALTIME;
  int process_shared = PTHREAD_PROCESS_PRIVATE;
  if (attributes != nullptr && (pthread_condattr_getclock(attributes, &clock) != 0 ||
                                pthread_condattr_getpshared(attributes, &process_shared) != 0))
    return EINVAL;
  memset(cond, 0, sizeof *cond);
  state_of<CondState>(cond)->clock = clock == CLOCK_MONOTONIC ? 1 : 0;
  state_of<CondState>(cond)->process_shared = process_shared == PTHREAD_PROCESS_SHARED ? 1 : 0;
  return 0;
}

extern "C" int pthread_cond_destroy(pthread_cond_t* cond) {
  return state_of<CondState>(cond)->waiters.load(std::memory_order_seq_cst) != 0 ? EBUSY : 0;
}

extern "C" int pthread_cond_wait(pthread_cond_t* cond, pthread_mutex_t* mutex) {
  return wait_until(cond, mutex, kNoDeadline);
}

extern "C" int pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                      clockid_t clock, const timespec* deadline) {
  int64_t deadline_ns;
  if (int error = shim::deadline_from(clock, deadline, &deadline_ns)) return error;
  return wait_until(cond, mutex, deadline_ns);
}

extern "C" int pthread_cond_timedwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                      const timespec* deadline) {
  clockid_t clock = state_of<CondState>(cond)->clock == 1 ? CLOCK_MONOTONIC : CLOCK_REALTIME;
  return pthread_cond_clockwait(cond, mutex, clock, deadline);
}

extern "C" int pthread_cond_signal(pthread_cond_t* cond) { return wake(cond, 1); }

extern "C" int pthread_cond_broadcast(pthread_cond_t* cond) { return wake(cond, INT_MAX); }
