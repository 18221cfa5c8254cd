// fsync and fdatasync wait for the disk, which can take milliseconds: a
// green thread hands them to the runtime (io_uring's fsync, or a pool
// thread) so its worker runs other tasks meanwhile.
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/io_wait.h"
#include "runtime/raw_syscall.h"
#include "shim/cancellation.h"
#include "shim/io_transfer.h"
#include "shim/signal_handlers.h"

using namespace greenshim;

namespace {

// Inside a signal handler (fsync is async-signal-safe) the call is the
// kernel's own: the runtime's structures may be mid-change under it.
int sync_call(long number, int fd) {
  shim::cancellation_point();
  long result = shim::task_that_may_park() != nullptr ? blocking_syscall(number, fd)
                                                       : raw::syscall6(number, fd);
  return static_cast<int>(shim::libc_result(result));
}

}  // namespace

extern "C" {

int fsync(int fd) { return sync_call(SYS_fsync, fd); }

int fdatasync(int fd) { return sync_call(SYS_fdatasync, fd); }

}  // extern "C"
