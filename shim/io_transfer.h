// The one algorithm behind every interposed read, write, send and receive:
// try the call without blocking (RWF_NOWAIT, MSG_DONTWAIT); if it would
// block, park the green thread until the descriptor is ready
// (runtime/io_wait.h) and try again. Each data transfer stays the
// program's own system call on its own buffer, so short counts, EOF, file
// offsets, errors and SIGPIPE are exactly the kernel's.
//
// Cases that take the kernel's plain blocking call instead:
// - the caller is not a green thread;
// - the descriptor is O_NONBLOCK (the caller wants EAGAIN, not a wait) or
//   the caller asked for RWF_NOWAIT / MSG_DONTWAIT itself;
// - a regular file or block device: nothing to wait for that poll could
//   report, and its shared file offset must advance under the kernel's
//   lock as with native read and write.
// A descriptor that cannot do non-blocking transfers at all (a terminal:
// EOPNOTSUPP) makes the whole call through blocking_syscall(), so a ring
// operation or a pool thread does the waiting.
//
// Results are the kernel's: a count, or a negative errno.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>

namespace greenshim::shim {

// -1 offset: the file position (read/write/readv/writev).
long read_without_blocking(int fd, const iovec* vectors, int count, off_t offset, int flags);
long write_without_blocking(int fd, const iovec* vectors, int count, off_t offset, int flags);

// recvfrom/recvmsg and sendto/sendmsg. For receives, MSG_WAITALL keeps
// receiving until the buffers are full, EOF or an error, as natively.
long receive_without_blocking(int fd, msghdr* message, int flags);
long send_without_blocking(int fd, const msghdr* message, int flags);

// The libc convention: a negative errno becomes errno and -1.
long libc_result(long kernel_result);

}  // namespace greenshim::shim
