// See blocking_pool.h.
#include "runtime/blocking_pool.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>

#include <atomic>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "runtime/kernel_thread.h"
#include "runtime/log.h"
#include "runtime/park.h"
#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "runtime/spin_lock.h"

namespace greenshim {
namespace {

constexpr int kMaxBlockingThreads = 10000;
// The calls are plain system calls; the stack only needs room for a signal
// handler should a synchronous signal (SIGPIPE) land here.
constexpr size_t kBlockingThreadStackSize = 256 * 1024;

struct BlockingCall {
  long number;
  long arguments[6];
  long result;
  Task* task;
  BlockingCall* next;
  // For an interruptible poll: the slot the pool thread fills with its own
  // eventfd, so the caller can end the poll early (interrupt_poll()).
  pollfd* interrupt_slot = nullptr;
  int interrupt_fd = -1;           // set when a thread takes the call
  bool taken = false;              // these three under the pool lock
  bool interrupt_requested = false;
  bool done = false;
};

struct Pool {
  SpinLock lock;
  BlockingCall* head = nullptr;
  BlockingCall* tail = nullptr;
  int queued_calls = 0;
  int threads = 0;
  // Threads asleep waiting for calls, or just woken and about to take one.
  int idle_threads = 0;
  bool cap_reported = false;
  // Bumped (under the lock) for each call queued; idle threads sleep on it.
  std::atomic<uint32_t> queued_sequence{0};
  // Threads between taking a call and finishing its wake-up.
  std::atomic<int> busy_threads{0};
};

Pool g_pool;

BlockingCall* take_call_locked() {
  BlockingCall* call = g_pool.head;
  if (call != nullptr) {
    g_pool.head = call->next;
    if (g_pool.head == nullptr) g_pool.tail = nullptr;
    --g_pool.queued_calls;
  }
  return call;
}

void block_asynchronous_signals() {
  sigset_t signals;
  sigfillset(&signals);
  for (int synchronous : {SIGPIPE, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS})
    sigdelset(&signals, synchronous);
  raw::syscall6(SYS_rt_sigprocmask, SIG_BLOCK, reinterpret_cast<long>(&signals), 0,
                sizeof(long));
}

// The pool thread's eventfd for interruptible polls, made on first need.
thread_local int t_interrupt_fd = -1;

long make_system_call(const BlockingCall* call) {
  const long* arguments = call->arguments;
  return raw::syscall6(call->number, arguments[0], arguments[1], arguments[2], arguments[3],
                       arguments[4], arguments[5]);
}

// An interruptible poll watches one more descriptor, this thread's
// eventfd. It firing is either the caller interrupting (the result then
// counts only the caller's descriptors) or left over from an interrupt that
// came too late for an earlier call (drained, and the poll goes on; ppoll
// has already written the time left back into its timeout).
long make_interruptible_poll(BlockingCall* call) {
  for (;;) {
    long ready = make_system_call(call);
    if (ready <= 0 || !(call->interrupt_slot->revents & POLLIN)) return ready;
    uint64_t count;
    raw::syscall6(SYS_read, t_interrupt_fd, reinterpret_cast<long>(&count), sizeof count);
    bool interrupted;
    {
      SpinLockGuard guard(g_pool.lock);
      interrupted = call->interrupt_requested;
    }
    if (interrupted || ready > 1) return ready - 1;
  }
}

// The wake-up happens under the pool lock so that a caller that was
// interrupted, and now waits for the call to finish (interrupt_poll()),
// either sees `done` or is parked in time to be woken.
void make_call(BlockingCall* call) {
  long result = call->interrupt_slot != nullptr ? make_interruptible_poll(call)
                                                : make_system_call(call);
  SpinLockGuard guard(g_pool.lock);
  call->result = result;
  call->done = true;
  wake(call->task);
}

// Called with the pool lock held, as a thread takes `call`.
void prepare_to_make_locked(BlockingCall* call) {
  call->taken = true;
  if (call->interrupt_slot == nullptr) return;
  if (t_interrupt_fd < 0) t_interrupt_fd = eventfd(0, EFD_CLOEXEC);
  call->interrupt_fd = t_interrupt_fd;
  call->interrupt_slot->fd = t_interrupt_fd;
  call->interrupt_slot->events = POLLIN;
}

void pool_thread_main(void*) {
  block_asynchronous_signals();
  for (;;) {
    g_pool.lock.lock();
    BlockingCall* call = take_call_locked();
    if (call == nullptr) {
      ++g_pool.idle_threads;
      uint32_t seen = g_pool.queued_sequence.load(std::memory_order_relaxed);
      g_pool.lock.unlock();
      raw::futex_wait(&g_pool.queued_sequence, seen, kNoDeadline);
      SpinLockGuard guard(g_pool.lock);
      --g_pool.idle_threads;
      continue;
    }
    prepare_to_make_locked(call);
    g_pool.busy_threads.fetch_add(1, std::memory_order_relaxed);
    g_pool.lock.unlock();
    make_call(call);
    g_pool.busy_threads.fetch_sub(1, std::memory_order_release);
  }
}

// Runs on the scheduler stack once the caller is parked, so the pool thread
// cannot wake a task that is still running.
void hand_to_pool(Task*, void* raw_call) {
  auto* call = static_cast<BlockingCall*>(raw_call);
  call->next = nullptr;
  bool start_thread = false;
  {
    SpinLockGuard guard(g_pool.lock);
    if (g_pool.tail != nullptr) {
      g_pool.tail->next = call;
    } else {
      g_pool.head = call;
    }
    g_pool.tail = call;
    ++g_pool.queued_calls;
    g_pool.queued_sequence.fetch_add(1, std::memory_order_relaxed);
    // Each idle thread takes one call: start another when calls outnumber
    // them, or a call could wait behind one that blocks forever.
    bool short_of_threads = g_pool.queued_calls > g_pool.idle_threads;
    if (short_of_threads && g_pool.threads < kMaxBlockingThreads) {
      ++g_pool.threads;
      start_thread = true;
    } else if (short_of_threads && !g_pool.cap_reported) {
      g_pool.cap_reported = true;
      warn("%d threads are blocked in system calls for green threads (the cap); "
           "further blocking calls wait for one of them",
           kMaxBlockingThreads);
    }
  }
  if (!start_thread) {
    raw::futex_wake(&g_pool.queued_sequence, 1);
    return;
  }
  pthread_t thread;
  int error = start_kernel_thread(pool_thread_main, nullptr, &thread, kBlockingThreadStackSize);
  if (error == 0) return;
  bool none_left;
  {
    SpinLockGuard guard(g_pool.lock);
    none_left = --g_pool.threads == 0;
  }
  if (!none_left) return;
  // No thread can take the call: make it here rather than never. This
  // blocks the worker, which is still better than a lost call.
  warn("cannot start a thread for blocking calls (%s); making the call on a worker",
       strerror(error));
  for (;;) {
    BlockingCall* queued;
    {
      SpinLockGuard guard(g_pool.lock);
      queued = take_call_locked();
      if (queued != nullptr) prepare_to_make_locked(queued);
    }
    if (queued == nullptr) return;
    make_call(queued);
  }
}

void remove_call_locked(BlockingCall* call) {
  BlockingCall* previous = nullptr;
  for (BlockingCall* queued = g_pool.head; queued != nullptr; queued = queued->next) {
    if (queued != call) {
      previous = queued;
      continue;
    }
    (previous != nullptr ? previous->next : g_pool.head) = call->next;
    if (g_pool.tail == call) g_pool.tail = previous;
    --g_pool.queued_calls;
    return;
  }
}

void release_pool_lock(Task*, void*) { g_pool.lock.unlock(); }

// The caller of an interruptible poll was interrupted: take the call back
// if no thread has it yet, else end the thread's poll through its eventfd
// and wait until it is done with the caller's memory.
void interrupt_poll(Task* self, BlockingCall* call) {
  g_pool.lock.lock();
  if (!call->taken) {
    remove_call_locked(call);
    call->result = 0;
  } else if (!call->done) {
    call->interrupt_requested = true;
    uint64_t one = 1;
    raw::syscall6(SYS_write, call->interrupt_fd, reinterpret_cast<long>(&one), sizeof one);
    prepare_park(self);
    park_current("I/O cancel", AfterSwitch{release_pool_lock, nullptr});
    return;
  }
  g_pool.lock.unlock();
}

}  // namespace

long poll_on_blocking_thread(pollfd* fds, size_t count, int64_t deadline_ns) {
  timespec timeout;
  timespec* timeout_pointer = nullptr;
  if (deadline_ns != kNoDeadline) {
    int64_t remaining = deadline_ns - monotonic_now_ns();
    if (remaining < 0) remaining = 0;
    timeout = timespec{remaining / 1000000000, remaining % 1000000000};
    timeout_pointer = &timeout;
  }
  Task* self = current_task();
  if (self == nullptr)
    return raw::syscall6(SYS_ppoll, reinterpret_cast<long>(fds), static_cast<long>(count),
                         reinterpret_cast<long>(timeout_pointer), 0, sizeof(long));
  std::vector<pollfd> watched(fds, fds + count);
  watched.push_back(pollfd{-1, 0, 0});
  BlockingCall call{SYS_ppoll,
                    {reinterpret_cast<long>(watched.data()), static_cast<long>(watched.size()),
                     reinterpret_cast<long>(timeout_pointer), 0, sizeof(long), 0},
                    0,
                    self,
                    nullptr};
  call.interrupt_slot = &watched.back();
  prepare_park(self, true);
  park_current("I/O", AfterSwitch{hand_to_pool, &call});
  if (self->interrupted) {
    interrupt_poll(self, &call);
    if (call.result <= 0) return -EINTR;
  }
  for (size_t index = 0; index < count; ++index) fds[index].revents = watched[index].revents;
  return call.result;
}

long call_on_blocking_thread(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
  Task* self = current_task();
  if (self == nullptr) return raw::syscall6(number, a1, a2, a3, a4, a5, a6);
  BlockingCall call{number, {a1, a2, a3, a4, a5, a6}, 0, self, nullptr};
  prepare_park(self);
  park_current("system call", AfterSwitch{hand_to_pool, &call});
  return call.result;
}

void wait_for_blocking_threads_to_settle() {
  while (g_pool.busy_threads.load(std::memory_order_acquire) != 0) raw::sched_yield();
}

void reset_blocking_pool_after_fork() {
  g_pool.lock.reset_after_fork();
  g_pool.head = g_pool.tail = nullptr;
  g_pool.queued_calls = g_pool.threads = g_pool.idle_threads = 0;
  g_pool.busy_threads.store(0, std::memory_order_relaxed);
}

}  // namespace greenshim
