// Kernel calls the runtime makes for itself, issued with the `syscall`
// instruction directly. The shim interposes libc entry points such as
// sched_yield() and syscall(); if the runtime called those it would re-enter
// itself. These wrappers return the kernel's result (negative errno on
// failure) and never touch errno, which belongs to the running green thread.
#pragma once

#include <sys/syscall.h>

#include <cstdint>
#include <ctime>

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

// Private futex wait: sleeps while *word == expected, up to `timeout`
// (relative, CLOCK_MONOTONIC) when one is given.
inline long futex_wait(const uint32_t* word, uint32_t expected, const timespec* timeout) {
  constexpr long kFutexWaitPrivate = 0 | 128;
  return syscall6(SYS_futex, reinterpret_cast<long>(word), kFutexWaitPrivate,
                  static_cast<long>(expected), reinterpret_cast<long>(timeout));
}

inline long futex_wake(const uint32_t* word, int count) {
  constexpr long kFutexWakePrivate = 1 | 128;
  return syscall6(SYS_futex, reinterpret_cast<long>(word), kFutexWakePrivate, count);
}

inline void sched_yield() { syscall6(SYS_sched_yield); }

inline int gettid() { return static_cast<int>(syscall6(SYS_gettid)); }

}  // namespace greenshim::raw
