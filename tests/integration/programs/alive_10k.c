// Checks: 10,000 threads alive at the same time. Every thread counts itself
// in, then calls pthread_once on a shared gate whose initializer (run by
// whichever thread comes first) spins with sched_yield until all 10,000
// have counted in. So no thread returns before every thread has started,
// while only one thread spins (10,000 threads spinning on sched_yield take
// ~20 s natively on 2 cores; yield_gate_2k covers the pure-spin variant).
// Main joins all of them and prints a checksum of the results.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "spawn_all.h"

#define THREADS 10000

static atomic_int started;
static atomic_int finished;
static atomic_int finished_before_all_started;
static pthread_once_t gate = PTHREAD_ONCE_INIT;
static pthread_t threads[THREADS];

static void wait_for_everyone(void) {
  while (atomic_load(&started) < THREADS) sched_yield();
}

static void* body(void* argument) {
  atomic_fetch_add(&started, 1);
  pthread_once(&gate, wait_for_everyone);
  if (atomic_load(&started) != THREADS) atomic_fetch_add(&finished_before_all_started, 1);
  atomic_fetch_add(&finished, 1);
  return (void*)((uintptr_t)argument * 3 + 7);
}

int main(void) {
  unsigned long long checksum;
  if (spawn_and_join_all(threads, THREADS, body, &checksum) != 0) return 1;
  unsigned long long expected = 3ull * THREADS * (THREADS - 1) / 2 + 7ull * THREADS;
  printf("threads started: %d\n", atomic_load(&started));
  printf("threads finished: %d\n", atomic_load(&finished));
  printf("finished before all had started: %d\n", atomic_load(&finished_before_all_started));
  printf("checksum: %llu (expected %llu)\n", checksum, expected);
  return checksum == expected && atomic_load(&finished_before_all_started) == 0 ? 0 : 1;
}
