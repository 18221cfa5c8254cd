// Deadlines the runtime must act on: a task sleeping, a timed join or wait
// running out. A binary min-heap of intrusive Timer records (each lives in
// the waiting task's own frame, so arming a timer allocates nothing), under
// one lock; the earliest deadline is mirrored in an atomic so a worker can
// tell in one load that nothing is due.
//
// A timer fires under the queue's lock, so after cancel() returns the timer
// has either been removed unfired or has finished firing: the waiting task
// can then leave the frame that holds the record.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/clock.h"
#include "runtime/spin_lock.h"

namespace greenshim {

struct Timer {
  int64_t deadline_ns = kNoDeadline;
  void (*fire)(Timer*) = nullptr;  // runs under the queue lock: keep it short
  size_t heap_index = kNotQueued;

  static constexpr size_t kNotQueued = SIZE_MAX;
};

class TimerQueue {
 public:
  void add(Timer* timer);
  // True if the timer was removed before it fired.
  bool cancel(Timer* timer);
  // Fires every timer whose deadline is at or before `now_ns`; returns how
  // many fired.
  size_t fire_due(int64_t now_ns);
  int64_t earliest_deadline() const { return earliest_.load(std::memory_order_acquire); }
  size_t size();
  void reset_after_fork();

 private:
  void sift_up(size_t index);
  void sift_down(size_t index);
  void swap_entries(size_t a, size_t b);
  void remove_at(size_t index);
  void publish_earliest();

  SpinLock lock_;
  std::vector<Timer*> heap_;
  std::atomic<int64_t> earliest_{kNoDeadline};
};

}  // namespace greenshim
