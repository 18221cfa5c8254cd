// How the shim's synchronization state sits inside glibc's object sizes.
//
// The program allocates these objects, sizes them with glibc's headers and
// may initialize them statically, so every layout here (a) fits glibc's
// size, (b) treats all-zero bytes as a valid default object, and (c) keeps
// the fields glibc's static initializers set where glibc has them (the
// mutex kind). A static_assert pins each size.
#pragma once

#include <pthread.h>
#include <semaphore.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace greenshim::shim {

// pthread_mutex_t (40 bytes). `kind` is glibc's __kind, at the same offset,
// so PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP and friends mean what they mean.
// shim/mutex.cc describes the word of an ordinary mutex; a robust mutex's
// word has the kernel's robust-futex format instead (shim/robust_mutex.cc),
// and `robust_next` links it into the process's robust list while held.
struct MutexState {
  std::atomic<uint32_t> word;
  uint32_t recursion;  // extra acquisitions of a recursive mutex
  // Coarse time (ms) at which the waiters last made progress: the first
  // one started waiting, or one got the lock. Ordinary mutexes only.
  std::atomic<uint32_t> progress_ms;
  std::atomic<uint32_t> robust_state;  // RobustState, robust mutexes only
  int32_t kind;           // PTHREAD_MUTEX_{NORMAL,RECURSIVE,ERRORCHECK,ADAPTIVE}_NP | flags
  uint32_t prio_ceiling;  // recorded for PTHREAD_PRIO_PROTECT; no effect
  std::atomic<uintptr_t> owner;  // the holder's id (mutex.cc), for the kinds that check it
  void* robust_next;
};
static_assert(sizeof(MutexState) == sizeof(pthread_mutex_t));
static_assert(offsetof(MutexState, kind) == 16);

// pthread_cond_t (48 bytes).
struct CondState {
  std::atomic<uint32_t> sequence;  // bumped by every signal and broadcast
  std::atomic<uint32_t> waiters;
  uint32_t clock;                  // 0: CLOCK_REALTIME, 1: CLOCK_MONOTONIC
  uint32_t process_shared;         // 1: waits use the kernel's shared futex
  // The mutex the waiters use, when a broadcast may move them onto it
  // (see pthread_cond.cc); null otherwise.
  std::atomic<MutexState*> requeue_target;
  uint32_t unused[6];
};
static_assert(sizeof(CondState) == sizeof(pthread_cond_t));

// sem_t (32 bytes): glibc's own layout (value in the low word, waiters in
// the high word, then a private flag), so sem_open's glibc-initialized
// named semaphores work unchanged.
struct SemaphoreState {
  std::atomic<uint32_t> value;
  std::atomic<uint32_t> waiters;
  // glibc's convention, which sem_open writes: 0 for a process-private
  // semaphore, FUTEX_PRIVATE_FLAG (128) for a process-shared one (it is the
  // bit glibc flips off the futex operation).
  int32_t private_flag;
  uint32_t unused[5];
};
static_assert(sizeof(SemaphoreState) == sizeof(sem_t));

// pthread_barrier_t (32 bytes).
struct BarrierState {
  uint32_t count;
  std::atomic<uint32_t> arrived;
  std::atomic<uint32_t> generation;
  uint32_t unused[5];
};
static_assert(sizeof(BarrierState) == sizeof(pthread_barrier_t));

// pthread_rwlock_t (56 bytes). `flags` is glibc's __flags, at the same
// offset, so PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP keeps its
// meaning.
struct RwlockState {
  std::atomic<uint32_t> word;  // kWriter bit, or the number of readers
  std::atomic<uint32_t> writers_waiting;
  std::atomic<uint32_t> waiters;
  // Bumped by every release that waiters could use; waiters park on it
  // rather than on `word`, whose values recur (free, taken, free again).
  std::atomic<uint32_t> releases;
  uint32_t unused[6];
  std::atomic<uintptr_t> writer;  // Task* of the writer, for EDEADLK
  int32_t flags;                  // PTHREAD_RWLOCK_PREFER_*_NP
  uint32_t unused_tail;
};
static_assert(sizeof(RwlockState) == sizeof(pthread_rwlock_t));
static_assert(offsetof(RwlockState, flags) == 48);

template <typename State, typename Object>
State* state_of(Object* object) {
  return reinterpret_cast<State*>(object);
}

}  // namespace greenshim::shim
