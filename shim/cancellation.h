// Deferred cancellation at the cancellation points the shim routes. Every
// such call runs cancellation_point() on entry and again when its wait was
// interrupted; a pending cancellation with cancellation enabled ends the
// thread there, as pthread_exit(PTHREAD_CANCELED) (pthread_cancel.cc).
//
// The points: pthread_testcancel, pthread_join, sem_wait/timedwait/
// clockwait, the sleep family, read/write and their variants, recv*/send*,
// accept, connect, poll, ppoll, select, pselect, epoll_wait/pwait, fsync,
// fdatasync, pthread_cond_wait/timedwait/clockwait. A cancellation ends
// any of these waits at once (a condition wait takes its mutex back first),
// except the waits of process-shared objects, which are the kernel's.
#pragma once

namespace greenshim::shim {

// Acts on a pending cancellation (does not return then); a no-op outside
// green threads and when none is pending. Being where every blocking call
// starts (and starts again after an interruption), it also tells the
// runtime so (begin_blocking_call): a signal handler that runs after this,
// before the call's wait parks, ends that wait as if it had come during it.
void cancellation_point();
// Called once at start-up: asynchronous cancellation at preemption's safe
// points (pthread_cancel.cc).
void install_asynchronous_cancellation();

}  // namespace greenshim::shim
