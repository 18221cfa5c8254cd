// Wake-ups asked for where the runtime's own locks may be held: in a signal
// handler that interrupted a worker inside the runtime (a run-queue push, a
// wait list under its lock). Waking there would take those locks again on
// the same kernel thread, or re-enter a worker's deque, and deadlock or
// corrupt it. So the address is only noted, in a table of atomic slots
// that takes no lock and allocates nothing, and every worker is unparked
// (an atomic exchange and a futex or eventfd wake, both safe in a handler);
// the next worker to start a scheduling round wakes every waiter on each
// noted address. Waking all is right for the one user, sem_post: waiters
// that find no token park again.
#pragma once

#include <atomic>

namespace greenshim {

// Async-signal-safe. Every task parked on `address` is woken soon.
void wake_all_later(const void* address);

// For Worker's scheduling loop: one relaxed load when nothing is noted.
bool deferred_wakes_noted();
void run_deferred_wakes();

}  // namespace greenshim
