// See setxid_signal.h.
#include "shim/setxid_signal.h"

#include <signal.h>
#include <sys/syscall.h>

#include "runtime/kernel_thread.h"
#include "runtime/raw_syscall.h"
#include "runtime/task_tls.h"
#include "runtime/thread_pointer.h"

namespace greenshim::shim {
namespace {

// glibc's SIGSETXID; its sigaction() refuses the signal, so the kernel's
// interface is used, which needs the kernel's struct.
constexpr int kSetxidSignal = 33;

struct KernelSigaction {
  void (*handler)(int, siginfo_t*, void*);
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};

void (*g_glibc_handler)(int, siginfo_t*, void*) = nullptr;

void run_on_listed_block(int signal, siginfo_t* info, void* context) {
  void* listed = current_kernel_thread_block();
  void* running = current_thread_pointer();
  if (listed == nullptr || listed == running) {
    g_glibc_handler(signal, info, context);
    return;
  }
  set_thread_pointer(listed);
  g_glibc_handler(signal, info, context);
  set_thread_pointer(running);
}

}  // namespace

void wrap_setxid_signal_handler() {
  pthread_t thread;
  if (start_kernel_thread([](void*) {}, nullptr, &thread) != 0) return;
  join_kernel_thread(thread);
  KernelSigaction action;
  if (raw::syscall6(SYS_rt_sigaction, kSetxidSignal, 0, reinterpret_cast<long>(&action),
                    sizeof action.mask) != 0 ||
      (action.flags & SA_SIGINFO) == 0 || action.handler == nullptr)
    return;
  g_glibc_handler = action.handler;
  action.handler = run_on_listed_block;
  raw::syscall6(SYS_rt_sigaction, kSetxidSignal, reinterpret_cast<long>(&action), 0,
                sizeof action.mask);
}

}  // namespace greenshim::shim
