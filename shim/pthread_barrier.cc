// Barriers. The last of `count` arrivals resets the arrival count, then
// opens the barrier by bumping the generation word the others park on; it
// alone gets PTHREAD_BARRIER_SERIAL_THREAD. A thread can only arrive for the
// next round after the generation moved, by which time the count is reset.
#include <pthread.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "runtime/runtime.h"
#include "shim/sync_layout.h"

using namespace greenshim;
using shim::BarrierState;
using shim::state_of;

extern "C" int pthread_barrier_init(pthread_barrier_t* barrier, const pthread_barrierattr_t*,
                                    unsigned count) {
  if (count == 0) return EINVAL;
  memset(barrier, 0, sizeof *barrier);
  state_of<BarrierState>(barrier)->count = count;
  return 0;
}

extern "C" int pthread_barrier_destroy(pthread_barrier_t*) { return 0; }

extern "C" int pthread_barrier_wait(pthread_barrier_t* barrier) {
  BarrierState* state = state_of<BarrierState>(barrier);
  uint32_t generation = state->generation.load(std::memory_order_acquire);
  if (state->arrived.fetch_add(1, std::memory_order_acq_rel) + 1 == state->count) {
    state->arrived.store(0, std::memory_order_relaxed);
    state->generation.fetch_add(1, std::memory_order_release);
    wake_address(&state->generation, INT_MAX);
    return PTHREAD_BARRIER_SERIAL_THREAD;
  }
  while (state->generation.load(std::memory_order_acquire) == generation)
    wait_on_address(&state->generation, generation, kNoDeadline, "barrier");
  return 0;
}
