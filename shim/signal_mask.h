// The signal mask a green thread's wait puts in place for its length
// (ppoll, pselect, epoll_pwait): the kernel swaps the caller's mask in for
// the whole call and the old one back after, so a signal the call's mask
// lets in ends the wait with EINTR once its handler has run -- make's
// jobserver waits for SIGCHLD that way. (signal_mask.cc also has
// pthread_sigmask, sigprocmask and sigsuspend.)
#pragma once

#include <signal.h>

#include <cstdint>

namespace greenshim {
struct Task;
}

namespace greenshim::shim {

class SignalMaskDuringWait {
 public:
  // `mask` null, or a caller that is not a green thread: nothing changes.
  explicit SignalMaskDuringWait(const sigset_t* mask);
  ~SignalMaskDuringWait();
  SignalMaskDuringWait(const SignalMaskDuringWait&) = delete;
  SignalMaskDuringWait& operator=(const SignalMaskDuringWait&) = delete;

  // A handler has run since the mask went in (signals it unblocks that
  // were pending arrive as it does): the wait must end with EINTR.
  bool handler_ran() const;

 private:
  Task* task_ = nullptr;
  sigset_t previous_{};
  uint64_t handlers_before_ = 0;
};

}  // namespace greenshim::shim
