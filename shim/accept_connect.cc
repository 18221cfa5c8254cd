// accept, accept4, connect: calls with no non-blocking variant to try
// first, so a green thread hands them whole to the runtime
// (blocking_syscall: io_uring's accept and connect, or a pool thread).
// O_NONBLOCK sockets keep the kernel's immediate EAGAIN / EINPROGRESS.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "runtime/io_wait.h"
#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "shim/cancellation.h"
#include "shim/io_transfer.h"
#include "shim/signal_handlers.h"

using namespace greenshim;

namespace {

// The system call, through the runtime when it would block a green thread.
long call(long number, int fd, long a2, long a3, long a4 = 0) {
  shim::cancellation_point();
  if (shim::task_that_may_park() != nullptr) {
    long status = raw::syscall6(SYS_fcntl, fd, F_GETFL);
    if (status >= 0 && !(status & O_NONBLOCK)) return blocking_syscall(number, fd, a2, a3, a4);
  }
  return raw::syscall6(number, fd, a2, a3, a4);
}

}  // namespace

extern "C" {

int accept4(int fd, sockaddr* address, socklen_t* address_length, int flags) {
  return static_cast<int>(shim::libc_result(call(SYS_accept4, fd, reinterpret_cast<long>(address),
                                                 reinterpret_cast<long>(address_length), flags)));
}

int accept(int fd, sockaddr* address, socklen_t* address_length) {
  return accept4(fd, address, address_length, 0);
}

int connect(int fd, const sockaddr* address, socklen_t address_length) {
  return static_cast<int>(
      shim::libc_result(call(SYS_connect, fd, reinterpret_cast<long>(address), address_length)));
}

}  // extern "C"
