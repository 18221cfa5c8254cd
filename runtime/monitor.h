// The monitor: a kernel thread of the runtime's own, after Go's sysmon,
// that keeps a worker stuck in the kernel from freezing the tasks behind
// it.
//
// Programs make blocking calls the shim does not route -- waitpid, flock,
// getaddrinfo, fread on a pipe (glibc's internal read), a raw futex
// system call. The kernel thread under the worker then sleeps with the
// worker's queue full. The monitor notices a worker whose task has not
// switched for kHandOffAfter while work waits, checks in /proc that its
// kernel thread is asleep in the kernel (not computing: moving a
// CPU-bound task's queue would only add a worker beyond the CPUs), and
// hands off: the stuck worker's queued tasks go to the global queue, a
// spare worker (its own kernel thread, reused from earlier hand-offs,
// started only when none is free) starts running tasks, so N workers keep
// running green threads, and the monitor reaps the stuck worker's ring so
// its I/O completions still wake their tasks. When the blocked call
// returns, the task goes on on its own kernel thread, the worker resumes
// its loop, and a spare retires (its kernel thread sleeps, ready for the
// next hand-off). Spares are capped at Scheduler::kMaxSpareWorkers, which
// greenshim says once on stderr if it is ever reached.
//
// A stuck worker whose kernel thread is computing, not asleep, has run one
// task for the whole preemption quantum (RuntimeOptions, default 10 ms in
// the shim): the monitor asks for it to be preempted (preemption.h).
//
// Every round it also decides how many workers run tasks
// (active_workers.h): fewer while other processes keep the CPUs busy.
//
// kHandOffAfter is 200 us: longer than ordinary short system calls and page
// faults (a hand-off costs a thread wake-up), short enough that the tasks
// queued behind a stuck worker barely notice.
//
// Cost: while tasks run, the monitor wakes every 20 us, backing off to every
// 10 ms while nothing needs doing (Go's numbers), or to half the preemption
// quantum if that is shorter; a preemption does not reset the back-off (it
// is routine in computing programs, and polling hard after each cost them
// 10-20%), a hand-off does. Once every worker is idle it sleeps until a
// worker runs a task again (Worker::run wakes it), so an idle process has
// no wake-ups at all.
#pragma once

namespace greenshim {

class Scheduler;

void start_monitor(Scheduler* scheduler);
// After `stopping` is set: wakes the monitor and every spare, and joins them.
void stop_monitor_and_spares(Scheduler* scheduler);
// In a fork child the monitor and the spares' kernel threads are gone.
void reset_monitor_after_fork(Scheduler* scheduler);

}  // namespace greenshim
