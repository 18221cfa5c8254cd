// See task_registry.h.
#include "runtime/task_registry.h"

#include <sys/mman.h>

#include <new>

extern "C" {
greenshim::Task* volatile greenshim_task_registry_head = nullptr;
}

namespace greenshim {

TaskRegistry::~TaskRegistry() {
  if (arena_ != nullptr) munmap(arena_, kMaxTasks * sizeof(Task));
  greenshim_task_registry_head = nullptr;
}

bool TaskRegistry::contains(const void* pointer) const {
  auto address = reinterpret_cast<uintptr_t>(pointer);
  auto start = reinterpret_cast<uintptr_t>(arena_);
  if (arena_ == nullptr || address < start || address >= start + kMaxTasks * sizeof(Task) ||
      (address - start) % sizeof(Task) != 0)
    return false;
  return static_cast<const Task*>(pointer)->state.load(std::memory_order_relaxed) !=
         TaskState::kFree;
}

Task* TaskRegistry::create() {
  SpinLockGuard guard(lock_);
  Task* task = free_list_;
  if (task != nullptr) {
    free_list_ = task->next_free;
  } else {
    if (arena_ == nullptr) {
      void* arena = mmap(nullptr, kMaxTasks * sizeof(Task), PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (arena == MAP_FAILED) return nullptr;
      arena_ = static_cast<Task*>(arena);
    }
    if (arena_used_ == kMaxTasks) return nullptr;
    task = &arena_[arena_used_++];
  }
  // The park number carries over to the recycled slot, so a late
  // arm_interruptible_park() aimed at the old task cannot match a park of
  // the new one (park.cc).
  uint32_t park_number = task->wake_state.load(std::memory_order_relaxed) & ~3u;
  new (task) Task;
  task->wake_state.store(park_number, std::memory_order_relaxed);
  task->id = next_id_++;
  task->registry_next = head_;
  if (head_ != nullptr) head_->registry_previous = task;
  head_ = task;
  greenshim_task_registry_head = head_;
  size_t live = live_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (live > peak_live_.load(std::memory_order_relaxed))
    peak_live_.store(live, std::memory_order_relaxed);
  return task;
}

size_t TaskRegistry::remove(Task* task) {
  SpinLockGuard guard(lock_);
  if (task->registry_previous != nullptr) {
    task->registry_previous->registry_next = task->registry_next;
  } else {
    head_ = task->registry_next;
    greenshim_task_registry_head = head_;
  }
  if (task->registry_next != nullptr) task->registry_next->registry_previous = task->registry_previous;
  task->registry_previous = task->registry_next = nullptr;
  return live_.fetch_sub(1, std::memory_order_relaxed) - 1;
}

void TaskRegistry::recycle(Task* task) {
  task->state.store(TaskState::kFree, std::memory_order_relaxed);
  SpinLockGuard guard(lock_);
  task->next_free = free_list_;
  free_list_ = task;
}

void TaskRegistry::reset_after_fork(Task* survivor) {
  lock_.reset_after_fork();
  survivor->registry_previous = survivor->registry_next = nullptr;
  head_ = survivor;
  greenshim_task_registry_head = head_;
  live_.store(1, std::memory_order_relaxed);
}

}  // namespace greenshim
