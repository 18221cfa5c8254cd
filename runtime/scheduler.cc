// Start-up, shutdown, fork, and the idle-worker protocol; see scheduler.h.
#include "runtime/scheduler.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/blocking_pool.h"
#include "runtime/crash_report.h"
#include "runtime/kernel_thread.h"
#include "runtime/log.h"
#include "runtime/monitor.h"
#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "runtime/schedtrace.h"
#include "runtime/task.h"
#include "runtime/task_tls.h"

namespace greenshim {

std::atomic<Scheduler*> Scheduler::instance_{nullptr};

namespace {

constexpr size_t kSchedulerStackSize = 256 * 1024;

int default_worker_count() {
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof cpus, &cpus) == 0) {
    int count = CPU_COUNT(&cpus);
    if (count > 0) return count;
  }
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? static_cast<int>(online) : 1;
}

RuntimeOptions resolved(RuntimeOptions options) {
  if (options.workers <= 0) options.workers = default_worker_count();
  return options;
}

void worker_thread_main(void* raw_worker) {
  auto* worker = static_cast<Worker*>(raw_worker);
  set_current_worker(worker);
  count_kernel_thread_started();
  prepare_crash_signal_stack();
  worker->kernel_tid.store(raw::gettid(), std::memory_order_relaxed);
  worker->adopt_kernel_signal_mask();
  adopt_current_context(&worker->scheduler_context);
  worker->kernel_thread_block = worker->scheduler_context.thread_pointer;
  worker->run_until_stopped();
  set_current_worker(nullptr);
  count_kernel_thread_stopped();
}

// Worker 0 of an adopted process runs its loop on a stack of its own,
// because the kernel thread's stack is the main task's.
void adopted_scheduler_main(void* raw_worker) {
  finish_first_switch();
  // Its thread block, if it has one of its own, has not heard of it yet.
  set_current_worker(static_cast<Worker*>(raw_worker));
  static_cast<Worker*>(raw_worker)->run_scheduler_loop();
  __builtin_trap();  // an adopted runtime never stops
}

}  // namespace

Scheduler::Scheduler(const RuntimeOptions& runtime_options) : options(resolved(runtime_options)) {
  for (int index = 0; index < options.workers; ++index)
    workers.push_back(std::make_unique<Worker>(this, index));
}

Scheduler::~Scheduler() { stacks.release(adopted_scheduler_stack_); }

void Scheduler::ensure_kernel_threads() {
  if (kernel_threads_started_.load(std::memory_order_acquire) ||
      kernel_threads_started_.exchange(true, std::memory_order_acq_rel))
    return;
  for (size_t index = 0; index < workers.size(); ++index) {
    Worker* worker = workers[index].get();
    if (worker->has_kernel_thread) continue;
    int error = start_kernel_thread(worker_thread_main, worker, &worker->kernel_thread);
    if (error != 0) {
      warn("cannot start kernel thread for worker %zu (%s); running with fewer workers",
           index, strerror(error));
      continue;
    }
    worker->has_kernel_thread = true;
  }
  start_monitor(this);
}

void Scheduler::make_runnable(Task* task, bool run_next) {
  Worker* worker = current_worker();
  if (worker != nullptr && worker->scheduler == this) {
    worker->push_local(task, run_next);
  } else {
    task->state.store(TaskState::kRunnable, std::memory_order_relaxed);
    global_queue.push(task);
  }
  notify_idle_worker();
}

void Scheduler::notify_idle_worker() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (idle_workers.load(std::memory_order_relaxed) == 0) return;
  int expected = 0;
  if (!spinning_workers.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) return;
  Worker* chosen = nullptr;
  {
    SpinLockGuard guard(idle_lock_);
    chosen = idle_head_;
    if (chosen != nullptr) {
      idle_head_ = chosen->next_idle;
      chosen->on_idle_list = false;
      idle_workers.fetch_sub(1, std::memory_order_relaxed);
      // The spinning count taken above is handed to the woken worker.
      chosen->spinning.store(true, std::memory_order_release);
    }
  }
  if (chosen == nullptr) {
    spinning_workers.fetch_sub(1, std::memory_order_acq_rel);
    return;
  }
  if (Worker* self = current_worker()) self->stats.wakeups.add();
  chosen->parker.unpark();
}

void Scheduler::push_idle(Worker* worker) {
  SpinLockGuard guard(idle_lock_);
  worker->next_idle = idle_head_;
  worker->on_idle_list = true;
  idle_head_ = worker;
  idle_workers.fetch_add(1, std::memory_order_relaxed);
}

