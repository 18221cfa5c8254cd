// A green thread: its saved context, its stack, how it ends, and the links
// that put it on run queues, wait lists and the registry of live tasks.
//
// Task objects are never returned to the system allocator while the process
// runs (see task_registry.h): a stale handle, such as a pthread_t joined
// twice, then points at a recycled Task rather than at unmapped memory, and
// the shim can detect it through the id and lifecycle words.
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/context.h"
#include "runtime/stack_pool.h"
#include "runtime/task_local.h"

namespace greenshim {

class Worker;

// Why a task is not running; read by debuggers and traces, never by logic.
enum class TaskState : uint8_t {
  kRunnable,
  kRunning,
  kParked,
  kFinished,
  kFree,  // on the registry's free list: not a task any more
};

// Bits of Task::lifecycle, which decides who frees a finished task.
namespace lifecycle {
constexpr uint32_t kFinished = 1;  // the task has switched off its stack for good
constexpr uint32_t kDetached = 2;  // nobody will join: free it when finished
constexpr uint32_t kJoining = 4;   // a joiner has claimed it
}  // namespace lifecycle

struct Task {
  Context context;
  Stack stack;  // owned (pooled), the program's own, or empty for an adopted thread
  void* (*entry)(void*) = nullptr;
  void* argument = nullptr;
  void* result = nullptr;
  // The return-address slot of the program's entry function (start
  // routine, or main): the preemption handler scans the stack up to here.
  uintptr_t stack_scan_top = 0;
  // The task's own thread block (task_tls.h), loaded through
  // context.thread_pointer; nullptr when it shares its worker's, and for the
  // adopted main task, which runs on the main thread's.
  void* thread_block = nullptr;

  uint64_t id = 0;  // unique over the process's life, never reused
  std::atomic<uint32_t> lifecycle{0};
  // Claimed by the one waker that wins the right to make a parked task
  // runnable again (a timer and a notifier may race for it): a park number
  // and who may end that park; see park.cc.
  std::atomic<uint32_t> wake_state{0};
  bool interruptible_park = false;  // the current park may be interrupt()ed
  // Set by interrupt() before it makes the task runnable: the wait ended
  // because a signal was posted, not because what it waited for happened.
  bool interrupted = false;
  // Signals posted to this task (bit n-1 for signal n) and not yet handled;
  // the shim delivers them when the task next runs (park.h).
  std::atomic<uint64_t> pending_signals{0};
  uint64_t delivered_signals = 0;  // the set the last delivery handled
  std::atomic<TaskState> state{TaskState::kRunnable};
  const char* park_reason = nullptr;  // e.g. "join", "sleep"; for debuggers

  // The worker running the task while state is kRunning (for signals and
  // debuggers; a hint, read racily).
  std::atomic<Worker*> worker{nullptr};

  int saved_errno = 0;  // only while it shares its worker's thread block
  // The program's innermost pthread_cleanup_push buffer (the shim keeps
  // the chain; the runtime only stores it per task).
  void* cleanup_buffers = nullptr;
  // The thread's signal mask (bit n-1 for signal n), the shim's to set; a
  // new task inherits its creator's, and the worker applies it to its
  // kernel thread whenever it switches the task in.
  uint64_t signal_mask = 0;
  // pthread cancellation state; the shim owns the bits (pthread_cancel.cc).
  std::atomic<uint32_t> cancellation{0};
  // Set by request_interrupt(): every interruptible wait ends at once until
  // cleared (the shim uses it for a pending cancellation).
  std::atomic<bool> interrupt_requested{false};
  // Set when a handler ran in this task after its current blocking call
  // began (note_handler_ran_in_call): the call's next interruptible wait
  // ends at once, taking the flag, as the kernel ends a system call that a
  // signal arrives in before it sleeps.
  std::atomic<bool> handler_ran_in_call{false};
  TaskLocalValues locals;
  char name[16] = {};
  // What pthread_setschedparam recorded; green threads share their
  // workers' kernel scheduling, so these are reported, not enforced.
  int sched_policy = 0;
  int sched_priority = 0;

  Task* next_runnable = nullptr;  // global run queue link
  Task* registry_previous = nullptr;
  Task* registry_next = nullptr;
  Task* next_free = nullptr;
};

}  // namespace greenshim
