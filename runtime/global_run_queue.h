// The run queue shared by all workers: tasks that overflowed a worker's
// deque, tasks that yielded, and tasks made runnable from outside any worker.
// An intrusive FIFO under a lock, with an atomic length so that the common
// "is there anything?" check costs one load and no lock.
#pragma once

#include <atomic>
#include <cstddef>

#include "runtime/spin_lock.h"
#include "runtime/task.h"

namespace greenshim {

class GlobalRunQueue {
 public:
  void push(Task* task) {
    task->next_runnable = nullptr;
    SpinLockGuard guard(lock_);
    if (tail_ != nullptr) {
      tail_->next_runnable = task;
    } else {
      head_ = task;
    }
    tail_ = task;
    length_.fetch_add(1, std::memory_order_release);
  }

  Task* pop() {
    if (empty()) return nullptr;
    SpinLockGuard guard(lock_);
    Task* task = head_;
    if (task == nullptr) return nullptr;
    head_ = task->next_runnable;
    if (head_ == nullptr) tail_ = nullptr;
    length_.fetch_sub(1, std::memory_order_relaxed);
    return task;
  }

  bool empty() const { return length_.load(std::memory_order_acquire) == 0; }
  size_t length() const { return length_.load(std::memory_order_relaxed); }

  void reset_after_fork() {
    lock_.reset_after_fork();
    head_ = tail_ = nullptr;
    length_.store(0, std::memory_order_relaxed);
  }

 private:
  SpinLock lock_;
  Task* head_ = nullptr;
  Task* tail_ = nullptr;
  std::atomic<size_t> length_{0};
};

}  // namespace greenshim
