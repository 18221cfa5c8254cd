// How an idle worker's kernel thread sleeps until there is work: a one-bit
// permit, with an optional timeout for the next timer. The sleep itself is
// in the worker's io_uring once it has one -- so a completing read wakes it
// as well -- and on a futex before that.
//
// unpark() before park() leaves the permit set, so park() then returns at
// once and no wake-up is lost. park() may also return spuriously; callers
// look for work again either way.
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/io_ring.h"

namespace greenshim {

class Parker {
 public:
  // Sleeps until unpark() or until `deadline_ns` (monotonic; kNoDeadline
  // for none), in `ring` if it is started (it then also wakes on any
  // completion), else on a futex.
  void park(int64_t deadline_ns, IoRing* ring);
  void unpark();

 private:
  std::atomic<uint32_t> permit_{0};
  // The ring park() sleeps in, so unpark() knows to kick it rather than
  // wake the futex.
  std::atomic<IoRing*> sleeping_in_{nullptr};
};

}  // namespace greenshim
