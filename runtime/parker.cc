// See parker.h.
#include "runtime/parker.h"

#include "runtime/clock.h"
#include "runtime/raw_syscall.h"

namespace greenshim {

void Parker::park(int64_t deadline_ns) {
  if (permit_.exchange(0, std::memory_order_acquire) == 1) return;
  raw::futex_wait(&permit_, 0, deadline_ns);
  permit_.exchange(0, std::memory_order_acquire);
}

void Parker::unpark() {
  if (permit_.exchange(1, std::memory_order_release) == 0)
    raw::futex_wake(&permit_, 1);
}

}  // namespace greenshim
