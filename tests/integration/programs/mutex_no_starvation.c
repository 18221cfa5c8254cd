// Checks: a mutex waiter is not overtaken forever. Four threads hammer one
// default mutex until told to stop, each yielding the CPU while it holds
// the mutex, so that a fifth thread's lock always finds it held, and a
// hammering thread that unlocks takes it straight back before any waiter
// it woke can run (on one CPU without preemption that is every time). The
// fifth thread must still get the mutex 10 times; then it tells the
// others to stop. Without a bound on barging the program never ends (the
// test's timeout catches that); there is no timing assertion. How long the
// fifth thread waited depends on scheduling, so it goes to stderr only.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#define HAMMERS 4
#define VICTIM_LOCKS 10

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stop;
static atomic_int hammering;
static long hammer_rounds;  // under `lock`
static int errors;          // under `lock`, or after the joins

static void* hammer(void* argument) {
  (void)argument;
  atomic_fetch_add(&hammering, 1);
  while (!atomic_load(&stop)) {
    if (pthread_mutex_lock(&lock) != 0) ++errors;
    ++hammer_rounds;
    sched_yield();
    if (pthread_mutex_unlock(&lock) != 0) ++errors;
  }
  return NULL;
}

int main(void) {
  pthread_t hammers[HAMMERS];
  for (int i = 0; i < HAMMERS; ++i) pthread_create(&hammers[i], NULL, hammer, NULL);
  while (atomic_load(&hammering) < HAMMERS) sched_yield();
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  int acquired = 0;
  for (int i = 0; i < VICTIM_LOCKS; ++i) {
    if (pthread_mutex_lock(&lock) != 0) ++errors;
    ++acquired;
    if (pthread_mutex_unlock(&lock) != 0) ++errors;
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  atomic_store(&stop, 1);
  for (int i = 0; i < HAMMERS; ++i) pthread_join(hammers[i], NULL);
  fprintf(stderr, "waited %.3f ms for %d locks; hammers went round %ld times\n",
          ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec)) / 1e6, acquired,
          hammer_rounds);
  printf("the waiter got the mutex %d times while %d threads hammered it\n", acquired, HAMMERS);
  printf("errors: %d\n", errors);
  int ok = acquired == VICTIM_LOCKS && errors == 0;
  printf("%s\n", ok ? "OK" : "FAIL");
  return ok ? 0 : 1;
}
