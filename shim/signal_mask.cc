// pthread_sigmask and sigprocmask: the mask belongs to the green thread
// (Task::signal_mask), and the worker puts it on its kernel thread whenever
// it switches the thread in, so a signal a thread blocks stays blocked
// wherever it runs and other threads on the same worker still take it. A
// new thread starts with its creator's mask, as natively.
//
// As glibc does, the signals glibc keeps for itself (SIGCANCEL, SIGSETXID:
// real-time 32 and 33) cannot be blocked, nor can SIGKILL and SIGSTOP.
// Callers that are not green threads get glibc's own functions.
//
// sigsuspend (and SignalMaskDuringWait, signal_mask.h) puts a mask in place
// for as long as it waits, and the wait
// parks the green thread, not its worker: a signal posted to it, or sent
// to the process and passed on to it by the monitor
// (runtime/signal_forwarding.h), ends the wait once its handler has run.
#include <dlfcn.h>
#include <signal.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "shim/signal_mask.h"

#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "shim/cancellation.h"
#include "shim/io_transfer.h"
#include "shim/signal_handlers.h"

using namespace greenshim;

namespace {

constexpr uint64_t bit(int signal) { return uint64_t{1} << (signal - 1); }
constexpr uint64_t kUnblockable = bit(SIGKILL) | bit(SIGSTOP) | bit(32) | bit(33);

uint64_t bits_of(const sigset_t* set) {
  uint64_t bits;
  memcpy(&bits, set, sizeof bits);
  return bits;
}

void set_from_bits(sigset_t* set, uint64_t bits) {
  sigemptyset(set);
  memcpy(set, &bits, sizeof bits);
}

using MaskFunction = int (*)(int, const sigset_t*, sigset_t*);

MaskFunction glibc_pthread_sigmask() {
  static const auto function = reinterpret_cast<MaskFunction>(dlsym(RTLD_NEXT, "pthread_sigmask"));
  return function;
}

// 0 or EINVAL.
int change_mask(Task* self, int how, const sigset_t* set, sigset_t* old) {
  uint64_t mask = self->signal_mask;
  if (set != nullptr) {
    uint64_t bits = bits_of(set) & ~kUnblockable;
    switch (how) {
      case SIG_BLOCK: mask |= bits; break;
      case SIG_UNBLOCK: mask &= ~bits; break;
      case SIG_SETMASK: mask = bits; break;
      default: return EINVAL;
    }
  }
  if (old != nullptr) set_from_bits(old, self->signal_mask);
  if (mask != self->signal_mask) {
    self->signal_mask = mask;
    // Signals it unblocks that are pending on this kernel thread arrive
    // as this returns, as natively.
    apply_current_signal_mask();
  }
  return 0;
}

}  // namespace

extern "C" int pthread_sigmask(int how, const sigset_t* set, sigset_t* old) {
  Task* self = current_task();
  if (self == nullptr) return glibc_pthread_sigmask()(how, set, old);
  return change_mask(self, how, set, old);
}

// In a multithreaded process sigprocmask is the calling thread's mask.
extern "C" int sigprocmask(int how, const sigset_t* set, sigset_t* old) {
  Task* self = current_task();
  int error = self != nullptr ? change_mask(self, how, set, old)
                              : glibc_pthread_sigmask()(how, set, old);
  if (error == 0) return 0;
  errno = error;
  return -1;
}

extern "C" int sigsuspend(const sigset_t* mask) {
  if (shim::task_that_may_park() == nullptr)
    return static_cast<int>(shim::libc_result(
        raw::syscall6(SYS_rt_sigsuspend, reinterpret_cast<long>(mask), sizeof(uint64_t))));
  shim::cancellation_point();
  {
    shim::SignalMaskDuringWait during(mask);
    // A wait ended by a signal this mask blocks (posted to the thread, left
    // pending on the kernel thread) is not a return: only a handler is.
    while (!during.handler_ran()) {
      sleep_until(kNoDeadline, true);
      shim::cancellation_point();
    }
  }
  errno = EINTR;
  return -1;
}

namespace greenshim::shim {

SignalMaskDuringWait::SignalMaskDuringWait(const sigset_t* mask) {
  if (mask == nullptr) return;
  task_ = current_task();
  if (task_ == nullptr) return;
  handlers_before_ = handlers_run();
  change_mask(task_, SIG_SETMASK, mask, &previous_);  // pending ones arrive here
}

SignalMaskDuringWait::~SignalMaskDuringWait() {
  if (task_ != nullptr) change_mask(task_, SIG_SETMASK, &previous_, nullptr);
}

bool SignalMaskDuringWait::handler_ran() const {
  return task_ != nullptr && handlers_run() != handlers_before_;
}

}  // namespace greenshim::shim
