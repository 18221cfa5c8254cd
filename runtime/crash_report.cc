// See crash_report.h. Everything the handler calls is async-signal-safe
// in practice: raw write(2)s, snprintf into a local buffer, backtrace()
// (whose first call, which loads libgcc's unwinder, is made at install
// time) and dladdr().
#include "runtime/crash_report.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>

#include "runtime/raw_syscall.h"
#include "runtime/task.h"
#include "runtime/worker.h"

namespace greenshim {
namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE};
constexpr size_t kSignalStackSize = 64 * 1024;
constexpr int kMaxFrames = 64;

std::atomic<bool> g_installed{false};

void write_line(const char* format, ...) __attribute__((format(printf, 1, 2)));
void write_line(const char* format, ...) {
  char line[512];
  va_list arguments;
  va_start(arguments, format);
  int length = vsnprintf(line, sizeof line - 1, format, arguments);
  va_end(arguments);
  if (length < 0) return;
  if (length > static_cast<int>(sizeof line) - 2) length = sizeof line - 2;
  line[length++] = '\n';
  raw::syscall6(SYS_write, STDERR_FILENO, reinterpret_cast<long>(line), length);
}

bool in_guard(const Task* task, const void* address) {
  const char* fault = static_cast<const char*>(address);
  return task->stack.guard_size > 0 && fault >= task->stack.mapping &&
         fault < task->stack.mapping + task->stack.guard_size;
}

void print_backtrace() {
  void* frames[kMaxFrames];
  int count = backtrace(frames, kMaxFrames);
  for (int i = 0; i < count; ++i) {
    Dl_info symbol{};
    // A return address may be the first byte after its function (a call
    // to a noreturn function ends it): look up the byte before.
    if (dladdr(static_cast<char*>(frames[i]) - 1, &symbol) != 0 && symbol.dli_sname != nullptr) {
      write_line("greenshim:   #%-2d %p %s+0x%lx (%s)", i, frames[i], symbol.dli_sname,
                 static_cast<unsigned long>(static_cast<char*>(frames[i]) -
                                            static_cast<char*>(symbol.dli_saddr)),
                 symbol.dli_fname);
    } else {
      write_line("greenshim:   #%-2d %p (%s)", i, frames[i],
                 symbol.dli_fname != nullptr ? symbol.dli_fname : "?");
    }
  }
}

void report_fatal_signal(int signal, siginfo_t* info, void*) {
  // From here on the signal means what it means natively.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigaction(signal, &default_action, nullptr);

  const char* name = sigabbrev_np(signal);
  Worker* worker = current_worker();
  Task* task = worker != nullptr ? worker->current : nullptr;
  if (task != nullptr) {
    write_line("greenshim: fatal signal SIG%s in green thread %llu \"%s\"%s", name,
               static_cast<unsigned long long>(task->id), task->name,
               (signal == SIGSEGV || signal == SIGBUS) && in_guard(task, info->si_addr)
                   ? ": stack overflow"
                   : "");
  } else if (worker != nullptr) {
    write_line("greenshim: fatal signal SIG%s in the scheduler of worker %d", name, worker->index);
  } else {
    write_line("greenshim: fatal signal SIG%s outside any green thread", name);
  }
  print_backtrace();

  // A fault raised by the kernel recurs when the handler returns and the
  // instruction runs again; a signal sent by someone (abort(), kill) must
  // be sent again. It stays blocked until the handler returns.
  if (info->si_code <= 0)
    raw::syscall6(SYS_tgkill, raw::syscall6(SYS_getpid), raw::gettid(), signal);
}

}  // namespace

void prepare_crash_signal_stack() {
  if (!g_installed.load(std::memory_order_acquire)) return;
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE) == 0) return;
  void* memory = mmap(nullptr, kSignalStackSize, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) return;  // no report for an overflow on this thread
  stack_t signal_stack{};
  signal_stack.ss_sp = memory;
  signal_stack.ss_size = kSignalStackSize;
  if (sigaltstack(&signal_stack, nullptr) != 0) munmap(memory, kSignalStackSize);
}

void install_crash_reporter() {
  if (g_installed.exchange(true, std::memory_order_acq_rel)) return;
  // backtrace() loads libgcc's unwinder on first use (dlopen, malloc):
  // do that now, not in a handler.
  void* warm_up[1];
  backtrace(warm_up, 1);
  prepare_crash_signal_stack();
  for (int signal : kFatalSignals) {
    struct sigaction current {};
    if (sigaction(signal, nullptr, &current) != 0 || current.sa_handler != SIG_DFL ||
        (current.sa_flags & SA_SIGINFO) != 0)
      continue;  // the program (or its environment) already handles it
    struct sigaction reporter {};
    reporter.sa_sigaction = report_fatal_signal;
    reporter.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&reporter.sa_mask);
    sigaction(signal, &reporter, nullptr);
  }
}

}  // namespace greenshim
