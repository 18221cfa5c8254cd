// Task-local storage keys: a value per (task, key), with an optional
// destructor run when the task ends. The shim maps pthread keys and C11 tss
// onto them one to one.
//
// Layout follows glibc's: a global table of keys, each with a sequence
// number that is odd while the key is in use, so deleting a key and creating
// another in its slot invalidates every task's old value without visiting
// them. A task's values sit in blocks of 32 allocated on first use, so a task
// that uses no keys pays nothing.
#pragma once

#include <cstdint>

namespace greenshim {

struct Task;

constexpr unsigned kTaskLocalKeys = 1024;
constexpr unsigned kTaskLocalBlockSize = 32;
constexpr int kTaskLocalDestructorRounds = 4;

struct TaskLocalSlot {
  void* value = nullptr;
  uint64_t sequence = 0;
};

struct TaskLocalValues {
  TaskLocalSlot* blocks[kTaskLocalKeys / kTaskLocalBlockSize] = {};
};

// 0, or EAGAIN when all keys are in use.
int task_local_key_create(void (*destructor)(void*), unsigned* key);
// 0, or EINVAL for a key that is not in use.
int task_local_key_delete(unsigned key);
// `task` null: the calling kernel thread's own values, for code that runs
// outside any task.
void* task_local_get(Task* task, unsigned key);
// 0, EINVAL for a key not in use, ENOMEM when the block cannot be allocated.
int task_local_set(Task* task, unsigned key, const void* value);
// The calling kernel thread becomes `task` (adoption): the values it set
// outside any task become the task's.
void task_local_adopt_outside_values(Task* task);
// Runs the destructors of the task's non-null values, in rounds, as POSIX
// says for thread exit; then frees the task's blocks.
void task_local_run_destructors(Task* task);

}  // namespace greenshim
