// syscall(): the libc function, not the instruction. Programs and libstdc++
// (std::atomic::wait, std::barrier, std::latch, std::counting_semaphore)
// call syscall(SYS_futex, ...) on their own words; a kernel futex wait
// there would block the whole worker. FUTEX_WAIT/WAKE and their _BITSET
// forms become the runtime's address waits, which park only the green
// thread. Everything else goes to the kernel unchanged.
//
// Debian's libstdc++ 12 issues its futex calls without FUTEX_PRIVATE_FLAG,
// so shared ones are served too. A shared wake also goes to the kernel, for
// waiters in other processes; a shared wait parks in-process, so a wake
// from another process's raw futex call does not reach it (README).
//
// Bitsets are not matched: a bitset wake wakes waiters of any bitset on
// that word, a spurious wake-up the futex contract already allows.
#include <linux/futex.h>
#include <sys/syscall.h>

#include <cerrno>
#include <climits>
#include <cstdarg>
#include <ctime>

#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"

using namespace greenshim;

namespace {

long fail(long error) {
  errno = static_cast<int>(error);
  return -1;
}

// The deadline of a wait: FUTEX_WAIT's timeout is relative (monotonic);
// FUTEX_WAIT_BITSET's is absolute, monotonic unless FUTEX_CLOCK_REALTIME.
int64_t wait_deadline(int command, int flags, const timespec* timeout) {
  if (timeout == nullptr) return kNoDeadline;
  if (command == FUTEX_WAIT)
    return monotonic_now_ns() + int64_t{timeout->tv_sec} * 1000000000 + timeout->tv_nsec;
  return deadline_from_timespec((flags & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC,
                                *timeout);
}

long emulate_futex(long* arguments) {
  auto* word = reinterpret_cast<std::atomic<uint32_t>*>(arguments[0]);
  int operation = static_cast<int>(arguments[1]);
  int command = operation & FUTEX_CMD_MASK;
  int flags = operation & ~FUTEX_CMD_MASK;
  if (command == FUTEX_WAKE || command == FUTEX_WAKE_BITSET) {
    int count = static_cast<int>(arguments[2]);
    long woken = wake_address(word, count < 0 ? INT_MAX : count);
    if ((flags & FUTEX_PRIVATE_FLAG) == 0) {
      long kernel_woken = raw::syscall6(SYS_futex, arguments[0], arguments[1], arguments[2],
                                        arguments[3], arguments[4], arguments[5]);
      if (kernel_woken > 0) woken += kernel_woken;
    }
    return woken;
  }
  auto* timeout = reinterpret_cast<const timespec*>(arguments[3]);
  if (timeout != nullptr && (timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000))
    return fail(EINVAL);
  int error = wait_on_address(word, static_cast<uint32_t>(arguments[2]),
                              wait_deadline(command, flags, timeout), "futex");
  return error == 0 ? 0 : fail(error);
}

bool emulated(long number, long operation) {
  if (number != SYS_futex) return false;
  int command = static_cast<int>(operation) & FUTEX_CMD_MASK;
  return command == FUTEX_WAIT || command == FUTEX_WAKE || command == FUTEX_WAIT_BITSET ||
         command == FUTEX_WAKE_BITSET;
}

}  // namespace

extern "C" long syscall(long number, ...) {
  va_list list;
  va_start(list, number);
  long arguments[6];
  for (long& argument : arguments) argument = va_arg(list, long);
  va_end(list);
  if (emulated(number, arguments[1]) && current_task() != nullptr) return emulate_futex(arguments);
  long result = raw::syscall6(number, arguments[0], arguments[1], arguments[2], arguments[3],
                              arguments[4], arguments[5]);
  return result < 0 && result > -4096 ? fail(-result) : result;
}
