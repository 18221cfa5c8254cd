// See preemption.h.
#include "runtime/preemption.h"

#include <dlfcn.h>
#include <link.h>
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>
#include <unwind.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "runtime/log.h"
#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "runtime/scheduler.h"
#include "runtime/stats.h"
#include "runtime/worker.h"

namespace greenshim {
namespace {

// Code the handler must not interrupt: the executable segments of these
// objects.
// (libm is not among them: its functions take no locks and keep no state
// beyond errno, so they are as safe to leave as the program's own code --
// and numeric programs spend most of their time there.)
constexpr const char* kUnsafeObjects[] = {
    "libc.so",   "ld-linux",  "libstdc++", "libgcc_s", "libgreenshim",
    "liburing",  "libtsan",   "libasan",   "libubsan", "linux-vdso",
    "libpthread", "libdl.so", "librt.so",
};
constexpr int kMaxRanges = 64;
// The used part of a stack beyond which the scan gives up (not safe).
constexpr uintptr_t kMaxScanBytes = 256 * 1024;

struct CodeRange {
  uintptr_t begin;
  uintptr_t end;
};
CodeRange g_unsafe[kMaxRanges];
int g_unsafe_count = 0;
int g_signal = 0;
std::atomic<bool> g_enabled{false};
void (*g_safe_point_hook)(Task*) = nullptr;

bool unsafe_code(uintptr_t address) {
  for (int index = 0; index < g_unsafe_count; ++index) {
    if (address >= g_unsafe[index].begin && address < g_unsafe[index].end) return true;
  }
  return false;
}

// `own_base`: where greenshim itself is loaded, found by address, so its
// code is unsafe whatever its file is called.
int collect_unsafe_ranges(dl_phdr_info* info, size_t, void* own_base) {
  const char* name = info->dlpi_name;
  bool unsafe = reinterpret_cast<void*>(info->dlpi_addr) == own_base;
  for (const char* object : kUnsafeObjects) unsafe |= name != nullptr && strstr(name, object) != nullptr;
  if (!unsafe) return 0;
  for (int index = 0; index < info->dlpi_phnum && g_unsafe_count < kMaxRanges; ++index) {
    const ElfW(Phdr)& header = info->dlpi_phdr[index];
    if (header.p_type != PT_LOAD || !(header.p_flags & PF_X)) continue;
    uintptr_t begin = info->dlpi_addr + header.p_vaddr;
    g_unsafe[g_unsafe_count++] = CodeRange{begin, begin + header.p_memsz};
  }
  return 0;
}

// No return address into unsafe code on the stack from `sp` up to the
// task's entry. `sp` may be `top` itself: the entry function is a leaf
// that keeps nothing on the stack (a bare computing loop).
bool stack_is_the_programs(uintptr_t sp, uintptr_t top) {
  if (top == 0 || top < sp || top - sp > kMaxScanBytes) return false;
  for (auto* word = reinterpret_cast<const uintptr_t*>(sp & ~uintptr_t{7});
       reinterpret_cast<uintptr_t>(word) < top; ++word) {
    if (unsafe_code(*word)) return false;
  }
  return true;
}

// The precise answer, for when the scan found such a word: the unwinder's
// frames (from .eh_frame, as a C++ exception unwinds) between the
// interrupted one and the task's entry. Uninitialized locals keep stale
// return addresses from earlier calls, and a task whose frame holds one
// would otherwise never be preempted. Only reached with the interrupted
// code in the program's own, so the unwinder's own state is not mid-change
// under it; a frame it cannot unwind counts as unsafe.
struct FrameCheck {
  uintptr_t interrupted_pc;
  uintptr_t entry_return;  // the return address into the runtime's entry
  bool past_signal_frame = false;
  bool reached_entry = false;
  bool unsafe = false;
};

_Unwind_Reason_Code check_frame(_Unwind_Context* context, void* raw_check) {
  auto* check = static_cast<FrameCheck*>(raw_check);
  int before_instruction = 0;
  uintptr_t ip = _Unwind_GetIPInfo(context, &before_instruction);
  if (!check->past_signal_frame) {
    // This handler's frames and the signal trampoline come first; the
    // interrupted frame is the one the kernel's frame resumes exactly.
    check->past_signal_frame = before_instruction != 0 && ip == check->interrupted_pc;
    return _URC_NO_REASON;
  }
  if (ip == check->entry_return) {
    check->reached_entry = true;
    return _URC_END_OF_STACK;
  }
  // A return address: the call instruction is just before it.
  if (unsafe_code(ip - 1)) {
    check->unsafe = true;
    return _URC_END_OF_STACK;
  }
  return _URC_NO_REASON;
}

bool frames_are_the_programs(uintptr_t pc, uintptr_t sp, uintptr_t top) {
  if (stack_is_the_programs(sp, top)) return true;
  if (top == 0 || top < sp || top - sp > kMaxScanBytes) return false;
  FrameCheck check;
  check.interrupted_pc = pc;
  check.entry_return = *reinterpret_cast<const uintptr_t*>(top);
  _Unwind_Backtrace(check_frame, &check);
  return check.reached_entry && !check.unsafe;
}

void on_preemption_signal(int, siginfo_t*, void* raw_context) {
  int saved_errno = errno;
  auto* context = static_cast<ucontext_t*>(raw_context);
  Worker* worker = current_worker();
  Task* task = worker != nullptr ? worker->current : nullptr;
  uintptr_t pc = context->uc_mcontext.gregs[REG_RIP];
  uintptr_t sp = context->uc_mcontext.gregs[REG_RSP];
  // The same task run the monitor chose, interrupted in the program's own
  // code with only the program's frames below it.
  if (task != nullptr &&
      worker->progress.load(std::memory_order_relaxed) ==
          worker->preempt_progress.load(std::memory_order_relaxed) &&
      !unsafe_code(pc) && frames_are_the_programs(pc, sp, task->stack_scan_top)) {
    if (g_safe_point_hook != nullptr) g_safe_point_hook(task);
    count_preemption();
    worker->catch_up_on_io();
    yield();
    // The task may resume on another kernel thread: the frame's saved
    // alternate signal stack must be that thread's, since sigreturn
    // installs it.
    stack_t own;
    if (sigaltstack(nullptr, &own) == 0) context->uc_stack = own;
  }
  errno = saved_errno;
}

}  // namespace

bool enable_preemption(int signal) {
  struct sigaction existing;
  if (sigaction(signal, nullptr, &existing) == 0 && existing.sa_handler != SIG_DFL) {
    warn("the program handles signal %d (%s), which greenshim uses to preempt long-running "
         "threads; preemption is off (choose another with GREENSHIM_PREEMPT_SIGNAL)",
         signal, strsignal(signal));
    return false;
  }
  Dl_info own;
  void* own_base = dladdr(reinterpret_cast<void*>(&on_preemption_signal), &own) != 0
                       ? own.dli_fbase
                       : nullptr;
  dl_iterate_phdr(collect_unsafe_ranges, own_base);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_preemption_signal;
  action.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  if (sigaction(signal, &action, nullptr) != 0) {
    warn("cannot install the preemption signal %d (%s); long-running threads are not preempted",
         signal, strerror(errno));
    return false;
  }
  g_signal = signal;
  // No task's mask may hold the preemption signal back (Worker::apply_signal_mask).
  if (Scheduler* scheduler = Scheduler::instance())
    scheduler->reserved_signals.fetch_or(uint64_t{1} << (signal - 1), std::memory_order_relaxed);
  g_enabled.store(true, std::memory_order_release);
  return true;
}

bool preemption_enabled() { return g_enabled.load(std::memory_order_acquire); }

bool request_preemption(Worker* worker, uint64_t progress) {
  if (!preemption_enabled()) return false;
  struct sigaction current;
  if (sigaction(g_signal, nullptr, &current) != 0 ||
      current.sa_sigaction != on_preemption_signal) {
    g_enabled.store(false, std::memory_order_release);
    warn("the program handles signal %d (%s), which greenshim uses to preempt long-running "
         "threads; preemption is off (choose another with GREENSHIM_PREEMPT_SIGNAL)",
         g_signal, strsignal(g_signal));
    return false;
  }
  worker->preempt_progress.store(progress, std::memory_order_relaxed);
  raw::syscall6(SYS_tgkill, getpid(), worker->kernel_tid.load(std::memory_order_relaxed), g_signal);
  return true;
}

void set_safe_point_hook(void (*hook)(Task* self)) { g_safe_point_hook = hook; }

bool interrupt_at_safe_point(Task* task) {
  Worker* worker = task->worker.load(std::memory_order_acquire);
  if (worker == nullptr || task->state.load(std::memory_order_acquire) != TaskState::kRunning)
    return false;
  // If the task has switched out meanwhile, the progress the handler sees
  // is not this one and it does nothing.
  return request_preemption(worker, worker->progress.load(std::memory_order_acquire));
}

void set_task_stack_scan_top(uintptr_t address) {
  if (Task* self = current_task()) self->stack_scan_top = address;
}

}  // namespace greenshim
