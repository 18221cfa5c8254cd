// The mutex. Lock and unlock are a load and one atomic instruction each in
// the common cases (mutex.h inlines them), whether or not others wait, so
// a queue of parked waiters does not slow the tasks that run; waiters park
// as green threads through the runtime's address waits. The checking kinds
// (errorcheck, recursive, and every robust or priority-protect mutex) also
// record the owner. Robust mutexes keep their word in the kernel's
// robust-futex format (robust_mutex.cc); everything else here is about the
// ordinary word.
//
// The ordinary word, after Go's sync.Mutex:
//   kLocked    the mutex is held;
//   kWoken     an unlock has woken a waiter that has not run yet: the next
//              unlock need not wake anyone;
//   kHandOff   an unlock is passing the mutex, still locked, to the first
//              parked waiter instead of freeing it (so it is never set
//              without kLocked, and a lock that sets kLocked on a free
//              word never takes a mutex being handed off);
//   waiters    (above those bits) lockers that are parked or woken and not
//              yet through;
//   unlocks    (the top bits) a count of unlocks that wraps around, which
//              the unlock's own atomic add keeps for free.
// A locker normally competes with woken waiters, and usually wins: it is
// already running while they still have to be scheduled (the holder may
// even have woken one onto its own worker, which runs it only when the
// holder parks). That keeps the lock busy, but could overtake a waiter
// forever. So barging is bounded: parked waiters stay in arrival order (a
// woken waiter that lost parks again at the front), and when they have
// made no progress for kStarvationMs, the unlock hands the mutex to the
// first of them. Meanwhile a locker that finds the mutex held parks, which
// lets the chosen waiter run even on the holder's own worker. A waiter
// with k waiters ahead of it thus gets the mutex within about k + 1 such
// periods, however hard others hammer it; and hand-offs, which cost a
// switch each, stay rare enough not to matter for throughput.
//
// A locker that finds the mutex held parks at once; it does not spin. A
// spinner on the other worker would keep pulling the mutex's cache line
// away from the holder, which pays for it at its very next lock and
// unlock, and two tasks taking turns at a short critical section across
// workers go slower than one taking it alone; while a park and the wake
// that ends it cost a task switch each, less than spinning through most
// critical sections. So contenders settle on one worker's holder, the
// way glibc's sleeping waiters leave one thread running.
//
// Reading the clock on every unlock that finds waiters would cost more
// than the lock itself when they wait long (a tight loop on two workers
// keeps a queue of parked waiters for its whole run), so only one unlock
// in 16 looks, as the unlock count says: a period then ends within 16
// unlocks after kStarvationMs.
#include "shim/mutex.h"

#include <cerrno>
#include <climits>

#include "runtime/raw_syscall.h"
#include "shim/robust_mutex.h"
#include "shim/word_wait.h"

