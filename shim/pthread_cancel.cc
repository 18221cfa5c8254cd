// pthread_cancel, pthread_setcancelstate, pthread_setcanceltype and
// pthread_testcancel, and the check at every cancellation point
// (cancellation.h).
//
// Each task's state is one word, Task::cancellation: disabled and
// asynchronous (the thread's settings), requested (pthread_cancel has been
// called; never cleared), acting (the thread is on its way out, so the
// cleanup handlers it runs are not cancelled again). A request to a thread
// with cancellation enabled also ends its interruptible wait
// (request_interrupt), so a thread blocked in read or a sleep acts on it at
// once.
//
// Asynchronous cancellation acts at the thread's next cancellation point or
// call to pthread_setcanceltype / pthread_setcancelstate, or at a
// preemption safe point (the runtime's safe-point hook): pthread_cancel
// interrupts a running target at once, which then ends inside the signal
// handler if it is in its own code, unwinding through the signal frame as
// glibc's SIGCANCEL handler does. In libc or the runtime it ends at its next
// safe point instead, which is exactly where POSIX's async-cancel-safe
// functions allow it. Without preemption (GREENSHIM_PREEMPT_US=0) only
// cancellation points remain.
#include <pthread.h>

#include <cerrno>

#include "runtime/runtime.h"
#include "shim/cancellation.h"
#include "shim/thread_handle.h"

using namespace greenshim;

namespace {

constexpr uint32_t kDisabled = 1;
constexpr uint32_t kAsynchronous = 2;
constexpr uint32_t kRequested = 4;
constexpr uint32_t kActing = 8;

bool should_act(uint32_t word) { return (word & (kDisabled | kRequested | kActing)) == kRequested; }

[[noreturn]] void act(Task* self) {
  self->cancellation.fetch_or(kActing, std::memory_order_acq_rel);
  clear_interrupt_request(self);
  pthread_exit(PTHREAD_CANCELED);
}

// Changes the bits in `mask` to `bits`; returns the old word.
uint32_t update(Task* self, uint32_t mask, uint32_t bits) {
  uint32_t old = self->cancellation.load(std::memory_order_relaxed);
  while (!self->cancellation.compare_exchange_weak(old, (old & ~mask) | bits,
                                                    std::memory_order_acq_rel)) {
  }
  return old;
}

void act_if_asynchronous(Task* self) {
  uint32_t word = self->cancellation.load(std::memory_order_acquire);
  if (should_act(word) && (word & kAsynchronous)) act(self);
}

}  // namespace

namespace greenshim::shim {

void install_asynchronous_cancellation() { set_safe_point_hook(act_if_asynchronous); }

void cancellation_point() {
  Task* self = current_task();
  if (self == nullptr) return;
  begin_blocking_call(self);
  if (should_act(self->cancellation.load(std::memory_order_acquire))) act(self);
}

}  // namespace greenshim::shim

extern "C" int pthread_cancel(pthread_t thread) {
  Task* target = shim::task_of(thread);
  if (!is_task(target)) return ESRCH;
  // Ended but not yet joined: nothing to cancel, and not an error (glibc).
  if (target->state.load(std::memory_order_acquire) == TaskState::kFinished) return 0;
  uint32_t old = target->cancellation.fetch_or(kRequested, std::memory_order_acq_rel);
  if (target == current_task()) {
    if (should_act(old | kRequested) && (old & kAsynchronous)) act(target);
    return 0;
  }
  if (!(old & (kDisabled | kRequested))) {
    request_interrupt(target);
    if (old & kAsynchronous) interrupt_at_safe_point(target);
  }
  return 0;
}

extern "C" int pthread_setcancelstate(int state, int* old_state) {
  if (state != PTHREAD_CANCEL_ENABLE && state != PTHREAD_CANCEL_DISABLE) return EINVAL;
  Task* self = current_task();
  if (self == nullptr) return 0;
  uint32_t old = update(self, kDisabled, state == PTHREAD_CANCEL_DISABLE ? kDisabled : 0);
  if (old_state != nullptr)
    *old_state = (old & kDisabled) ? PTHREAD_CANCEL_DISABLE : PTHREAD_CANCEL_ENABLE;
  uint32_t now = self->cancellation.load(std::memory_order_acquire);
  if (state == PTHREAD_CANCEL_DISABLE) {
    clear_interrupt_request(self);  // its waits must not keep ending
  } else if (should_act(now)) {
    if (now & kAsynchronous) act(self);
    request_interrupt(self);  // deferred: the next interruptible wait ends
  }
  return 0;
}

extern "C" int pthread_setcanceltype(int type, int* old_type) {
  if (type != PTHREAD_CANCEL_DEFERRED && type != PTHREAD_CANCEL_ASYNCHRONOUS) return EINVAL;
  Task* self = current_task();
  if (self == nullptr) return 0;
  uint32_t old =
      update(self, kAsynchronous, type == PTHREAD_CANCEL_ASYNCHRONOUS ? kAsynchronous : 0);
  if (old_type != nullptr)
    *old_type = (old & kAsynchronous) ? PTHREAD_CANCEL_ASYNCHRONOUS : PTHREAD_CANCEL_DEFERRED;
  if (type == PTHREAD_CANCEL_ASYNCHRONOUS) shim::cancellation_point();
  return 0;
}

extern "C" void pthread_testcancel() { shim::cancellation_point(); }
