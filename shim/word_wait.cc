// See word_wait.h.
#include "shim/word_wait.h"

#include <linux/futex.h>

#include <cerrno>

#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"

namespace greenshim::shim {

int wait_on_word(const std::atomic<uint32_t>* word, uint32_t expected, int64_t deadline_ns,
                 bool process_shared, const char* reason) {
  if (!process_shared) return wait_on_address(word, expected, deadline_ns, reason);
  timespec timeout;
  const timespec* timeout_pointer = nullptr;
  if (deadline_ns != kNoDeadline) {
    int64_t remaining = deadline_ns - monotonic_now_ns();
    if (remaining <= 0) return ETIMEDOUT;
    timeout = timespec{remaining / 1000000000, remaining % 1000000000};
    timeout_pointer = &timeout;
  }
  long result = raw::syscall6(SYS_futex, reinterpret_cast<long>(word), FUTEX_WAIT,
                              static_cast<long>(expected), reinterpret_cast<long>(timeout_pointer));
  if (result == -ETIMEDOUT) return ETIMEDOUT;
  return result == -EAGAIN ? EAGAIN : 0;
}

void wake_word(const std::atomic<uint32_t>* word, int count, bool process_shared) {
  if (!process_shared) {
    wake_address(word, count);
    return;
  }
  raw::syscall6(SYS_futex, reinterpret_cast<long>(word), FUTEX_WAKE, count);
}

}  // namespace greenshim::shim
