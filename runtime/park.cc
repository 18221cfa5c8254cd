// Taking the running task off its worker and putting it back: park(),
// wake(), yield() and sleep_until(). The protocol is described in
// scheduler.h ("Parking tasks").
#include "runtime/park.h"

#include "runtime/runtime.h"
#include "runtime/scheduler.h"

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
  self->state.store(TaskState::kParked, std::memory_order_relaxed);
  worker->switch_to_scheduler(self, after);
}

void prepare_park(Task* self) { self->wake_claimed.store(false, std::memory_order_relaxed); }

bool wake(Task* task) {
  if (task->wake_claimed.exchange(true, std::memory_order_acq_rel)) return false;
  Scheduler::instance()->make_runnable(task, true);
  return true;
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
  if (!worker->has_local_work() && worker->scheduler->global_queue.empty()) return;
  park_current("yield", AfterSwitch{requeue_yielded, nullptr});
}

void sleep_until(int64_t deadline_ns) {
  Task* self = current_task();
  if (self == nullptr) {
    while (monotonic_now_ns() < deadline_ns) {
      int64_t remaining = deadline_ns - monotonic_now_ns();
      timespec pause{remaining / 1000000000, remaining % 1000000000};
      raw::syscall6(SYS_nanosleep, reinterpret_cast<long>(&pause), 0);
    }
    return;
  }
  while (monotonic_now_ns() < deadline_ns) {
    SleepTimer timer;
    timer.deadline_ns = deadline_ns;
    timer.fire = wake_sleeper;
    timer.task = self;
    prepare_park(self);
    // Armed only once the task is off its stack: a timer that fired
    // earlier could hand a still-running task to another worker.
    park_current("sleep", AfterSwitch{arm_timer, &timer});
  }
}

}  // namespace greenshim