namespace greenshim::shim {
namespace {

constexpr uint32_t kLocked = kMutexLocked;
constexpr uint32_t kWoken = kMutexWoken;
constexpr uint32_t kHandOff = kMutexHandOff;
constexpr uint32_t kOneWaiter = kMutexOneWaiter;
constexpr uint32_t kOneUnlock = kMutexOneUnlock;
constexpr uint32_t kStarvationMs = 1;

uint32_t waiters_in(uint32_t word) { return mutex_waiters_in(word); }
int type_of(const MutexState* mutex) { return mutex->kind & 3; }
bool shared(const MutexState* mutex) { return (mutex->kind & kProcessSharedKind) != 0; }
bool robust(const MutexState* mutex) { return (mutex->kind & kRobustKind) != 0; }

bool checks_owner(const MutexState* mutex) {
  int type = type_of(mutex);
  return type == PTHREAD_MUTEX_RECURSIVE || type == PTHREAD_MUTEX_ERRORCHECK || robust(mutex);
}

bool records_owner(const MutexState* mutex) {
  return checks_owner(mutex) || (mutex->kind & kPrioProtectKind) != 0;
}

// The coarse clock costs a few nanoseconds where the precise one costs
// twenty, and it is read whenever a waiter gets through. Its resolution is
// the kernel's tick (1-4 ms), which is all a starvation bound needs.
uint32_t now_ms() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return static_cast<uint32_t>(now.tv_sec * 1000 + now.tv_nsec / 1'000'000);
}

void note_progress(MutexState* mutex) {
  mutex->progress_ms.store(now_ms(), std::memory_order_relaxed);
}

bool waiters_starving(const MutexState* mutex) {
  // Signed: another thread may have noted a later time than our `now`.
  auto waited_ms = static_cast<int32_t>(now_ms() - mutex->progress_ms.load(std::memory_order_relaxed));
  return waited_ms > static_cast<int32_t>(kStarvationMs);
}

// A locker's part in the word's bookkeeping.
struct Contender {
  bool counted = false;      // included in the word's waiters
  bool holds_woken = false;  // the word's kWoken bit is ours to clear
};

// The mutex was handed to us (still locked): stop being a waiter. One
// hand-off per starvation period; the unlocks go back to freeing it.
void accept_hand_off(MutexState* mutex) {
  uint32_t old = mutex->word.load(std::memory_order_relaxed);
  while (!mutex->word.compare_exchange_weak(old, (old - kOneWaiter) & ~kHandOff,
                                            std::memory_order_acquire)) {
  }
  note_progress(mutex);
}

void stop_waiting(MutexState* mutex) {
  uint32_t old = mutex->word.load(std::memory_order_relaxed);
  uint32_t desired;
  do {
    desired = old - kOneWaiter;
    // No waiter left to hand the mutex to.
    if (waiters_in(desired) == 0) desired &= ~kHandOff;
  } while (!mutex->word.compare_exchange_weak(old, desired, std::memory_order_relaxed));
}

// The ordinary word's acquisition for a locker in state `self`.
int acquire_contended(MutexState* mutex, int64_t deadline_ns, Contender& self) {
  uint32_t old = mutex->word.load(std::memory_order_relaxed);
  for (;;) {
    // In hand-off mode the mutex is passed, never taken: queue up.
    bool must_wait = (old & (kLocked | kHandOff)) != 0;
    uint32_t desired = old;
    if (self.holds_woken) desired &= ~kWoken;
    if (!must_wait) {
      desired |= kLocked;
      if (self.counted) desired -= kOneWaiter;
    } else if (!self.counted) {
      desired += kOneWaiter;
    }
    if (!mutex->word.compare_exchange_weak(old, desired, std::memory_order_acquire)) continue;
    self.holds_woken = false;
    if (!must_wait) {
      if (self.counted) note_progress(mutex);
      return 0;
    }
    // A waiter that was woken and lost keeps its place at the front.
    WaitPosition position = self.counted ? WaitPosition::kFirst : WaitPosition::kLast;
    if (!self.counted) {
      self.counted = true;
      if (waiters_in(old) == 0) note_progress(mutex);
    }
    WakeInfo info;
    int error = wait_on_word(&mutex->word, desired, deadline_ns, shared(mutex), "mutex", &info,
                             position);
    if (info.handed_off) {
      accept_hand_off(mutex);
      return 0;
    }
    if (error == ETIMEDOUT) {
      stop_waiting(mutex);
      return ETIMEDOUT;
    }
    // Every wake of the word comes from an unlock that set kWoken for us.
    if (error == 0) self.holds_woken = true;
    old = mutex->word.load(std::memory_order_relaxed);
  }
}

int acquire_word(MutexState* mutex, int64_t deadline_ns, bool try_only) {
  if (mutex_try_take(mutex)) return 0;
  if (try_only) return EBUSY;
  Contender self;
  return acquire_contended(mutex, deadline_ns, self);
}

// Passes the held mutex, still locked, to the first parked waiter.
bool hand_off(MutexState* mutex) {
  mutex->word.fetch_or(kHandOff, std::memory_order_relaxed);
  // The chosen waiter owns the mutex from here.
  if (hand_off_address(&mutex->word)) return true;
  // No parked task to take it (the waiters are kernel threads, or on their
  // way to park, or woken and not yet run): free it the usual way.
  mutex->word.fetch_and(~kHandOff, std::memory_order_relaxed);
  return false;
}

void release_word(MutexState* mutex) {
  uint32_t old = mutex->word.load(std::memory_order_relaxed);
  // Unlocking a free normal mutex is undefined; like glibc, leave it be.
  if ((old & kLocked) == 0) return;
  // Hand-off needs a parked task to hand to, which a process-shared mutex
  // never has (its waiters block in the kernel).
  if (!shared(mutex) && mutex_unlock_checks_starvation(old) && waiters_starving(mutex) &&
      hand_off(mutex))
    return;
  uint32_t before = mutex->word.fetch_add(kOneUnlock - kLocked, std::memory_order_release);
  if (waiters_in(before) != 0 && (before & kWoken) == 0) mutex_wake_a_waiter(mutex);
}

}  // namespace

