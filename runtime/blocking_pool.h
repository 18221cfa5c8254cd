// Kernel threads that make, on a green thread's behalf, the system calls
// that would otherwise put a worker to sleep: the fallback when io_uring is
// missing or turned off (GREENSHIM_IO=off), and for calls the ring has no
// operation for. The task parks; a pool thread makes the call and wakes it.
//
// Threads are started on demand and kept once idle, so a steady load reuses
// them. They block every asynchronous signal: a process-directed signal
// must reach a thread the program knows about, not one of ours. The pool is
// capped (kMaxBlockingThreads); past the cap calls queue for a free thread,
// which greenshim says once on stderr.
#pragma once

#include <poll.h>

#include <cstddef>
#include <cstdint>

namespace greenshim {

// Makes system call `number` without blocking the calling green thread's
// worker; returns the kernel's result (negative errno on failure). Called
// outside a green thread, simply makes the call.
long call_on_blocking_thread(long number, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0,
                             long a5 = 0, long a6 = 0);

// poll(2) on `count` descriptors until `deadline_ns` (monotonic;
// kNoDeadline for none), made by a pool thread while the caller parks; the
// ready count (revents filled in), 0 at the deadline, or -errno. Unlike a
// plain call it is interruptible: a signal posted to the caller
// (post_signal) ends it with -EINTR.
long poll_on_blocking_thread(pollfd* fds, size_t count, int64_t deadline_ns);

// Returns once no pool thread is inside a call or its wake-up: the runtime
// may be torn down after that (the threads themselves stay, idle).
void wait_for_blocking_threads_to_settle();

// In a fork child the pool's threads are gone.
void reset_blocking_pool_after_fork();

}  // namespace greenshim
