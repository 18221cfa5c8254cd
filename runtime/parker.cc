// See parker.h.
#include "runtime/parker.h"

#include "runtime/clock.h"
#include "runtime/raw_syscall.h"

namespace greenshim {

void Parker::park(int64_t deadline_ns, IoRing* ring) {
  if (permit_.exchange(0, std::memory_order_acquire) == 1) return;
  if (ring != nullptr && ring->started()) {
    // Publish where we sleep, then look at the permit once more; unpark()
    // sets the permit, then looks where we sleep (seq_cst both sides), so
    // one of the two always sees the other.
    sleeping_in_.store(ring, std::memory_order_seq_cst);
    if (permit_.load(std::memory_order_seq_cst) == 0) ring->wait(deadline_ns);
    sleeping_in_.store(nullptr, std::memory_order_relaxed);
  } else {
    raw::futex_wait(&permit_, 0, deadline_ns);
  }
  permit_.exchange(0, std::memory_order_acquire);
}

void Parker::unpark() {
  if (permit_.exchange(1, std::memory_order_seq_cst) != 0) return;
  if (IoRing* ring = sleeping_in_.load(std::memory_order_seq_cst)) {
    ring->kick();
  } else {
    raw::futex_wake(&permit_, 1);
  }
}

}  // namespace greenshim
