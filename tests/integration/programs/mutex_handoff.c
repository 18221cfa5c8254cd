// Checks: one default pthread mutex handed between threads 1,000,000 times:
// 4 threads each lock, increment a plain (non-atomic) counter, unlock,
// 250,000 times. Inside each critical section the thread checks it is alone
// (an atomic count of threads inside). Every 64th time it yields the CPU
// while holding the mutex, so the others pile up on it (the contended path,
// even on one CPU), and 32 rounds later it yields after unlocking, so a
// woken waiter gets the mutex (ownership really changes hands, even on one
// CPU and without preemption). The final counter must be
// exactly 1,000,000, with no overlap and every lock/unlock returning 0; and
// the mutex, free again, must be destroyable (no waiter left counted). How
// often the owner changed depends on scheduling, so it goes to stderr only.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define THREADS 4
#define ROUNDS 250000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long owner_changes;  // under `lock`
static intptr_t last_owner = -1;
static atomic_int inside;
static atomic_int overlaps;
static atomic_int errors;

static void* body(void* argument) {
  intptr_t self = (intptr_t)argument;
  for (int i = 0; i < ROUNDS; ++i) {
    if (pthread_mutex_lock(&lock) != 0) atomic_fetch_add(&errors, 1);
    if (atomic_fetch_add_explicit(&inside, 1, memory_order_relaxed) != 0)
      atomic_fetch_add(&overlaps, 1);
    ++counter;
    if (i % 64 == 0) sched_yield();
    if (last_owner != self) {
      ++owner_changes;
      last_owner = self;
    }
    atomic_fetch_sub_explicit(&inside, 1, memory_order_relaxed);
    if (pthread_mutex_unlock(&lock) != 0) atomic_fetch_add(&errors, 1);
    if (i % 64 == 32) sched_yield();
  }
  return NULL;
}

int main(void) {
  pthread_t threads[THREADS];
  for (intptr_t i = 0; i < THREADS; ++i) pthread_create(&threads[i], NULL, body, (void*)i);
  for (int i = 0; i < THREADS; ++i) pthread_join(threads[i], NULL);
  long expected = (long)THREADS * ROUNDS;
  int destroy_error = pthread_mutex_destroy(&lock);
  int ok = counter == expected && atomic_load(&overlaps) == 0 && atomic_load(&errors) == 0 &&
           destroy_error == 0;
  printf("%d threads x %d lock/increment/unlock\n", THREADS, ROUNDS);
  printf("counter %ld (expected %ld)\n", counter, expected);
  printf("overlapping critical sections %d, lock/unlock errors %d\n", atomic_load(&overlaps),
         atomic_load(&errors));
  printf("destroy afterwards: %d\n", destroy_error);
  printf("%s\n", ok ? "OK" : "FAIL");
  fprintf(stderr, "owner changes: %ld\n", owner_changes);
  return ok ? 0 : 1;
}
