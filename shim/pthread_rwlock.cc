// Read-write locks. One word holds either the writer bit or the number of
// readers. Waiters park on a release counter, and every release that could
// admit someone bumps it and wakes them all to retry (readers usually all
// get in together). Parking on the lock word itself would lose wake-ups:
// its values recur, so a waiter that read "held", missed a release, and
// then saw "held" again by someone else would sleep through the change.
// The default kind prefers readers, as glibc's does (a reader may enter
// while a writer waits, so recursive read locks cannot deadlock);
// PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP holds new readers back
// while a writer waits.
#include <pthread.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "runtime/runtime.h"
#include "shim/deadline.h"
#include "shim/sync_layout.h"

using namespace greenshim;
using shim::RwlockState;
using shim::state_of;

namespace {

constexpr uint32_t kWriter = 1u << 31;
constexpr uint32_t kMaxReaders = kWriter - 1;

uintptr_t self_id() { return reinterpret_cast<uintptr_t>(current_task()); }

bool readers_yield_to_writers(const RwlockState* lock) {
  return lock->flags == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP &&
         lock->writers_waiting.load(std::memory_order_relaxed) > 0;
}

// One attempt: 0, EBUSY (would have to wait), EAGAIN or EDEADLK.
int try_read(RwlockState* lock) {
  uint32_t word = lock->word.load(std::memory_order_relaxed);
  for (;;) {
    if ((word & kWriter) != 0) {
      return lock->writer.load(std::memory_order_relaxed) == self_id() ? EDEADLK : EBUSY;
    }
    if (readers_yield_to_writers(lock)) return EBUSY;
    if (word == kMaxReaders) return EAGAIN;
    if (lock->word.compare_exchange_weak(word, word + 1, std::memory_order_acquire)) return 0;
  }
}

int try_write(RwlockState* lock) {
  uint32_t expected = 0;
  if (lock->word.compare_exchange_strong(expected, kWriter, std::memory_order_acquire)) {
    lock->writer.store(self_id(), std::memory_order_relaxed);
    return 0;
  }
  if ((expected & kWriter) != 0 && lock->writer.load(std::memory_order_relaxed) == self_id())
    return EDEADLK;
  return EBUSY;
}

int try_lock(RwlockState* lock, bool write) { return write ? try_write(lock) : try_read(lock); }

// One wait for a release that may admit us, then one more try: 0 or an
// error when that try settles it, EBUSY to start over. The caller counts as
// a waiter before it reads the release counter and tries: a release either
// sees the count (and bumps the counter, ending the wait) or came first,
// and then the try sees the lock free.
int wait_and_retry(RwlockState* lock, bool write, int64_t deadline_ns) {
  if (write) lock->writers_waiting.fetch_add(1, std::memory_order_seq_cst);
  lock->waiters.fetch_add(1, std::memory_order_seq_cst);
  uint32_t releases = lock->releases.load(std::memory_order_seq_cst);
  int error = try_lock(lock, write);
  if (error == EBUSY) {
    error = wait_on_address(&lock->releases, releases, deadline_ns,
                            write ? "rwlock write" : "rwlock read");
    if (error == ETIMEDOUT) {
      error = try_lock(lock, write);
      if (error == EBUSY) error = ETIMEDOUT;
    } else {
      error = EBUSY;
    }
  }
  lock->waiters.fetch_sub(1, std::memory_order_relaxed);
  if (write) lock->writers_waiting.fetch_sub(1, std::memory_order_relaxed);
  return error;
}

int lock_until(RwlockState* lock, bool write, int64_t deadline_ns) {
  int error = try_lock(lock, write);
  while (error == EBUSY) error = wait_and_retry(lock, write, deadline_ns);
  return error;
}

int lock_with_deadline(pthread_rwlock_t* rwlock, bool write, clockid_t clock,
                       const timespec* deadline) {
  RwlockState* lock = state_of<RwlockState>(rwlock);
  int error = try_lock(lock, write);
  if (error != EBUSY) return error;
  int64_t deadline_ns;
  if (int invalid = shim::deadline_from(clock, deadline, &deadline_ns)) return invalid;
  return lock_until(lock, write, deadline_ns);
}

}  // namespace

extern "C" int pthread_rwlock_init(pthread_rwlock_t* rwlock, const pthread_rwlockattr_t* attributes) {
  int kind = PTHREAD_RWLOCK_DEFAULT_NP;
  if (attributes != nullptr && pthread_rwlockattr_getkind_np(attributes, &kind) != 0) return EINVAL;
  memset(rwlock, 0, sizeof *rwlock);
  state_of<RwlockState>(rwlock)->flags = kind;
  return 0;
}

extern "C" int pthread_rwlock_destroy(pthread_rwlock_t* rwlock) {
  return state_of<RwlockState>(rwlock)->word.load(std::memory_order_relaxed) != 0 ? EBUSY : 0;
}

extern "C" int pthread_rwlock_rdlock(pthread_rwlock_t* rwlock) {
  return lock_until(state_of<RwlockState>(rwlock), false, kNoDeadline);
}

extern "C" int pthread_rwlock_wrlock(pthread_rwlock_t* rwlock) {
  return lock_until(state_of<RwlockState>(rwlock), true, kNoDeadline);
}

extern "C" int pthread_rwlock_tryrdlock(pthread_rwlock_t* rwlock) {
  int error = try_read(state_of<RwlockState>(rwlock));
  return error == EDEADLK ? EBUSY : error;
}

extern "C" int pthread_rwlock_trywrlock(pthread_rwlock_t* rwlock) {
  int error = try_write(state_of<RwlockState>(rwlock));
  return error == EDEADLK ? EBUSY : error;
}

extern "C" int pthread_rwlock_clockrdlock(pthread_rwlock_t* rwlock, clockid_t clock,
                                          const timespec* deadline) {
  return lock_with_deadline(rwlock, false, clock, deadline);
}

extern "C" int pthread_rwlock_clockwrlock(pthread_rwlock_t* rwlock, clockid_t clock,
                                          const timespec* deadline) {
  return lock_with_deadline(rwlock, true, clock, deadline);
}

extern "C" int pthread_rwlock_timedrdlock(pthread_rwlock_t* rwlock, const timespec* deadline) {
  return lock_with_deadline(rwlock, false, CLOCK_REALTIME, deadline);
}

extern "C" int pthread_rwlock_timedwrlock(pthread_rwlock_t* rwlock, const timespec* deadline) {
  return lock_with_deadline(rwlock, true, CLOCK_REALTIME, deadline);
}

extern "C" int pthread_rwlock_unlock(pthread_rwlock_t* rwlock) {
  RwlockState* lock = state_of<RwlockState>(rwlock);
  uint32_t word = lock->word.load(std::memory_order_relaxed);
  if (word == 0) return EPERM;
  if ((word & kWriter) != 0) {
    if (lock->writer.load(std::memory_order_relaxed) != self_id()) return EPERM;
    lock->writer.store(0, std::memory_order_relaxed);
    lock->word.store(0, std::memory_order_seq_cst);
  } else if (lock->word.fetch_sub(1, std::memory_order_seq_cst) != 1) {
    return 0;  // other readers still hold it: nobody new can enter
  }
  if (lock->waiters.load(std::memory_order_seq_cst) != 0) {
    lock->releases.fetch_add(1, std::memory_order_seq_cst);
    wake_address(&lock->releases, INT_MAX);
  }
  return 0;
}
