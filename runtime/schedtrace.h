// GREENSHIM_SCHEDTRACE=MS: one line on stderr every MS milliseconds while
// the program runs, like Go's GODEBUG=schedtrace, saying what the scheduler
// is doing -- workers running a task, spinning for work or asleep; run-queue
// lengths; tasks alive, runnable, running and parked, with why they are
// parked. A kernel thread of its own wakes up to print; nothing runs when
// the variable is unset.
#pragma once

namespace greenshim {

class Scheduler;

// Starts the trace thread; false (with a warning) if it cannot.
bool start_schedtrace(Scheduler* scheduler, long interval_ms);

}  // namespace greenshim
