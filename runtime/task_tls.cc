// See task_tls.h.
#include "runtime/task_tls.h"

#include <cerrno>

#include "runtime/task.h"
#include "runtime/thread_pointer.h"
#include "runtime/worker.h"

namespace greenshim {
namespace {

ThreadBlockSupplier g_supplier;
bool g_in_use = false;

}  // namespace

void use_task_thread_blocks(const ThreadBlockSupplier& supplier) {
  choose_thread_pointer_writer();
  g_supplier = supplier;
  g_in_use = true;
}

bool task_thread_blocks_in_use() { return g_in_use; }

const ThreadBlockSupplier* thread_block_supplier() { return g_in_use ? &g_supplier : nullptr; }

int attach_thread_block(Task* task) {
  if (!g_in_use) return 0;
  task->thread_block = g_supplier.create(task->stack.mapping_size);
  if (task->thread_block == nullptr) return EAGAIN;
  task->context.thread_pointer = task->thread_block;
  return 0;
}

void release_thread_block(Task* task) {
  if (task->thread_block == nullptr) return;
  g_supplier.destroy(task->thread_block);
  task->thread_block = nullptr;
  task->context.thread_pointer = nullptr;
}

void* current_worker_thread_block() {
  Worker* worker = current_worker();
  return worker != nullptr ? worker->scheduler_context.thread_pointer : nullptr;
}

void* current_kernel_thread_block() {
  Worker* worker = current_worker();
  return worker != nullptr ? worker->kernel_thread_block : nullptr;
}

void set_current_kernel_thread_block(void* thread_pointer) {
  current_worker()->kernel_thread_block = thread_pointer;
}

void refresh_thread_block(Task* task, Worker* worker, int kernel_tid) {
  void* thread_pointer = task->context.thread_pointer;
  set_current_worker_in(thread_pointer, worker);
  // The main thread's block keeps the main kernel thread's id: glibc's list
  // of threads (which setxid and fork walk) names that kernel thread by it.
  if (task->thread_block != nullptr)
    *reinterpret_cast<int*>(static_cast<char*>(thread_pointer) + g_supplier.kernel_tid_offset) =
        kernel_tid;
}

}  // namespace greenshim
