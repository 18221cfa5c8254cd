// Crash reports: when a green thread dies of a fatal signal (SIGSEGV,
// SIGBUS, SIGABRT, SIGILL, SIGFPE, a stack overflow into a guard page), say
// on stderr which green thread it was (id, name) and print its backtrace,
// then die exactly as without greenshim: the default action is restored
// and the signal delivered again, so the exit status and any core dump are
// unchanged.
//
// Only signals whose disposition is still the default get the reporter; a
// handler the program installs later replaces it, as it would replace the
// default. The handler runs on an alternate signal stack on every kernel
// thread that drives a worker, since an overflowed stack has no room left.
#pragma once

namespace greenshim {

// Installs the reporter and gives the calling kernel thread its signal
// stack. Called once, by the shim at start-up.
void install_crash_reporter();
// Gives the calling kernel thread a signal stack if the reporter is
// installed; a worker's kernel thread calls it when it starts.
void prepare_crash_signal_stack();

}  // namespace greenshim
