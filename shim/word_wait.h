// Waiting on a word for the shim's synchronization objects, private or
// process-shared.
//
// A private object's waiters park as green threads (the runtime's address
// waits). A process-shared object lives in memory another process can
// change and wake, and that process cannot reach our wait lists, so its
// waits use the kernel's shared futex -- blocking the worker's kernel thread
// for the duration (README, "Not yet supported").
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/runtime.h"

namespace greenshim::shim {

// 0 (woken or spurious), EAGAIN (*word != expected), ETIMEDOUT or EINTR.
// `info`, `position` and `interruptible` as for wait_on_address; a shared
// wait is never handed off, moved or interrupted, and the kernel chooses
// whom it wakes.
int wait_on_word(const std::atomic<uint32_t>* word, uint32_t expected, int64_t deadline_ns,
                 bool process_shared, const char* reason, WakeInfo* info = nullptr,
                 WaitPosition position = WaitPosition::kLast,
                 Interruptible interruptible = Interruptible::kNo);
// Returns how many waiters it woke.
int wake_word(const std::atomic<uint32_t>* word, int count, bool process_shared);

}  // namespace greenshim::shim
