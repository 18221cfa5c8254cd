// pthread_detach: the thread frees itself when it ends.
#include <pthread.h>

#include "runtime/runtime.h"
#include "shim/thread_handle.h"

extern "C" int pthread_detach(pthread_t thread) {
  return greenshim::detach(greenshim::shim::task_of(thread));
}
