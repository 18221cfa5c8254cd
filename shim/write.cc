// write, writev, pwrite, pwritev, pwritev2 (and the 64 names): a green
// thread whose write would block parks until the descriptor has room, and a
// blocking write still writes everything, as natively. The algorithm is in
// io_transfer.h.
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include "shim/io_transfer.h"

using greenshim::shim::libc_result;
using greenshim::shim::write_without_blocking;

extern "C" {

ssize_t write(int fd, const void* buffer, size_t size) {
  iovec vector{const_cast<void*>(buffer), size};
  return libc_result(write_without_blocking(fd, &vector, 1, -1, 0));
}

ssize_t writev(int fd, const iovec* vectors, int count) {
  return libc_result(write_without_blocking(fd, vectors, count, -1, 0));
}

ssize_t pwrite(int fd, const void* buffer, size_t size, off_t offset) {
  if (offset < 0) return libc_result(-EINVAL);
  iovec vector{const_cast<void*>(buffer), size};
  return libc_result(write_without_blocking(fd, &vector, 1, offset, 0));
}

ssize_t pwritev(int fd, const iovec* vectors, int count, off_t offset) {
  if (offset < 0) return libc_result(-EINVAL);
  return libc_result(write_without_blocking(fd, vectors, count, offset, 0));
}

ssize_t pwritev2(int fd, const iovec* vectors, int count, off_t offset, int flags) {
  return libc_result(write_without_blocking(fd, vectors, count, offset, flags));
}

ssize_t pwrite64(int, const void*, size_t, off64_t) __attribute__((alias("pwrite")));
ssize_t pwritev64(int, const iovec*, int, off64_t) __attribute__((alias("pwritev")));
ssize_t pwritev64v2(int, const iovec*, int, off64_t, int) __attribute__((alias("pwritev2")));

}  // extern "C"
