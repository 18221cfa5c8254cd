// pthread_once: the first caller runs the initializer; the others park (not
// spin) until it is done. pthread_once_t is an int, 0 when fresh
// (PTHREAD_ONCE_INIT), which the shim uses as a three-state word.
#include <pthread.h>

#include <atomic>
#include <climits>

#include "runtime/runtime.h"
#include "shim/once.h"

namespace greenshim::shim {
namespace {
constexpr uint32_t kFresh = 0;
constexpr uint32_t kRunning = 1;
constexpr uint32_t kDone = 2;
}  // namespace

void run_once(int* control, void (*initializer)(void*), void* argument) {
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(int));
  auto* word = reinterpret_cast<std::atomic<uint32_t>*>(control);
  for (;;) {
    uint32_t state = word->load(std::memory_order_acquire);
    if (state == kDone) return;
    if (state == kFresh &&
        word->compare_exchange_strong(state, kRunning, std::memory_order_acq_rel)) {
      initializer(argument);
      word->store(kDone, std::memory_order_release);
      wake_address(word, INT_MAX);
      return;
    }
    if (state == kRunning) wait_on_address(word, kRunning, kNoDeadline, "once");
  }
}

}  // namespace greenshim::shim

extern "C" int pthread_once(pthread_once_t* control, void (*initializer)()) {
  greenshim::shim::run_once(
      control, [](void* function) { reinterpret_cast<void (*)()>(function)(); },
      reinterpret_cast<void*>(initializer));
  return 0;
}
