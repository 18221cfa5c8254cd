// Deferred cancellation at the cancellation points the shim routes. Every
// such call runs cancellation_point() on entry and again when its wait was
// interrupted; a pending cancellation with cancellation enabled ends the
// thread there, as pthread_exit(PTHREAD_CANCELED) (pthread_cancel.cc).
//
// The points: pthread_testcancel, pthread_join, sem_wait/timedwait/
// clockwait, the sleep family, read/write and their variants, recv*/send*,
// accept, connect, poll, ppoll, select, pselect, epoll_wait/pwait, fsync,
// fdatasync; and pthread_cond_wait/timedwait/clockwait on entry. A
// cancellation ends the waits for I/O, sleeps and polls at once; a thread
// parked in a join, semaphore or condition wait acts on it when that wait
// ends.
#pragma once

namespace greenshim::shim {

// Acts on a pending cancellation (does not return then); a no-op outside
// green threads and when none is pending.
void cancellation_point();

}  // namespace greenshim::shim