// The owner recorded by checking kinds: the task; for a process-shared
// mutex, the task's id qualified by the process id (owners are compared
// across processes, and a forked child has copies of its parent's task
// addresses); for a kernel thread the runtime does not manage, its thread
// id with the top bit set (never a task address).
uintptr_t mutex_owner_id(const MutexState* mutex) {
  Task* task = current_task();
  if (task == nullptr) return (uintptr_t{1} << 63) | static_cast<uintptr_t>(raw::gettid());
  if (!shared(mutex)) return reinterpret_cast<uintptr_t>(task);
  return (uintptr_t{static_cast<uint32_t>(raw::syscall6(SYS_getpid))} << 32) ^ task->id;
}

int mutex_lock(MutexState* mutex, int64_t deadline_ns, bool try_only) {
  int type = type_of(mutex);
  if (checks_owner(mutex) && mutex->owner.load(std::memory_order_relaxed) == mutex_owner_id(mutex)) {
    if (type == PTHREAD_MUTEX_ERRORCHECK) return try_only ? EBUSY : EDEADLK;
    if (type == PTHREAD_MUTEX_RECURSIVE) {
      if (mutex->recursion == UINT32_MAX) return EAGAIN;
      ++mutex->recursion;
      return 0;
    }
    // A normal robust mutex relocked by its owner deadlocks, as POSIX says.
  }
  int error = robust(mutex) ? robust_acquire(mutex, deadline_ns, try_only)
                            : acquire_word(mutex, deadline_ns, try_only);
  if ((error == 0 || error == EOWNERDEAD) && records_owner(mutex))
    mutex->owner.store(mutex_owner_id(mutex), std::memory_order_relaxed);
  return error;
}

void mutex_wake_a_waiter(MutexState* mutex) {
  uint32_t old = mutex->word.load(std::memory_order_relaxed);
  do {
    // Nobody left to wake, or someone already on the way to the mutex.
    if (waiters_in(old) == 0 || (old & kWoken) != 0) return;
  } while (!mutex->word.compare_exchange_weak(old, old | kWoken, std::memory_order_relaxed));
  if (wake_word(&mutex->word, 1, shared(mutex)) == 0)
    mutex->word.fetch_and(~kWoken, std::memory_order_relaxed);
}

bool mutex_in_use(const MutexState* mutex) {
  uint32_t word = mutex->word.load(std::memory_order_relaxed);
  // The unlock count says nothing about the present.
  if (!robust(mutex)) word &= kOneUnlock - 1;
  return word != 0;
}

int mutex_check_owner(const MutexState* mutex) {
  if (!checks_owner(mutex)) return 0;
  return mutex->owner.load(std::memory_order_relaxed) == mutex_owner_id(mutex) ? 0 : EPERM;
}

int mutex_unlock(MutexState* mutex) {
  if (int error = mutex_check_owner(mutex)) return error;
  if (mutex->recursion > 0) {
    --mutex->recursion;
    return 0;
  }
  if (records_owner(mutex)) mutex->owner.store(0, std::memory_order_relaxed);
  if (robust(mutex)) {
    robust_release(mutex);
  } else {
    release_word(mutex);
  }
  return 0;
}

uint32_t mutex_release_for_wait(MutexState* mutex) {
  uint32_t recursion = mutex->recursion;
  mutex->recursion = 0;
  mutex_unlock(mutex);
  return recursion;
}

int mutex_reacquire_after_wait(MutexState* mutex, uint32_t recursion, int wait_error,
                               const WakeInfo& info) {
  int error;
  if (info.address != &mutex->word) {
    error = mutex_lock(mutex, kNoDeadline, false);
  } else {
    // Moved onto the mutex by a broadcast, and counted as its waiter there.
    Contender self;
    self.counted = true;
    if (info.handed_off) {
      accept_hand_off(mutex);
      error = 0;
    } else {
      self.holds_woken = wait_error == 0;
      error = acquire_contended(mutex, kNoDeadline, self);
    }
    if (records_owner(mutex)) mutex->owner.store(mutex_owner_id(mutex), std::memory_order_relaxed);
  }
  if (error == 0 || error == EOWNERDEAD) mutex->recursion = recursion;
  return error;
}

bool mutex_accepts_requeue(const MutexState* mutex) {
  return !shared(mutex) && !robust(mutex);
}

void mutex_add_requeued_waiters(MutexState* mutex, int count) {
  uint32_t old = mutex->word.fetch_add(kOneWaiter * static_cast<uint32_t>(count),
                                       std::memory_order_relaxed);
  if (waiters_in(old) == 0) note_progress(mutex);
}

}  // namespace greenshim::shim
