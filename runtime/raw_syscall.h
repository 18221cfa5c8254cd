// Kernel calls the runtime makes for itself, issued with the `syscall`
// instruction directly. The shim interposes libc entry points such as
// sched_yield() and syscall(); if the runtime called those it would re-enter
// itself. These wrappers return the kernel's result (negative errno on
// failure) and never touch errno, which belongs to the running green thread.
#pragma once

#include <sys/syscall.h>

#include <cerrno>
#include <cstdint>
#include <ctime>

#include "runtime/clock.h"

namespace greenshim::raw {

inline long syscall6(long number, long a1 = 0, long a2 = 0, long a3 = 0,
                     long a4 = 0, long a5 = 0, long a6 = 0) {
  long result;
  register long r10 asm("r10") = a4;
  register long r8 asm("r8") = a5;
  register long r9 asm("r9") = a6;
  asm volatile("syscall"
               : "=a"(result)
               : "a"(number), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
               : "rcx", "r11", "memory");
  return result;
}

// Futex wait: sleeps while the 32-bit *word == expected, until
// `deadline_ns` (monotonic; kNoDeadline for none). Private to the process
// unless `shared`. Returns the kernel's result: -ETIMEDOUT at once when the
// deadline has already passed.
inline long futex_wait(const void* word, uint32_t expected, int64_t deadline_ns,
                       bool shared = false) {
  constexpr long kWait = 0;
  constexpr long kPrivate = 128;
  timespec timeout;
  const timespec* timeout_pointer = nullptr;
  if (deadline_ns != kNoDeadline) {
    int64_t remaining = deadline_ns - monotonic_now_ns();
    if (remaining <= 0) return -ETIMEDOUT;
    timeout = timespec{remaining / 1000000000, remaining % 1000000000};
    timeout_pointer = &timeout;
  }
  return syscall6(SYS_futex, reinterpret_cast<long>(word), shared ? kWait : kWait | kPrivate,
                  static_cast<long>(expected), reinterpret_cast<long>(timeout_pointer));
}

inline long futex_wake(const void* word, int count, bool shared = false) {
  constexpr long kWake = 1;
  constexpr long kPrivate = 128;
  return syscall6(SYS_futex, reinterpret_cast<long>(word), shared ? kWake : kWake | kPrivate,
                  count);
}

inline void sched_yield() { syscall6(SYS_sched_yield); }

inline int gettid() { return static_cast<int>(syscall6(SYS_gettid)); }

}  // namespace greenshim::raw
