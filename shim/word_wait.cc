// See word_wait.h.
#include "shim/word_wait.h"

#include <cerrno>

#include "runtime/raw_syscall.h"

namespace greenshim::shim {

int wait_on_word(const std::atomic<uint32_t>* word, uint32_t expected, int64_t deadline_ns,
                 bool process_shared, const char* reason, WakeInfo* info,
                 WaitPosition position) {
  if (!process_shared) return wait_on_address(word, expected, deadline_ns, reason, info, position);
  if (info != nullptr) *info = WakeInfo{false, word};
  long result = raw::futex_wait(word, expected, deadline_ns, true);
  if (result == -ETIMEDOUT) return ETIMEDOUT;
  return result == -EAGAIN ? EAGAIN : 0;
}

int wake_word(const std::atomic<uint32_t>* word, int count, bool process_shared) {
  if (!process_shared) return wake_address(word, count);
  long woken = raw::futex_wake(word, count, true);
  return woken > 0 ? static_cast<int>(woken) : 0;
}

}  // namespace greenshim::shim
