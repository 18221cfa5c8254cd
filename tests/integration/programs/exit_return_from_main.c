// Checks: returning from main while other threads are still running ends
// the process with main's status (0) -- the running threads (which spin
// forever with sched_yield) do not keep it alive -- after atexit handlers
// ran and stdout was flushed.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 8

static atomic_int started;

static void* spin_forever(void* argument) {
  (void)argument;
  atomic_fetch_add(&started, 1);
  for (;;) sched_yield();
  return NULL;
}

static void at_exit(void) { printf("atexit handler: ran, %d threads still running\n", THREADS); }

int main(void) {
  atexit(at_exit);
  for (int i = 0; i < THREADS; ++i) {
    pthread_t thread;
    int error = pthread_create(&thread, NULL, spin_forever, NULL);
    if (error != 0) {
      printf("FAIL: pthread_create: %s\n", strerror(error));
      return 1;
    }
  }
  while (atomic_load(&started) < THREADS) sched_yield();
  printf("main: %d threads spinning; returning 0 from main\n", atomic_load(&started));
  return 0;
}
