// The program's signal handlers, wrapped so the shim knows when it runs
// inside one.
//
// A handler may interrupt a worker anywhere, also inside the runtime with
// one of its locks held or halfway through a run-queue push. The calls
// POSIX allows in a handler (write to a self-pipe, read, sem_post, poll,
// sleep...) must then not reach the runtime's structures: inside a handler
// the I/O calls go straight to the kernel, as natively, and sem_post only
// notes its wake-up for a worker to carry out (runtime/deferred_wake.h).
//
// sigaction, signal, bsd_signal and sysv_signal are interposed. A handler
// the program installs is recorded here and the kernel is given a wrapper
// that marks the handler's frame and calls it; asking for the action gives
// back the program's own. SIG_DFL, SIG_IGN and greenshim's own handlers go
// to the kernel unchanged.
#pragma once

#include <cstdint>

#include "runtime/task.h"

namespace greenshim::shim {

// True while the calling code runs inside a program's signal handler (a
// handler left by siglongjmp no longer counts: the mark is the handler's
// stack frame, and the stack has unwound past it).
bool inside_signal_handler();

// The green thread making the call, if the call may park it: nullptr
// outside green threads and inside a signal handler, where blocking calls
// go straight to the kernel.
Task* task_that_may_park();

// How many of the program's handlers have run in the calling thread.
uint64_t handlers_run();

}  // namespace greenshim::shim
