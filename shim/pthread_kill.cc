// pthread_kill and pthread_sigqueue: a signal aimed at one green thread.
//
// Signals reach kernel threads, not green threads. A target that is running
// (or blocked in a call the shim does not route, such as sigwait) gets the
// signal on the kernel thread under it. A target that is parked or waiting
// to run gets it process-directed, so some thread that does not block it
// handles it: the nearest approximation until per-task signal delivery
// exists (see README, "Not yet supported").
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "shim/thread_handle.h"

using namespace greenshim;

namespace {

// 0 when `thread` can receive `signal`, else the POSIX error.
int check_target(pthread_t thread, int signal) {
  Task* task = shim::task_of(thread);
  if (!is_task(task) || task->state.load(std::memory_order_relaxed) == TaskState::kFinished)
    return ESRCH;
  if (signal < 0 || signal >= NSIG) return EINVAL;
  return 0;
}

int deliver(pthread_t thread, int signal, const siginfo_t* info) {
  int tid = kernel_tid_running(shim::task_of(thread));
  long result;
  if (info != nullptr) {
    result = tid != 0 ? raw::syscall6(SYS_rt_tgsigqueueinfo, getpid(), tid, signal,
                                      reinterpret_cast<long>(info))
                      : raw::syscall6(SYS_rt_sigqueueinfo, getpid(), signal,
                                      reinterpret_cast<long>(info));
  } else {
    result = tid != 0 ? raw::syscall6(SYS_tgkill, getpid(), tid, signal)
                      : raw::syscall6(SYS_kill, getpid(), signal);
  }
  return result < 0 ? static_cast<int>(-result) : 0;
}

}  // namespace

extern "C" int pthread_kill(pthread_t thread, int signal) {
  if (int error = check_target(thread, signal)) return error;
  return signal == 0 ? 0 : deliver(thread, signal, nullptr);
}

extern "C" int pthread_sigqueue(pthread_t thread, int signal, const union sigval value) {
  if (int error = check_target(thread, signal)) return error;
  if (signal == 0) return 0;
  siginfo_t info;
  memset(&info, 0, sizeof info);
  info.si_signo = signal;
  info.si_code = SI_QUEUE;
  info.si_pid = getpid();
  info.si_uid = getuid();
  info.si_value = value;
  return deliver(thread, signal, &info);
}
