// The GREENSHIM_STATS report: one aligned row per worker, then totals.
#include "runtime/stats.h"

#include <cstdio>

#include "runtime/raw_syscall.h"
#include "runtime/scheduler.h"

namespace greenshim {
namespace {

void write_all(int fd, const char* text, int length) {
  while (length > 0) {
    long written = raw::syscall6(SYS_write, fd, reinterpret_cast<long>(text), length);
    if (written <= 0) return;
    text += written;
    length -= static_cast<int>(written);
  }
}

}  // namespace

void print_stats(const Scheduler& scheduler, int fd) {
  char line[256];
  int length = snprintf(line, sizeof line, "greenshim: %-7s %12s %12s %12s %12s %10s %10s\n",
                        "worker", "tasks run", "switches", "steals try", "steals won", "parks",
                        "wake-ups");
  write_all(fd, line, length);
  uint64_t totals[6] = {};
  for (const auto& worker : scheduler.workers) {
    const WorkerStats& stats = worker->stats;
    uint64_t values[6] = {stats.tasks_run.get(),   stats.switches.get(), stats.steals_tried.get(),
                          stats.steals_won.get(), stats.parks.get(),    stats.wakeups.get()};
    for (int column = 0; column < 6; ++column) totals[column] += values[column];
    char name[16];
    snprintf(name, sizeof name, "%d", worker->index);
    length = snprintf(line, sizeof line,
                      "greenshim: %-7s %12llu %12llu %12llu %12llu %10llu %10llu\n", name,
                      (unsigned long long)values[0], (unsigned long long)values[1],
                      (unsigned long long)values[2], (unsigned long long)values[3],
                      (unsigned long long)values[4], (unsigned long long)values[5]);
    write_all(fd, line, length);
  }
  length = snprintf(line, sizeof line,
                    "greenshim: %-7s %12llu %12llu %12llu %12llu %10llu %10llu\n", "total",
                    (unsigned long long)totals[0], (unsigned long long)totals[1],
                    (unsigned long long)totals[2], (unsigned long long)totals[3],
                    (unsigned long long)totals[4], (unsigned long long)totals[5]);
  write_all(fd, line, length);
  length = snprintf(line, sizeof line, "greenshim: peak tasks alive %zu\n",
                    scheduler.registry.peak_live_count());
  write_all(fd, line, length);
}

}  // namespace greenshim
