// See signal_forwarding.h.
#include "runtime/signal_forwarding.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "runtime/scheduler.h"

namespace greenshim {
namespace {

constexpr int kSignals = 64;
constexpr uint64_t bit(int signal) { return uint64_t{1} << (signal - 1); }

std::atomic<uint64_t> g_with_handlers{0};
std::atomic<uint64_t> g_accepted_by_none{0};  // found so at the last forward
std::atomic<uint64_t> g_caught{0};
uint64_t g_catching = 0;  // the monitor's own: what its mask lets in
thread_local bool t_catching_thread = false;

void wake_monitor_if_any() {
  if (Scheduler* scheduler = Scheduler::instance()) {
    scheduler->monitor_word.fetch_add(1, std::memory_order_release);
    raw::futex_wake(&scheduler->monitor_word, 1);
  }
}

// Signals the kernel sends to the thread that caused them, never caught
// here; and the ones the runtime keeps for itself.
uint64_t never_caught(Scheduler* scheduler) {
  uint64_t synchronous = bit(SIGSEGV) | bit(SIGBUS) | bit(SIGFPE) | bit(SIGILL) | bit(SIGTRAP) |
                         bit(SIGSYS) | bit(SIGPIPE);
  return synchronous | scheduler->reserved_signals.load(std::memory_order_relaxed);
}

void apply_catching_mask(Scheduler* scheduler) {
  uint64_t wanted = g_with_handlers.load(std::memory_order_acquire) &
                    ~g_accepted_by_none.load(std::memory_order_acquire) & ~never_caught(scheduler);
  if (wanted == g_catching) return;
  uint64_t blocked = ~wanted;
  raw::syscall6(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&blocked), 0,
                sizeof blocked);
  g_catching = wanted;
}

// Whom a signal sent to the process goes to, as the kernel chooses among
// threads: the main thread if it accepts the signal and is running or has
// none pending yet; otherwise another that accepts it -- one running (it
// takes the signal at once), else one whose wait the signal ends, else any.
struct Choice {
  uint64_t signal_bit;
  uint64_t main_task_id;
  Task* main = nullptr;
  Task* running = nullptr;
  Task* waiting = nullptr;  // in a wait the signal ends
  Task* any = nullptr;
};

void consider(Task* task, void* raw_choice) {
  auto* choice = static_cast<Choice*>(raw_choice);
  if ((task->signal_mask & choice->signal_bit) != 0) return;
  TaskState state = task->state.load(std::memory_order_acquire);
  if (state == TaskState::kFinished || state == TaskState::kFree) return;
  if (task->id == choice->main_task_id &&
      (state == TaskState::kRunning || task->pending_signals.load(std::memory_order_relaxed) == 0))
    choice->main = task;
  if (state == TaskState::kRunning && choice->running == nullptr) choice->running = task;
  if (state == TaskState::kParked && task->interruptible_park && choice->waiting == nullptr)
    choice->waiting = task;
  if (choice->any == nullptr) choice->any = task;
}

// False when no task accepts the signal.
bool forward(int signal) {
  Choice choice;
  choice.signal_bit = bit(signal);
  choice.main_task_id = Scheduler::instance()->main_task_id.load(std::memory_order_relaxed);
  for_each_live_task(consider, &choice);
  Task* running = choice.main != nullptr ? choice.main : choice.running;
  if (running != nullptr) {
    if (int tid = kernel_tid_running(running)) {
      raw::syscall6(SYS_tgkill, getpid(), tid, signal);
      return true;
    }
  }
  Task* target = choice.main != nullptr   ? choice.main
                 : choice.waiting != nullptr ? choice.waiting
                                             : choice.any;
  if (target == nullptr) return false;
  post_signal(target, signal);
  return true;
}

}  // namespace

void set_signals_with_handlers(uint64_t signals) {
  if (g_with_handlers.exchange(signals, std::memory_order_acq_rel) != signals)
    wake_monitor_if_any();
}

bool on_signal_catching_thread() {
  if (t_catching_thread) return true;
  Worker* worker = current_worker();
  return worker != nullptr && worker->current == nullptr;
}

void forward_caught_signal(int signal) {
  g_caught.fetch_or(bit(signal), std::memory_order_acq_rel);
  // The monitor's next sleep must not start with the word it read before;
  // a worker caught idle must look again rather than sleep on.
  if (Scheduler* scheduler = Scheduler::instance())
    scheduler->monitor_word.fetch_add(1, std::memory_order_release);
  if (Worker* worker = current_worker()) worker->parker.unpark();
}

void task_signal_masks_changed() {
  if (g_accepted_by_none.exchange(0, std::memory_order_acq_rel) != 0) wake_monitor_if_any();
}

void become_signal_catching_thread() { t_catching_thread = true; }

bool caught_signals_waiting() { return g_caught.load(std::memory_order_relaxed) != 0; }

void forward_caught_signals(Scheduler* scheduler) {
  uint64_t caught = g_caught.exchange(0, std::memory_order_acq_rel);
  uint64_t unaccepted = 0;
  for (int signal = 1; signal <= kSignals; ++signal) {
    if ((caught & bit(signal)) && !forward(signal)) unaccepted |= bit(signal);
  }
  if (t_catching_thread) {
    // Nobody takes these now: back to the process, blocked here first so
    // they do not come straight back.
    g_accepted_by_none.fetch_or(unaccepted, std::memory_order_acq_rel);
    apply_catching_mask(scheduler);
    for (int signal = 1; signal <= kSignals; ++signal) {
      if (unaccepted & bit(signal)) raw::syscall6(SYS_kill, getpid(), signal);
    }
  } else if (unaccepted != 0) {
    // A worker: the monitor does that, where there is one.
    if (scheduler->has_monitor_thread) {
      g_caught.fetch_or(unaccepted, std::memory_order_acq_rel);
      wake_monitor_if_any();
    } else {
      for (int signal = 1; signal <= kSignals; ++signal) {
        if (unaccepted & bit(signal)) raw::syscall6(SYS_kill, getpid(), signal);
      }
    }
  }
}

}  // namespace greenshim
