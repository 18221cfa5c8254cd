// The M:N scheduler's shared state and its design.
//
// Moving parts (names as in the code):
//
// - Task (task.h): a green thread. Its registers live on its own stack while
//   it is suspended; a Context is just the saved stack pointer.
// - Worker (worker.h): a kernel thread's worth of scheduling. N of them, one
//   per CPU by default. Each owns a Chase-Lev deque (work_stealing_deque.h)
//   and a run-next slot, and runs a scheduler loop on a stack of its own;
//   tasks switch to that loop and the loop switches to the next task.
// - GlobalRunQueue: overflow from full deques, yielded tasks, and tasks made
//   runnable from outside any worker. Checked when a worker's own queue is
//   empty, and every 61st scheduling round regardless so it cannot starve.
// - Finding work: local run-next, local deque, global queue; then the worker
//   "spins": it steals half of a random victim's deque, for up to
//   options.spin_microseconds; then it puts itself on the idle list and
//   sleeps in its Parker. Sleeping costs no CPU.
// - Waking workers: whoever makes a task runnable calls notify_idle_worker(),
//   which wakes one idle worker only if none is spinning already (the
//   spinner will find the task). A spinner that finds work stops spinning and,
//   if it was the last spinner and more work is visible, wakes another. The
//   idle list is re-checked after a worker registers as idle, so a wake-up
//   cannot fall between "found nothing" and "went to sleep" (both sides
//   publish, fence, then look -- Dekker's pattern).
// - Parking tasks (park.cc): a task that must wait registers itself where a
//   waker will find it (a wait bucket, a timer), then switches to the
//   scheduler with an AfterSwitch request that releases the registration's
//   lock. Wakers take that lock, so they only ever see fully suspended
//   tasks. wake() is claimed once per park with Task::wake_claimed, so a
//   timer and a notifier racing for the same task wake it once.
// - The monitor (monitor.h) watches the workers from a kernel thread of its
//   own: it hands a worker stuck in the kernel to a spare, preempts long
//   runs, and lets workers rest while other processes take the CPUs
//   (active_workers.h).
// - Timers (timer_queue.h): deadlines for sleeps and timed waits, fired by
//   whichever worker looks first; an idle worker sleeps no later than the
//   earliest deadline.
// - Task memory (task_registry.h, stack_pool.h): recycled, never unmapped on
//   the hot path.
// - Thread-local storage (task_tls.h): with a supplier installed (the shim's
//   glibc thread blocks), each task has a thread block of its own and every
//   switch loads %fs with the block of the context it switches to; the
//   scheduler loop runs on its worker's block.
// - Signals (park.cc, signal_forwarding.h): a task's pending set and mask,
//   applied to its kernel thread while it runs; the monitor and workers
//   between tasks pass process-directed signals on to a task that accepts
//   them. preemption.h switches out long-running tasks at safe points.
//
// The runtime starts in one of two ways: adopt_current_thread() (the shim:
// the program's main thread becomes the first task and its kernel thread
// becomes worker 0) or run() (tests and embedders: run an entry task on
// fresh worker threads and return when every task has finished).
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "runtime/global_run_queue.h"
#include "runtime/io_wait.h"
#include "runtime/options.h"
#include "runtime/spin_lock.h"
#include "runtime/stack_pool.h"
#include "runtime/task_registry.h"
#include "runtime/timer_queue.h"
#include "runtime/worker.h"

namespace greenshim {

class Scheduler {
 public:
  explicit Scheduler(const RuntimeOptions& options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  static Scheduler* instance() { return instance_.load(std::memory_order_acquire); }

  // Makes `task` runnable: on the calling worker if there is one (in its
  // run-next slot if `run_next`), else on the global queue; then wakes an
  // idle worker if no one is looking for work.
  void make_runnable(Task* task, bool run_next);
  void notify_idle_worker();

  // Idle list, for Worker.
  void push_idle(Worker* worker);
  bool remove_idle(Worker* worker);
  bool work_visible() const;

  // Starts the kernel threads of the workers that have none yet, and the
  // monitor; the first spawn calls it, so a program that never creates a
  // thread never pays for them.
  void ensure_kernel_threads();

  // Every worker that may hold tasks: the regular ones, then the spares
  // started so far (monitor.h).
  size_t worker_slots() const {
    return workers.size() + spare_count.load(std::memory_order_acquire);
  }
  Worker* worker_at(size_t slot) const {
    return slot < workers.size() ? workers[slot].get() : spares[slot - workers.size()].get();
  }
  void wake_monitor();

  const RuntimeOptions options;
  std::vector<std::unique_ptr<Worker>> workers;
  GlobalRunQueue global_queue;
  TimerQueue timers;
  TaskRegistry registry;
  StackPool stacks;
  std::atomic<int> spinning_workers{0};
  std::atomic<int> idle_workers{0};
  std::atomic<bool> stopping{false};
  std::atomic<IoPath> io_path{IoPath::kUndecided};  // see io_wait.h
  // Signals no task's mask may block (the preemption signal), as a mask.
  std::atomic<uint64_t> reserved_signals{0};

  // The monitor and the spare workers it starts (monitor.h). A spare slot
  // is filled before spare_count counts it, and never emptied.
  static constexpr size_t kMaxSpareWorkers = 64;
  std::unique_ptr<Worker> spares[kMaxSpareWorkers];
  std::atomic<size_t> spare_count{0};
  std::atomic<bool> monitor_asleep{false};
  std::atomic<uint32_t> monitor_word{0};  // bumped to wake the monitor
  pthread_t monitor_thread{};
  bool has_monitor_thread = false;
  // The task that is the process's main thread (the adopted one, or the
  // one that forked, in a child); 0 under run(). The kernel gives a signal
  // sent to the process to the main thread when that thread can take it.
  std::atomic<uint64_t> main_task_id{0};
  // Called (on a scheduler stack) when the last live task finishes.
  void (*on_last_task_finished)() = nullptr;

 private:
  friend int run(const RuntimeOptions&, void* (*)(void*), void*);
  friend bool adopt_current_thread(const RuntimeOptions&);
  friend void after_fork_in_child();

  std::atomic<bool> kernel_threads_started_{false};

  static std::atomic<Scheduler*> instance_;
  SpinLock idle_lock_;
  Worker* idle_head_ = nullptr;
  Stack adopted_scheduler_stack_;
};

// Runtime start-up and fork handling; see the comment at the top.
bool adopt_current_thread(const RuntimeOptions& options);
int run(const RuntimeOptions& options, void* (*entry)(void*), void* argument);
void reset_runtime_after_fork();

}  // namespace greenshim
