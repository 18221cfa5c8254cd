// Unnamed POSIX semaphores (sem_init and the operations on any sem_t).
// Named ones come from glibc's sem_open, whose initialization writes the
// same layout (see sync_layout.h), and then run through these functions.
//
// A process-shared semaphore waits in the kernel (shim/word_wait.h).
#include <semaphore.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "runtime/deferred_wake.h"
#include "runtime/runtime.h"
#include "shim/cancellation.h"
#include "shim/deadline.h"
#include "shim/signal_handlers.h"
#include "shim/sync_layout.h"
#include "shim/task_signals.h"
#include "shim/word_wait.h"

using namespace greenshim;
using shim::cancellation_point;
using shim::SemaphoreState;
using shim::state_of;

namespace {

constexpr int kFutexPrivateFlag = 128;

bool process_shared(const SemaphoreState* semaphore) { return semaphore->private_flag != 0; }

bool try_take(SemaphoreState* semaphore) {
  uint32_t value = semaphore->value.load(std::memory_order_relaxed);
  while (value > 0) {
    if (semaphore->value.compare_exchange_weak(value, value - 1, std::memory_order_acquire))
      return true;
  }
  return false;
}

// 0, ETIMEDOUT or EINTR (a signal handler without SA_RESTART ran; the
// kernel restarts glibc's futex wait for SA_RESTART ones); sets nothing in
// errno. A cancellation ends the wait and acts here.
int wait_until(SemaphoreState* semaphore, int64_t deadline_ns) {
  cancellation_point();
  while (!try_take(semaphore)) {
    semaphore->waiters.fetch_add(1, std::memory_order_seq_cst);
    int error = 0;
    if (semaphore->value.load(std::memory_order_seq_cst) == 0) {
      error = shim::wait_on_word(&semaphore->value, 0, deadline_ns, process_shared(semaphore),
                                 "semaphore", nullptr, WaitPosition::kLast, Interruptible::kYes);
    }
    semaphore->waiters.fetch_sub(1, std::memory_order_relaxed);
    if (error == EINTR) {
      cancellation_point();
      if (!shim::restart_after_interruption()) return EINTR;
    }
    if (error == ETIMEDOUT) return try_take(semaphore) ? 0 : ETIMEDOUT;
  }
  return 0;
}

int fail(int error) {
  errno = error;
  return -1;
}

}  // namespace

extern "C" int sem_init(sem_t* sem, int shared, unsigned value) {
  if (value > SEM_VALUE_MAX) return fail(EINVAL);
  memset(sem, 0, sizeof *sem);
  SemaphoreState* semaphore = state_of<SemaphoreState>(sem);
  semaphore->value.store(value, std::memory_order_relaxed);
  semaphore->private_flag = shared ? kFutexPrivateFlag : 0;
  return 0;
}

extern "C" int sem_destroy(sem_t*) { return 0; }

extern "C" int sem_wait(sem_t* sem) {
  int error = wait_until(state_of<SemaphoreState>(sem), kNoDeadline);
  return error == 0 ? 0 : fail(error);
}

extern "C" int sem_trywait(sem_t* sem) {
  return try_take(state_of<SemaphoreState>(sem)) ? 0 : fail(EAGAIN);
}

extern "C" int sem_clockwait(sem_t* sem, clockid_t clock, const timespec* deadline) {
  SemaphoreState* semaphore = state_of<SemaphoreState>(sem);
  if (try_take(semaphore)) return 0;
  int64_t deadline_ns;
  if (int error = shim::deadline_from(clock, deadline, &deadline_ns)) return fail(error);
  int error = wait_until(semaphore, deadline_ns);
  return error == 0 ? 0 : fail(error);
}

extern "C" int sem_timedwait(sem_t* sem, const timespec* deadline) {
  return sem_clockwait(sem, CLOCK_REALTIME, deadline);
}

extern "C" int sem_post(sem_t* sem) {
  SemaphoreState* semaphore = state_of<SemaphoreState>(sem);
  uint32_t value = semaphore->value.load(std::memory_order_relaxed);
  do {
    if (value >= SEM_VALUE_MAX) return fail(EOVERFLOW);
  } while (!semaphore->value.compare_exchange_weak(value, value + 1, std::memory_order_seq_cst));
  if (semaphore->waiters.load(std::memory_order_seq_cst) == 0) return 0;
  // sem_post may be called from a signal handler, which may have
  // interrupted the runtime holding the wait lists' locks
  // (signal_handlers.h); a process-shared wake is a plain futex call.
  if (shim::inside_signal_handler() && !process_shared(semaphore)) {
    wake_all_later(&semaphore->value);
    return 0;
  }
  shim::wake_word(&semaphore->value, 1, process_shared(semaphore));
  return 0;
}

extern "C" int sem_getvalue(sem_t* sem, int* value) {
  *value = static_cast<int>(state_of<SemaphoreState>(sem)->value.load(std::memory_order_relaxed));
  return 0;
}
