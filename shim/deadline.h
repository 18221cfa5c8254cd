// Turning the absolute timespecs of the POSIX timed calls into the
// runtime's monotonic deadlines, with POSIX's validation.
#pragma once

#include <ctime>

#include "runtime/clock.h"

namespace greenshim::shim {

// 0 and *deadline_ns, or EINVAL for a bad clock or nanosecond field.
inline int deadline_from(clockid_t clock, const timespec* absolute, int64_t* deadline_ns) {
  if (absolute == nullptr || absolute->tv_nsec < 0 || absolute->tv_nsec >= 1000000000 ||
      (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC))
    return EINVAL;
  *deadline_ns = deadline_from_timespec(clock, *absolute);
  return 0;
}

}  // namespace greenshim::shim
