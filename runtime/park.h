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

void prepare_park(Task* self);
// Suspends the running task; the scheduler then runs `after` with it.
void park_current(const char* reason, AfterSwitch after);
// Makes a parked task runnable; false if another waker already did.
bool wake(Task* task);

}  // namespace greenshim
