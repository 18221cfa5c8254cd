// Where Task objects come from and the list of every live one.
//
// Tasks are carved from one reserved arena and recycled through a free
// list, never deleted, for three reasons: creating a thread should not cost a
// trip through malloc; a stale handle must stay readable memory (see
// task.h); and the shim can tell a real task handle from garbage (ESRCH) by
// checking that it points at a Task slot inside the arena. The live list is what
// a debugger or a stats dump walks to find every green thread; its head is a
// plain global (greenshim_task_registry_head) so tools can find it by symbol.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "runtime/spin_lock.h"
#include "runtime/task.h"

namespace greenshim {

class TaskRegistry {
 public:
  TaskRegistry() = default;
  ~TaskRegistry();
  TaskRegistry(const TaskRegistry&) = delete;
  TaskRegistry& operator=(const TaskRegistry&) = delete;

  // A fresh Task (default state, a new id) already on the live list, or
  // nullptr when memory is exhausted.
  Task* create();
  // Takes a task off the live list; it stays allocated until recycle().
  // Returns how many tasks remain live.
  size_t remove(Task* task);
  void recycle(Task* task);

  // True if `pointer` is the start of a Task slot that is not on the free
  // list.
  bool contains(const void* pointer) const;

  size_t live_count() const { return live_.load(std::memory_order_relaxed); }
  // Calls visit(task) for every live task, under the registry's lock (so
  // no task is created or removed meanwhile; keep `visit` short).
  template <typename Visit>
  void for_each_live(Visit visit) {
    SpinLockGuard guard(lock_);
    for (Task* task = head_; task != nullptr; task = task->registry_next) visit(task);
  }
  size_t peak_live_count() const { return peak_live_.load(std::memory_order_relaxed); }

  // After fork only `survivor` exists in the child.
  void lock_for_fork() { lock_.lock(); }
  void unlock_after_fork() { lock_.unlock(); }
  void reset_after_fork(Task* survivor);

 private:
  static constexpr size_t kMaxTasks = size_t{1} << 22;

  SpinLock lock_;
  Task* arena_ = nullptr;  // kMaxTasks slots, reserved, committed as touched
  size_t arena_used_ = 0;
  Task* head_ = nullptr;
  Task* free_list_ = nullptr;
  uint64_t next_id_ = 1;
  std::atomic<size_t> live_{0};
  std::atomic<size_t> peak_live_{0};
};

}  // namespace greenshim

// For debuggers: the first live task of the running process's registry.
extern "C" greenshim::Task* volatile greenshim_task_registry_head;
