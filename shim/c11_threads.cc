// C11 <threads.h>: thrd_*, tss_* and call_once. glibc implements these by
// calling its own pthread code directly, which an LD_PRELOAD cannot catch,
// so they are interposed here and mapped onto the same runtime calls as
// their pthread counterparts. Error numbers map to thrd_* results as glibc's
// thrd_err_map does.
#include <threads.h>

#include <cerrno>

#include "shim/c11_result.h"

#include "runtime/runtime.h"
#include "shim/init.h"
#include "shim/once.h"
#include "shim/thread_handle.h"

using namespace greenshim;
using shim::thrd_result;

extern "C" int thrd_create(thrd_t* thread, thrd_start_t start, void* argument) {
  if (!shim::ensure_runtime()) return thrd_error;
  // As in glibc: the int-returning start function runs as a void*-returning
  // one; thrd_join takes the low 32 bits of what it returned.
  return thrd_result(spawn(reinterpret_cast<void* (*)(void*)>(start), argument, SpawnOptions{},
                           reinterpret_cast<Task**>(thread)));
}

extern "C" int thrd_join(thrd_t thread, int* result) {
  void* raw_result = nullptr;
  int error = join(shim::task_of(thread), &raw_result, JoinMode::kWait, kNoDeadline);
  if (error == 0 && result != nullptr) *result = static_cast<int>(reinterpret_cast<intptr_t>(raw_result));
  return thrd_result(error);
}

extern "C" int thrd_detach(thrd_t thread) { return thrd_result(detach(shim::task_of(thread))); }

extern "C" [[noreturn]] void thrd_exit(int result) {
  pthread_exit(reinterpret_cast<void*>(static_cast<intptr_t>(result)));
}

extern "C" thrd_t thrd_current() { return pthread_self(); }

extern "C" int thrd_equal(thrd_t a, thrd_t b) { return a == b; }

extern "C" void thrd_yield() { yield(); }

extern "C" int thrd_sleep(const timespec* duration, timespec* remaining) {
  if (duration->tv_sec < 0 || duration->tv_nsec < 0 || duration->tv_nsec >= 1000000000) return -2;
  sleep_until(monotonic_now_ns() + int64_t{duration->tv_sec} * 1000000000 + duration->tv_nsec);
  if (remaining != nullptr) *remaining = timespec{0, 0};
  return 0;
}

extern "C" int tss_create(tss_t* key, tss_dtor_t destructor) {
  return thrd_result(task_local_key_create(destructor, key));
}

extern "C" void tss_delete(tss_t key) { task_local_key_delete(key); }

extern "C" void* tss_get(tss_t key) { return task_local_get(current_task(), key); }

extern "C" int tss_set(tss_t key, void* value) {
  return thrd_result(task_local_set(current_task(), key, value));
}

extern "C" void call_once(once_flag* flag, void (*initializer)()) {
  shim::run_once(
      &flag->__data, [](void* function) { reinterpret_cast<void (*)()>(function)(); },
      reinterpret_cast<void*>(initializer));
}
