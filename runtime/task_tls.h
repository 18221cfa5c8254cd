// Thread-local storage per task: the runtime's half.
//
// A task with a thread block of its own runs with %fs pointing at it, so its
// __thread variables, errno and C++ thread_locals are its own wherever it
// runs. The C library decides what a block holds (the shim builds glibc's
// layout, shim/thread_block.h); the runtime only
//   - asks for a block when it spawns a task and gives it back when the task
//     is freed (pooling is the supplier's business),
//   - loads the task's block on every switch into the task, and the
//     worker's own when the task switches out, so scheduler code always runs
//     on the kernel thread's block (switch_context, context.h),
//   - keeps two words of a task's block true on every switch in: the
//     runtime's own current-worker variable, and the kernel thread id where
//     the supplier says the C library reads it,
//   - asks the supplier to run the thread-exit destructors on an exiting task.
// The adopted main task keeps the main thread's block (constructors may have
// filled it before main), so worker 0's scheduler gets a fresh block.
// Without a supplier (the runtime's own tests, GREENSHIM_TLS=worker) nothing
// of this happens: tasks share their worker's block.
#pragma once

#include <cstddef>

namespace greenshim {

struct Task;
class Worker;

struct ThreadBlockSupplier {
  // A new block, the value for %fs, for a thread whose stack (with its
  // guard) is `stack_size` bytes; nullptr when there is no memory.
  void* (*create)(size_t stack_size);
  // Takes back a block from create() that no kernel thread runs on.
  void (*destroy)(void* thread_pointer);
  // Runs on a new task, its block loaded, before its entry function: the
  // C library's per-thread set-up that a new kernel thread gets there.
  void (*start_on_task)();
  // Runs on the exiting task, its block loaded, before task-local (key)
  // destructors, as glibc orders them.
  void (*run_exit_destructors)();
  // Where, from the thread pointer, a block keeps its kernel thread id.
  ptrdiff_t kernel_tid_offset;
};

// Before the runtime starts.
void use_task_thread_blocks(const ThreadBlockSupplier& supplier);
bool task_thread_blocks_in_use();
// nullptr when not in use.
const ThreadBlockSupplier* thread_block_supplier();

// Gives a new task its block: 0 or EAGAIN.
int attach_thread_block(Task* task);
// Returns a freed task's block to the supplier.
void release_thread_block(Task* task);
// The block the calling task's worker runs its scheduler on: the kernel
// thread's own (worker 0's is a fresh one). nullptr when not in use.
void* current_worker_thread_block();
// The block the C library lists for the calling kernel thread
// (Worker::kernel_thread_block); nullptr outside workers, whose %fs never
// moves. The shim changes it when a fork child's C library lists another.
void* current_kernel_thread_block();
void set_current_kernel_thread_block(void* thread_pointer);
// The words of `task`'s block that follow the kernel thread, set by
// `worker` just before it switches the task in.
void refresh_thread_block(Task* task, Worker* worker, int kernel_tid);

}  // namespace greenshim
