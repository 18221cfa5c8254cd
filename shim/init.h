// Bringing the runtime up inside an unmodified program.
//
// A constructor adopts the main thread at load time, so that pthread_join
// in main() parks a green thread instead of blocking a kernel thread. Every
// entry point also calls ensure_runtime(), because another library's
// constructor may create a thread before ours has run.
#pragma once

#include <pthread.h>

namespace greenshim::shim {

// True when the runtime is up (starting it on the first call).
bool ensure_runtime();
// The kernel thread the main thread was adopted from.
pthread_t adopted_kernel_thread();

}  // namespace greenshim::shim
