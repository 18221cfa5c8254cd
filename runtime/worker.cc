// The scheduler loop of one worker; the design is described in scheduler.h.
#include "runtime/worker.h"

#include <signal.h>

#include <cerrno>

#include "runtime/clock.h"
#include "runtime/deferred_wake.h"
#include "runtime/kernel_thread.h"
#include "runtime/park.h"
#include "runtime/probes.h"
#include "runtime/scheduler.h"
#include "runtime/signal_forwarding.h"
#include "runtime/task.h"
#include "runtime/task_tls.h"
#include "runtime/thread_pointer.h"

namespace greenshim {
namespace {

thread_local Worker* t_current_worker = nullptr;

// Go's constant: often enough that the global queue cannot starve, rarely
// enough that its lock is not on every scheduling round.
constexpr uint64_t kGlobalQueueInterval = 61;

// Queued ring entries go to the kernel in one system call when the worker
// runs out of local tasks (the tasks it has just run have queued theirs),
// or when this many are waiting, or at least every few scheduling rounds
// so a long queue of runnable tasks cannot hold I/O back.
constexpr unsigned kSubmitBatch = 32;
constexpr uint64_t kSubmitInterval = 8;

}  // namespace

// noipa: the compiler must not assume the thread pointer is the same before
// and after a task switch (the task may now run on another kernel thread).
__attribute__((noipa)) Worker* current_worker() { return t_current_worker; }
__attribute__((noipa)) void set_current_worker(Worker* worker) { t_current_worker = worker; }

// Static TLS (the runtime is built with the initial-exec model) lies at the
// same offset from the thread pointer in every block.
void set_current_worker_in(void* thread_pointer, Worker* worker) {
  static const ptrdiff_t offset = reinterpret_cast<char*>(&t_current_worker) -
                                  static_cast<char*>(current_thread_pointer());
  *reinterpret_cast<Worker**>(static_cast<char*>(thread_pointer) + offset) = worker;
}

Worker::Worker(Scheduler* owner, int worker_index, bool spare)
    : scheduler(owner),
      index(worker_index),
      is_spare(spare),
      active(!spare),
      random_state_(0x9e3779b9u * static_cast<uint32_t>(worker_index + 1)) {}

void Worker::push_local(Task* task, bool run_next) {
  task->state.store(TaskState::kRunnable, std::memory_order_relaxed);
  if (run_next) {
    task = run_next_.exchange(task, std::memory_order_acq_rel);
    if (task == nullptr) return;
  }
  while (!run_queue_.push(task)) {
    // Full: move half to the global queue, as Go does, so other workers
    // see the surplus without stealing and this deque never grows.
    for (size_t moved = 0; moved < kRunQueueCapacity / 2; ++moved) {
      Task* surplus = run_queue_.steal();
      if (surplus == nullptr) break;
      scheduler->global_queue.push(surplus);
    }
  }
}

bool Worker::has_local_work() const {
  return run_next_.load(std::memory_order_relaxed) != nullptr || run_queue_.size_estimate() > 0;
}

Task* Worker::steal_into(Worker* thief, bool include_run_next) {
  size_t available = run_queue_.size_estimate();
  Task* first = run_queue_.steal();
  if (first == nullptr) {
    return include_run_next ? run_next_.exchange(nullptr, std::memory_order_acq_rel) : nullptr;
  }
  for (size_t taken = 1; taken < available / 2; ++taken) {
    Task* more = run_queue_.steal();
    if (more == nullptr) break;
    thief->push_local(more, false);
  }
  return first;
}

void Worker::switch_to_scheduler(Task* self, AfterSwitch after) {
  after_switch_ = after;
  switch_context(&self->context, &scheduler_context);
}

void Worker::run_scheduler_loop() {
  // An adopted thread's first switch into this loop starts it afresh
  // rather than returning into run(): finish that switch here.
  if (current != nullptr) {
    bump_progress();  // the adopted task (progress 1) has switched out
    complete_switch();
  }
  while (Task* task = find_runnable()) run(task);
}

void Worker::run(Task* task) {
  current = task;
  task->worker.store(this, std::memory_order_relaxed);
  task->state.store(TaskState::kRunning, std::memory_order_relaxed);
  task->park_reason = nullptr;
  stats.switches.add();
  GREENSHIM_PROBE_TASK_SWITCH(index, task->id);
  if (task->context.thread_pointer != nullptr) {
    refresh_thread_block(task, this, kernel_tid.load(std::memory_order_relaxed));
  } else {
    // errno is the worker's; the task's value travels with the task. This
    // loop always runs on this worker's own kernel thread, so the address
    // of errno is stable here.
    errno = task->saved_errno;
  }
  apply_signal_mask(task->signal_mask);
  if (was_looking_for_work_) {
    // Dekker's pattern with the monitor, which publishes that it sleeps,
    // then looks at every worker's progress.
    was_looking_for_work_ = false;
    progress.fetch_add(1, std::memory_order_seq_cst);
    if (scheduler->monitor_asleep.load(std::memory_order_seq_cst)) scheduler->wake_monitor();
  } else {
    bump_progress();
  }
  switch_context(&scheduler_context, &task->context);
  bump_progress();
  complete_switch();
}

void Worker::complete_switch() {
  Task* task = current;
  if (task->context.thread_pointer == nullptr) task->saved_errno = errno;
  current = nullptr;
  AfterSwitch request = after_switch_;
  after_switch_ = AfterSwitch{};
  // Read before the request runs: once it has, the task may be running
  // elsewhere, or finished and freed.
  bool interruptible = task->interruptible_park &&
                       task->state.load(std::memory_order_relaxed) == TaskState::kParked;
  uint32_t park_state = task->wake_state.load(std::memory_order_relaxed);
  if (request.function != nullptr) request.function(task, request.argument);
  if (interruptible) arm_interruptible_park(task, park_state);
}

void Worker::fire_due_timers() {
  if (scheduler->timers.earliest_deadline() == kNoDeadline) return;
  stats.timers_fired.add(scheduler->timers.fire_due(monotonic_now_ns()));
}

IoRing* Worker::io_ring() {
  if (io_ring_.started()) return &io_ring_;
  return io_ring_.start() ? &io_ring_ : nullptr;
}

void Worker::poll_io() {
  if (!io_ring_.started()) return;
  if (unsigned reaped = io_ring_.reap()) count_io_completions(reaped);
  unsigned queued = io_ring_.queued();
  if (queued != 0 &&
      (queued >= kSubmitBatch || !has_local_work() || schedule_tick_ % kSubmitInterval == 0))
    submit_queued_io();
}

void Worker::catch_up_on_io() {
  if (!io_ring_.started()) return;
  submit_queued_io();
  if (unsigned reaped = io_ring_.reap()) count_io_completions(reaped);
}

void Worker::submit_queued_io() {
  unsigned submitted = io_ring_.flush();
  if (submitted == 0) return;
  count_io_submit_batch(submitted);
  GREENSHIM_PROBE_IO_SUBMIT(index, submitted);
}

Task* Worker::take_local() {
  Task* task = run_next_.exchange(nullptr, std::memory_order_acq_rel);
  return task != nullptr ? task : run_queue_.pop();
}

Task* Worker::find_runnable() {
  for (;;) {
    if (retire_requested.load(std::memory_order_relaxed)) {
      submit_queued_io();
      give_away_queued_tasks();
      stop_spinning(false);
      // Leaving, it passes on what it may have been counted on to take:
      //  - work in the global queue: a waker that found this worker
      //    spinning (or holding the role a waker handed it) woke nobody;
      //  - timers: they fire in active workers' rounds, and an idle one
      //    sleeps until the earliest deadline it saw as it went to sleep,
      //    not one set since (by the task this worker just parked, say).
      if (scheduler->work_visible() || scheduler->timers.earliest_deadline() != kNoDeadline)
        scheduler->notify_idle_worker();
      return nullptr;
    }
    ++schedule_tick_;
    if (deferred_wakes_noted()) run_deferred_wakes();
    if (caught_signals_waiting()) forward_caught_signals(scheduler);
    fire_due_timers();
    poll_io();
    Task* task = nullptr;
    if (schedule_tick_ % kGlobalQueueInterval == 0) task = scheduler->global_queue.pop();
    if (task == nullptr) task = take_local();
    if (task == nullptr) {
      was_looking_for_work_ = true;
      task = scheduler->global_queue.pop();
    }
    if (task == nullptr) task = spin_for_work();
    if (task != nullptr) {
      // A worker woken by notify_idle_worker() holds the spinning role,
      // and while any worker holds it no idle worker is woken: found work
      // must give it up (and pass it on if more is waiting), as
      // spin_for_work() does, or a task it then runs for long would keep
      // every other idle worker asleep under a full global queue.
      stop_spinning(true);
      return task;
    }
    if (scheduler->stopping.load(std::memory_order_acquire)) return nullptr;
    park_idle();
  }
}

bool Worker::steal_work() {
  // Reading the other queues' lengths shares their cache lines; a steal
  // attempt would write them, on every yield of a thread spinning alone.
  bool queued_elsewhere = false;
  for (size_t slot = 0; slot < scheduler->worker_slots() && !queued_elsewhere; ++slot) {
    Worker* other = scheduler->worker_at(slot);
    queued_elsewhere = other != this && other->run_queue_.size_estimate() > 0;
  }
  if (!queued_elsewhere) return false;
  Task* task = steal_from_others(false);
  if (task == nullptr) return false;
  push_local(task, false);
  return true;
}

Task* Worker::steal_from_others(bool include_run_next) {
  size_t count = scheduler->worker_slots();
  random_state_ ^= random_state_ << 13;
  random_state_ ^= random_state_ >> 17;
  random_state_ ^= random_state_ << 5;
  size_t start = random_state_ % count;
  for (size_t offset = 0; offset < count; ++offset) {
    Worker* victim = scheduler->worker_at((start + offset) % count);
    if (victim == this) continue;
    stats.steals_tried.add();
    Task* task = victim->steal_into(this, include_run_next);
    if (task != nullptr) {
      stats.steals_won.add();
      GREENSHIM_PROBE_STEAL(index, victim->index, task->id);
      return task;
    }
  }
  return nullptr;
}

void Worker::stop_spinning(bool found_work) {
  // A plain load first: this runs before every task, and rarely finds the
  // role held.
  if (!spinning.load(std::memory_order_relaxed) ||
      !spinning.exchange(false, std::memory_order_acq_rel))
    return;
  if (scheduler->spinning_workers.fetch_sub(1, std::memory_order_acq_rel) == 1 && found_work &&
      scheduler->work_visible())
    scheduler->notify_idle_worker();
}

Task* Worker::spin_for_work() {
  if (scheduler->workers.size() == 1 && !spinning.load(std::memory_order_relaxed)) return nullptr;
  if (!spinning.exchange(true, std::memory_order_acq_rel))
    scheduler->spinning_workers.fetch_add(1, std::memory_order_acq_rel);
  int64_t give_up = monotonic_now_ns() + scheduler->options.spin_microseconds * 1000;
  for (int round = 0;; ++round) {
    // Run-next slots are left to their owners on the first sweep: the
    // owner usually runs its just-woken task itself, warm in its cache.
    Task* task = steal_from_others(round > 0);
    if (task == nullptr) task = scheduler->global_queue.pop();
    if (task == nullptr) task = take_local();  // a timer may have fired here
    if (task != nullptr) {
      stop_spinning(true);
      return task;
    }
    fire_due_timers();
    poll_io();
    if (scheduler->stopping.load(std::memory_order_relaxed) || monotonic_now_ns() >= give_up)
      return nullptr;
    for (int i = 0; i < 32; ++i) __builtin_ia32_pause();
  }
}

void Worker::park_idle() {
  submit_queued_io();
  scheduler->push_idle(this);
  stop_spinning(false);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  bool recheck = scheduler->work_visible() || has_local_work() ||
                 scheduler->stopping.load(std::memory_order_relaxed) ||
                 scheduler->timers.earliest_deadline() <= monotonic_now_ns() ||
                 io_ring_.has_completions();
  if (!recheck) {
    stats.parks.add();
    parker.park(scheduler->timers.earliest_deadline(), &io_ring_);
  }
  // Still listed: we woke on our own (timer, re-check). Not listed: a waker
  // took us off and counted us as spinning.
  scheduler->remove_idle(this);
}

void Worker::apply_signal_mask(uint64_t mask) {
  if (mask == applied_signal_mask_) return;
  uint64_t kernel_mask = mask & ~scheduler->reserved_signals.load(std::memory_order_relaxed);
  raw::syscall6(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&kernel_mask), 0,
                sizeof kernel_mask);
  applied_signal_mask_ = mask;
}

