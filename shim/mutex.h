// The mutex algorithm behind pthread_mutex_*, also used by the condition
// variable to release and re-take the caller's mutex around a wait.
#pragma once

#include <cstdint>

#include "shim/sync_layout.h"

namespace greenshim::shim {

// glibc's PTHREAD_MUTEX_PSHARED_BIT in the kind word.
constexpr int kProcessSharedKind = 128;

// 0 or a POSIX error (EDEADLK, EBUSY, ETIMEDOUT, EPERM, EAGAIN).
int mutex_lock(MutexState* mutex, int64_t deadline_ns, bool try_only);
int mutex_unlock(MutexState* mutex);

// 0, or EPERM when the mutex is of a checking kind (errorcheck, recursive)
// and the caller does not hold it.
int mutex_check_owner(const MutexState* mutex);

// A condition wait gives the mutex up completely, whatever its recursion
// depth, and restores it afterwards.
uint32_t mutex_release_for_wait(MutexState* mutex);
void mutex_reacquire_after_wait(MutexState* mutex, uint32_t recursion);

}  // namespace greenshim::shim
