// The mutex: a three-state word (Drepper, "Futexes Are Tricky", mutex 2)
// whose waiters park as green threads through the runtime's address waits.
// Uncontended lock and unlock are one atomic instruction each; the checking
// kinds (errorcheck, recursive) also record the owning task.
#include "shim/mutex.h"

#include <cerrno>
#include <climits>

#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "shim/word_wait.h"

namespace greenshim::shim {
namespace {

constexpr uint32_t kUnlocked = 0;
constexpr uint32_t kLocked = 1;
constexpr uint32_t kContended = 2;
// Short enough to cost less than a park and wake; long enough to ride out
// a holder that is running on another worker for a few hundred cycles.
constexpr int kSpins = 100;

int type_of(const MutexState* mutex) { return mutex->kind & 3; }
bool shared(const MutexState* mutex) { return (mutex->kind & kProcessSharedKind) != 0; }

// The owner recorded by checking kinds: the task; for a process-shared
// mutex, the task's id qualified by the process id (owners are compared
// across processes, and a forked child has copies of its parent's task
// addresses); for a kernel thread the runtime does not manage, its thread
// id with the top bit set (never a task address).
uintptr_t self_id(const MutexState* mutex) {
  Task* task = current_task();
  if (task == nullptr) return (uintptr_t{1} << 63) | static_cast<uintptr_t>(raw::gettid());
  if (!shared(mutex)) return reinterpret_cast<uintptr_t>(task);
  return (uintptr_t{static_cast<uint32_t>(raw::syscall6(SYS_getpid))} << 32) ^ task->id;
}

int acquire_word(MutexState* mutex, int64_t deadline_ns, bool try_only) {
  uint32_t expected = kUnlocked;
  if (mutex->word.compare_exchange_strong(expected, kLocked, std::memory_order_acquire)) return 0;
  if (try_only) return EBUSY;
  for (int spin = 0; spin < kSpins; ++spin) {
    __builtin_ia32_pause();
    expected = kUnlocked;
    if (mutex->word.load(std::memory_order_relaxed) == kUnlocked &&
        mutex->word.compare_exchange_strong(expected, kLocked, std::memory_order_acquire))
      return 0;
  }
  while (mutex->word.exchange(kContended, std::memory_order_acquire) != kUnlocked) {
    int error = wait_on_word(&mutex->word, kContended, deadline_ns, shared(mutex), "mutex");
    if (error == ETIMEDOUT) return ETIMEDOUT;
  }
  return 0;
}

void release_word(MutexState* mutex) {
  if (mutex->word.exchange(kUnlocked, std::memory_order_release) == kContended)
    wake_word(&mutex->word, 1, shared(mutex));
}

}  // namespace

int mutex_lock(MutexState* mutex, int64_t deadline_ns, bool try_only) {
  int type = type_of(mutex);
  if (type == PTHREAD_MUTEX_RECURSIVE || type == PTHREAD_MUTEX_ERRORCHECK) {
    if (mutex->owner.load(std::memory_order_relaxed) == self_id(mutex)) {
      if (type == PTHREAD_MUTEX_ERRORCHECK) return try_only ? EBUSY : EDEADLK;
      if (mutex->recursion == UINT32_MAX) return EAGAIN;
      ++mutex->recursion;
      return 0;
    }
  }
  int error = acquire_word(mutex, deadline_ns, try_only);
  if (error == 0 && type != PTHREAD_MUTEX_NORMAL && type != PTHREAD_MUTEX_ADAPTIVE_NP)
    mutex->owner.store(self_id(mutex), std::memory_order_relaxed);
  return error;
}

int mutex_check_owner(const MutexState* mutex) {
  int type = type_of(mutex);
  if (type != PTHREAD_MUTEX_RECURSIVE && type != PTHREAD_MUTEX_ERRORCHECK) return 0;
  return mutex->owner.load(std::memory_order_relaxed) == self_id(mutex) ? 0 : EPERM;
}

int mutex_unlock(MutexState* mutex) {
  if (int error = mutex_check_owner(mutex)) return error;
  int type = type_of(mutex);
  if (type == PTHREAD_MUTEX_RECURSIVE || type == PTHREAD_MUTEX_ERRORCHECK) {
    if (mutex->recursion > 0) {
      --mutex->recursion;
      return 0;
    }
    mutex->owner.store(0, std::memory_order_relaxed);
  }
  release_word(mutex);
  return 0;
}

uint32_t mutex_release_for_wait(MutexState* mutex) {
  uint32_t recursion = mutex->recursion;
  mutex->recursion = 0;
  mutex->owner.store(0, std::memory_order_relaxed);
  release_word(mutex);
  return recursion;
}

void mutex_reacquire_after_wait(MutexState* mutex, uint32_t recursion) {
  // Other waiters woken by a broadcast may be queued behind us: take the
  // word as contended so our unlock wakes the next one.
  while (mutex->word.exchange(kContended, std::memory_order_acquire) != kUnlocked)
    wait_on_word(&mutex->word, kContended, kNoDeadline, shared(mutex), "mutex");
  int type = type_of(mutex);
  if (type == PTHREAD_MUTEX_RECURSIVE || type == PTHREAD_MUTEX_ERRORCHECK)
    mutex->owner.store(self_id(mutex), std::memory_order_relaxed);
  mutex->recursion = recursion;
}

}  // namespace greenshim::shim
