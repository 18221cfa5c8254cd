// See word_wait.h.
#include "shim/word_wait.h"

#include <linux/futex.h>
#include <sys/syscall.h>

#include <cerrno>
#include <ctime>

#include "runtime/io_wait.h"
#include "runtime/raw_syscall.h"

namespace greenshim::shim {

int wait_on_word(const std::atomic<uint32_t>* word, uint32_t expected, int64_t deadline_ns,
                 bool process_shared, const char* reason, WakeInfo* info,
                 WaitPosition position, Interruptible interruptible) {
  if (!process_shared)
    return wait_on_address(word, expected, deadline_ns, reason, info, position, interruptible);
  if (info != nullptr) *info = WakeInfo{false, word};
  // Another process wakes this word with a kernel futex wake, so the wait
  // must be a kernel futex wait: a green thread has it made on a
  // blocking-pool thread (runtime/blocking_pool.h) and parks meanwhile, so
  // its worker runs other tasks.
  timespec timeout;
  const timespec* timeout_pointer = nullptr;
  if (deadline_ns != kNoDeadline) {
    int64_t remaining = deadline_ns - monotonic_now_ns();
    if (remaining <= 0) return ETIMEDOUT;
    timeout = timespec{remaining / 1000000000, remaining % 1000000000};
    timeout_pointer = &timeout;
  }
  long result = blocking_syscall(SYS_futex, reinterpret_cast<long>(word), FUTEX_WAIT, expected,
                                 reinterpret_cast<long>(timeout_pointer));
  if (result == -ETIMEDOUT) return ETIMEDOUT;
  return result == -EAGAIN ? EAGAIN : 0;
}

int wake_word(const std::atomic<uint32_t>* word, int count, bool process_shared) {
  if (!process_shared) return wake_address(word, count);
  long woken = raw::futex_wake(word, count, true);
  return woken > 0 ? static_cast<int>(woken) : 0;
}

}  // namespace greenshim::shim
