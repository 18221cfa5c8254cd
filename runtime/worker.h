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

  Worker(Scheduler* scheduler, int index);

  // The scheduler loop; returns only when the runtime stops.
  void run_scheduler_loop();

  // Owner only: makes `task` runnable here. `run_next` puts it in the
  // run-next slot (the task just woken runs next, as in Go), pushing the
  // previous occupant to the deque.
  void push_local(Task* task, bool run_next);
  bool has_local_work() const;
  // Tasks waiting in this worker's deque and run-next slot (racy; for traces).
  size_t local_queue_length() const {
    return run_queue_.size_estimate() + (run_next_.load(std::memory_order_relaxed) != nullptr);
  }
  // Another worker takes up to half of this one's deque; nullptr if empty.
  Task* steal_into(Worker* thief, bool include_run_next);

  // Switches from the running task to the scheduler context, which then
  // runs `after`. Called on the task's stack; returns when it runs again.
  void switch_to_scheduler(Task* self, AfterSwitch after);

  void reset_after_fork();
  // Fires the timers that are due; one atomic load when none is armed.
  void fire_due_timers();
  // This worker's ring, set up on first use; nullptr if the kernel refuses.
  IoRing* io_ring();

  Scheduler* const scheduler;
  const int index;
  Context scheduler_context;
  Task* current = nullptr;
  WorkerStats stats;
  Parker parker;
  std::atomic<bool> spinning{false};
  Worker* next_idle = nullptr;  // the scheduler's idle list link
  bool on_idle_list = false;    // guarded by the scheduler's idle lock
  std::atomic<int> kernel_tid{0};  // the kernel thread driving it now
  pthread_t kernel_thread{};
  bool has_kernel_thread = false;  // some kernel thread drives this worker

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

  IoRing io_ring_;
  WorkStealingDeque<Task, kRunQueueCapacity> run_queue_;
  std::atomic<Task*> run_next_{nullptr};
  AfterSwitch after_switch_;
  uint64_t schedule_tick_ = 0;
  uint32_t random_state_;
};

// The worker whose kernel thread is running the caller, or nullptr outside
// the runtime. Never cached across a switch: a task may resume elsewhere.
Worker* current_worker();
void set_current_worker(Worker* worker);

}  // namespace greenshim
