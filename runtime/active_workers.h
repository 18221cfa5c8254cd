// How many of the regular workers run tasks: all of them while the process
// gets the CPUs it has workers for, fewer while it does not.
//
// One worker per CPU is right while the process has the CPUs to itself.
// When other processes want the same CPUs -- a load generator on the same
// machine, a parallel build -- the kernel time-slices the workers with
// them, and a worker taken off its CPU for a few milliseconds strands what
// it holds: its queued tasks can be stolen, but the reads its tasks wait on
// finish only when its own kernel thread runs again (the ring's completion
// work runs on the thread that submitted). Measured with the echo server at
// 10,000 connections on 2 CPUs shared with its client: two workers each
// waited about 40% of the time for a CPU, and each request cost the server
// twice the CPU time it cost one worker alone (about 60k against 100k
// requests a second).
//
// So the monitor takes a census every kCensusPeriod. If the active workers'
// kernel threads spent, on average, more than kOversubscribedPercent of it
// waiting for a CPU (the run delay in /proc/self/task/TID/schedstat), the
// highest-numbered active worker rests, as a spare retires: it gives its
// queued tasks to the global queue and sleeps, still reaping its ring as an
// outsider, so the tasks whose I/O completes there move to the active
// workers and its ring drains. Worker 0 never rests.
//
// A resting worker goes back to work when the active ones fall behind:
//   - a task has computed for kFallingBehindAfter with work waiting behind
//     it (watch_workers in monitor.cc) -- CPU time, read from schedstat, so
//     a task that stands still only because the kernel runs other processes
//     does not count;
//   - or the oldest task in a worker's queue has waited kFallingBehindAfter
//     while at least half a CPU of the machine sat idle (/proc/stat): with
//     no CPU to spare, another worker would only take time from the
//     processes keeping the CPUs busy, and from the active workers with it.
// Each time, the next rest must wait twice as long as the last (from one
// second up to 16), so a computing program on a shared machine does not
// flap between the two. RuntimeOptions::rest_workers
// (GREENSHIM_REST_WORKERS=0) keeps every worker active.
#pragma once

#include <cstdint>

namespace greenshim {

class Scheduler;
class Worker;

constexpr int64_t kFallingBehindAfterNs = 2'000'000;

// For watch_workers, about a worker whose task (the run numbered
// `progress`) has not switched for kFallingBehindAfterNs with work waiting:
// whether it is computing, i.e. its kernel thread has had a CPU for another
// kFallingBehindAfterNs since the monitor first asked. On a machine short
// of CPUs a task also stands still while the kernel runs other processes;
// that is not a reason to wake another worker.
bool computing_all_along(Worker& worker, uint64_t progress);
// Whether a regular worker is resting now: only then is falling behind
// worth measuring.
bool any_worker_resting(const Scheduler& scheduler);

// The monitor, every round. `falling_behind`: watch_workers saw a worker
// run one task for kFallingBehindAfterNs with work waiting behind it.
void adjust_active_workers(Scheduler* scheduler, int64_t now_ns, bool falling_behind);
// In a fork child: the census starts again.
void reset_active_workers_after_fork();

}  // namespace greenshim
