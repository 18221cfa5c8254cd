// See task_signals.h.
#include "shim/task_signals.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"

namespace greenshim::shim {
namespace {

constexpr int kSignals = 64;

void deliver(Task* self) {
  uint64_t pending = self->pending_signals.exchange(0, std::memory_order_acq_rel);
  self->delivered_signals = pending;
  long process = getpid();
  long thread = raw::gettid();
  // A signal raised at the calling thread is handled before tgkill returns.
  for (int signal = 1; signal <= kSignals; ++signal) {
    if (pending & (uint64_t{1} << (signal - 1))) raw::syscall6(SYS_tgkill, process, thread, signal);
  }
}

}  // namespace

void install_task_signal_delivery() { set_signal_delivery_hook(deliver); }

bool restart_after_interruption() {
  Task* self = current_task();
  uint64_t delivered = self != nullptr ? self->delivered_signals : 0;
  if (delivered == 0) return false;
  for (int signal = 1; signal <= kSignals; ++signal) {
    if (!(delivered & (uint64_t{1} << (signal - 1)))) continue;
    struct sigaction action;
    if (sigaction(signal, nullptr, &action) != 0 || !(action.sa_flags & SA_RESTART)) return false;
  }
  return true;
}

}  // namespace greenshim::shim
