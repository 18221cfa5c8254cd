// Checks: one pthread_barrier_t shared by 1,000 threads for 100 rounds.
// In each round every thread adds itself to that round's counter and then
// waits at the barrier:
//  - exactly one thread per round gets PTHREAD_BARRIER_SERIAL_THREAD, the
//    others 0 (nothing else);
//  - the serial thread sees the round's counter at 1,000 (nobody passes
//    the barrier before everyone arrived) and the next round's counter at
//    most at 1,000 - 1 minus... i.e. below 1,000 (nobody ran ahead a round);
//  - every thread sees its own round's counter at 1,000 after the wait;
//  - pthread_barrier_destroy after the joins returns 0; the joins' checksum
//    of the threads' return values shows every thread ran to its end.
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "spawn_all.h"

#define THREADS 1000
#define ROUNDS 100

static pthread_barrier_t barrier;
static atomic_int arrived[ROUNDS + 1];
static atomic_int serials[ROUNDS];
static atomic_int other_results;
static atomic_int serial_saw_incomplete;
static atomic_int ran_ahead;
static atomic_int passed_early;

// Returns its index + 1, so the joins' checksum shows every thread ended.
static void* body(void* argument) {
  for (int round = 0; round < ROUNDS; ++round) {
    atomic_fetch_add(&arrived[round], 1);
    int result = pthread_barrier_wait(&barrier);
    if (atomic_load(&arrived[round]) != THREADS) atomic_fetch_add(&passed_early, 1);
    if (result == PTHREAD_BARRIER_SERIAL_THREAD) {
      atomic_fetch_add(&serials[round], 1);
      if (atomic_load(&arrived[round]) != THREADS) atomic_fetch_add(&serial_saw_incomplete, 1);
      // A thread can reach round + 1's counter only after this round's
      // barrier opened, and round + 1's barrier cannot open before this
      // thread arrives there, so the next counter is below THREADS.
      if (atomic_load(&arrived[round + 1]) >= THREADS) atomic_fetch_add(&ran_ahead, 1);
    } else if (result != 0) {
      atomic_fetch_add(&other_results, 1);
    }
  }
  return (void*)((uintptr_t)argument + 1);
}

int main(void) {
  static pthread_t threads[THREADS];
  int error = pthread_barrier_init(&barrier, NULL, THREADS);
  if (error != 0) {
    printf("FAIL: pthread_barrier_init: %s\n", strerror(error));
    return 1;
  }
  unsigned long long checksum;
  if (spawn_and_join_all(threads, THREADS, body, &checksum) != 0) return 1;
  unsigned long long expected = (unsigned long long)THREADS * (THREADS + 1) / 2;

  int rounds_with_one_serial = 0;
  for (int round = 0; round < ROUNDS; ++round) {
    if (atomic_load(&serials[round]) == 1) ++rounds_with_one_serial;
  }
  int destroy = pthread_barrier_destroy(&barrier);
  int ok = rounds_with_one_serial == ROUNDS && atomic_load(&other_results) == 0 &&
           atomic_load(&serial_saw_incomplete) == 0 && atomic_load(&ran_ahead) == 0 &&
           atomic_load(&passed_early) == 0 && destroy == 0 && checksum == expected;
  printf("threads %d, rounds %d\n", THREADS, ROUNDS);
  printf("rounds with exactly one serial thread: %d\n", rounds_with_one_serial);
  printf("results other than 0 and SERIAL: %d\n", atomic_load(&other_results));
  printf("serial thread saw an incomplete round: %d\n", atomic_load(&serial_saw_incomplete));
  printf("threads that passed before everyone arrived: %d\n", atomic_load(&passed_early));
  printf("rounds run ahead: %d\n", atomic_load(&ran_ahead));
  printf("destroy: %d\n", destroy);
  printf("join checksum: %llu (expected %llu)\n", checksum, expected);
  printf("%s\n", ok ? "OK" : "FAIL");
  return ok ? 0 : 1;
}
