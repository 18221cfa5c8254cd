// pthread_self and pthread_equal. A kernel thread the runtime does not
// manage keeps glibc's handle.
#include <pthread.h>

#include "runtime/runtime.h"
#include "shim/glibc.h"
#include "shim/thread_handle.h"

extern "C" pthread_t pthread_self() {
  greenshim::Task* self = greenshim::current_task();
  return self != nullptr ? greenshim::shim::handle_of(self) : greenshim::shim::glibc().pthread_self();
}

extern "C" int pthread_equal(pthread_t a, pthread_t b) { return a == b; }
