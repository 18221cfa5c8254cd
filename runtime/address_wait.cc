// Waiting on a 32-bit word, futex-style, for green threads: the building
// block of joins, once, and the shim's locks.
//
// Waiters hash by address into buckets; each bucket is a spin lock and a
// list of Waiter records that live in the waiting tasks' own frames. The
// value check and the enqueue happen under the bucket lock, and a waker
// changes the word before taking that lock, so a wake cannot slip between
// "the word still says wait" and "now parked" (the futex contract).
//
// A caller that is not a task (a kernel thread the runtime does not manage)
// cannot park; it blocks on the word with a real futex instead, and
// wake_address() also issues a kernel wake when such a waiter is present.
//
// Two wakes serve the shim's mutex and condition variable: a hand-off
// tells the woken waiter it was chosen (the waker kept a lock locked for
// it), and a requeue moves waiters to another address without waking them
// (a broadcast moves a condition's waiters to the mutex they will need).
// A requeued waiter lives in another bucket from then on, so a waiter
// finds its current bucket through Waiter::bucket, re-checked under the
// lock because a requeue may move it while it waits for that lock.
#include <cerrno>
#include <climits>

#include "runtime/park.h"
#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "runtime/scheduler.h"

namespace greenshim {
namespace {

struct Bucket;

struct Waiter {
  const void* address = nullptr;
  Task* task = nullptr;
  std::atomic<Bucket*> bucket{nullptr};
  Waiter* previous = nullptr;
  Waiter* next = nullptr;
  bool linked = false;
  bool handed_off = false;
};

struct alignas(64) Bucket {
  SpinLock lock;
  Waiter* head = nullptr;
  Waiter* tail = nullptr;
  std::atomic<int> kernel_waiters{0};
};

constexpr size_t kBuckets = 512;
Bucket g_buckets[kBuckets];

Bucket& bucket_for(const void* address) {
  auto key = reinterpret_cast<uintptr_t>(address);
  key ^= key >> 17;
  key *= 0x9e3779b97f4a7c15ull;
  return g_buckets[(key >> 32) % kBuckets];
}

void link(Bucket& bucket, Waiter* waiter, WaitPosition position = WaitPosition::kLast) {
  waiter->bucket.store(&bucket, std::memory_order_relaxed);
  if (position == WaitPosition::kFirst) {
    waiter->previous = nullptr;
    waiter->next = bucket.head;
    if (bucket.head != nullptr) {
      bucket.head->previous = waiter;
    } else {
      bucket.tail = waiter;
    }
    bucket.head = waiter;
  } else {
    waiter->previous = bucket.tail;
    waiter->next = nullptr;
    if (bucket.tail != nullptr) {
      bucket.tail->next = waiter;
    } else {
      bucket.head = waiter;
    }
    bucket.tail = waiter;
  }
  waiter->linked = true;
}

void unlink(Bucket& bucket, Waiter* waiter) {
  if (waiter->previous != nullptr) {
    waiter->previous->next = waiter->next;
  } else {
    bucket.head = waiter->next;
  }
  if (waiter->next != nullptr) {
    waiter->next->previous = waiter->previous;
  } else {
    bucket.tail = waiter->previous;
  }
  waiter->linked = false;
}

// Locks the bucket `waiter` is in now; a requeue may move it meanwhile.
Bucket& lock_current_bucket(Waiter& waiter) {
  for (;;) {
    Bucket* bucket = waiter.bucket.load(std::memory_order_acquire);
    bucket->lock.lock();
    if (waiter.bucket.load(std::memory_order_relaxed) == bucket) return *bucket;
    bucket->lock.unlock();
  }
}

struct TimedWait : Timer {
  Task* task = nullptr;
  Bucket* bucket = nullptr;
};

void wake_timed_out(Timer* timer) { wake(static_cast<TimedWait*>(timer)->task); }

// After the switch: arm the timer first, then open the bucket. Once the
// bucket is unlocked a waker may resume the task anywhere, and the task
// cancels its timer at once -- which must then find it armed.
void arm_and_unlock(Task*, void* raw_wait) {
  auto* wait = static_cast<TimedWait*>(raw_wait);
  if (wait->deadline_ns != kNoDeadline) Scheduler::instance()->timers.add(wait);
  wait->bucket->lock.unlock();
}

int kernel_wait(Bucket& bucket, const std::atomic<uint32_t>* word, uint32_t expected,
                int64_t deadline_ns) {
  bucket.kernel_waiters.fetch_add(1, std::memory_order_seq_cst);
  int result = 0;
  if (word->load(std::memory_order_seq_cst) != expected) {
    result = EAGAIN;
  } else if (raw::futex_wait(word, expected, deadline_ns) == -ETIMEDOUT) {
    result = ETIMEDOUT;
  }
  bucket.kernel_waiters.fetch_sub(1, std::memory_order_relaxed);
  return result;
}

}  // namespace

int wait_on_address(const std::atomic<uint32_t>* word, uint32_t expected, int64_t deadline_ns,
                    const char* reason, WakeInfo* info, WaitPosition position,
                    Interruptible interruptible) {
  if (info != nullptr) *info = WakeInfo{false, word};
  Bucket& bucket = bucket_for(word);
  Task* self = current_task();
  if (self == nullptr) return kernel_wait(bucket, word, expected, deadline_ns);

  bucket.lock.lock();
  if (word->load(std::memory_order_seq_cst) != expected) {
    bucket.lock.unlock();
    return EAGAIN;
  }
  if (deadline_ns != kNoDeadline && deadline_ns <= monotonic_now_ns()) {
    bucket.lock.unlock();
    return ETIMEDOUT;
  }
  Waiter waiter;
  waiter.address = word;
  waiter.task = self;
  link(bucket, &waiter, position);
  TimedWait wait;
  wait.deadline_ns = deadline_ns;
  wait.fire = wake_timed_out;
  wait.task = self;
  wait.bucket = &bucket;
  prepare_park(self, interruptible == Interruptible::kYes);
  park_current(reason, AfterSwitch{arm_and_unlock, &wait});

  if (deadline_ns != kNoDeadline) Scheduler::instance()->timers.cancel(&wait);
  Bucket& current = lock_current_bucket(waiter);
  if (info != nullptr) *info = WakeInfo{waiter.handed_off, waiter.address};
  int result = 0;
  if (waiter.linked) {
    unlink(current, &waiter);
    result = self->interrupted ? EINTR : ETIMEDOUT;
  }
  current.lock.unlock();
  return result;
}

void reset_address_waits_after_fork() {
  for (Bucket& bucket : g_buckets) {
    bucket.lock.reset_after_fork();
    bucket.head = bucket.tail = nullptr;
    bucket.kernel_waiters.store(0, std::memory_order_relaxed);
  }
}

int wake_address(const void* address, int count) {
  Bucket& bucket = bucket_for(address);
  int woken = 0;
  {
    SpinLockGuard guard(bucket.lock);
    for (Waiter* waiter = bucket.head; waiter != nullptr && woken < count;) {
      Waiter* next = waiter->next;
      if (waiter->address == address) {
        unlink(bucket, waiter);
        // Under the bucket lock: the waiter cannot resume, time out and
        // park again somewhere else before this wake lands.
        wake(waiter->task);
        ++woken;
      }
      waiter = next;
    }
  }
  if (woken < count && bucket.kernel_waiters.load(std::memory_order_seq_cst) > 0) {
    long kernel_woken = raw::futex_wake(address, count - woken);
    if (kernel_woken > 0) woken += static_cast<int>(kernel_woken);
  }
  return woken;
}

bool hand_off_address(const void* address) {
  Bucket& bucket = bucket_for(address);
  SpinLockGuard guard(bucket.lock);
  for (Waiter* waiter = bucket.head; waiter != nullptr; waiter = waiter->next) {
    if (waiter->address != address) continue;
    unlink(bucket, waiter);
    waiter->handed_off = true;
    wake(waiter->task);
    return true;
  }
  return false;
}

int requeue_address(const void* from, const void* to, void (*on_move)(int moved, void* context),
                    void* context) {
  Bucket& source = bucket_for(from);
  Bucket& target = bucket_for(to);
  // Two bucket locks, always taken in address order.
  Bucket& first = &source < &target ? source : target;
  Bucket& second = &source < &target ? target : source;
  first.lock.lock();
  if (&second != &first) second.lock.lock();
  int woken = 0, moved = 0;
  Waiter* to_move = nullptr;  // chained through `next`, in wait order
  Waiter** to_move_tail = &to_move;
  for (Waiter* waiter = source.head; waiter != nullptr;) {
    Waiter* next = waiter->next;
    if (waiter->address == from) {
      unlink(source, waiter);
      if (woken == 0) {
        wake(waiter->task);
        ++woken;
      } else {
        *to_move_tail = waiter;
        to_move_tail = &waiter->next;
        waiter->next = nullptr;
        ++moved;
      }
    }
    waiter = next;
  }
  if (moved > 0) on_move(moved, context);
  while (to_move != nullptr) {
    Waiter* next = to_move->next;
    to_move->address = to;
    link(target, to_move);
    to_move = next;
  }
  if (&second != &first) second.lock.unlock();
  first.lock.unlock();
  // Kernel threads blocked on `from` cannot be moved: wake them all.
  if (source.kernel_waiters.load(std::memory_order_seq_cst) > 0) raw::futex_wake(from, INT_MAX);
  return woken + moved;
}

}  // namespace greenshim
