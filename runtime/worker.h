// A worker: one kernel thread's worth of scheduling (Go calls it a P with
// its M). It owns a work-stealing deque and a run-next slot, runs its
// scheduler loop on a stack of its own, and switches from there into one
// task at a time. A task gives the worker back its kernel thread by
// switching to the scheduler context, leaving an AfterSwitch request that
// the scheduler carries out once the task is safely off its stack (unlock
// the wait list it joined, requeue it, free it).
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>

#include "runtime/context.h"
#include "runtime/io_ring.h"
#include "runtime/parker.h"
#include "runtime/stats.h"
#include "runtime/work_stealing_deque.h"

namespace greenshim {

class Scheduler;
struct Task;

struct AfterSwitch {
  void (*function)(Task* task, void* argument) = nullptr;
  void* argument = nullptr;
};

class Worker {
 public:
  static constexpr size_t kRunQueueCapacity = 256;

  Worker(Scheduler* scheduler, int index, bool spare = false);

  // The scheduler loop; returns only when the runtime stops.
  void run_scheduler_loop();

  // Owner only: makes `task` runnable here. `run_next` puts it in the
  // run-next slot (the task just woken runs next, as in Go), pushing the
  // previous occupant to the deque.
  void push_local(Task* task, bool run_next);
  bool has_local_work() const;
  // Owner only: takes work queued on other workers into this one's queue
  // (for a yield that finds none here); false if there was none.
  bool steal_work();
  // Tasks waiting in this worker's deque and run-next slot (racy; for traces).
  size_t local_queue_length() const {
    return run_queue_.size_estimate() + (run_next_.load(std::memory_order_relaxed) != nullptr);
  }
  // Racy, for the monitor: where the oldest task in the deque sits (-1 when
  // empty); see WorkStealingDeque::oldest_position().
  int64_t queue_head_position() const { return run_queue_.oldest_position(); }
  // Another worker takes up to half of this one's deque; nullptr if empty.
  Task* steal_into(Worker* thief, bool include_run_next);

  // Switches from the running task to the scheduler context, which then
  // runs `after`. Called on the task's stack; returns when it runs again.
  void switch_to_scheduler(Task* self, AfterSwitch after);

  void reset_after_fork();
  // Fires the timers that are due; one atomic load when none is armed.
  void fire_due_timers();
  // For a task preempted in the middle of its run: hands the kernel what
  // this worker's parked tasks queued on its ring and wakes those whose I/O
  // completed. The scheduling round would, but a preempted task that is
  // alone with its worker never leaves for one (yield() does not switch).
  void catch_up_on_io();
  // This worker's ring, set up on first use; nullptr if the kernel refuses.
  IoRing* io_ring();
  IoRing& ring_for_monitor() { return io_ring_; }

  // Owner: makes the kernel thread's signal mask `mask` (minus the signals
  // the runtime keeps for itself), unless it already is.
  void apply_signal_mask(uint64_t mask);
  // The calling kernel thread's mask as it is now, for a worker starting.
  void adopt_kernel_signal_mask();

  // Any thread: moves every task queued here to the global queue (the
  // monitor does this when the worker's kernel thread is stuck).
  void give_away_queued_tasks();
  // The loop of a worker's own kernel thread: runs tasks while `active`,
  // sleeps while not, until the runtime stops. Not active: a spare nobody
  // needs (monitor.h), or a regular worker resting (active_workers.h).
  void run_until_stopped();

  Scheduler* const scheduler;
  const int index;
  Context scheduler_context;
  // The thread block the C library lists for the kernel thread driving
  // this worker (task_tls.h): its scheduler's, except worker 0 of an
  // adopted process, whose kernel thread is listed by the main thread's.
  void* kernel_thread_block = nullptr;
  Task* current = nullptr;
  WorkerStats stats;
  Parker parker;
  std::atomic<bool> spinning{false};
  Worker* next_idle = nullptr;  // the scheduler's idle list link
  bool on_idle_list = false;    // guarded by the scheduler's idle lock
  std::atomic<int> kernel_tid{0};  // the kernel thread driving it now
  pthread_t kernel_thread{};
  bool has_kernel_thread = false;  // some kernel thread drives this worker

  // What the monitor (monitor.h) watches and decides. `progress` is bumped
  // on every switch into a task and back, so it is odd while a task runs
  // and stands still while that task is stuck.
  std::atomic<uint64_t> progress{0};
  std::atomic<bool> handed_off{false};  // its tasks were given away; it is stuck
  const bool is_spare;
  std::atomic<bool> active;             // running tasks now (not a free spare, not resting)
  std::atomic<bool> retire_requested{false};  // stop running tasks: become inactive
  // The progress value of the task run the monitor asked to preempt.
  std::atomic<uint64_t> preempt_progress{0};
  uint64_t monitor_seen_progress = 0;   // the monitor's own bookkeeping
  int64_t monitor_seen_at_ns = 0;
  int64_t monitor_preempt_sent_ns = 0;
  int64_t monitor_seen_run_delay_ns = 0;  // active_workers.cc's census
  int64_t monitor_seen_queue_head = -1;
  int64_t monitor_seen_queue_head_at_ns = 0;
  uint64_t monitor_long_run_progress = 0;
  int64_t monitor_long_run_on_cpu_ns = 0;

 private:
  Task* find_runnable();
  Task* take_local();
  Task* steal_from_others(bool include_run_next);
  Task* spin_for_work();
  void park_idle();
  void poll_io();
  void submit_queued_io();
  void run(Task* task);
  void complete_switch();
  void stop_spinning(bool found_work);
  void bump_progress() { progress.store(progress.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }

  IoRing io_ring_;
  WorkStealingDeque<Task, kRunQueueCapacity> run_queue_;
  std::atomic<Task*> run_next_{nullptr};
  AfterSwitch after_switch_;
  uint64_t schedule_tick_ = 0;
  uint64_t applied_signal_mask_ = 0;  // the kernel thread's mask, as the program sees it
  // Set when this worker looked beyond its own queue for work (it may have
  // been idle long enough for the monitor to fall asleep): the next switch
  // into a task then tells the monitor, with a full fence (monitor.cc).
  bool was_looking_for_work_ = false;
  uint32_t random_state_;
};

// The worker whose kernel thread is running the caller, or nullptr outside
// the runtime. Never cached across a switch: a task may resume elsewhere.
Worker* current_worker();
void set_current_worker(Worker* worker);
// Sets the same variable as seen through another thread block (a task's,
// about to be switched in; task_tls.h).
void set_current_worker_in(void* thread_pointer, Worker* worker);

}  // namespace greenshim
