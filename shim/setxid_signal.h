// glibc's set*id broadcast, kept working with a thread block per task.
//
// setuid() and the other set*id calls change the credentials of one
// kernel thread, so glibc signals every thread on its list (SIGSETXID,
// SIGRTMIN+1) and waits until each one's handler has made the same call
// and cleared a flag in the struct pthread that THREAD_SELF names. On a
// worker running a task, THREAD_SELF is the task's block, not the one on
// the list: the flag glibc waits for would never clear, and setuid would
// signal forever. The handler is wrapped so that glibc's runs on the block
// the list has for the kernel thread it interrupted
// (current_kernel_thread_block), as it does without greenshim.
#pragma once

namespace greenshim::shim {

// Once, before green threads run. glibc installs its handler when the
// first thread is created, so this creates one first.
void wrap_setxid_signal_handler();

}  // namespace greenshim::shim
