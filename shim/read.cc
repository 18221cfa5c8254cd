// read, readv, pread, preadv, preadv2 (and the 64 names, the same functions
// on x86-64): a green thread that would block parks instead of its worker.
// The algorithm is in io_transfer.h.
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include "shim/io_transfer.h"

using greenshim::shim::libc_result;
using greenshim::shim::read_without_blocking;

extern "C" {

[[noreturn]] void __chk_fail();

ssize_t read(int fd, void* buffer, size_t size) {
  iovec vector{buffer, size};
  return libc_result(read_without_blocking(fd, &vector, 1, -1, 0));
}

ssize_t readv(int fd, const iovec* vectors, int count) {
  return libc_result(read_without_blocking(fd, vectors, count, -1, 0));
}

// The kernel reads at the current position for offset -1 in preadv2 only;
// pread and preadv pass any negative offset on, for the kernel's EINVAL.
ssize_t pread(int fd, void* buffer, size_t size, off_t offset) {
  if (offset < 0) return libc_result(-EINVAL);
  iovec vector{buffer, size};
  return libc_result(read_without_blocking(fd, &vector, 1, offset, 0));
}

ssize_t preadv(int fd, const iovec* vectors, int count, off_t offset) {
  if (offset < 0) return libc_result(-EINVAL);
  return libc_result(read_without_blocking(fd, vectors, count, offset, 0));
}

ssize_t preadv2(int fd, const iovec* vectors, int count, off_t offset, int flags) {
  return libc_result(read_without_blocking(fd, vectors, count, offset, flags));
}

ssize_t pread64(int, void*, size_t, off64_t) __attribute__((alias("pread")));
ssize_t preadv64(int, const iovec*, int, off64_t) __attribute__((alias("preadv")));
ssize_t preadv64v2(int, const iovec*, int, off64_t, int) __attribute__((alias("preadv2")));

// _FORTIFY_SOURCE builds call these when the buffer's size is known.
ssize_t __read_chk(int fd, void* buffer, size_t size, size_t buffer_size) {
  if (size > buffer_size) __chk_fail();
  return read(fd, buffer, size);
}

ssize_t __pread_chk(int fd, void* buffer, size_t size, off_t offset, size_t buffer_size) {
  if (size > buffer_size) __chk_fail();
  return pread(fd, buffer, size, offset);
}

ssize_t __pread64_chk(int, void*, size_t, off64_t, size_t) __attribute__((alias("__pread_chk")));

}  // extern "C"
