// The primitive every blocking operation is built on (see scheduler.h,
// "Parking tasks"):
//
//   prepare_park(self);              // arm: the next wake() is ours
//   <register self where a waker will find it, under some lock L>
//   park_current("why", {unlock L}); // L is released once we are off-stack
//
// and, on the waking side, under L: <unregister>; wake(task).
#pragma once

#include "runtime/task.h"
#include "runtime/worker.h"

namespace greenshim {

// An interruptible park (a wait that POSIX lets a signal end with EINTR:
// I/O, sleeps) may also be ended by interrupt(); the task then finds
// Task::interrupted set.
void prepare_park(Task* self, bool interruptible = false);
// Suspends the running task; the scheduler then runs `after` with it. On
// resuming, runs the signal-delivery hook if signals are pending.
void park_current(const char* reason, AfterSwitch after);
// Makes a parked task runnable; false if another waker already did.
bool wake(Task* task);
// Like wake(), but only if the task's current park is interruptible.
bool interrupt(Task* task);
// For Worker::complete_switch; see park.cc.
void arm_interruptible_park(Task* task, uint32_t park_state);

}  // namespace greenshim
