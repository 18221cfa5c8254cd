// See io_transfer.h.
#include "shim/io_transfer.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include <cerrno>

#include "runtime/io_wait.h"
#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "shim/cancellation.h"
#include "shim/fd_kind.h"
#include "shim/signal_handlers.h"
#include "shim/task_signals.h"

namespace greenshim::shim {
namespace {

long preadv2_call(int fd, const iovec* vectors, int count, off_t offset, int flags) {
  return raw::syscall6(SYS_preadv2, fd, reinterpret_cast<long>(vectors), count, offset, 0, flags);
}

long pwritev2_call(int fd, const iovec* vectors, int count, off_t offset, int flags) {
  return raw::syscall6(SYS_pwritev2, fd, reinterpret_cast<long>(vectors), count, offset, 0, flags);
}

long recvmsg_call(int fd, msghdr* message, int flags) {
  return raw::syscall6(SYS_recvmsg, fd, reinterpret_cast<long>(message), flags);
}

long sendmsg_call(int fd, const msghdr* message, int flags) {
  return raw::syscall6(SYS_sendmsg, fd, reinterpret_cast<long>(message), flags);
}

bool fd_is_nonblocking(int fd) {
  long status = raw::syscall6(SYS_fcntl, fd, F_GETFL);
  return status >= 0 && (status & O_NONBLOCK) != 0;
}

// Regular files and block devices: read and written straight through.
bool fd_is_file(int fd) { return fd_kind(fd) == FdKind::kFile; }

// Calls that go straight to the kernel: not a green thread, the caller's
// own RWF_NOWAIT, or a descriptor already known to be a file.
bool direct(int fd, int flags) {
  return task_that_may_park() == nullptr || (flags & RWF_NOWAIT) ||
         cached_fd_kind(fd) == FdKind::kFile;
}

size_t total_bytes(const iovec* vectors, size_t count) {
  size_t total = 0;
  for (size_t index = 0; index < count; ++index) total += vectors[index].iov_len;
  return total;
}

// The part of an iovec array not yet transferred, offered to the next
// system call as a window: the caller's own array when whole vectors
// remain, else a short copy whose first vector is trimmed. (A copy of the
// whole array could need 16 KiB of stack, more than a small green thread
// has; a smaller transfer is fine, since the callers loop.)
class IoVectorCursor {
 public:
  IoVectorCursor(const iovec* vectors, size_t count) : vectors_(vectors), count_(count) {
    skip_empty();
  }

  bool done() const { return index_ == count_; }

  const iovec* window(size_t* count) {
    size_t remaining = count_ - index_;
    if (trimmed_ == 0) {
      *count = remaining < IOV_MAX ? remaining : IOV_MAX;
      return vectors_ + index_;
    }
    size_t copied = remaining < kWindow ? remaining : kWindow;
    for (size_t slot = 0; slot < copied; ++slot) window_[slot] = vectors_[index_ + slot];
    window_[0].iov_base = static_cast<char*>(window_[0].iov_base) + trimmed_;
    window_[0].iov_len -= trimmed_;
    *count = copied;
    return window_;
  }

  void advance(size_t bytes) {
    while (bytes > 0 && index_ < count_) {
      size_t left_in_vector = vectors_[index_].iov_len - trimmed_;
      if (bytes < left_in_vector) {
        trimmed_ += bytes;
        return;
      }
      bytes -= left_in_vector;
      ++index_;
      trimmed_ = 0;
    }
    skip_empty();
  }

 private:
  static constexpr size_t kWindow = 16;

  void skip_empty() {
    while (index_ < count_ && vectors_[index_].iov_len == trimmed_) {
      ++index_;
      trimmed_ = 0;
    }
  }

