// One io_uring per worker: where the worker's tasks queue the waits they
// cannot finish at once, and where the worker itself sleeps when idle.
//
// Submission: a task (or the scheduler acting for it) takes a submission
// entry under the ring's lock, fills it and leaves it queued; the owning
// worker flushes the queue to the kernel in batches from its scheduler
// loop (flush()), and before it sleeps. The lock exists because one caller
// is not the owner: a task that moved to another worker while its
// operations were in flight cancels them on the ring that holds them
// (submit_now()). Without IORING_SETUP_SINGLE_ISSUER and DEFER_TASKRUN any
// kernel thread may enter the ring, which is also what lets a worker, ring
// and all, be driven by a different kernel thread later.
//
// Completion: only the owning worker reaps (reap()); each completion's
// user_data is an IoCompletion whose callback wakes the task concerned.
//
// Idle sleep: wait() blocks in io_uring_enter until a completion arrives or
// a deadline passes. Other threads wake it with kick(): an eventfd the ring
// always has a read outstanding on, so "woken by I/O, by a timer, by another
// worker" is one kind of wake-up.
#pragma once

#include <liburing.h>

#include <atomic>
#include <cstdint>

#include "runtime/raw_syscall.h"
#include "runtime/spin_lock.h"

namespace greenshim {

struct IoCompletion {
  // Called by the reaping worker, on its scheduler stack or a task's.
  void (*complete)(IoCompletion* self, int result) = nullptr;
};

class IoRing {
 public:
  // Whether this process can use io_uring at all (the kernel has it, it is
  // not disabled by sysctl or seccomp, and it has the features and
  // operations the runtime relies on). Checked once; the reason for a "no"
  // goes to *reason.
  static bool usable(const char** reason);

  IoRing() = default;
  ~IoRing();
  IoRing(const IoRing&) = delete;
  IoRing& operator=(const IoRing&) = delete;

  // Sets up the ring on first use; false if the kernel refused.
  bool start();
  bool started() const { return started_.load(std::memory_order_acquire); }

  // Any thread: queues one operation; `prepare` fills the entry (its
  // user_data is set to `completion`, which may be null for "ignore").
  // Returns false if the ring is broken. The entry reaches the kernel at
  // the owner's next flush().
  template <typename Prepare>
  bool queue(IoCompletion* completion, Prepare&& prepare) {
    SpinLockGuard guard(submit_lock_);
    io_uring_sqe* entry = take_entry_locked();
    if (entry == nullptr) return false;
    prepare(entry);
    io_uring_sqe_set_data(entry, completion);
    queued_.store(queued_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return true;
  }
  // Like queue(), but enters the kernel at once: for callers that are not
  // the owner and cannot count on its next flush.
  // Waits for a free entry if the queue is full: a cancellation must not
  // be dropped.
  template <typename Prepare>
  bool submit_now(IoCompletion* completion, Prepare&& prepare) {
    for (;;) {
      {
        SpinLockGuard guard(submit_lock_);
        if (!started()) return false;
        if (io_uring_sqe* entry = take_entry_locked()) {
          prepare(entry);
          io_uring_sqe_set_data(entry, completion);
          submit_locked();
          return true;
        }
      }
      raw::sched_yield();
    }
  }

  unsigned queued() const { return queued_.load(std::memory_order_relaxed); }
  // Owner: hands the queued entries to the kernel in one system call;
  // returns how many were submitted.
  unsigned flush();
  // Runs the callback of every completion that has arrived; returns how
  // many there were. The owner calls it; so does the monitor for a worker
  // whose kernel thread is stuck, so one reaper at a time (a busy ring is
  // skipped: the other reaper is at it).
  unsigned reap();
  // Under the reap lock, like reap(): false while another thread reaps.
  bool has_completions();
  // Owner: flushes, then sleeps until a completion arrives, kick() is
  // called, or `deadline_ns` (monotonic; kNoDeadline for none) passes.
  void wait(int64_t deadline_ns);
  // Any thread: ends the owner's wait() (or makes its next one return).
  void kick();

  // In a fork child the ring's memory is shared with the parent's ring:
  // drop it without touching it, and start afresh on next use.
  void abandon_after_fork();

 private:
  io_uring_sqe* take_entry_locked();
  unsigned submit_locked();
  void arm_kick_read();
  static void on_kick(IoCompletion* self, int result);

  struct KickCompletion : IoCompletion {
    IoRing* ring = nullptr;
  };

  io_uring ring_{};
  // Set once by the owner; read by the monitor and by tasks cancelling
  // from other workers.
  std::atomic<bool> started_{false};
  bool broken_ = false;
  int kick_fd_ = -1;
  uint64_t kick_buffer_ = 0;
  KickCompletion kick_completion_;
  SpinLock submit_lock_;
  SpinLock reap_lock_;
  // Entries queued but not yet submitted, readable without the lock (the
  // ring's own tail is a plain field that queue() writes under it).
  std::atomic<unsigned> queued_{0};
};

}  // namespace greenshim
