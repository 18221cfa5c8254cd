// The lock that guards the runtime's short critical sections (queues, pools,
// wait buckets, the task registry).
//
// It cannot be a pthread mutex: under the shim that would be our own
// interposed mutex, which parks green threads and so needs the very
// structures this lock protects. Sections are a few dozen instructions, so
// spinning is cheapest; after a while the spinner yields its CPU in case the
// holder's kernel thread was preempted (two vCPUs make that common).
#pragma once

#include <atomic>

#include "runtime/raw_syscall.h"

namespace greenshim {

class SpinLock {
 public:
  void lock() {
    for (int spins = 0;; ++spins) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (spins++ < 128) {
          __builtin_ia32_pause();
        } else {
          raw::sched_yield();
        }
      }
    }
  }
  bool try_lock() { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() { locked_.store(false, std::memory_order_release); }

  // After fork the child has one kernel thread; a lock some other thread
  // held at the time will never be released by it.
  void reset_after_fork() { locked_.store(false, std::memory_order_relaxed); }

 private:
  std::atomic<bool> locked_{false};
};

class SpinLockGuard {
 public:
  explicit SpinLockGuard(SpinLock& lock) : lock_(lock) { lock_.lock(); }
  ~SpinLockGuard() { lock_.unlock(); }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  SpinLock& lock_;
};

}  // namespace greenshim
