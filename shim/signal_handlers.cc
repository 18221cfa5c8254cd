// See signal_handlers.h.
#include "shim/signal_handlers.h"

#include <dlfcn.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "runtime/runtime.h"
#include "runtime/signal_forwarding.h"

namespace greenshim::shim {
namespace {

constexpr int kSignals = 64;
// How far below the marked frame a handler's own calls may reach: anything
// deeper is taken to be another stack (the handler ran on an alternate
// stack and was left by siglongjmp).
constexpr uintptr_t kMaxHandlerStack = 8u << 20;

// What the program asked for, per signal; the kernel holds the wrapper.
struct ProgramAction {
  std::atomic<void*> handler{nullptr};  // nullptr: not wrapped
  std::atomic<int> flags{0};
};
ProgramAction g_actions[kSignals + 1];

// The stack pointer of the outermost handler frame running on the block
// %fs shows (a task's or a scheduler's), 0 if none. thread_local and per
// block: a handler runs, and its calls are made, on the block it
// interrupted.
thread_local uintptr_t t_handler_frame = 0;
// Program handlers that have run on the block (for sigsuspend).
thread_local uint64_t t_handlers_run = 0;

// The signals whose wrapped handler may run more than once, for the
// runtime's monitor to catch for waiting threads (runtime/signal_forwarding.h).
std::atomic<uint64_t> g_handled{0};

void publish_handled(int signal, bool handled) {
  uint64_t bit = uint64_t{1} << (signal - 1);
  uint64_t now = handled ? g_handled.fetch_or(bit) | bit : g_handled.fetch_and(~bit) & ~bit;
  set_signals_with_handlers(now);
}

uintptr_t stack_pointer() { return reinterpret_cast<uintptr_t>(__builtin_frame_address(0)); }

using Sigaction = int (*)(int, const struct sigaction*, struct sigaction*);

Sigaction glibc_sigaction() {
  static const auto function = reinterpret_cast<Sigaction>(dlsym(RTLD_NEXT, "sigaction"));
  return function;
}

void run_program_handler(int signal, siginfo_t* info, void* context) {
  // On the runtime's monitor: the signal is for a thread that accepts it.
  if (on_signal_catching_thread()) {
    forward_caught_signal(signal);
    return;
  }
  ProgramAction& action = g_actions[signal];
  void* handler = action.handler.load(std::memory_order_acquire);
  int flags = action.flags.load(std::memory_order_relaxed);
  // The kernel has reset its action to SIG_DFL; so does the record.
  if (flags & SA_RESETHAND) action.handler.store(nullptr, std::memory_order_release);
  uintptr_t outer = t_handler_frame;
  uintptr_t here = stack_pointer();
  // A nested handler on the same stack keeps the outer mark.
  if (outer == 0 || here > outer || outer - here > kMaxHandlerStack) t_handler_frame = here;
  if (handler == SIG_DFL || handler == SIG_IGN || handler == nullptr) {
    // Replaced between delivery and here: nothing of the program's to run.
  } else if (flags & SA_SIGINFO) {
    reinterpret_cast<void (*)(int, siginfo_t*, void*)>(handler)(signal, info, context);
  } else {
    reinterpret_cast<void (*)(int)>(handler)(signal);
  }
  ++t_handlers_run;
  if (Task* self = current_task()) note_handler_ran_in_call(self);
  t_handler_frame = outer;
}

bool own_code(const void* address) {
  static const void* own_base = [] {
    Dl_info own;
    return dladdr(reinterpret_cast<void*>(&run_program_handler), &own) != 0 ? own.dli_fbase
                                                                            : nullptr;
  }();
  Dl_info info;
  return dladdr(address, &info) != 0 && info.dli_fbase == own_base;
}

void* handler_of(const struct sigaction& action) {
  return (action.sa_flags & SA_SIGINFO) ? reinterpret_cast<void*>(action.sa_sigaction)
                                        : reinterpret_cast<void*>(action.sa_handler);
}

// The kernel's view of an action turned back into the program's.
void as_program_sees_it(int signal, struct sigaction* action) {
  if (action->sa_sigaction != run_program_handler) return;
  void* handler = g_actions[signal].handler.load(std::memory_order_acquire);
  int flags = g_actions[signal].flags.load(std::memory_order_relaxed);
  action->sa_flags = flags;
  if (flags & SA_SIGINFO) {
    action->sa_sigaction = reinterpret_cast<void (*)(int, siginfo_t*, void*)>(handler);
  } else {
    action->sa_handler = reinterpret_cast<void (*)(int)>(handler);
  }
}

int install(int signal, const struct sigaction* action, struct sigaction* old_action) {
  if (action == nullptr || signal < 1 || signal > kSignals || signal == SIGKILL ||
      signal == SIGSTOP) {
    int result = glibc_sigaction()(signal, action, old_action);
    if (result == 0 && old_action != nullptr) as_program_sees_it(signal, old_action);
    return result;
  }
  void* handler = handler_of(*action);
  if (handler == SIG_DFL || handler == SIG_IGN || own_code(handler)) {
    int result = glibc_sigaction()(signal, action, old_action);
    if (result == 0 && old_action != nullptr) as_program_sees_it(signal, old_action);
    if (result == 0) publish_handled(signal, false);
    return result;
  }
  struct sigaction wrapped = *action;
  wrapped.sa_flags |= SA_SIGINFO;
  wrapped.sa_sigaction = run_program_handler;
  // A query made while the handler is being replaced may see either one.
  struct sigaction previous;
  ProgramAction& record = g_actions[signal];
  void* previous_handler = record.handler.load(std::memory_order_relaxed);
  int previous_flags = record.flags.load(std::memory_order_relaxed);
  record.flags.store(action->sa_flags, std::memory_order_relaxed);
  record.handler.store(handler, std::memory_order_release);
  int result = glibc_sigaction()(signal, &wrapped, &previous);
  if (result != 0) {
    record.flags.store(previous_flags, std::memory_order_relaxed);
    record.handler.store(previous_handler, std::memory_order_release);
    return result;
  }
  // A one-shot handler is left to the kernel's choice of thread: forwarded,
  // it would find SIG_DFL.
  publish_handled(signal, !(action->sa_flags & SA_RESETHAND));
  if (old_action != nullptr) {
    if (previous.sa_sigaction == run_program_handler) {
      previous.sa_flags = previous_flags;
      if (previous_flags & SA_SIGINFO) {
        previous.sa_sigaction =
            reinterpret_cast<void (*)(int, siginfo_t*, void*)>(previous_handler);
      } else {
        previous.sa_handler = reinterpret_cast<void (*)(int)>(previous_handler);
      }
    }
    *old_action = previous;
  }
  return 0;
}

sighandler_t install_simple(int signal, sighandler_t handler, int flags) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = handler;
  action.sa_flags = flags;
  sigemptyset(&action.sa_mask);
  // Like glibc: the signal is blocked during its handler, unless SA_NODEFER.
  if (!(flags & SA_NODEFER)) sigaddset(&action.sa_mask, signal);
  struct sigaction old_action;
  if (install(signal, &action, &old_action) != 0) return SIG_ERR;
  return old_action.sa_handler;
}

}  // namespace

bool inside_signal_handler() {
  uintptr_t frame = t_handler_frame;
  uintptr_t here = stack_pointer();
  return frame != 0 && here <= frame && frame - here <= kMaxHandlerStack;
}

Task* task_that_may_park() { return inside_signal_handler() ? nullptr : current_task(); }

uint64_t handlers_run() { return t_handlers_run; }

}  // namespace greenshim::shim

extern "C" {

int sigaction(int number, const struct sigaction* action, struct sigaction* old_action) {
  return greenshim::shim::install(number, action, old_action);
}

// BSD semantics, as glibc's signal() has: restarted calls, the signal
// blocked while its handler runs.
sighandler_t signal(int number, sighandler_t handler) {
  return greenshim::shim::install_simple(number, handler, SA_RESTART);
}

sighandler_t bsd_signal(int number, sighandler_t handler) __attribute__((alias("signal")));

// System V semantics: one delivery, then SIG_DFL; not blocked meanwhile.
sighandler_t sysv_signal(int number, sighandler_t handler) {
  return greenshim::shim::install_simple(number, handler, SA_RESETHAND | SA_NODEFER);
}

}  // extern "C"
