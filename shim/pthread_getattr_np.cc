// pthread_getattr_np: the attributes a green thread actually runs with --
// its stack (the pooled mapping, or the program's own), guard and detach
// state. The adopted main thread's stack is the process's, which glibc
// knows how to describe.
#include <pthread.h>

#include <cerrno>

#include "runtime/runtime.h"
#include "shim/glibc.h"
#include "shim/init.h"
#include "shim/thread_handle.h"

using namespace greenshim;

extern "C" int pthread_getattr_np(pthread_t thread, pthread_attr_t* attributes) {
  Task* task = shim::task_of(thread);
  if (!is_task(task)) return shim::glibc().pthread_getattr_np(thread, attributes);
  int error;
  if (task->stack.mapping == nullptr) {
    error = shim::glibc().pthread_getattr_np(shim::adopted_kernel_thread(), attributes);
  } else {
    error = pthread_attr_init(attributes);
    if (error == 0) error = pthread_attr_setstack(attributes, task->stack.low(), task->stack.usable_size());
    if (error == 0) error = pthread_attr_setguardsize(attributes, task->stack.guard_size);
  }
  if (error != 0) return error;
  bool detached = (task->lifecycle.load(std::memory_order_relaxed) & lifecycle::kDetached) != 0;
  return pthread_attr_setdetachstate(attributes,
                                     detached ? PTHREAD_CREATE_DETACHED : PTHREAD_CREATE_JOINABLE);
}
