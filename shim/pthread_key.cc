// Thread-specific data: pthread keys are the runtime's task-local keys, so
// values belong to the green thread and destructors run when it ends.
#include <pthread.h>

#include <cerrno>

#include "runtime/runtime.h"

using namespace greenshim;

extern "C" int pthread_key_create(pthread_key_t* key, void (*destructor)(void*)) {
  return task_local_key_create(destructor, key);
}

extern "C" int pthread_key_delete(pthread_key_t key) { return task_local_key_delete(key); }

extern "C" void* pthread_getspecific(pthread_key_t key) {
  return task_local_get(current_task(), key);
}

extern "C" int pthread_setspecific(pthread_key_t key, const void* value) {
  return task_local_set(current_task(), key, value);
}
