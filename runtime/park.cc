// Taking the running task off its worker and putting it back: park(),
// wake(), yield() and sleep_until(). The protocol is described in
// scheduler.h ("Parking tasks").
#include "runtime/park.h"

#include "runtime/probes.h"
#include "runtime/runtime.h"
#include "runtime/scheduler.h"
#include "runtime/signal_forwarding.h"

namespace greenshim {

Task* current_task() {
  Worker* worker = current_worker();
  return worker != nullptr ? worker->current : nullptr;
}

int kernel_tid_running(const Task* task) {
  if (task->state.load(std::memory_order_relaxed) != TaskState::kRunning) return 0;
  Worker* worker = task->worker.load(std::memory_order_relaxed);
  return worker != nullptr ? worker->kernel_tid.load(std::memory_order_relaxed) : 0;
}

void park_current(const char* reason, AfterSwitch after) {
  Worker* worker = current_worker();
  Task* self = worker->current;
  self->park_reason = reason;
  GREENSHIM_PROBE_TASK_PARK(self->id, reason);
  self->state.store(TaskState::kParked, std::memory_order_relaxed);
  worker->switch_to_scheduler(self, after);
  deliver_pending_signals(self);
}

namespace {

// Task::wake_state: the park's number (counting by 4) plus who may end it.
constexpr uint32_t kClaimed = 0;              // woken already, or not parked
constexpr uint32_t kArmed = 1;                // the next wake()
constexpr uint32_t kArmedInterruptible = 2;   // the next wake() or interrupt()
constexpr uint32_t kWhoMask = 3;

void (*g_signal_delivery_hook)(Task*) = nullptr;

void make_woken_runnable(Task* task) {
  count_event(&WorkerStats::task_wakeups);
  GREENSHIM_PROBE_TASK_UNPARK(task->id);
  Scheduler::instance()->make_runnable(task, true);
}

}  // namespace

// Every park that waits for a wake() comes through here, once.
void prepare_park(Task* self, bool interruptible) {
  count_event(&WorkerStats::task_parks);
  self->interrupted = false;
  self->interruptible_park = interruptible;
  uint32_t next_park = (self->wake_state.load(std::memory_order_relaxed) & ~kWhoMask) + 4;
  self->wake_state.store(next_park | kArmed, std::memory_order_relaxed);
}

bool wake(Task* task) {
  uint32_t state = task->wake_state.load(std::memory_order_relaxed);
  do {
    if ((state & kWhoMask) == kClaimed) return false;
  } while (!task->wake_state.compare_exchange_weak(state, (state & ~kWhoMask) | kClaimed,
                                                   std::memory_order_acq_rel));
  make_woken_runnable(task);
  return true;
}

bool interrupt(Task* task) {
  uint32_t state = task->wake_state.load(std::memory_order_seq_cst);
  if ((state & kWhoMask) != kArmedInterruptible ||
      !task->wake_state.compare_exchange_strong(state, (state & ~kWhoMask) | kClaimed,
                                                std::memory_order_seq_cst))
    return false;
  task->interrupted = true;
  make_woken_runnable(task);
  return true;
}

// An interruptible park becomes interruptible only once the task is off its
// stack and its wait is registered (after the AfterSwitch request ran):
// an interrupt earlier would run the task while the scheduler still acts
// for it. `park_state` is the wake_state read before that request, so a
// task already woken and parked again is left alone.
void arm_interruptible_park(Task* task, uint32_t park_state) {
  if ((park_state & kWhoMask) != kArmed) return;
  uint32_t expected = park_state;
  if (!task->wake_state.compare_exchange_strong(
          expected, (park_state & ~kWhoMask) | kArmedInterruptible, std::memory_order_seq_cst))
    return;
  // A signal posted (or an interrupt requested) while the park was not yet
  // interruptible found nothing to interrupt: look again now that it is.
  // A handler that ran on the way into this wait ends it too, once. (It ran
  // on this kernel thread, before the switch: no ordering needed.)
  bool handler_ran = task->handler_ran_in_call.load(std::memory_order_relaxed);
  if (handler_ran) task->handler_ran_in_call.store(false, std::memory_order_relaxed);
  if (handler_ran || task->pending_signals.load(std::memory_order_seq_cst) != 0 ||
      task->interrupt_requested.load(std::memory_order_seq_cst))
    interrupt(task);
}

void set_signal_delivery_hook(void (*hook)(Task* self)) { g_signal_delivery_hook = hook; }

void apply_current_signal_mask() {
  Worker* worker = current_worker();
  if (worker != nullptr && worker->current != nullptr)
    worker->apply_signal_mask(worker->current->signal_mask);
  // After: a signal pending for the process that this task now accepts has
  // just been delivered here, before the monitor could catch it instead.
  task_signal_masks_changed();
}

void deliver_pending_signals(Task* self) {
  if (g_signal_delivery_hook != nullptr &&
      self->pending_signals.load(std::memory_order_acquire) != 0)
    g_signal_delivery_hook(self);
}

bool request_interrupt(Task* task) {
  task->interrupt_requested.store(true, std::memory_order_seq_cst);
  return interrupt(task);
}

void clear_interrupt_request(Task* task) {
  task->interrupt_requested.store(false, std::memory_order_relaxed);
}

void begin_blocking_call(Task* self) {
  self->handler_ran_in_call.store(false, std::memory_order_relaxed);
}

void note_handler_ran_in_call(Task* self) {
  self->handler_ran_in_call.store(true, std::memory_order_relaxed);
}

bool post_signal(Task* task, int signal) {
  task->pending_signals.fetch_or(uint64_t{1} << (signal - 1), std::memory_order_seq_cst);
  return interrupt(task);
}

namespace {

void requeue_yielded(Task* task, void*) {
  Scheduler* scheduler = Scheduler::instance();
  task->state.store(TaskState::kRunnable, std::memory_order_relaxed);
  scheduler->global_queue.push(task);
  scheduler->notify_idle_worker();
}

struct SleepTimer : Timer {
  Task* task = nullptr;
};

void wake_sleeper(Timer* timer) { wake(static_cast<SleepTimer*>(timer)->task); }

void arm_timer(Task*, void* timer) { Scheduler::instance()->timers.add(static_cast<Timer*>(timer)); }

}  // namespace

void yield() {
  Worker* worker = current_worker();
  if (worker == nullptr || worker->current == nullptr) {
    raw::sched_yield();
    return;
  }
  // A task that spins on yield() must not starve timers: without a switch
  // this worker would never reach its scheduler loop to fire them.
  worker->fire_due_timers();
  // Nothing queued here: work queued on a busy worker is fetched now, or a
  // thread that yields in a loop would keep this worker to itself while
  // that work waits (natively the kernel balances yielding threads).
  if (!worker->has_local_work() && worker->scheduler->global_queue.empty() &&
      !worker->steal_work())
    return;
  park_current("yield", AfterSwitch{requeue_yielded, nullptr});
}

int sleep_until(int64_t deadline_ns, bool interruptible) {
  Task* self = current_task();
  if (self == nullptr) {
    while (monotonic_now_ns() < deadline_ns) {
      int64_t remaining = deadline_ns - monotonic_now_ns();
      timespec pause{remaining / 1000000000, remaining % 1000000000};
      raw::syscall6(SYS_nanosleep, reinterpret_cast<long>(&pause), 0);
    }
    return 0;
  }
  while (monotonic_now_ns() < deadline_ns) {
    SleepTimer timer;
    timer.deadline_ns = deadline_ns;
    timer.fire = wake_sleeper;
    timer.task = self;
    prepare_park(self, interruptible);
    // Armed only once the task is off its stack: a timer that fired
    // earlier could hand a still-running task to another worker.
    park_current("sleep", AfterSwitch{arm_timer, &timer});
    if (self->interrupted) {
      // The timer lives in this frame: it must be gone before we leave.
      Scheduler::instance()->timers.cancel(&timer);
      return EINTR;
    }
  }
  return 0;
}

}  // namespace greenshim
