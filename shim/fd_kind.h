// What the I/O shim remembers about a descriptor: whether it is a regular
// file (or block device), which is read and written straight through, or
// a stream (pipe, socket, terminal...), whose transfers are tried without
// blocking first. Learning it costs an fstat, so it is cached per
// descriptor number. For a stream it also remembers whether its last read
// had to wait: a request/response connection drained by one read usually
// waits again, so its next read goes to the ring at once instead of
// paying for a non-blocking try that would fail (io_transfer.cc).
//
// A number is forgotten when the program closes or replaces it through
// close, dup2, dup3, close_range, closefrom, fclose or pclose (close.cc).
// A descriptor closed some other way (a raw close system call) leaves a
// stale entry until the number is closed through one of those. A stale
// "file" makes a later stream on that number block its worker (the
// never-freeze monitor's hand-off covers that); a stale "stream" only lets
// a regular file's read come back short when the file was not all cached,
// which POSIX allows anyway.
#pragma once

namespace greenshim::shim {

enum class FdKind : unsigned char { kUnknown, kFile, kStream };

// The cached kind, without asking the kernel.
FdKind cached_fd_kind(int fd);
// The kind, asking the kernel (and caching the answer) when unknown.
// kUnknown if fstat fails (a bad descriptor).
FdKind fd_kind(int fd);

// Hints only: a wrong answer costs time, never changes a result.
bool read_waited_last_time(int fd);
void remember_read_waited(int fd, bool waited);

void forget_fd(int fd);
// Forgets every number from `low` to `high`, both included.
void forget_fds(unsigned low, unsigned high);

}  // namespace greenshim::shim
