// pthread_exit: ends the calling green thread. From main() the process goes
// on until the last thread ends, then exits with status 0, as POSIX says.
#include <pthread.h>

#include "runtime/runtime.h"
#include "shim/glibc.h"

extern "C" [[noreturn]] void pthread_exit(void* result) {
  if (greenshim::current_task() == nullptr) greenshim::shim::glibc().pthread_exit(result);
  greenshim::exit_current_task(result);
}
