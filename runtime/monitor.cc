// See monitor.h.
#include "runtime/monitor.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "runtime/active_workers.h"
#include "runtime/clock.h"
#include "runtime/kernel_thread.h"
#include "runtime/log.h"
#include "runtime/preemption.h"
#include "runtime/raw_syscall.h"
#include "runtime/scheduler.h"
#include "runtime/signal_forwarding.h"
#include "runtime/stats.h"

namespace greenshim {
namespace {

constexpr int64_t kHandOffAfterNs = 200'000;
// How often a task interrupted at an unsafe point is asked again.
constexpr int64_t kPreemptRetryNs = 1'000'000;
constexpr int64_t kShortestSleepNs = 20'000;
constexpr int64_t kLongestSleepNs = 10'000'000;
// Rounds with nothing to do before the sleep starts doubling.
constexpr int kQuietRoundsBeforeBackOff = 50;
// Rounds with every worker idle before the monitor sleeps until woken.
constexpr int kIdleRoundsBeforeSleep = 50;

// Whether kernel thread `tid` of this process is asleep in the kernel
// ('S' or 'D' in /proc/self/task/TID/stat), not running or runnable.
bool kernel_thread_asleep(int tid) {
  char text[512];
  if (!read_kernel_thread_file(tid, "stat", text, sizeof text)) return false;
  // "tid (comm) S ...": comm may hold spaces and parentheses; the state
  // follows the last ')'.
  const char* close_paren = strrchr(text, ')');
  if (close_paren == nullptr || close_paren[1] != ' ') return false;
  char state = close_paren[2];
  return state == 'S' || state == 'D';
}

// Tasks that a stuck worker holds up: queued on it, queued globally with
// no other worker taking them, due timers (which only workers fire), or
// I/O on its ring -- completed, or queued by tasks that parked and not yet
// handed to the kernel, which the worker does only between tasks. (A task
// polling in a loop for data that a parked task's read would drain, as
// Python's multiprocessing.Pool does, holds up nothing else.)
bool work_waiting_behind(Scheduler& scheduler, Worker& worker, int64_t now) {
  IoRing& ring = worker.ring_for_monitor();
  return worker.has_local_work() || !scheduler.global_queue.empty() ||
         scheduler.timers.earliest_deadline() <= now || ring.queued() != 0 ||
         ring.has_completions();
}

void spare_thread_main(void* raw_worker) {
  auto* worker = static_cast<Worker*>(raw_worker);
  // Created by the monitor, it would start with the monitor's mask, which
  // lets in the signals it catches: it takes none until it runs a task,
  // whose own mask it then applies (Worker::apply_signal_mask).
  block_program_signals();
  worker->adopt_kernel_signal_mask();
  set_current_worker(worker);
  count_kernel_thread_started();
  worker->kernel_tid.store(raw::gettid(), std::memory_order_relaxed);
  adopt_current_context(&worker->scheduler_context);
  worker->kernel_thread_block = worker->scheduler_context.thread_pointer;
  worker->run_until_stopped();
  set_current_worker(nullptr);
  count_kernel_thread_stopped();
}

// A spare that is not running tasks, started now if none is free; nullptr
// at the cap.
Worker* free_spare(Scheduler* scheduler) {
  size_t count = scheduler->spare_count.load(std::memory_order_acquire);
  for (size_t slot = 0; slot < count; ++slot) {
    Worker* spare = scheduler->spares[slot].get();
    if (spare->has_kernel_thread && !spare->active.load(std::memory_order_acquire)) return spare;
  }
  for (size_t slot = 0; slot < count; ++slot) {
    Worker* spare = scheduler->spares[slot].get();
    if (spare->has_kernel_thread) continue;  // its thread was lost to a fork
    if (start_kernel_thread(spare_thread_main, spare, &spare->kernel_thread) != 0) return nullptr;
    spare->has_kernel_thread = true;
    return spare;
  }
  if (count == Scheduler::kMaxSpareWorkers) {
    static bool reported = false;
    if (!reported) {
      reported = true;
      warn("%zu spare workers are all in use (kernel threads blocked in calls greenshim does "
           "not route); tasks queued behind further blocked workers wait for them",
           count);
    }
    return nullptr;
  }
  int index = static_cast<int>(scheduler->workers.size() + count);
  scheduler->spares[count] = std::make_unique<Worker>(scheduler, index, true);
  Worker* spare = scheduler->spares[count].get();
  if (start_kernel_thread(spare_thread_main, spare, &spare->kernel_thread) != 0) return nullptr;
  spare->has_kernel_thread = true;
  scheduler->spare_count.store(count + 1, std::memory_order_release);
  return spare;
}

void hand_off(Scheduler* scheduler, Worker* stuck) {
  Worker* spare = free_spare(scheduler);
  if (spare == nullptr) return;
  stuck->handed_off.store(true, std::memory_order_release);
  spare->retire_requested.store(false, std::memory_order_relaxed);
  spare->active.store(true, std::memory_order_release);
  spare->parker.unpark();
  stuck->give_away_queued_tasks();
  count_handoff();
  debug_log("worker %d is blocked in the kernel; spare worker %d runs its tasks", stuck->index,
            spare->index);
}

// A stuck worker came back: one spare too many now.
void retire_one_spare(Scheduler* scheduler) {
  size_t count = scheduler->spare_count.load(std::memory_order_acquire);
  for (size_t slot = count; slot-- > 0;) {
    Worker* spare = scheduler->spares[slot].get();
    if (spare->active.load(std::memory_order_acquire) &&
        !spare->retire_requested.load(std::memory_order_relaxed)) {
      spare->retire_requested.store(true, std::memory_order_release);
      spare->parker.unpark();
      return;
    }
  }
}

// One look at every worker; true if a worker is running a task.
// *falling_behind: a worker has run one task for kFallingBehindAfterNs
// while work waits behind it (active_workers.h).
bool watch_workers(Scheduler* scheduler, int64_t now, bool* acted, bool* falling_behind) {
  const int64_t preempt_ns =
      preemption_enabled() ? scheduler->options.preempt_microseconds * 1000 : 0;
  const bool resting = any_worker_resting(*scheduler);
  bool busy = false;
  for (size_t slot = 0; slot < scheduler->worker_slots(); ++slot) {
    Worker* worker = scheduler->worker_at(slot);
    if (!worker->has_kernel_thread || !worker->active.load(std::memory_order_acquire)) continue;
    uint64_t progress = worker->progress.load(std::memory_order_seq_cst);
    bool in_task = (progress & 1) != 0;
    busy |= in_task || progress != worker->monitor_seen_progress;
    if (progress != worker->monitor_seen_progress) {
      worker->monitor_seen_progress = progress;
      worker->monitor_seen_at_ns = now;
      worker->monitor_preempt_sent_ns = 0;  // a new run: ask at once when due
      if (worker->handed_off.exchange(false, std::memory_order_acq_rel)) {
        retire_one_spare(scheduler);
        *acted = true;
      }
      continue;
    }
    if (!in_task) continue;
    if (worker->handed_off.load(std::memory_order_acquire)) {
      // The same task may have returned from its call and blocked in
      // another without ever switching (so `progress` never moved): ask
      // the kernel whether it is still asleep.
      if (!kernel_thread_asleep(worker->kernel_tid.load(std::memory_order_relaxed))) {
        worker->handed_off.store(false, std::memory_order_release);
        retire_one_spare(scheduler);
        *acted = true;
        continue;
      }
      // Still stuck: start the I/O its tasks queued, wake the ones whose
      // I/O has completed, and move on what it queued while it was awake.
      IoRing& ring = worker->ring_for_monitor();
      if (ring.flush() + ring.reap() != 0) *acted = true;
      worker->give_away_queued_tasks();
      continue;
    }
    int64_t stuck_ns = now - worker->monitor_seen_at_ns;
    bool hand_off_due = stuck_ns >= kHandOffAfterNs;
    bool preempt_due = preempt_ns > 0 && stuck_ns >= preempt_ns;
    if (!hand_off_due && !preempt_due) continue;
    if (!work_waiting_behind(*scheduler, *worker, now)) continue;
    if (resting && stuck_ns >= kFallingBehindAfterNs && computing_all_along(*worker, progress))
      *falling_behind = true;
    bool asleep = kernel_thread_asleep(worker->kernel_tid.load(std::memory_order_relaxed));
    if (asleep && hand_off_due) {
      hand_off(scheduler, worker);
      *acted = true;
    } else if (!asleep && preempt_due &&
               now - worker->monitor_preempt_sent_ns >= kPreemptRetryNs) {
      // Computing: preempt it. A task interrupted at an unsafe point
      // carries on; ask again after kPreemptRetryNs.
      // Not "acted": a preemption is routine for computing programs, and
      // polling at the shortest period after each one would cost them
      // more than the preemption does.
      worker->monitor_preempt_sent_ns = now;
      request_preemption(worker, progress);
    }
  }
  return busy;
}


void monitor_main(void* raw_scheduler) {
  auto* scheduler = static_cast<Scheduler*>(raw_scheduler);
  // Signals are for the program's threads, not this one, except those it
  // catches for threads that wait (signal_forwarding.h).
  block_program_signals();
  become_signal_catching_thread();
  int64_t sleep_ns = kShortestSleepNs;
  // Backing off, the monitor still looks twice per preemption quantum.
  int64_t longest_sleep_ns = kLongestSleepNs;
  if (scheduler->options.preempt_microseconds > 0)
    longest_sleep_ns = std::min(kLongestSleepNs, scheduler->options.preempt_microseconds * 500);
  int quiet_rounds = 0;
  int idle_rounds = 0;
  while (!scheduler->stopping.load(std::memory_order_acquire)) {
    uint32_t seen = scheduler->monitor_word.load(std::memory_order_acquire);
    if (!caught_signals_waiting())
      raw::futex_wait(&scheduler->monitor_word, seen, monotonic_now_ns() + sleep_ns);
    forward_caught_signals(scheduler);
    bool acted = false;
    bool falling_behind = false;
    int64_t now = monotonic_now_ns();
    bool busy = watch_workers(scheduler, now, &acted, &falling_behind);
    adjust_active_workers(scheduler, now, falling_behind);
    if (acted) {
      quiet_rounds = 0;
      sleep_ns = kShortestSleepNs;
    } else if (++quiet_rounds > kQuietRoundsBeforeBackOff && sleep_ns < longest_sleep_ns) {
      sleep_ns *= 2;
    }
    if (busy) {
      idle_rounds = 0;
      continue;
    }
    if (++idle_rounds < kIdleRoundsBeforeSleep) continue;
    // Every worker idle for a while: sleep until one runs a task. Publish,
    // then look again (Worker::run stores progress, then reads the flag).
    seen = scheduler->monitor_word.load(std::memory_order_acquire);
    scheduler->monitor_asleep.store(true, std::memory_order_seq_cst);
    bool still_idle = !watch_workers(scheduler, monotonic_now_ns(), &acted, &falling_behind);
    if (still_idle && !scheduler->stopping.load(std::memory_order_acquire))
      raw::futex_wait(&scheduler->monitor_word, seen, kNoDeadline);
    forward_caught_signals(scheduler);
    scheduler->monitor_asleep.store(false, std::memory_order_relaxed);
    idle_rounds = 0;
    quiet_rounds = 0;
    sleep_ns = kShortestSleepNs;
  }
}

}  // namespace

void Scheduler::wake_monitor() {
  if (!monitor_asleep.exchange(false, std::memory_order_acq_rel)) return;
  monitor_word.fetch_add(1, std::memory_order_release);
  raw::futex_wake(&monitor_word, 1);
}

void start_monitor(Scheduler* scheduler) {
  if (scheduler->has_monitor_thread) return;
  if (scheduler->options.preempt_microseconds > 0 && !preemption_enabled())
    enable_preemption(scheduler->options.preempt_signal);
  int error = start_kernel_thread(monitor_main, scheduler, &scheduler->monitor_thread, 64 * 1024);
  if (error != 0) {
    warn("cannot start the monitor thread (%s); a worker blocked in the kernel will hold up "
         "the tasks queued behind it",
         strerror(error));
    return;
  }
  scheduler->has_monitor_thread = true;
}

void stop_monitor_and_spares(Scheduler* scheduler) {
  scheduler->monitor_word.fetch_add(1, std::memory_order_release);
  raw::futex_wake(&scheduler->monitor_word, 1);
  if (scheduler->has_monitor_thread) join_kernel_thread(scheduler->monitor_thread);
  scheduler->has_monitor_thread = false;
  size_t count = scheduler->spare_count.load(std::memory_order_acquire);
  for (size_t slot = 0; slot < count; ++slot) scheduler->spares[slot]->parker.unpark();
  for (size_t slot = 0; slot < count; ++slot) {
    Worker* spare = scheduler->spares[slot].get();
    if (spare->has_kernel_thread) join_kernel_thread(spare->kernel_thread);
    spare->has_kernel_thread = false;
  }
}

void reset_monitor_after_fork(Scheduler* scheduler) {
  scheduler->has_monitor_thread = false;
  reset_active_workers_after_fork();
  scheduler->monitor_asleep.store(false, std::memory_order_relaxed);
  size_t count = scheduler->spare_count.load(std::memory_order_acquire);
  for (size_t slot = 0; slot < count; ++slot) scheduler->spares[slot]->reset_after_fork();
}

}  // namespace greenshim
