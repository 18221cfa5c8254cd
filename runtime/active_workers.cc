// See active_workers.h.
#include "runtime/active_workers.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "runtime/kernel_thread.h"
#include "runtime/log.h"
#include "runtime/scheduler.h"
#include "runtime/stats.h"

namespace greenshim {
namespace {

constexpr int64_t kCensusPeriodNs = 200'000'000;
constexpr int64_t kOversubscribedPercent = 25;
constexpr int64_t kFirstRestDelayNs = 1'000'000'000;
constexpr int64_t kLongestRestDelayNs = 16'000'000'000;

// The monitor's alone.
struct Census {
  int64_t started_ns = 0;  // 0: the first census has not started
  int64_t rest_allowed_from_ns = 0;
  int64_t rest_delay_ns = kFirstRestDelayNs;
  // The machine's idle time (/proc/stat, clock ticks) at the last census,
  // and whether at least half a CPU sat idle during the period before it.
  int64_t idle_ticks = -1;
  bool spare_cpu = true;
};
Census g_census;

struct SchedulerTimes {
  int64_t on_cpu_ns = -1;   // -1: the kernel does not say (no CONFIG_SCHED_INFO)
  int64_t waiting_ns = -1;  // runnable, but waiting for a CPU
};

SchedulerTimes scheduler_times(const Worker& worker) {
  char text[128];
  unsigned long long on_cpu = 0;
  unsigned long long waiting = 0;
  SchedulerTimes times;
  if (read_kernel_thread_file(worker.kernel_tid.load(std::memory_order_relaxed), "schedstat", text,
                              sizeof text) &&
      sscanf(text, "%llu %llu", &on_cpu, &waiting) == 2) {
    times.on_cpu_ns = static_cast<int64_t>(on_cpu);
    times.waiting_ns = static_cast<int64_t>(waiting);
  }
  return times;
}

// The machine's idle and I/O-wait time in clock ticks, all CPUs together;
// -1 if /proc/stat cannot be read.
int64_t machine_idle_ticks() {
  char text[256];
  unsigned long long user, nice, system, idle, io_wait;
  if (!read_proc_file("/proc/stat", text, sizeof text) ||
      sscanf(text, "cpu %llu %llu %llu %llu %llu", &user, &nice, &system, &idle, &io_wait) != 5)
    return -1;
  return static_cast<int64_t>(idle + io_wait);
}

// Whether at least half a CPU sat idle over the period just ended.
bool update_spare_cpu(int64_t period_ns) {
  static const long ticks_per_second = sysconf(_SC_CLK_TCK);
  int64_t idle = machine_idle_ticks();
  bool spare = true;
  if (idle >= 0 && g_census.idle_ticks >= 0 && ticks_per_second > 0) {
    double period_ticks = static_cast<double>(period_ns) * ticks_per_second / 1e9;
    spare = static_cast<double>(idle - g_census.idle_ticks) >= 0.5 * period_ticks;
  }
  g_census.idle_ticks = idle;
  return spare;
}

// Runs tasks now and can be told to rest: not resting, not told to, and
// not stuck in the kernel with its tasks handed to a spare.
bool running_tasks(const Worker& worker) {
  return worker.has_kernel_thread && worker.active.load(std::memory_order_acquire) &&
         !worker.retire_requested.load(std::memory_order_acquire) &&
         !worker.handed_off.load(std::memory_order_acquire);
}

// Done resting: a worker told to rest has stopped (its loop clears
// `active` last), so it can be told to work again.
bool resting(const Worker& worker) {
  return worker.has_kernel_thread && !worker.active.load(std::memory_order_acquire);
}

// Whether the oldest task in `worker`'s queue has waited kFallingBehindAfterNs.
// A task leaves the head of the deque only by being taken, which moves the
// head on, so an unchanged head means the same task is still waiting.
bool oldest_task_waited(Worker& worker, int64_t now_ns) {
  int64_t head = worker.queue_head_position();
  if (head < 0 || head != worker.monitor_seen_queue_head) {
    worker.monitor_seen_queue_head = head;
    worker.monitor_seen_queue_head_at_ns = now_ns;
    return false;
  }
  return now_ns - worker.monitor_seen_queue_head_at_ns >= kFallingBehindAfterNs;
}

void wake_one_resting(Scheduler* scheduler, int64_t now_ns) {
  for (auto& worker : scheduler->workers) {
    if (!resting(*worker)) continue;
    worker->active.store(true, std::memory_order_release);
    worker->parker.unpark();
    worker->stats.rest_ends.add();
    g_census.rest_allowed_from_ns = now_ns + g_census.rest_delay_ns;
    g_census.rest_delay_ns = std::min(g_census.rest_delay_ns * 2, kLongestRestDelayNs);
    debug_log("workers fall behind: worker %d runs tasks again", worker->index);
    return;
  }
}

void rest_one(Scheduler* scheduler) {
  for (size_t slot = scheduler->workers.size(); slot-- > 1;) {
    Worker* worker = scheduler->workers[slot].get();
    if (!running_tasks(*worker)) continue;
    worker->retire_requested.store(true, std::memory_order_release);
    worker->parker.unpark();
    worker->stats.rests.add();
    debug_log("the CPUs are oversubscribed: worker %d rests", worker->index);
    return;
  }
}

// Adds up how long the active workers waited for a CPU since the last
// census; false if the kernel does not say.
bool sum_waiting(Scheduler* scheduler, int64_t* waited_ns, int* active) {
  *waited_ns = 0;
  *active = 0;
  for (auto& worker : scheduler->workers) {
    if (!worker->has_kernel_thread) continue;
    int64_t delay = scheduler_times(*worker).waiting_ns;
    if (delay < 0) return false;
    if (running_tasks(*worker)) {
      // A worker's first census, or a new kernel thread after a fork,
      // starts from its own baseline.
      if (worker->monitor_seen_run_delay_ns > 0 && delay >= worker->monitor_seen_run_delay_ns)
        *waited_ns += delay - worker->monitor_seen_run_delay_ns;
      ++*active;
    }
    worker->monitor_seen_run_delay_ns = delay;
  }
  return true;
}

}  // namespace

bool computing_all_along(Worker& worker, uint64_t progress) {
  int64_t on_cpu_ns = scheduler_times(worker).on_cpu_ns;
  if (on_cpu_ns < 0) return true;  // cannot tell: assume it computes
  if (worker.monitor_long_run_progress != progress) {
    worker.monitor_long_run_progress = progress;
    worker.monitor_long_run_on_cpu_ns = on_cpu_ns;
    return false;
  }
  return on_cpu_ns - worker.monitor_long_run_on_cpu_ns >= kFallingBehindAfterNs;
}

bool any_worker_resting(const Scheduler& scheduler) {
  return std::any_of(scheduler.workers.begin(), scheduler.workers.end(),
                     [](const auto& worker) { return resting(*worker); });
}

void adjust_active_workers(Scheduler* scheduler, int64_t now_ns, bool falling_behind) {
  if (!scheduler->options.rest_workers || scheduler->workers.size() < 2) return;
  if (any_worker_resting(*scheduler)) {
    for (auto& worker : scheduler->workers) {
      if (running_tasks(*worker) && oldest_task_waited(*worker, now_ns) &&
          g_census.spare_cpu)
        falling_behind = true;
    }
    if (falling_behind) wake_one_resting(scheduler, now_ns);
  }
  int64_t period_ns = now_ns - g_census.started_ns;
  if (g_census.started_ns != 0 && period_ns < kCensusPeriodNs) return;
  // The first census only takes the baselines (idle time, run delays).
  bool first = g_census.started_ns == 0;
  g_census.started_ns = now_ns;
  g_census.spare_cpu = update_spare_cpu(period_ns);
  int64_t waited_ns;
  int active;
  if (!sum_waiting(scheduler, &waited_ns, &active) || first) return;
  if (active > 1 && now_ns >= g_census.rest_allowed_from_ns &&
      waited_ns * 100 >= period_ns * active * kOversubscribedPercent)
    rest_one(scheduler);
}

void reset_active_workers_after_fork() { g_census = Census{}; }

}  // namespace greenshim
