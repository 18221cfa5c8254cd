// sched_yield (and glibc's deprecated pthread_yield): let other green
// threads run. Returns at once when none is waiting, as the kernel's does
// when nothing else is runnable.
#include <sched.h>

#include "runtime/runtime.h"

extern "C" int sched_yield() {
  greenshim::yield();
  return 0;
}

extern "C" int pthread_yield() {
  greenshim::yield();
  return 0;
}
