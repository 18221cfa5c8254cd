// The runtime's public API: what the shim (and tests) call. Nothing here
// knows about pthread's ABI; the shim translates.
//
// Error convention: functions return 0 or a POSIX error number; they never
// abort on a bad argument.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "runtime/clock.h"
#include "runtime/options.h"
#include "runtime/stats.h"
#include "runtime/task.h"

namespace greenshim {

// --- Starting the runtime (scheduler.h has the details) -------------------
bool adopt_current_thread(const RuntimeOptions& options);
int run(const RuntimeOptions& options, void* (*entry)(void*), void* argument);
bool runtime_started();
// fork() support, for pthread_atfork: `prepare` takes the locks that guard
// memory the child keeps (stack pool, task registry), `parent` releases
// them, `child` rebuilds a runtime holding only the forking task, whose
// other workers get fresh kernel threads at the child's first spawn.
void prepare_fork();
void after_fork_in_parent();
void after_fork_in_child();
const RuntimeOptions& runtime_options();
// Called on a scheduler stack when the last live task has finished.
void set_last_task_hook(void (*hook)());
// Prints GREENSHIM_STATS-style counters to `fd`.
void print_runtime_stats(int fd, StatsFormat format);

// --- Tasks (task_lifecycle.cc) ---------------------------------------------
struct SpawnOptions {
  size_t stack_size = 0;        // 0: the runtime's default
  size_t guard_size = SIZE_MAX; // SIZE_MAX: the runtime's default
  void* stack_address = nullptr;  // the program's own stack (low address)
  bool detached = false;
};

// Starts entry(argument) as a new task. *task is set before the task can
// run. 0, EAGAIN (no memory, no runtime) or EINVAL.
int spawn(void* (*entry)(void*), void* argument, const SpawnOptions& options, Task** task);

enum class JoinMode { kWait, kTry };
// 0 and *result; EDEADLK (self), EINVAL (detached or already being joined),
// ESRCH (not a task), EBUSY (kTry, still running), ETIMEDOUT (deadline),
// EINTR (kWait ended by a signal or request_interrupt(); the task stays
// joinable, as POSIX wants for a cancelled joiner).
int join(Task* task, void** result, JoinMode mode, int64_t deadline_ns);
// 0, EINVAL (already detached or being joined), ESRCH.
int detach(Task* task);
// Ends the calling task: runs its task-local destructors, then switches
// away for good.
[[noreturn]] void exit_current_task(void* result);
// True if `pointer` is a task of this runtime (live or finished, not freed).
bool is_task(const void* pointer);
// Calls visit(task, context) for every live task, with task creation and
// exit held back meanwhile: keep it short, and do not create tasks from it.
void for_each_live_task(void (*visit)(Task* task, void* context), void* context);

Task* current_task();
// The kernel thread id now running `task`, or 0 when it is not running.
int kernel_tid_running(const Task* task);

// --- Signals aimed at one task (park.cc) ------------------------------------
// The runtime does not know what a signal means; it keeps a task's pending
// set and gives the shim a chance to act on it. post_signal() adds `signal`
// (1..64) to the set and, if the task is in an interruptible wait, ends the
// wait (true). The hook runs on the task itself whenever it resumes from a
// park with signals pending (and deliver_pending_signals() runs it at once).
bool post_signal(Task* task, int signal);
// Ends the task's interruptible wait (true if it was in one), and every one
// it enters until clear_interrupt_request(); the wait sees
// Task::interrupted. For requests without a signal (cancellation).
bool request_interrupt(Task* task);
void clear_interrupt_request(Task* task);
// A blocking call (read, a sleep, poll...) starts in `self`: handlers that
// ran before it do not concern it.
void begin_blocking_call(Task* self);
// The program's handler for a signal has just run in `self`, which is
// running: if a blocking call of it has begun and not yet parked (it was
// on its way there), its interruptible wait ends at once with
// Task::interrupted, and the call returns EINTR or restarts as natively.
void note_handler_ran_in_call(Task* self);
void set_signal_delivery_hook(void (*hook)(Task* self));
// The running task's Task::signal_mask changed: its kernel thread's mask
// follows at once (and at every later switch-in).
void apply_current_signal_mask();
void deliver_pending_signals(Task* self);
// Preemption's safe points (preemption.h) offered to the shim: the hook
// runs on the task, inside the preemption signal's handler, whenever the
// handler finds the task in the program's own code, before it is switched
// out; it may end the task there (asynchronous cancellation).
void set_safe_point_hook(void (*hook)(Task* self));
// Any thread: if `task` is running, interrupts it now so that the hook runs
// at once if it is at a safe point (else at a later preemption). false when
// it is not running or preemption is off.
bool interrupt_at_safe_point(Task* task);

// --- Waiting (park.cc, address_wait.cc) ------------------------------------
// Lets other tasks run; returns at once when none is waiting.
void yield();
// Parks the caller until `deadline_ns` (monotonic): 0, or EINTR when
// `interruptible` and a signal was posted to it first.
int sleep_until(int64_t deadline_ns, bool interruptible = false);
// Parks while *word == expected, until woken by wake_address(word) or the
// deadline: 0 (woken, maybe spuriously), EAGAIN (*word != expected),
// ETIMEDOUT, or EINTR (`interruptible`, below). Works from kernel threads
// outside the runtime too (they block, uninterruptibly).
// `info`, when given, says how the wait ended (see WakeInfo). Waiters on an
// address are woken in order; kFirst puts this one ahead of the others (a
// lock's waiter that was woken but lost the race keeps its turn).
struct WakeInfo {
  bool handed_off;      // woken by hand_off_address: the waker chose this waiter
  const void* address;  // where it was woken: `word`, or where a requeue moved it
};
enum class WaitPosition { kLast, kFirst };
// kYes: a signal posted to the waiter, or request_interrupt(), ends the wait
// with EINTR (the waits that are cancellation points).
enum class Interruptible { kNo, kYes };
int wait_on_address(const std::atomic<uint32_t>* word, uint32_t expected, int64_t deadline_ns,
                    const char* reason, WakeInfo* info = nullptr,
                    WaitPosition position = WaitPosition::kLast,
                    Interruptible interruptible = Interruptible::kNo);
// Wakes up to `count` waiters on `address`; returns how many.
int wake_address(const void* address, int count);
// Wakes the task that has waited longest on `address` and tells it so
// (WakeInfo::handed_off); false when no task waits there (kernel threads
// blocked on it are not candidates).
bool hand_off_address(const void* address);
// Wakes the first task waiting on `from` and moves the other tasks so that
// they wait on `to`, unwoken. on_move(moved, context) runs before a wake on
// `to` can reach any of them. Kernel threads blocked on `from` are woken.
// Returns how many tasks were woken or moved.
int requeue_address(const void* from, const void* to, void (*on_move)(int moved, void* context),
                    void* context);
// Empties every wait list: in a fork child the waiters are gone.
void reset_address_waits_after_fork();

}  // namespace greenshim
