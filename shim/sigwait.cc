// sigwait, sigwaitinfo, sigtimedwait: the green thread parks until one of
// the signals is pending, instead of blocking its worker. The wait is a
// signalfd for the set, watched like any descriptor (runtime/io_wait.h);
// reading it takes the signal, as the kernel's sigtimedwait would. As
// natively, the signals must be blocked (in every thread, for a
// process-directed one) or their default action or handler comes first.
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/io_wait.h"
#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "shim/cancellation.h"
#include "shim/readiness_wait.h"

using namespace greenshim;

namespace {

void fill_info(const signalfd_siginfo& from, siginfo_t* info) {
  memset(info, 0, sizeof *info);
  info->si_signo = static_cast<int>(from.ssi_signo);
  info->si_errno = from.ssi_errno;
  info->si_code = from.ssi_code;
  info->si_pid = static_cast<pid_t>(from.ssi_pid);
  info->si_uid = from.ssi_uid;
  info->si_status = from.ssi_status;
  info->si_value.sival_ptr = reinterpret_cast<void*>(from.ssi_ptr);
}

// The signal number, -EAGAIN at the deadline, or -errno.
long wait_for_signal(const sigset_t* set, siginfo_t* info, int64_t deadline_ns) {
  int fd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return -errno;
  long result;
  for (;;) {
    signalfd_siginfo taken;
    long got = raw::syscall6(SYS_read, fd, reinterpret_cast<long>(&taken), sizeof taken);
    if (got == static_cast<long>(sizeof taken)) {
      if (info != nullptr) fill_info(taken, info);
      result = static_cast<long>(taken.ssi_signo);
      break;
    }
    int ready = wait_fd_ready(fd, POLLIN, deadline_ns);
    if (ready == 0) {
      result = -EAGAIN;
      break;
    }
    if (ready < 0) {
      result = ready;
      break;
    }
  }
  close(fd);
  if (result == -EINTR) shim::cancellation_point();
  return result;
}

// Callers that are not green threads block in the kernel.
long kernel_wait(const sigset_t* set, siginfo_t* info, const timespec* timeout) {
  return raw::syscall6(SYS_rt_sigtimedwait, reinterpret_cast<long>(set),
                       reinterpret_cast<long>(info), reinterpret_cast<long>(timeout), _NSIG / 8);
}

long green_or_kernel_wait(const sigset_t* set, siginfo_t* info, const timespec* timeout) {
  shim::cancellation_point();
  if (current_task() == nullptr) return kernel_wait(set, info, timeout);
  int64_t deadline_ns;
  if (!shim::deadline_after(timeout, &deadline_ns)) return -EINVAL;
  return wait_for_signal(set, info, deadline_ns);
}

int libc_result(long result) {
  if (result >= 0) return static_cast<int>(result);
  errno = static_cast<int>(-result);
  return -1;
}

}  // namespace

extern "C" int sigtimedwait(const sigset_t* set, siginfo_t* info, const timespec* timeout) {
  return libc_result(green_or_kernel_wait(set, info, timeout));
}

extern "C" int sigwaitinfo(const sigset_t* set, siginfo_t* info) {
  return libc_result(green_or_kernel_wait(set, info, nullptr));
}

// sigwait returns the error instead of setting errno, and is not ended by
// a handler (the kernel's EINTR is retried, as glibc does).
extern "C" int sigwait(const sigset_t* set, int* signal) {
  for (;;) {
    long result = green_or_kernel_wait(set, nullptr, nullptr);
    if (result > 0) {
      *signal = static_cast<int>(result);
      return 0;
    }
    if (result != -EINTR) return static_cast<int>(-result);
  }
}
