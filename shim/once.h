// The once-only initialization behind pthread_once and C11 call_once.
#pragma once

namespace greenshim::shim {

// Runs initializer(argument) exactly once per *control (an int, 0 when
// fresh); concurrent callers park until it has finished.
void run_once(int* control, void (*initializer)(void*), void* argument);

}  // namespace greenshim::shim
