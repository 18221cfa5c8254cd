// See word_wait.h.
#include "shim/word_wait.h"

#include <cerrno>

#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"

namespace greenshim::shim {

int wait_on_word(const std::atomic<uint32_t>* word, uint32_t expected, int64_t deadline_ns,
                 bool process_shared, const char* reason) {
  if (!process_shared) return wait_on_address(word, expected, deadline_ns, reason);
  long result = raw::futex_wait(word, expected, deadline_ns, true);
  if (result == -ETIMEDOUT) return ETIMEDOUT;
  return result == -EAGAIN ? EAGAIN : 0;
}

void wake_word(const std::atomic<uint32_t>* word, int count, bool process_shared) {
  if (!process_shared) {
    wake_address(word, count);
    return;
  }
  raw::futex_wake(word, count, true);
}

}  // namespace greenshim::shim
