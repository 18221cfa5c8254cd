// Process-directed signals that only waiting threads accept, and signals
// that land on a worker between tasks.
//
// A worker's kernel thread blocks what the task it runs blocks. When every
// running task blocks a signal that some parked task accepts (a thread that
// unblocked SIGUSR1 and waits in read), the kernel finds no thread for it
// and it stays pending, where natively it would interrupt that thread. So
// the monitor's kernel thread, which never runs tasks, unblocks the
// signals the program handles. The kernel may then pick it; the shim's
// handler wrapper, seeing it is on the monitor, only notes the signal
// (forward_caught_signal), and the monitor, out of the handler, sends it
// to a task that accepts it: one running (at once, on its kernel thread),
// else one in a wait the signal ends (I/O, sleep...), else any. If no
// task accepts it now, the monitor blocks it too and raises it again for
// the process, where it waits as natively until a thread unblocks it or
// takes it with sigwait.
//
// A worker between tasks (in its scheduler loop, or idle) has the mask of
// the task it ran last, so a signal can land there too; the handler wrapper
// notes it the same way, and the worker forwards it in its next scheduling
// round (its idle wait ends with EINTR): the handler runs in a task.
#pragma once

#include <cstdint>

namespace greenshim {

class Scheduler;

// The shim: the signals whose handler is the program's (bit n-1 for n).
void set_signals_with_handlers(uint64_t signals);
// Async-signal-safe: whether the caller is the monitor's kernel thread or a
// worker between tasks, and noting a signal its handler caught there.
bool on_signal_catching_thread();
void forward_caught_signal(int signal);
// A task's mask changed: signals nobody accepted may be accepted now.
void task_signal_masks_changed();

// The monitor's side.
void become_signal_catching_thread();
// Whether a caught signal waits to be forwarded (the monitor then does not
// sleep; a worker forwards it).
bool caught_signals_waiting();
// Forwards caught signals (not in a handler); on the monitor, also keeps
// its own mask up to date.
void forward_caught_signals(Scheduler* scheduler);

}  // namespace greenshim
