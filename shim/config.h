// The environment variables greenshim reads, turned into RuntimeOptions.
//
//   GREENSHIM_WORKERS     worker kernel threads (default: CPUs in the affinity mask)
//   GREENSHIM_STACK_SIZE  default green-thread stack, bytes, with optional k/m/g
//                         suffix (default: what glibc would give, from RLIMIT_STACK)
//   GREENSHIM_STATS       1: print per-worker counters on stderr at exit
//   GREENSHIM_STATS_FILE  write them to this file instead (as JSON if it ends in .json)
//   GREENSHIM_SPIN_US     how long an idle worker looks for work before sleeping
//   GREENSHIM_SCHEDTRACE  MS: a scheduler trace line on stderr every MS milliseconds
//   GREENSHIM_TLS         task: each green thread has its own thread-local storage
//                         (default); worker: green threads share their worker's
//   GREENSHIM_DEBUG       1: print the runtime's own diagnostics
//
// A value that does not parse gets one `greenshim:` line on stderr and the
// default; it never stops the program.
#pragma once

#include "runtime/options.h"

namespace greenshim::shim {

RuntimeOptions options_from_environment();
// GREENSHIM_TLS: true for per-task thread-local storage (shim/thread_block.h).
bool task_tls_from_environment();

}  // namespace greenshim::shim
