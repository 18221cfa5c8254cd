// pthread_setname_np / pthread_getname_np: a green thread's name lives in
// its Task (debuggers and traces show it). As with native threads, a new
// thread starts with its creator's name, and names are at most 15 bytes.
#include <pthread.h>

#include <cerrno>
#include <cstring>

#include "runtime/runtime.h"
#include "shim/thread_handle.h"

using namespace greenshim;

extern "C" int pthread_setname_np(pthread_t thread, const char* name) {
  Task* task = shim::task_of(thread);
  if (!is_task(task)) return ESRCH;
  size_t length = strlen(name);
  if (length >= sizeof task->name) return ERANGE;
  memcpy(task->name, name, length + 1);
  return 0;
}

extern "C" int pthread_getname_np(pthread_t thread, char* buffer, size_t size) {
  Task* task = shim::task_of(thread);
  if (!is_task(task)) return ESRCH;
  size_t length = strnlen(task->name, sizeof task->name - 1);
  if (size < length + 1) return ERANGE;
  memcpy(buffer, task->name, length);
  buffer[length] = '\0';
  return 0;
}
