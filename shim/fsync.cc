// fsync and fdatasync wait for the disk, which can take milliseconds: a
// green thread hands them to the runtime (io_uring's fsync, or a pool
// thread) so its worker runs other tasks meanwhile.
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/io_wait.h"
#include "shim/cancellation.h"
#include "shim/io_transfer.h"

using namespace greenshim;

extern "C" {

int fsync(int fd) {
  shim::cancellation_point();
  return static_cast<int>(shim::libc_result(blocking_syscall(SYS_fsync, fd)));
}

int fdatasync(int fd) {
  shim::cancellation_point();
  return static_cast<int>(shim::libc_result(blocking_syscall(SYS_fdatasync, fd)));
}

}  // extern "C"
