// How a task begins and ends: spawn, join, detach, exit.
//
// Who frees a finished task is decided by Task::lifecycle, a word of three
// bits (task.h). The task sets kFinished only after it has switched off its
// stack for good (in the scheduler, finish_task below), so whoever sees
// kFinished may recycle the stack at once: a joiner, or the task's own
// finish step when kDetached was already set. Joiners sleep on the word
// itself with wait_on_address.
#include <cerrno>
#include <climits>
#include <cstring>

#include "runtime/park.h"
#include "runtime/probes.h"
#include "runtime/runtime.h"
#include "runtime/scheduler.h"
#include "runtime/task_tls.h"

namespace greenshim {
namespace {

void release_task(Scheduler* scheduler, Task* task) {
  release_thread_block(task);
  scheduler->stacks.release(task->stack);
  scheduler->registry.recycle(task);
}

[[noreturn]] void task_main(void* raw_task) {
  finish_first_switch();
  auto* task = static_cast<Task*>(raw_task);
  current_worker()->stats.tasks_run.add();
  if (task->thread_block != nullptr) thread_block_supplier()->start_on_task();
  deliver_pending_signals(task);  // posted before it first ran
  // The slot the call below pushes its return address into; the
  // preemption handler's stack scan stops there (preemption.h).
  uintptr_t stack_pointer;
  asm volatile("mov %%rsp, %0" : "=r"(stack_pointer));
  task->stack_scan_top = stack_pointer - sizeof(void*);
  exit_current_task(task->entry(task->argument));
}

// Runs on the scheduler stack once the task has left its own for good.
void finish_task(Task* task, void*) {
  Scheduler* scheduler = Scheduler::instance();
  task->state.store(TaskState::kFinished, std::memory_order_relaxed);
  destroy_context(&task->context);
  size_t remaining = scheduler->registry.remove(task);
  uint32_t before = task->lifecycle.fetch_or(lifecycle::kFinished, std::memory_order_acq_rel);
  // From here on `task` may already be recycled by a joiner; its address
  // is still a fine key for the wake.
  if ((before & lifecycle::kDetached) != 0) {
    release_task(scheduler, task);
  } else {
    wake_address(&task->lifecycle, INT_MAX);
  }
  if (remaining == 0 && scheduler->on_last_task_finished != nullptr)
    scheduler->on_last_task_finished();
}

// Sets `bit` unless the task is already detached or being joined.
int claim(Task* task, uint32_t bit, uint32_t* before) {
  uint32_t current = task->lifecycle.load(std::memory_order_acquire);
  do {
    if ((current & (lifecycle::kDetached | lifecycle::kJoining)) != 0) return EINVAL;
  } while (!task->lifecycle.compare_exchange_weak(current, current | bit,
                                                  std::memory_order_acq_rel));
  *before = current;
  return 0;
}

}  // namespace

bool runtime_started() { return Scheduler::instance() != nullptr; }
const RuntimeOptions& runtime_options() { return Scheduler::instance()->options; }
void set_last_task_hook(void (*hook)()) { Scheduler::instance()->on_last_task_finished = hook; }
void print_runtime_stats(int fd, StatsFormat format) {
  print_stats(*Scheduler::instance(), fd, format);
}

bool is_task(const void* pointer) {
  Scheduler* scheduler = Scheduler::instance();
  return scheduler != nullptr && scheduler->registry.contains(pointer);
}

void for_each_live_task(void (*visit)(Task* task, void* context), void* context) {
  Scheduler::instance()->registry.for_each_live([visit, context](Task* task) { visit(task, context); });
}

int spawn(void* (*entry)(void*), void* argument, const SpawnOptions& options, Task** out) {
  Scheduler* scheduler = Scheduler::instance();
  if (scheduler == nullptr) return EAGAIN;
  Task* task = scheduler->registry.create();
  if (task == nullptr) return EAGAIN;
  if (options.stack_address != nullptr) {
    task->stack.mapping = static_cast<char*>(options.stack_address);
    task->stack.mapping_size = options.stack_size;
    task->stack.owned = false;
  } else {
    size_t size = options.stack_size != 0 ? options.stack_size
                                          : scheduler->options.default_stack_size;
    size_t guard = options.guard_size != SIZE_MAX ? options.guard_size
                                                  : scheduler->options.default_guard_size;
    int error = scheduler->stacks.allocate(size, guard, &task->stack);
    if (error != 0) {
      scheduler->registry.remove(task);
      scheduler->registry.recycle(task);
      return error;
    }
  }
  if (attach_thread_block(task) != 0) {
    scheduler->registry.remove(task);
    release_task(scheduler, task);
    return EAGAIN;
  }
  task->entry = entry;
  task->argument = argument;
  // As with clone(), a new thread starts with its creator's name and
  // signal mask.
  if (Task* creator = current_task()) {
    memcpy(task->name, creator->name, sizeof task->name);
    task->signal_mask = creator->signal_mask;
  }
  task->lifecycle.store(options.detached ? lifecycle::kDetached : 0, std::memory_order_relaxed);
  make_context(&task->context, task->stack.low(), task->stack.usable_size(),
               reinterpret_cast<void (*)(void*)>(task_main), task);
  *out = task;
  count_event(&WorkerStats::tasks_created);
  GREENSHIM_PROBE_TASK_CREATE(task->id, current_task() != nullptr ? current_task()->id : 0);
  scheduler->ensure_kernel_threads();
  scheduler->make_runnable(task, true);
  return 0;
}

int join(Task* task, void** result, JoinMode mode, int64_t deadline_ns) {
  if (!is_task(task)) return ESRCH;
  if (task == current_task()) return EDEADLK;
  uint32_t before;
  if (int error = claim(task, lifecycle::kJoining, &before)) return error;
  uint32_t word = before | lifecycle::kJoining;
  while ((word & lifecycle::kFinished) == 0) {
    int error = mode == JoinMode::kTry
                    ? EBUSY
                    : wait_on_address(&task->lifecycle, word, deadline_ns, "join", nullptr,
                                      WaitPosition::kLast, Interruptible::kYes);
    if (error == EBUSY || error == ETIMEDOUT || error == EINTR) {
      // Give the claim back, unless the task finished meanwhile.
      word = task->lifecycle.fetch_and(~lifecycle::kJoining, std::memory_order_acq_rel);
      if ((word & lifecycle::kFinished) == 0) return error;
      break;
    }
    word = task->lifecycle.load(std::memory_order_acquire);
  }
  if (result != nullptr) *result = task->result;
  release_task(Scheduler::instance(), task);
  return 0;
}

int detach(Task* task) {
  if (!is_task(task)) return ESRCH;
  uint32_t before;
  if (int error = claim(task, lifecycle::kDetached, &before)) return error;
  if ((before & lifecycle::kFinished) != 0) release_task(Scheduler::instance(), task);
  return 0;
}

void exit_current_task(void* result) {
  Task* self = current_task();
  self->result = result;
  if (self->context.thread_pointer != nullptr) thread_block_supplier()->run_exit_destructors();
  task_local_run_destructors(self);
  GREENSHIM_PROBE_TASK_EXIT(self->id);
  park_current("exit", AfterSwitch{finish_task, nullptr});
  __builtin_unreachable();
}

}  // namespace greenshim
