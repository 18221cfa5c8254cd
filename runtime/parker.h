// How an idle worker's kernel thread sleeps until there is work: a one-bit
// permit on a futex, with an optional timeout for the next timer.
//
// unpark() before park() leaves the permit set, so park() then returns at
// once and no wake-up is lost. park() may also return spuriously; callers
// look for work again either way. This is the one place a worker blocks in
// the kernel for lack of work, so moving that wait into the worker's
// io_uring later changes this class and nothing else.
#pragma once

#include <atomic>
#include <cstdint>

namespace greenshim {

class Parker {
 public:
  // Sleeps until unpark() or until `deadline_ns` (monotonic; kNoDeadline
  // for none).
  void park(int64_t deadline_ns);
  void unpark();

 private:
  std::atomic<uint32_t> permit_{0};
};

}  // namespace greenshim
