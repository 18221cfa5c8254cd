// See parker.h.
#include "runtime/parker.h"

#include "runtime/clock.h"
#include "runtime/raw_syscall.h"

namespace greenshim {

void Parker::park(int64_t deadline_ns) {
  if (permit_.exchange(0, std::memory_order_acquire) == 1) return;
  timespec timeout;
  const timespec* timeout_pointer = nullptr;
  if (deadline_ns != kNoDeadline) {
    int64_t remaining = deadline_ns - monotonic_now_ns();
    if (remaining <= 0) return;
    timeout.tv_sec = remaining / 1000000000;
    timeout.tv_nsec = remaining % 1000000000;
    timeout_pointer = &timeout;
  }
  raw::futex_wait(reinterpret_cast<const uint32_t*>(&permit_), 0, timeout_pointer);
  permit_.exchange(0, std::memory_order_acquire);
}

void Parker::unpark() {
  if (permit_.exchange(1, std::memory_order_release) == 0)
    raw::futex_wake(reinterpret_cast<const uint32_t*>(&permit_), 1);
}

}  // namespace greenshim
