// close, dup2, dup3, close_range, closefrom, fclose, pclose: the calls that
// end or replace a descriptor number, interposed only so the I/O shim
// forgets what it knew about that number (fd_kind.h) before the number can
// be reused. Each then does exactly what glibc's does.
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

#include "runtime/raw_syscall.h"
#include "shim/fd_kind.h"
#include "shim/glibc.h"
#include "shim/io_transfer.h"

using namespace greenshim;

extern "C" {

int close(int fd) {
  shim::forget_fd(fd);
  return static_cast<int>(shim::libc_result(raw::syscall6(SYS_close, fd)));
}

int dup2(int old_fd, int new_fd) {
  shim::forget_fd(new_fd);
  return static_cast<int>(shim::libc_result(raw::syscall6(SYS_dup2, old_fd, new_fd)));
}

int dup3(int old_fd, int new_fd, int flags) {
  shim::forget_fd(new_fd);
  return static_cast<int>(shim::libc_result(raw::syscall6(SYS_dup3, old_fd, new_fd, flags)));
}

int close_range(unsigned low, unsigned high, int flags) {
  shim::forget_fds(low, high);
  return static_cast<int>(shim::libc_result(raw::syscall6(SYS_close_range, low, high, flags)));
}

void closefrom(int low) {
  if (low >= 0) shim::forget_fds(static_cast<unsigned>(low), UINT_MAX);
  shim::glibc().closefrom(low);
}

int fclose(FILE* stream) {
  if (stream != nullptr) shim::forget_fd(fileno_unlocked(stream));
  return shim::glibc().fclose(stream);
}

int pclose(FILE* stream) {
  if (stream != nullptr) shim::forget_fd(fileno_unlocked(stream));
  return shim::glibc().pclose(stream);
}

}  // extern "C"
