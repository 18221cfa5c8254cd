// See init.h.
#include "shim/init.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "runtime/crash_report.h"
#include "runtime/log.h"
#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "shim/cancellation.h"
#include "shim/config.h"
#include "shim/glibc.h"
#include "shim/task_signals.h"
#include "shim/thread_block.h"

namespace greenshim::shim {
namespace {

std::atomic<int> g_state{0};  // 0: not started, 1: starting, 2: up, 3: failed
pthread_t g_adopted_kernel_thread;
const char* g_stats_file = nullptr;

// POSIX: when the last thread ends, the process exits with status 0, as if
// by exit(0) -- atexit handlers and destructors run. The hook is called on a
// scheduler stack, so the exit runs in a fresh green thread of its own: a
// full-size stack, and a current thread for any pthread call a handler makes.
void exit_after_last_thread() {
  SpawnOptions options;
  options.detached = true;
  Task* exiting;
  if (spawn([](void*) -> void* { exit(0); }, nullptr, options, &exiting) != 0) exit(0);
}

bool ends_with(const char* text, const char* suffix) {
  size_t text_length = strlen(text), suffix_length = strlen(suffix);
  return text_length >= suffix_length &&
         strcmp(text + text_length - suffix_length, suffix) == 0;
}

// GREENSHIM_STATS_FILE ending in .json gets JSON, anything else the table.
void print_stats_at_exit() {
  int fd = STDERR_FILENO;
  if (g_stats_file != nullptr && *g_stats_file != '\0') {
    fd = open(g_stats_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      warn("cannot write GREENSHIM_STATS_FILE=%s; printing to stderr", g_stats_file);
      fd = STDERR_FILENO;
    }
  }
  print_runtime_stats(fd, fd != STDERR_FILENO && ends_with(g_stats_file, ".json")
                              ? StatsFormat::kJson
                              : StatsFormat::kTable);
  if (fd != STDERR_FILENO) close(fd);
}

void start() {
  RuntimeOptions options = options_from_environment();
  g_adopted_kernel_thread = glibc().pthread_self();
  // Before the runtime's fork handlers (thread_block.h says why).
  if (task_tls_from_environment()) use_thread_blocks_per_task();
  if (!adopt_current_thread(options)) {
    g_state.store(3, std::memory_order_release);
    return;
  }
  // The main thread's name is the program's: the kernel's comm, asked
  // directly (prctl itself answers with the green thread's name).
  raw::syscall6(SYS_prctl, PR_GET_NAME, reinterpret_cast<long>(current_task()->name));
  install_task_signal_delivery();
  install_asynchronous_cancellation();
  set_last_task_hook(exit_after_last_thread);
  install_crash_reporter();
  pthread_atfork(prepare_fork, after_fork_in_parent, after_fork_in_child);
  if (options.stats) {
    g_stats_file = options.stats_file;
    atexit(print_stats_at_exit);
    at_quick_exit(print_stats_at_exit);
  }
  g_state.store(2, std::memory_order_release);
}

__attribute__((constructor(101))) void adopt_main_thread_at_load() { ensure_runtime(); }

}  // namespace

bool ensure_runtime() {
  int state = g_state.load(std::memory_order_acquire);
  if (state == 2) return true;
  if (state == 3) return false;
  int expected = 0;
  if (g_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    start();
  } else {
    while (g_state.load(std::memory_order_acquire) == 1) {
    }
  }
  return g_state.load(std::memory_order_acquire) == 2;
}

pthread_t adopted_kernel_thread() { return g_adopted_kernel_thread; }

}  // namespace greenshim::shim
