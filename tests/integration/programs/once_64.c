// Checks: pthread_once called by 64 threads at once (released together by
// a sched_yield spin gate). The initializer, which takes a while (it
// yields 2,000 times), runs exactly once, and every caller returns from
// pthread_once only after it has completed. A second once-control used
// afterwards by main alone also runs its initializer exactly once.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define THREADS 64

static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int init_calls;
static atomic_int init_done;
static atomic_int started;
static atomic_int saw_done;
static atomic_int saw_not_done;

static void initializer(void) {
  atomic_fetch_add(&init_calls, 1);
  for (int i = 0; i < 2000; ++i) sched_yield();
  atomic_store(&init_done, 1);
}

static void* body(void* argument) {
  (void)argument;
  atomic_fetch_add(&started, 1);
  while (atomic_load(&started) < THREADS) sched_yield();
  int error = pthread_once(&once, initializer);
  if (error == 0 && atomic_load(&init_done) == 1) {
    atomic_fetch_add(&saw_done, 1);
  } else {
    atomic_fetch_add(&saw_not_done, 1);
  }
  return NULL;
}

static pthread_once_t second = PTHREAD_ONCE_INIT;
static int second_calls;
static void second_initializer(void) { ++second_calls; }

int main(void) {
  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; ++i) {
    int error = pthread_create(&threads[i], NULL, body, NULL);
    if (error != 0) {
      printf("FAIL: pthread_create: %s\n", strerror(error));
      return 1;
    }
  }
  for (int i = 0; i < THREADS; ++i) pthread_join(threads[i], NULL);
  for (int i = 0; i < 3; ++i) pthread_once(&second, second_initializer);
  printf("initializer calls: %d\n", atomic_load(&init_calls));
  printf("callers that saw it done: %d/%d\n", atomic_load(&saw_done), THREADS);
  printf("callers that did not: %d\n", atomic_load(&saw_not_done));
  printf("second once-control, 3 calls from main: initializer ran %d time(s)\n", second_calls);
  return atomic_load(&init_calls) == 1 && atomic_load(&saw_done) == THREADS && second_calls == 1
             ? 0
             : 1;
}
