// Signals aimed at one green thread (pthread_kill): the runtime keeps them
// pending on the task and ends its interruptible wait (post_signal); the
// shim delivers them on the task's own stack when it next runs, by raising
// each on the kernel thread running it, so the program's handler runs in
// that green thread as natively. A wait that a handler interrupted then
// returns EINTR -- or starts again when every handler that ran was
// installed with SA_RESTART and the call is one the kernel restarts.
#pragma once

namespace greenshim::shim {

// Called once at start-up.
void install_task_signal_delivery();

// After an interrupted wait: true if the call should start again.
bool restart_after_interruption();

}  // namespace greenshim::shim
