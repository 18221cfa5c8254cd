// Checks: pthread_exit() from main does not end the process: the other
// threads, which only start their work after main has called pthread_exit,
// run to completion and print (in a fixed order, taking turns through an
// atomic counter); one of them joins the main thread and receives the
// value main passed to pthread_exit. When the last thread ends, the process
// exits with status 0 as if by exit(0): atexit handlers run and stdout is
// flushed.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4

static atomic_int main_exiting;
static atomic_int turn;
static pthread_t main_thread;

static void* worker(void* argument) {
  int index = (int)(uintptr_t)argument;
  while (!atomic_load(&main_exiting)) sched_yield();
  // Give main time to be gone for good, then do some work.
  unsigned long work = 0;
  for (int i = 0; i < 2000; ++i) {
    work += (unsigned long)i * (unsigned long)(index + 1);
    sched_yield();
  }
  if (index == 0) {
    void* result = NULL;
    int error = pthread_join(main_thread, &result);
    printf("worker 0: pthread_join(main) = %s, value %lu\n", error ? strerror(error) : "0",
           (unsigned long)(uintptr_t)result);
  }
  while (atomic_load(&turn) != index) sched_yield();
  printf("worker %d: finished after main's pthread_exit, work %lu\n", index, work);
  fflush(stdout);
  atomic_store(&turn, index + 1);
  return NULL;
}

static void at_exit(void) { printf("atexit handler: ran after the last thread\n"); }

int main(void) {
  atexit(at_exit);
  main_thread = pthread_self();
  for (uintptr_t i = 0; i < THREADS; ++i) {
    pthread_t thread;
    int error = pthread_create(&thread, NULL, worker, (void*)i);
    if (error != 0) {
      printf("FAIL: pthread_create: %s\n", strerror(error));
      return 1;
    }
  }
  printf("main: calling pthread_exit(77)\n");
  fflush(stdout);
  atomic_store(&main_exiting, 1);
  pthread_exit((void*)77);
}
