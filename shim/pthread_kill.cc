// pthread_kill and pthread_sigqueue: a signal aimed at one green thread.
//
// Signals reach kernel threads, not green threads. A target that is running
// gets the signal on the kernel thread under it. A target that is not
// running, when the program handles the signal, gets it posted to the task
// (task_signals.h): its handler runs in that green thread when it next
// runs, and an interruptible wait it is parked in (I/O, sleep, poll) ends
// with EINTR as natively. A signal with its default action or ignored, and
// pthread_sigqueue's payload, go process-directed to a thread that does
// not block them: the nearest approximation for those.
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

bool handled_by_program(int signal) {
  struct sigaction action;
  return sigaction(signal, nullptr, &action) == 0 && action.sa_handler != SIG_DFL &&
         action.sa_handler != SIG_IGN;
}

int deliver(pthread_t thread, int signal, const siginfo_t* info) {
  Task* target = shim::task_of(thread);
  int tid = kernel_tid_running(target);
  if (tid == 0 && info == nullptr && handled_by_program(signal)) {
    post_signal(target, signal);
    return 0;
  }
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
