// pthread_create: a new green thread. Attributes are read through glibc's
// own getters, so the layout of pthread_attr_t stays glibc's business and
// every pthread_attr_* setter keeps working unchanged.
#include <pthread.h>

#include <cerrno>
#include <cstdint>

#include "runtime/runtime.h"
#include "shim/init.h"

namespace greenshim::shim {
namespace {

int spawn_options_from(const pthread_attr_t* attributes, SpawnOptions* options) {
  int detach_state;
  pthread_attr_getdetachstate(attributes, &detach_state);
  options->detached = detach_state == PTHREAD_CREATE_DETACHED;

  size_t stack_size = 0;
  pthread_attr_getstacksize(attributes, &stack_size);
  // A stack the program allocated itself. glibc keeps its top, null when
  // none was set, and getstack reports top - size.
  void* stack_low = nullptr;
  size_t stack_span = 0;
  pthread_attr_getstack(attributes, &stack_low, &stack_span);
  if (reinterpret_cast<uintptr_t>(stack_low) + stack_span != 0) {
    options->stack_address = stack_low;
    options->stack_size = stack_span;
    return 0;
  }
  // glibc reports its process-wide default for an attribute whose size was
  // never set; only a size the program chose overrides ours (which may come
  // from GREENSHIM_STACK_SIZE).
  pthread_attr_t defaults;
  size_t default_size = 0;
  if (pthread_getattr_default_np(&defaults) == 0) {
    pthread_attr_getstacksize(&defaults, &default_size);
    pthread_attr_destroy(&defaults);
  }
  if (stack_size != default_size) options->stack_size = stack_size;
  size_t guard_size;
  if (pthread_attr_getguardsize(attributes, &guard_size) == 0) options->guard_size = guard_size;
  return 0;
}

}  // namespace
}  // namespace greenshim::shim

using namespace greenshim;

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attributes,
                              void* (*start)(void*), void* argument) {
  if (!shim::ensure_runtime()) return EAGAIN;
  SpawnOptions options;
  if (attributes != nullptr) shim::spawn_options_from(attributes, &options);
  // pthread_t and Task* have the same size; spawn() stores the handle before
  // the new thread can run, as POSIX requires.
  static_assert(sizeof(pthread_t) == sizeof(Task*));
  return spawn(start, argument, options, reinterpret_cast<Task**>(thread));
}