  const iovec* vectors_;
  size_t count_;
  size_t index_ = 0;
  size_t trimmed_ = 0;  // bytes already moved from vectors_[index_]
  iovec window_[kWindow];
};

// A regular file read without waiting returned less than asked because
// only part of it was in the page cache; native read would have gone on
// to the end or EOF, so go on reading the rest, blocking.
long finish_file_read(int fd, const iovec* vectors, int count, off_t offset, int flags,
                      long already) {
  IoVectorCursor cursor(vectors, count);
  cursor.advance(already);
  long total = already;
  while (!cursor.done()) {
    size_t window_count;
    const iovec* window = cursor.window(&window_count);
    long result = preadv2_call(fd, window, static_cast<int>(window_count),
                               offset == -1 ? -1 : offset + total, flags);
    if (result <= 0) break;  // EOF, or an error after progress: report the progress
    total += result;
    cursor.advance(result);
  }
  return total;
}

// After a wait that ended with -EINTR: a pending cancellation acts here;
// otherwise true if the call should start again (SA_RESTART).
bool restart_after_interrupted_wait(long result) {
  if (result != -EINTR) return false;
  cancellation_point();
  return restart_after_interruption();
}

constexpr int64_t kDeadlineUnknown = -1;

// The socket's SO_RCVTIMEO or SO_SNDTIMEO as a deadline from now.
int64_t socket_deadline(int fd, int option) {
  timeval timeout{};
  socklen_t length = sizeof timeout;
  if (raw::syscall6(SYS_getsockopt, fd, SOL_SOCKET, option, reinterpret_cast<long>(&timeout),
                    reinterpret_cast<long>(&length)) != 0 ||
      (timeout.tv_sec == 0 && timeout.tv_usec == 0))
    return kNoDeadline;
  return monotonic_now_ns() + int64_t{timeout.tv_sec} * 1000000000 + timeout.tv_usec * 1000;
}

// A socket call would block: parks until the socket is ready, within its
// send or receive timeout. 0: try again; -EAGAIN: O_NONBLOCK or the
// timeout passed, as natively; other negative errno: the wait failed.
long wait_for_socket(int fd, short events, int timeout_option, int64_t* deadline) {
  if (*deadline == kDeadlineUnknown) {
    if (fd_is_nonblocking(fd)) return -EAGAIN;
    *deadline = socket_deadline(fd, timeout_option);
  }
  int ready = wait_fd_ready(fd, events, *deadline);
  if (ready == 0) return -EAGAIN;
  if (ready == -EINTR) {
    cancellation_point();
    // The kernel restarts an interrupted socket call under SA_RESTART
    // unless the socket has a timeout, in which case it reports EINTR.
    if (*deadline == kNoDeadline && restart_after_interruption()) return 0;
  }
  return ready < 0 ? ready : 0;
}

}  // namespace

long libc_result(long kernel_result) {
  if (kernel_result < 0 && kernel_result > -4096) {
    errno = static_cast<int>(-kernel_result);
    return -1;
  }
  return kernel_result;
}

long read_without_blocking(int fd, const iovec* vectors, int count, off_t offset, int flags) {
  cancellation_point();
  if (direct(fd, flags)) return preadv2_call(fd, vectors, count, offset, flags);
  bool try_without_waiting = !read_waited_last_time(fd);
  for (;;) {
    long result = try_without_waiting
                      ? preadv2_call(fd, vectors, count, offset, flags | RWF_NOWAIT)
                      : -EAGAIN;
    try_without_waiting = true;
    if (result == -EAGAIN && !fd_is_file(fd) && !fd_is_nonblocking(fd)) {
      // The ring reads as soon as data comes: one submission instead of a
      // readiness wait and a second read.
      result = read_on_ring(SYS_preadv2, fd, reinterpret_cast<long>(vectors), count, offset, 0,
                            flags);
      if (restart_after_interrupted_wait(result)) continue;
      if (result != -ENOSYS) {
        // A read that filled the buffers may have left more data queued.
        remember_read_waited(
            fd, result >= 0 && static_cast<size_t>(result) < total_bytes(vectors, count));
        return result;
      }
      result = -EAGAIN;  // no ring here: wait for readiness instead
    }
    if (result == -EAGAIN || result == -EOPNOTSUPP) {
      if (fd_is_file(fd) || fd_is_nonblocking(fd))
        return preadv2_call(fd, vectors, count, offset, flags);
      if (result == -EOPNOTSUPP)
        return blocking_syscall(SYS_preadv2, fd, reinterpret_cast<long>(vectors), count, offset,
                                0, flags);
      int ready = wait_fd_ready(fd, POLLIN, kNoDeadline);
      if (ready < 0 && !restart_after_interrupted_wait(ready)) return ready;
      continue;
    }
    if (result > 0 && count > 0 && static_cast<size_t>(result) < total_bytes(vectors, count) &&
        fd_is_file(fd))
      return finish_file_read(fd, vectors, count, offset, flags, result);
    return result;
  }
}

long write_without_blocking(int fd, const iovec* vectors, int count, off_t offset, int flags) {
  cancellation_point();
  if (direct(fd, flags) || count < 0) return pwritev2_call(fd, vectors, count, offset, flags);
  IoVectorCursor cursor(vectors, count);
  long done = 0;
  bool wait_allowed = true;  // cleared once the descriptor proves non-blocking or a file
  for (;;) {
    size_t window_count;
    const iovec* window = cursor.window(&window_count);
    off_t position = offset == -1 ? -1 : offset + done;
    int attempt_flags = wait_allowed ? flags | RWF_NOWAIT : flags;
    long result = pwritev2_call(fd, window, static_cast<int>(window_count), position, attempt_flags);
    if (result > 0 || (result == 0 && cursor.done())) {
      done += result;
      cursor.advance(result);
      if (cursor.done()) return done;
      continue;  // the next try waits if the descriptor is still full
    }
    if (wait_allowed && (result == -EAGAIN || result == -EOPNOTSUPP || result == 0)) {
      if (fd_is_file(fd) || fd_is_nonblocking(fd)) {
        wait_allowed = false;  // go on with the kernel's own call
        continue;
      }
      if (result == -EOPNOTSUPP) {
        result = blocking_syscall(SYS_pwritev2, fd, reinterpret_cast<long>(window),
                                  static_cast<long>(window_count), position, 0, flags);
        if (result > 0) {
          done += result;
          cursor.advance(result);
          if (cursor.done()) return done;
          continue;
        }
      } else {
        int ready = wait_fd_ready(fd, POLLOUT, kNoDeadline);
        if (ready >= 0 || (done == 0 && restart_after_interrupted_wait(ready)))
          continue;
        result = ready;
      }
    }
    return done > 0 ? done : result;
  }
}

long receive_without_blocking(int fd, msghdr* message, int flags) {
  cancellation_point();
  if (task_that_may_park() == nullptr || (flags & MSG_DONTWAIT))
    return recvmsg_call(fd, message, flags);
  int64_t deadline = kDeadlineUnknown;
  if (!(flags & MSG_WAITALL)) {
    for (;;) {
      long result = recvmsg_call(fd, message, flags | MSG_DONTWAIT);
      if (result != -EAGAIN) return result;
      result = wait_for_socket(fd, POLLIN, SO_RCVTIMEO, &deadline);
      if (result != 0) return result;
    }
  }
  // MSG_WAITALL: keep receiving into what is left of the buffers. The
  // address and control data are the first receive's.
  IoVectorCursor cursor(message->msg_iov, message->msg_iovlen);
  msghdr part = *message;
  long done = 0;
  for (;;) {
    size_t window_count;
    part.msg_iov = const_cast<iovec*>(cursor.window(&window_count));
    part.msg_iovlen = window_count;
    long result = recvmsg_call(fd, &part, (flags & ~MSG_WAITALL) | MSG_DONTWAIT);
    if (result > 0) {
      if (done == 0) {
        message->msg_namelen = part.msg_namelen;
        message->msg_controllen = part.msg_controllen;
        message->msg_flags = part.msg_flags;
        part.msg_name = nullptr;
        part.msg_namelen = 0;
        part.msg_control = nullptr;
        part.msg_controllen = 0;
      }
      done += result;
      cursor.advance(result);
      if (cursor.done()) return done;
      continue;
    }
    if (result == 0) return done;  // EOF ends a MSG_WAITALL receive early
    if (result == -EAGAIN) {
      result = wait_for_socket(fd, POLLIN, SO_RCVTIMEO, &deadline);
      if (result == 0) continue;
    }
    return done > 0 ? done : result;
  }
}

long send_without_blocking(int fd, const msghdr* message, int flags) {
  cancellation_point();
  if (task_that_may_park() == nullptr || (flags & MSG_DONTWAIT))
    return sendmsg_call(fd, message, flags);
  IoVectorCursor cursor(message->msg_iov, message->msg_iovlen);
  msghdr part = *message;
  long done = 0;
  int64_t deadline = kDeadlineUnknown;
  for (;;) {
    size_t window_count;
    part.msg_iov = const_cast<iovec*>(cursor.window(&window_count));
    part.msg_iovlen = window_count;
    long result = sendmsg_call(fd, &part, flags | MSG_DONTWAIT);
    if (result >= 0) {
      done += result;
      cursor.advance(result);
      if (cursor.done()) return done;
      // Ancillary data goes with the first bytes only.
      part.msg_control = nullptr;
      part.msg_controllen = 0;
      if (result > 0) continue;
      result = -EAGAIN;
    }
    if (result == -EAGAIN) result = wait_for_socket(fd, POLLOUT, SO_SNDTIMEO, &deadline);
    if (result != 0) return done > 0 ? done : result;
  }
}

}  // namespace greenshim::shim
