// The runtime's one time base: CLOCK_MONOTONIC in nanoseconds. Timers,
// deadlines and spin budgets are all expressed in it.
#pragma once

#include <cstdint>
#include <ctime>

namespace greenshim {

constexpr int64_t kNoDeadline = INT64_MAX;

inline int64_t monotonic_now_ns() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1000000000 + now.tv_nsec;
}

// Converts an absolute time on `clock` (CLOCK_REALTIME or CLOCK_MONOTONIC)
// to a monotonic deadline. A realtime deadline is converted once, at the
// call: a later step of the wall clock does not move it.
inline int64_t deadline_from_timespec(clockid_t clock, const timespec& absolute) {
  int64_t target = int64_t{absolute.tv_sec} * 1000000000 + absolute.tv_nsec;
  if (clock == CLOCK_MONOTONIC) return target;
  timespec now;
  clock_gettime(clock, &now);
  int64_t remaining = target - (int64_t{now.tv_sec} * 1000000000 + now.tv_nsec);
  return monotonic_now_ns() + remaining;
}

}  // namespace greenshim
