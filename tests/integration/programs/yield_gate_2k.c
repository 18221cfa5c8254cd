// Checks: 2,000 threads alive at once, all busy-waiting with sched_yield
// until every one of them has started (a pure spin gate: no blocking call
// at all, so under the shim only yielding lets the creator and the other
// threads run). Main joins all and prints a checksum.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "spawn_all.h"

#define THREADS 2000

static atomic_int started;
static pthread_t threads[THREADS];

static void* body(void* argument) {
  atomic_fetch_add(&started, 1);
  while (atomic_load(&started) < THREADS) sched_yield();
  return (void*)((uintptr_t)argument + 1);
}

int main(void) {
  unsigned long long checksum;
  if (spawn_and_join_all(threads, THREADS, body, &checksum) != 0) return 1;
  unsigned long long expected = (unsigned long long)THREADS * (THREADS + 1) / 2;
  printf("threads started: %d\n", atomic_load(&started));
  printf("checksum: %llu (expected %llu)\n", checksum, expected);
  return checksum == expected ? 0 : 1;
}
