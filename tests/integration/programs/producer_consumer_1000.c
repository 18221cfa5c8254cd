// Checks: 1,000 threads -- 500 producers and 500 consumers -- pass 50,000
// items through one bounded FIFO queue (capacity 8) guarded by one mutex and
// two condition variables (not_full, not_empty; pthread_cond_signal after
// every push and pop, predicate loops against spurious wake-ups):
//  - every item is consumed exactly once (a per-item counter);
//  - under the mutex, each producer's items leave the queue in the order
//    they entered (FIFO, and no torn updates of the queue);
//  - the queue never over- or underflows;
//  - sum and a mixed checksum of the consumed items equal the expected ones.
// All threads are created before any is joined; the joins' checksum of
// the threads' return values shows every thread ran to its end.
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "spawn_all.h"

#define PRODUCERS 500
#define CONSUMERS 500
#define PER_PRODUCER 100
#define ITEMS (PRODUCERS * PER_PRODUCER)
#define PER_CONSUMER (ITEMS / CONSUMERS)
#define CAPACITY 8

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static int queue[CAPACITY];
static int head, count;
static int last_popped[PRODUCERS];  // under `lock`
static int order_violations;        // under `lock`
static int bound_violations;        // under `lock`

static atomic_int seen[ITEMS];
static atomic_ullong sum;
static atomic_ullong mixed;

static uint64_t mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ull;
  x ^= x >> 27;
  return x;
}

static void producer(int p) {
  for (int i = 0; i < PER_PRODUCER; ++i) {
    int item = p * PER_PRODUCER + i;
    pthread_mutex_lock(&lock);
    while (count == CAPACITY) pthread_cond_wait(&not_full, &lock);
    if (count < 0 || count >= CAPACITY) ++bound_violations;
    queue[(head + count) % CAPACITY] = item;
    ++count;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&lock);
  }
}

static void consumer(void) {
  for (int i = 0; i < PER_CONSUMER; ++i) {
    pthread_mutex_lock(&lock);
    while (count == 0) pthread_cond_wait(&not_empty, &lock);
    if (count <= 0 || count > CAPACITY) ++bound_violations;
    int item = queue[head];
    head = (head + 1) % CAPACITY;
    --count;
    int p = item / PER_PRODUCER;
    if (item % PER_PRODUCER != last_popped[p] + 1) ++order_violations;
    last_popped[p] = item % PER_PRODUCER;
    pthread_cond_signal(&not_full);
    pthread_mutex_unlock(&lock);
    atomic_fetch_add(&seen[item], 1);
    atomic_fetch_add(&sum, (unsigned long long)item);
    atomic_fetch_add(&mixed, mix((uint64_t)item));
  }
}

// Even indices consume, odd ones produce: the two kinds start interleaved.
static void* body(void* argument) {
  uintptr_t i = (uintptr_t)argument;
  if (i % 2 == 0) {
    consumer();
  } else {
    producer((int)(i / 2));
  }
  return (void*)(i + 1);
}

int main(void) {
  static pthread_t threads[PRODUCERS + CONSUMERS];
  for (int p = 0; p < PRODUCERS; ++p) last_popped[p] = -1;
  unsigned long long checksum;
  if (spawn_and_join_all(threads, PRODUCERS + CONSUMERS, body, &checksum) != 0) return 1;
  unsigned long long expected_checksum =
      (unsigned long long)(PRODUCERS + CONSUMERS) * (PRODUCERS + CONSUMERS + 1) / 2;

  int missing = 0, duplicated = 0;
  for (int i = 0; i < ITEMS; ++i) {
    int n = atomic_load(&seen[i]);
    if (n == 0) ++missing;
    if (n > 1) ++duplicated;
  }
  unsigned long long expected_sum = (unsigned long long)ITEMS * (ITEMS - 1) / 2;
  unsigned long long expected_mixed = 0;
  for (int i = 0; i < ITEMS; ++i) expected_mixed += mix((uint64_t)i);
  int ok = missing == 0 && duplicated == 0 && order_violations == 0 && bound_violations == 0 &&
           count == 0 && atomic_load(&sum) == expected_sum &&
           atomic_load(&mixed) == expected_mixed && checksum == expected_checksum;

  printf("threads: %d producers, %d consumers, queue capacity %d\n", PRODUCERS, CONSUMERS,
         CAPACITY);
  printf("items: %d, missing %d, duplicated %d\n", ITEMS, missing, duplicated);
  printf("per-producer order violations: %d\n", order_violations);
  printf("queue bound violations: %d, left in queue: %d\n", bound_violations, count);
  printf("sum: %llu (expected %llu)\n", atomic_load(&sum), expected_sum);
  printf("mixed checksum: %s\n", atomic_load(&mixed) == expected_mixed ? "matches" : "WRONG");
  printf("join checksum: %llu (expected %llu)\n", checksum, expected_checksum);
  printf("%s\n", ok ? "OK" : "FAIL");
  return ok ? 0 : 1;
}
