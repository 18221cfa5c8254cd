// Robust mutexes: the word and owner bookkeeping that lets the next locker
// learn that the holder died (EOWNERDEAD). mutex.cc handles the kinds and
// the owner checks and calls these for the word itself.
#pragma once

#include <cstdint>

#include "shim/sync_layout.h"

namespace greenshim::shim {

// MutexState::robust_state.
enum RobustState : uint32_t {
  kRobustConsistent = 0,
  kRobustInconsistent = 1,  // taken with EOWNERDEAD, not yet made consistent
  kRobustNotRecoverable = 2,
};

// 0, EOWNERDEAD (taken; the previous owner died holding it),
// ENOTRECOVERABLE, EBUSY (try_only) or ETIMEDOUT.
int robust_acquire(MutexState* mutex, int64_t deadline_ns, bool try_only);
// Frees the word; a mutex still inconsistent becomes not recoverable.
void robust_release(MutexState* mutex);

}  // namespace greenshim::shim
