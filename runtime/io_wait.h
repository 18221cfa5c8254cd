// How a green thread waits for a file descriptor or makes a slow system
// call without taking its worker's kernel thread with it.
//
// Two paths, chosen once per process (io_path()):
// - io_uring (the default where the kernel allows it): readiness waits are
//   IORING_OP_POLL_ADD on the worker's ring, slow calls the matching ring
//   operation (accept, connect, fsync, readv, writev); the task parks and
//   the worker reaps the completion in its scheduler loop.
// - kernel threads (GREENSHIM_IO=off, or io_uring unusable): the same calls
//   made by a blocking-pool thread while the task parks (blocking_pool.h).
// Either way the caller's worker goes on running other tasks.
//
// Only waits go through here. Data moves in the caller's own system calls
// (the shim tries them non-blocking first and waits for readiness when
// they would block), so a read that finds data ready costs one system call
// and partial transfers, offsets and signals behave as natively.
#pragma once

#include <poll.h>

#include <cstddef>
#include <cstdint>

#include "runtime/options.h"

namespace greenshim {

enum class IoPath { kUndecided, kUring, kKernelThreads };

// The path the running runtime uses; decided at the first call from
// RuntimeOptions::io_mode and what the kernel offers. With GREENSHIM_DEBUG
// the choice is said on stderr.
IoPath io_path();

// Parks the calling green thread until `fd` is ready for `events` (poll(2)
// bits) or `deadline_ns` (monotonic; kNoDeadline for none) passes. Returns
// the ready events (> 0), 0 when the deadline passed, or -errno: -EINTR
// when a signal was posted to the task (post_signal) first. Outside a green
// thread, blocks in poll(2).
int wait_fd_ready(int fd, short events, int64_t deadline_ns);

// Parks until any of `fds` is ready or the deadline passes: 1 when one
// became ready (the caller polls again for the exact revents; this call may
// have overwritten them), 0 at the deadline, or -errno.
int wait_any_fd_ready(pollfd* fds, size_t count, int64_t deadline_ns);

// Makes a system call that may block (accept4, connect, fsync, fdatasync,
// readv, writev, preadv, pwritev, or any other) without blocking the
// worker: as a ring operation where there is one, else on a blocking-pool
// thread. Returns the kernel's result (negative errno on failure). Signals
// posted meanwhile are handled when it returns; they do not end it.
long blocking_syscall(long number, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0,
                      long a5 = 0, long a6 = 0);

// A read that would block, as the ring's own operation (SYS_readv,
// SYS_preadv2 or SYS_recvmsg with their system-call arguments): one
// submission instead of a readiness wait and a second read. Interruptible:
// a signal posted to the task first cancels it (-EINTR; a read that
// completed anyway returns its count). -ENOSYS when the ring path is not in
// use; the caller then waits for readiness instead.
long read_on_ring(long number, long a1, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0,
                  long a6 = 0);

}  // namespace greenshim
