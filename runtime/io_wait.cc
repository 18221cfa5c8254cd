// See io_wait.h. The ring side: a task queues its operations on its
// worker's ring, each tagged with one IoWait on its own stack, and parks.
// The first completion (or the deadline's timer) wakes it; operations still
// in flight are then cancelled on the ring that holds them -- the task may
// have moved to another worker meanwhile -- and the task parks again until
// every one has completed, because their completions point at its stack.
#include "runtime/io_wait.h"

#include <liburing.h>
#include <sys/syscall.h>

#include "runtime/blocking_pool.h"
#include "runtime/io_ring.h"
#include "runtime/log.h"
#include "runtime/park.h"
#include "runtime/probes.h"
#include "runtime/runtime.h"
#include "runtime/scheduler.h"

namespace greenshim {
namespace {

IoPath choose_path(IoMode mode) {
  if (mode == IoMode::kOff) {
    debug_log("I/O waits: kernel threads (GREENSHIM_IO=off)");
    return IoPath::kKernelThreads;
  }
  const char* reason = nullptr;
  if (IoRing::usable(&reason)) {
    debug_log("I/O waits: io_uring, one ring per worker");
    return IoPath::kUring;
  }
  if (mode == IoMode::kUring) {
    warn("GREENSHIM_IO=uring, but %s; waiting on kernel threads instead", reason);
  } else {
    debug_log("I/O waits: kernel threads (%s)", reason);
  }
  return IoPath::kKernelThreads;
}

struct IoWait : IoCompletion {
  Task* task = nullptr;
  SpinLock lock;  // guards everything below
  int in_flight = 0;
  bool parked = false;
  bool draining = false;  // cancelled: waiting for in_flight to reach 0
  bool completed = false;
  int result = 0;
};

struct IoDeadline : Timer {
  IoWait* wait = nullptr;
};

// Claims the parked task under wait->lock, for a wake() made after the
// lock is released: once a completion lets the task run, its frame (and
// the lock in it) may be gone, so nothing may touch the wait after that.
Task* claim_parked_locked(IoWait* wait) {
  if (!wait->parked) return nullptr;
  wait->parked = false;
  return wait->task;
}

void on_completion(IoCompletion* self, int result) {
  auto* wait = static_cast<IoWait*>(self);
  Task* to_wake = nullptr;
  wait->lock.lock();
  GREENSHIM_PROBE_IO_COMPLETE(wait->task->id, result);
  --wait->in_flight;
  // A result that is not the cancellation's is kept even while draining:
  // a read that completed just before its cancel has consumed the data.
  if (!wait->completed && !(wait->draining && result == -ECANCELED)) {
    wait->completed = true;
    wait->result = result;
  }
  if (!wait->draining || wait->in_flight == 0) to_wake = claim_parked_locked(wait);
  wait->lock.unlock();
  if (to_wake != nullptr) wake(to_wake);
}

// Runs under the timer queue's lock, which the woken task takes (to cancel
// this timer) before it can leave the frame.
void on_deadline(Timer* timer) {
  IoWait* wait = static_cast<IoDeadline*>(timer)->wait;
  Task* to_wake = nullptr;
  {
    SpinLockGuard guard(wait->lock);
    if (!wait->draining) to_wake = claim_parked_locked(wait);
  }
  if (to_wake != nullptr) wake(to_wake);
}

void release_wait_lock(Task*, void* wait) { static_cast<IoWait*>(wait)->lock.unlock(); }

// Parks the running task with wait->lock held; the lock is released once
// the task is off its stack, so a completion cannot wake it before then.
void park_locked(IoWait* wait, const char* reason, bool interruptible) {
  prepare_park(wait->task, interruptible);
  wait->parked = true;
  park_current(reason, AfterSwitch{release_wait_lock, wait});
}

enum class RingOutcome { kCompleted, kDeadline, kInterrupted, kUnavailable };

// Queues `wanted` operations with queue_operations(ring, wait) (which
// returns how many it managed to queue), parks until the first completes
// or the deadline passes, then cancels and drains the rest. *result is the
// first completion's result when kCompleted.
template <typename QueueOperations>
RingOutcome wait_on_ring(int wanted, int64_t deadline_ns, const char* reason, bool interruptible,
                         QueueOperations&& queue_operations, int* result) {
  Worker* worker = current_worker();
  IoRing* ring = worker->io_ring();
  if (ring == nullptr) return RingOutcome::kUnavailable;
  IoWait wait;
  wait.complete = on_completion;
  wait.task = worker->current;
  IoDeadline deadline;
  deadline.deadline_ns = deadline_ns;
  deadline.fire = on_deadline;
  deadline.wait = &wait;
  Scheduler* scheduler = worker->scheduler;

  bool interrupted = false;
  wait.lock.lock();
  wait.in_flight = queue_operations(*ring, &wait);
  bool all_queued = wait.in_flight == wanted;
  if (all_queued) {
    if (deadline_ns != kNoDeadline) scheduler->timers.add(&deadline);
    park_locked(&wait, reason, interruptible);
    interrupted = wait.task->interrupted;  // the drain's park below resets it
    if (deadline_ns != kNoDeadline) scheduler->timers.cancel(&deadline);
    wait.lock.lock();
  }
  if (wait.in_flight > 0) {
    wait.draining = true;
    ring->submit_now(nullptr, [&wait](io_uring_sqe* entry) {
      io_uring_prep_cancel64(entry, reinterpret_cast<uintptr_t>(&wait), IORING_ASYNC_CANCEL_ALL);
    });
    park_locked(&wait, "I/O cancel", false);
  } else {
    wait.lock.unlock();
  }
  if (!all_queued) return RingOutcome::kUnavailable;
  if (!wait.completed) return interrupted ? RingOutcome::kInterrupted : RingOutcome::kDeadline;
  *result = wait.result;
  return RingOutcome::kCompleted;
}

// A system call as its number and arguments, for the ring operations
// that stand in for it.
struct SystemCall {
  long number;
  long arguments[6];
};

bool has_ring_operation(long number) {
  switch (number) {
    case SYS_accept: case SYS_accept4: case SYS_connect: case SYS_fsync: case SYS_fdatasync:
    case SYS_readv: case SYS_writev: case SYS_preadv2: case SYS_pwritev2: case SYS_recvmsg:
      return true;
    default:
      return false;
  }
}

void prepare_ring_operation(io_uring_sqe* entry, const SystemCall& call) {
  const long* a = call.arguments;
  int fd = static_cast<int>(a[0]);
  auto* vectors = reinterpret_cast<const iovec*>(a[1]);
  auto count = static_cast<unsigned>(a[2]);
  switch (call.number) {
    case SYS_accept:
    case SYS_accept4:
      io_uring_prep_accept(entry, fd, reinterpret_cast<sockaddr*>(a[1]),
                           reinterpret_cast<socklen_t*>(a[2]),
                           call.number == SYS_accept4 ? static_cast<int>(a[3]) : 0);
      break;
    case SYS_connect:
      io_uring_prep_connect(entry, fd, reinterpret_cast<const sockaddr*>(a[1]),
                            static_cast<socklen_t>(a[2]));
      break;
    case SYS_fsync:
    case SYS_fdatasync:
      io_uring_prep_fsync(entry, fd, call.number == SYS_fdatasync ? IORING_FSYNC_DATASYNC : 0);
      break;
    case SYS_readv:  // -1: the file position, as readv(2)
      io_uring_prep_readv(entry, fd, vectors, count, -1);
      break;
    case SYS_writev:
      io_uring_prep_writev(entry, fd, vectors, count, -1);
      break;
    case SYS_preadv2:
      io_uring_prep_readv2(entry, fd, vectors, count, a[3], static_cast<int>(a[5]));
      break;
    case SYS_pwritev2:
      io_uring_prep_writev2(entry, fd, vectors, count, a[3], static_cast<int>(a[5]));
      break;
    case SYS_recvmsg:
      io_uring_prep_recvmsg(entry, fd, reinterpret_cast<msghdr*>(a[1]), static_cast<unsigned>(a[2]));
      break;
  }
}

auto queue_call(const SystemCall& call) {
  return [&call](IoRing& ring, IoWait* wait) {
    return ring.queue(wait, [&call](io_uring_sqe* entry) { prepare_ring_operation(entry, call); })
               ? 1
               : 0;
  };
}

bool use_ring() { return current_task() != nullptr && io_path() == IoPath::kUring; }

}  // namespace

IoPath io_path() {
  Scheduler* scheduler = Scheduler::instance();
  IoPath path = scheduler->io_path.load(std::memory_order_acquire);
  if (path == IoPath::kUndecided) {
    path = choose_path(scheduler->options.io_mode);
    scheduler->io_path.store(path, std::memory_order_release);
  }
  return path;
}

int wait_fd_ready(int fd, short events, int64_t deadline_ns) {
  if (use_ring()) {
    int result = 0;
    auto queue_poll = [fd, events](IoRing& ring, IoWait* wait) {
      return ring.queue(wait, [&](io_uring_sqe* entry) {
        io_uring_prep_poll_add(entry, fd, static_cast<unsigned>(events));
      }) ? 1 : 0;
    };
    switch (wait_on_ring(1, deadline_ns, "I/O", true, queue_poll, &result)) {
      case RingOutcome::kCompleted: return result;
      case RingOutcome::kDeadline: return 0;
      case RingOutcome::kInterrupted: return -EINTR;
      case RingOutcome::kUnavailable: break;
    }
  }
  pollfd entry{fd, events, 0};
  long ready = poll_on_blocking_thread(&entry, 1, deadline_ns);
  return ready > 0 ? entry.revents : static_cast<int>(ready);
}

int wait_any_fd_ready(pollfd* fds, size_t count, int64_t deadline_ns) {
  if (use_ring()) {
    int wanted = 0;
    for (size_t index = 0; index < count; ++index) wanted += fds[index].fd >= 0;
    if (wanted == 0) {
      // poll(2) with nothing to watch is a sleep.
      return sleep_until(deadline_ns, true) == EINTR ? -EINTR : 0;
    }
    auto queue_polls = [fds, count](IoRing& ring, IoWait* wait) {
      int queued = 0;
      for (size_t index = 0; index < count; ++index) {
        if (fds[index].fd < 0) continue;
        bool ok = ring.queue(wait, [&](io_uring_sqe* entry) {
          io_uring_prep_poll_add(entry, fds[index].fd, static_cast<unsigned short>(fds[index].events));
        });
        if (!ok) break;
        ++queued;
      }
      return queued;
    };
    int result = 0;
    switch (wait_on_ring(wanted, deadline_ns, "I/O", true, queue_polls, &result)) {
      case RingOutcome::kCompleted: return result < 0 ? result : 1;
      case RingOutcome::kDeadline: return 0;
      case RingOutcome::kInterrupted: return -EINTR;
      case RingOutcome::kUnavailable: break;
    }
  }
  long ready = poll_on_blocking_thread(fds, count, deadline_ns);
  return ready > 0 ? 1 : static_cast<int>(ready);
}

long blocking_syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
  if (use_ring()) {
    SystemCall call{number, {a1, a2, a3, a4, a5, a6}};
    int result = 0;
    if (has_ring_operation(number) &&
        wait_on_ring(1, kNoDeadline, "system call", false, queue_call(call), &result) ==
            RingOutcome::kCompleted)
      return result;
  }
  return call_on_blocking_thread(number, a1, a2, a3, a4, a5, a6);
}

long read_on_ring(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
  if (!use_ring()) return -ENOSYS;
  SystemCall call{number, {a1, a2, a3, a4, a5, a6}};
  int result = 0;
  switch (wait_on_ring(1, kNoDeadline, "I/O", true, queue_call(call), &result)) {
    case RingOutcome::kCompleted: return result;
    case RingOutcome::kInterrupted: return -EINTR;
    case RingOutcome::kDeadline:
    case RingOutcome::kUnavailable: break;
  }
  return -ENOSYS;
}

}  // namespace greenshim