bool Scheduler::remove_idle(Worker* worker) {
  SpinLockGuard guard(idle_lock_);
  if (!worker->on_idle_list) return false;
  for (Worker** link = &idle_head_; *link != nullptr; link = &(*link)->next_idle) {
    if (*link == worker) {
      *link = worker->next_idle;
      break;
    }
  }
  worker->on_idle_list = false;
  idle_workers.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

bool Scheduler::work_visible() const {
  if (!global_queue.empty()) return true;
  for (size_t slot = 0; slot < worker_slots(); ++slot) {
    if (worker_at(slot)->has_local_work()) return true;
  }
  return false;
}

bool adopt_current_thread(const RuntimeOptions& options) {
  if (Scheduler::instance() != nullptr) return true;
  auto* scheduler = new Scheduler(options);
  Task* main_task = scheduler->registry.create();
  if (main_task == nullptr ||
      scheduler->stacks.allocate(kSchedulerStackSize, 4096, &scheduler->adopted_scheduler_stack_) != 0) {
    warn("cannot set up the runtime; threads stay native");
    return false;
  }
  Worker* worker0 = scheduler->workers[0].get();
  const Stack& stack = scheduler->adopted_scheduler_stack_;
  make_context(&worker0->scheduler_context, stack.low(), stack.usable_size(),
               adopted_scheduler_main, worker0);
  // The main thread's thread block stays with the main task (task_tls.h).
  if (const ThreadBlockSupplier* supplier = thread_block_supplier()) {
    worker0->scheduler_context.thread_pointer = supplier->create(stack.mapping_size);
    if (worker0->scheduler_context.thread_pointer == nullptr) {
      warn("cannot set up the runtime; threads stay native");
      return false;
    }
  }
  adopt_current_context(&main_task->context);
  scheduler->main_task_id.store(main_task->id, std::memory_order_relaxed);
  task_local_adopt_outside_values(main_task);
  worker0->kernel_thread_block = main_task->context.thread_pointer;
  main_task->state.store(TaskState::kRunning, std::memory_order_relaxed);
  worker0->current = main_task;
  worker0->adopt_kernel_signal_mask();
  raw::syscall6(SYS_rt_sigprocmask, SIG_BLOCK, 0, reinterpret_cast<long>(&main_task->signal_mask),
                sizeof main_task->signal_mask);
  worker0->progress.store(1, std::memory_order_relaxed);  // odd: a task is running
  worker0->kernel_tid.store(raw::gettid(), std::memory_order_relaxed);
  main_task->worker.store(worker0, std::memory_order_relaxed);
  set_current_worker(worker0);
  worker0->has_kernel_thread = true;
  count_kernel_thread_started();
  Scheduler::instance_.store(scheduler, std::memory_order_release);
  if (options.schedtrace_ms > 0) start_schedtrace(scheduler, options.schedtrace_ms);
  return true;
}

namespace {

struct RunCompletion {
  std::atomic<uint32_t> done{0};
};
RunCompletion* g_run_completion = nullptr;

void signal_run_complete() {
  g_run_completion->done.store(1, std::memory_order_release);
  raw::futex_wake(&g_run_completion->done, 1);
}

}  // namespace

int run(const RuntimeOptions& options, void* (*entry)(void*), void* argument) {
  if (Scheduler::instance() != nullptr) return EBUSY;
  auto* scheduler = new Scheduler(options);
  RunCompletion completion;
  g_run_completion = &completion;
  scheduler->on_last_task_finished = signal_run_complete;
  Scheduler::instance_.store(scheduler, std::memory_order_release);
  SpawnOptions entry_options;
  entry_options.detached = true;
  Task* entry_task;
  int error = spawn(entry, argument, entry_options, &entry_task);
  if (error == 0) {
    scheduler->ensure_kernel_threads();
    while (completion.done.load(std::memory_order_acquire) == 0)
      raw::futex_wait(&completion.done, 0, kNoDeadline);
  }
  scheduler->stopping.store(true, std::memory_order_release);
  for (auto& worker : scheduler->workers) worker->parker.unpark();
  for (auto& worker : scheduler->workers) {
    if (worker->has_kernel_thread) join_kernel_thread(worker->kernel_thread);
  }
  stop_monitor_and_spares(scheduler);
  wait_for_blocking_threads_to_settle();
  if (scheduler->options.stats) print_stats(*scheduler, STDERR_FILENO, StatsFormat::kTable);
  Scheduler::instance_.store(nullptr, std::memory_order_release);
  g_run_completion = nullptr;
  delete scheduler;
  return error;
}

void prepare_fork() {
  Scheduler* scheduler = Scheduler::instance();
  if (scheduler == nullptr) return;
  scheduler->stacks.lock_for_fork();
  scheduler->registry.lock_for_fork();
}

void after_fork_in_parent() {
  Scheduler* scheduler = Scheduler::instance();
  if (scheduler == nullptr) return;
  scheduler->registry.unlock_after_fork();
  scheduler->stacks.unlock_after_fork();
}

void after_fork_in_child() {
  Scheduler* scheduler = Scheduler::instance();
  Worker* survivor = current_worker();
  if (scheduler == nullptr || survivor == nullptr || survivor->current == nullptr) return;
  reset_address_waits_after_fork();
  reset_blocking_pool_after_fork();
  reset_monitor_after_fork(scheduler);
  scheduler->idle_lock_.reset_after_fork();
  scheduler->idle_head_ = nullptr;
  scheduler->idle_workers.store(0, std::memory_order_relaxed);
  scheduler->spinning_workers.store(0, std::memory_order_relaxed);
  scheduler->global_queue.reset_after_fork();
  scheduler->timers.reset_after_fork();
  scheduler->stacks.reset_after_fork();
  scheduler->registry.reset_after_fork(survivor->current);
  scheduler->main_task_id.store(survivor->current->id, std::memory_order_relaxed);
  for (auto& worker : scheduler->workers) worker->reset_after_fork();
  // The forking kernel thread keeps driving its worker; the others get
  // fresh kernel threads at the child's first spawn.
  survivor->has_kernel_thread = true;
  survivor->kernel_tid.store(raw::gettid(), std::memory_order_relaxed);
  scheduler->kernel_threads_started_.store(false, std::memory_order_relaxed);
}

}  // namespace greenshim
