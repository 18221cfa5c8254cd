// Settings the runtime is started with. The shim fills them from the
// environment (GREENSHIM_*); tests fill them directly.
#pragma once

#include <cstddef>

namespace greenshim {

// How blocked I/O waits (io_wait.h): io_uring where usable, or forced.
enum class IoMode { kAuto, kUring, kOff };

struct RuntimeOptions {
  int workers = 0;                    // 0: CPUs in the affinity mask
  size_t default_stack_size = 8u << 20;
  size_t default_guard_size = 4096;
  bool stats = false;                 // print per-worker counters at exit
  const char* stats_file = nullptr;   // where, instead of stderr
  long schedtrace_ms = 0;             // > 0: a scheduler trace line this often
  // How long an idle worker looks for work before it parks its kernel
  // thread. Long enough that a stream of short wake-ups finds a worker still
  // spinning instead of paying a futex wake each; short enough that an idle
  // process goes quiet at once.
  long spin_microseconds = 50;
  IoMode io_mode = IoMode::kAuto;
  // Preemption (preemption.h): a task that has run this long while others
  // wait is switched out at a safe point; 0 turns it off (the runtime's
  // own tests run without it; the shim's default is 10 ms).
  long preempt_microseconds = 0;
  int preempt_signal = 23;  // SIGURG: default action "ignore", rarely used
  // Let workers rest while other processes keep the CPUs busy
  // (active_workers.h); false keeps every worker running tasks.
  bool rest_workers = true;
};

}  // namespace greenshim
