// Checks: exit(3) called by a thread other than main, while main is blocked
// in pthread_join and other threads spin, ends the whole process with
// status 3; atexit handlers run (once) and buffered stdout is flushed.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPINNERS 4

static atomic_int started;
static atomic_int main_ready;
static atomic_int atexit_calls;

static void* spin_forever(void* argument) {
  (void)argument;
  atomic_fetch_add(&started, 1);
  for (;;) sched_yield();
  return NULL;
}

static void* call_exit(void* argument) {
  (void)argument;
  while (!atomic_load(&main_ready)) sched_yield();
  printf("thread: calling exit(3)\n");
  exit(3);
}

static void at_exit(void) {
  printf("atexit handler: call #%d\n", atomic_fetch_add(&atexit_calls, 1) + 1);
}

int main(void) {
  atexit(at_exit);
  for (int i = 0; i < SPINNERS; ++i) {
    pthread_t thread;
    int error = pthread_create(&thread, NULL, spin_forever, NULL);
    if (error != 0) {
      printf("FAIL: pthread_create: %s\n", strerror(error));
      return 1;
    }
  }
  while (atomic_load(&started) < SPINNERS) sched_yield();
  pthread_t exiter;
  int error = pthread_create(&exiter, NULL, call_exit, NULL);
  if (error != 0) {
    printf("FAIL: pthread_create: %s\n", strerror(error));
    return 1;
  }
  printf("main: %d spinners running; joining the thread that will call exit(3)\n", SPINNERS);
  atomic_store(&main_ready, 1);
  pthread_join(exiter, NULL);
  printf("FAIL: pthread_join returned\n");
  return 1;
}
