// See task_local.h.
#include "runtime/task_local.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>

#include "runtime/task.h"

namespace greenshim {
namespace {

struct KeySlot {
  std::atomic<uint64_t> sequence{0};  // odd: in use
  std::atomic<void (*)(void*)> destructor{nullptr};
};

KeySlot g_keys[kTaskLocalKeys];

// The values of code that runs outside any task, per kernel thread: library
// constructors that use keys before the runtime adopts the main thread
// (GLib's do), whose values then pass to the main task; and program code
// the runtime's own kernel threads run, such as a signal handler.
thread_local TaskLocalValues t_values_outside_tasks;

TaskLocalValues& values_of(Task* task) {
  return task != nullptr ? task->locals : t_values_outside_tasks;
}

bool key_in_use(unsigned key, uint64_t* sequence) {
  if (key >= kTaskLocalKeys) return false;
  *sequence = g_keys[key].sequence.load(std::memory_order_acquire);
  return (*sequence & 1) != 0;
}

}  // namespace

int task_local_key_create(void (*destructor)(void*), unsigned* key) {
  for (unsigned candidate = 0; candidate < kTaskLocalKeys; ++candidate) {
    uint64_t sequence = g_keys[candidate].sequence.load(std::memory_order_relaxed);
    if ((sequence & 1) != 0) continue;
    // The destructor is stored before the key is published as in use.
    g_keys[candidate].destructor.store(destructor, std::memory_order_relaxed);
    if (g_keys[candidate].sequence.compare_exchange_strong(sequence, sequence + 1,
                                                           std::memory_order_acq_rel)) {
      *key = candidate;
      return 0;
    }
  }
  return EAGAIN;
}

int task_local_key_delete(unsigned key) {
  uint64_t sequence;
  if (!key_in_use(key, &sequence)) return EINVAL;
  return g_keys[key].sequence.compare_exchange_strong(sequence, sequence + 1,
                                                      std::memory_order_acq_rel)
             ? 0
             : EINVAL;
}

void* task_local_get(Task* task, unsigned key) {
  uint64_t sequence;
  if (!key_in_use(key, &sequence)) return nullptr;
  TaskLocalSlot* block = values_of(task).blocks[key / kTaskLocalBlockSize];
  if (block == nullptr) return nullptr;
  TaskLocalSlot& slot = block[key % kTaskLocalBlockSize];
  return slot.sequence == sequence ? slot.value : nullptr;
}

int task_local_set(Task* task, unsigned key, const void* value) {
  uint64_t sequence;
  if (!key_in_use(key, &sequence)) return EINVAL;
  TaskLocalSlot*& block = values_of(task).blocks[key / kTaskLocalBlockSize];
  if (block == nullptr) {
    block = static_cast<TaskLocalSlot*>(calloc(kTaskLocalBlockSize, sizeof(TaskLocalSlot)));
    if (block == nullptr) return ENOMEM;
  }
  TaskLocalSlot& slot = block[key % kTaskLocalBlockSize];
  slot.value = const_cast<void*>(value);
  slot.sequence = sequence;
  return 0;
}

void task_local_adopt_outside_values(Task* task) {
  task->locals = t_values_outside_tasks;
  t_values_outside_tasks = TaskLocalValues{};
}

void task_local_run_destructors(Task* task) {
  for (int round = 0; round < kTaskLocalDestructorRounds; ++round) {
    bool called_any = false;
    for (unsigned block_index = 0; block_index < kTaskLocalKeys / kTaskLocalBlockSize;
         ++block_index) {
      TaskLocalSlot* block = task->locals.blocks[block_index];
      if (block == nullptr) continue;
      for (unsigned offset = 0; offset < kTaskLocalBlockSize; ++offset) {
        TaskLocalSlot& slot = block[offset];
        if (slot.value == nullptr) continue;
        unsigned key = block_index * kTaskLocalBlockSize + offset;
        uint64_t sequence;
        void (*destructor)(void*) = g_keys[key].destructor.load(std::memory_order_relaxed);
        void* value = slot.value;
        slot.value = nullptr;
        if (!key_in_use(key, &sequence) || slot.sequence != sequence || destructor == nullptr)
          continue;
        destructor(value);
        called_any = true;
      }
    }
    if (!called_any) break;
  }
  for (TaskLocalSlot*& block : task->locals.blocks) {
    free(block);
    block = nullptr;
  }
}

}  // namespace greenshim
