// Event counters (GREENSHIM_STATS) and the report printed at exit.
//
// Each worker has its own WorkerStats, written only by the kernel thread
// driving that worker, so an increment is a relaxed load and store, not a
// locked instruction; readers (the exit report, the scheduler trace)
// tolerate a stale value. Events that happen outside any worker (a spawn
// from a thread the runtime does not run) go to one shared set counted
// with atomic adds, reported as the "outside" row.
//
// Subsystems count through the helpers at the bottom (count_event and the
// named ones), which find the calling worker themselves. A counter nothing
// increments yet simply prints 0.
#pragma once

#include <atomic>
#include <cstdint>

namespace greenshim {

class Counter {
 public:
  // Single writer: the worker's own kernel thread.
  void add(uint64_t amount = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
  }
  // Several writers (the "outside" set).
  void add_shared(uint64_t amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  // For counters that record a largest value rather than a sum.
  void raise_to(uint64_t candidate) {
    uint64_t current = value_.load(std::memory_order_relaxed);
    while (candidate > current &&
           !value_.compare_exchange_weak(current, candidate, std::memory_order_relaxed)) {
    }
  }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

struct WorkerStats {
  // Tasks.
  Counter tasks_created;   // spawns
  Counter tasks_run;       // distinct tasks started (first switch in)
  Counter switches;        // switches into a task
  Counter task_parks;      // a task waited for a wake-up (lock, condvar, sleep, join, I/O...)
  Counter task_wakeups;    // a parked task made runnable again
  Counter timers_fired;    // deadlines reached (sleeps, timed waits)
  // Workers.
  Counter steals_tried;    // victims visited
  Counter steals_won;      // tasks taken from victims
  Counter parks;           // times the worker's kernel thread slept for lack of work
  Counter wakeups;         // times this worker woke a sleeping worker
  Counter preemptions;     // tasks switched out by a preemption signal
  Counter handoffs;        // the worker moved to another kernel thread (one was blocked)
  // Written by the monitor alone (active_workers.h), on the worker concerned.
  Counter rests;           // it rested: the CPUs were oversubscribed
  Counter rest_ends;       // it ran tasks again: the others fell behind
  // I/O.
  Counter io_submissions;     // operations submitted to the kernel
  Counter io_submit_batches;  // submit calls (submissions / batches = mean batch size)
  Counter io_largest_batch;   // most operations in one submit call
  Counter io_completions;     // completions reaped
};

class Scheduler;

enum class StatsFormat { kTable, kJson };

// Writes every worker's counters, the totals, the peak number of live
// tasks and of kernel threads to `fd`.
void print_stats(const Scheduler& scheduler, int fd, StatsFormat format);

// Counts one event (or `amount`) on the calling worker, or on the outside
// set when the caller is not a worker.
void count_event(Counter WorkerStats::*counter, uint64_t amount = 1);

// For the I/O engine: one submit call carrying `operations` operations.
void count_io_submit_batch(uint64_t operations);
void count_io_completions(uint64_t completions);
// For preemption and the monitor that hands workers to spare kernel threads.
void count_preemption();
void count_handoff();

// Kernel threads driving workers (the adopted main thread included, and
// any spare one a hand-off starts): call when one starts and when it ends.
void count_kernel_thread_started();
void count_kernel_thread_stopped();
uint64_t kernel_threads_alive();
uint64_t peak_kernel_threads();

}  // namespace greenshim
