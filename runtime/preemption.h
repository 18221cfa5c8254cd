// Preemption: a task that has run for a whole quantum while others wait
// is interrupted by a signal and, if it is at a safe point, switched out and
// put back on the global run queue. The monitor (monitor.h) decides when
// and sends the signal to the worker's kernel thread; the handler here
// decides whether it is safe.
//
// Safe point: the interrupted instruction is in the program's own code
// (its executable and its own libraries), not in libc, ld.so, libstdc++,
// libgcc, liburing, the sanitizers, the vDSO or greenshim; and no return
// address into any of those lies on the task's stack between the
// interrupted frame and the task's entry. That second test is the cheap,
// conservative answer to "no such library's frame below it": a callback
// that libc (qsort, dl_iterate_phdr) or ld.so (a dlopen'ed library's
// constructor, under the loader lock keyed to the kernel thread) is running
// has that library's return address below it, and so does anything holding
// a greenshim lock. A stale word that merely looks like such an address
// only costs one missed preemption; the monitor tries again shortly.
//
// The switch happens inside the signal handler, on the task's own stack:
// the kernel has saved every register (general, flags, SSE/AVX, x87) in
// the signal frame there, and the handler's return restores them on
// whichever kernel thread resumes the task. The handler is installed with
// SA_NODEFER so the signal is not left blocked on the worker while other
// tasks run.
#pragma once

#include <cstdint>

namespace greenshim {

class Worker;

// Installs the handler for `signal` and learns where the libraries' code
// is. false (with a greenshim: warning) if it cannot.
bool enable_preemption(int signal);
bool preemption_enabled();
// From the monitor: asks the kernel thread driving `worker` to switch out
// the task it has run since `progress` (Worker::progress). false when the
// program has taken the signal over (preemption is then off, said once).
bool request_preemption(Worker* worker, uint64_t progress);

// The top of the part of the calling task's stack that is the program's:
// frames above it are the runtime's entry code. The shim records it for
// main, the runtime for every spawned task.
void set_task_stack_scan_top(uintptr_t address);

}  // namespace greenshim
