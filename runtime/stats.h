// Per-worker event counters (GREENSHIM_STATS). Each is written only by its
// worker's kernel thread, so an increment is a relaxed load and store, not a
// locked instruction; readers (the exit report) tolerate a stale value.
#pragma once

#include <atomic>
#include <cstdint>

namespace greenshim {

class Counter {
 public:
  void add(uint64_t amount = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
  }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

struct WorkerStats {
  Counter tasks_run;      // distinct tasks started (first switch in)
  Counter switches;       // switches into a task
  Counter steals_tried;   // victims visited
  Counter steals_won;     // tasks taken from victims
  Counter parks;          // times the kernel thread slept for lack of work
  Counter wakeups;        // times this worker woke another
};

class Scheduler;

// Writes the table of every worker's counters, and totals, to `fd`.
void print_stats(const Scheduler& scheduler, int fd);

}  // namespace greenshim
