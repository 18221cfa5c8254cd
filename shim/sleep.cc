// The sleep family -- nanosleep, clock_nanosleep, usleep, sleep -- parks the
// green thread on a runtime timer instead of putting the worker's kernel
// thread to sleep. glibc's sleep() and usleep() call its internal nanosleep
// directly, so each is interposed by name.
//
// A signal posted to the sleeping green thread (pthread_kill; see
// task_signals.h) ends the sleep with EINTR and the time remaining, as
// natively. Clocks other than REALTIME, MONOTONIC and BOOTTIME (CPU-time
// clocks), and callers that are not green threads, get the kernel's sleep.
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "shim/cancellation.h"
#include "shim/signal_handlers.h"

using namespace greenshim;
using greenshim::shim::cancellation_point;

namespace {

bool valid(const timespec* duration) {
  return duration != nullptr && duration->tv_nsec >= 0 && duration->tv_nsec < 1000000000 &&
         duration->tv_sec >= 0;
}

int64_t nanoseconds(const timespec& duration) {
  return int64_t{duration.tv_sec} * 1000000000 + duration.tv_nsec;
}

bool served_by_runtime(clockid_t clock) {
  return shim::task_that_may_park() != nullptr &&
         (clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME);
}

}  // namespace

extern "C" int clock_nanosleep(clockid_t clock, int flags, const timespec* request,
                               timespec* remaining) {
  cancellation_point();
  // glibc's rule: a thread's own CPU clock cannot be slept on.
  if (clock == CLOCK_THREAD_CPUTIME_ID) return EINVAL;
  if (!served_by_runtime(clock)) {
    long result = raw::syscall6(SYS_clock_nanosleep, clock, flags,
                                reinterpret_cast<long>(request), reinterpret_cast<long>(remaining));
    return static_cast<int>(-result);
  }
  if (request == nullptr || request->tv_nsec < 0 || request->tv_nsec >= 1000000000) return EINVAL;
  if ((flags & TIMER_ABSTIME) != 0) {
    int error = sleep_until(
        deadline_from_timespec(clock == CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC, *request),
        true);
    if (error == EINTR) cancellation_point();
    return error;
  }
  if (request->tv_sec < 0) return EINVAL;
  int64_t deadline = monotonic_now_ns() + nanoseconds(*request);
  if (sleep_until(deadline, true) != EINTR) return 0;
  cancellation_point();
  if (remaining != nullptr) {
    int64_t left = deadline - monotonic_now_ns();
    if (left < 0) left = 0;
    *remaining = timespec{left / 1000000000, left % 1000000000};
  }
  return EINTR;
}

extern "C" int nanosleep(const timespec* request, timespec* remaining) {
  if (!valid(request)) {
    errno = EINVAL;
    return -1;
  }
  int error = clock_nanosleep(CLOCK_MONOTONIC, 0, request, remaining);
  if (error == 0) return 0;
  errno = error;
  return -1;
}

extern "C" int usleep(useconds_t microseconds) {
  timespec request{static_cast<time_t>(microseconds / 1000000),
                   static_cast<long>(microseconds % 1000000) * 1000};
  return nanosleep(&request, nullptr);
}

extern "C" unsigned sleep(unsigned seconds) {
  timespec request{static_cast<time_t>(seconds), 0};
  timespec remaining{0, 0};
  if (nanosleep(&request, &remaining) != 0) return static_cast<unsigned>(remaining.tv_sec);
  return 0;
}