void Worker::adopt_kernel_signal_mask() {
  uint64_t mask = 0;
  raw::syscall6(SYS_rt_sigprocmask, SIG_BLOCK, 0, reinterpret_cast<long>(&mask), sizeof mask);
  applied_signal_mask_ = mask;
}

void Worker::give_away_queued_tasks() {
  bool gave = false;
  if (Task* next = run_next_.exchange(nullptr, std::memory_order_acq_rel)) {
    scheduler->global_queue.push(next);
    gave = true;
  }
  while (Task* task = run_queue_.steal()) {
    scheduler->global_queue.push(task);
    gave = true;
  }
  if (gave) scheduler->notify_idle_worker();
}

void Worker::run_until_stopped() {
  while (!scheduler->stopping.load(std::memory_order_acquire)) {
    if (!active.load(std::memory_order_acquire)) {
      // Inactive, it still reaps its ring (tasks parked on it before it
      // retired or rested), as an outsider: woken tasks go to the global
      // queue, and from there to active workers, whose rings they use next.
      set_current_worker(nullptr);
      if (unsigned reaped = io_ring_.reap()) count_io_completions(reaped);
      parker.park(kNoDeadline, &io_ring_);
      set_current_worker(this);
      continue;
    }
    run_scheduler_loop();
    if (scheduler->stopping.load(std::memory_order_acquire)) break;
    // Inactive, its kernel thread keeps the mask of the task it ran last:
    // block what that task accepted, and forward what landed here since
    // its last scheduling round, or the task it was for might never see it.
    block_program_signals();
    adopt_kernel_signal_mask();
    if (caught_signals_waiting()) forward_caught_signals(scheduler);
    retire_requested.store(false, std::memory_order_relaxed);
    active.store(false, std::memory_order_release);
  }
}

void Worker::reset_after_fork() {
  run_queue_.clear();
  run_next_.store(nullptr, std::memory_order_relaxed);
  spinning.store(false, std::memory_order_relaxed);
  next_idle = nullptr;
  on_idle_list = false;
  has_kernel_thread = false;
  after_switch_ = AfterSwitch{};
  io_ring_.abandon_after_fork();
  handed_off.store(false, std::memory_order_relaxed);
  active.store(!is_spare, std::memory_order_relaxed);
  retire_requested.store(false, std::memory_order_relaxed);
}

}  // namespace greenshim
