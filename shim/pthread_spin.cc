// Spin locks. A green thread must not spin forever on a lock whose holder
// is parked behind it on the same worker, so after a short spin the waiter
// yields, which runs any other runnable task first (the holder included).
#include <pthread.h>

#include <atomic>
#include <cerrno>

#include "runtime/runtime.h"

using greenshim::yield;

namespace {

std::atomic<int>* word_of(pthread_spinlock_t* lock) {
  static_assert(sizeof(std::atomic<int>) == sizeof(pthread_spinlock_t));
  return reinterpret_cast<std::atomic<int>*>(const_cast<int*>(lock));
}

}  // namespace

extern "C" int pthread_spin_init(pthread_spinlock_t* lock, int) {
  word_of(lock)->store(0, std::memory_order_relaxed);
  return 0;
}

extern "C" int pthread_spin_destroy(pthread_spinlock_t*) { return 0; }

extern "C" int pthread_spin_lock(pthread_spinlock_t* lock) {
  std::atomic<int>* word = word_of(lock);
  for (int attempt = 0;; ++attempt) {
    if (word->load(std::memory_order_relaxed) == 0 &&
        word->exchange(1, std::memory_order_acquire) == 0)
      return 0;
    if (attempt % 64 == 63) {
      yield();
    } else {
      __builtin_ia32_pause();
    }
  }
}

extern "C" int pthread_spin_trylock(pthread_spinlock_t* lock) {
  return word_of(lock)->exchange(1, std::memory_order_acquire) == 0 ? 0 : EBUSY;
}

extern "C" int pthread_spin_unlock(pthread_spinlock_t* lock) {
  word_of(lock)->store(0, std::memory_order_release);
  return 0;
}
