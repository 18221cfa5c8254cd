// The thrd_* result for a POSIX error number, as glibc's thrd_err_map
// gives it, for the C11 entry points.
#pragma once

#include <threads.h>

#include <cerrno>

namespace greenshim::shim {

inline int thrd_result(int error) {
  switch (error) {
    case 0: return thrd_success;
    case ENOMEM: return thrd_nomem;
    case ETIMEDOUT: return thrd_timedout;
    case EBUSY: return thrd_busy;
    default: return thrd_error;
  }
}

}  // namespace greenshim::shim
