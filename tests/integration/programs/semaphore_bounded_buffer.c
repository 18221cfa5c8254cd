// Checks: the classic bounded buffer on unnamed POSIX semaphores. 8
// producers and 8 consumers move 200,000 items through a ring of 16 slots:
// sem_t empty (starts at 16) and full (starts at 0) count the slots, a
// pthread mutex guards the ring indices.
//  - every item is consumed exactly once (a per-item counter);
//  - the number of filled slots, tracked under the mutex, stays within
//    0..16 (the semaphores really bound the ring);
//  - sum and a mixed checksum of the consumed items match;
//  - at the end sem_getvalue gives empty 16, full 0, and sem_trywait on
//    full fails with EAGAIN.
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PRODUCERS 8
#define CONSUMERS 8
#define ITEMS 200000
#define PER_PRODUCER (ITEMS / PRODUCERS)
#define PER_CONSUMER (ITEMS / CONSUMERS)
#define SLOTS 16

static sem_t empty, full;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int ring[SLOTS];
static int put_index, take_index, filled;  // under `lock`
static int bound_violations;               // under `lock`
static atomic_int seen[ITEMS];
static atomic_ullong sum, mixed;
static atomic_int wait_errors;

static uint64_t mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ull;
  x ^= x >> 27;
  return x;
}

static void* producer(void* argument) {
  int p = (int)(intptr_t)argument;
  for (int i = 0; i < PER_PRODUCER; ++i) {
    if (sem_wait(&empty) != 0) atomic_fetch_add(&wait_errors, 1);
    pthread_mutex_lock(&lock);
    ring[put_index] = p * PER_PRODUCER + i;
    put_index = (put_index + 1) % SLOTS;
    if (++filled > SLOTS) ++bound_violations;
    pthread_mutex_unlock(&lock);
    if (sem_post(&full) != 0) atomic_fetch_add(&wait_errors, 1);
  }
  return NULL;
}

static void* consumer(void* argument) {
  (void)argument;
  for (int i = 0; i < PER_CONSUMER; ++i) {
    if (sem_wait(&full) != 0) atomic_fetch_add(&wait_errors, 1);
    pthread_mutex_lock(&lock);
    int item = ring[take_index];
    take_index = (take_index + 1) % SLOTS;
    if (--filled < 0) ++bound_violations;
    pthread_mutex_unlock(&lock);
    if (sem_post(&empty) != 0) atomic_fetch_add(&wait_errors, 1);
    if (item >= 0 && item < ITEMS) atomic_fetch_add(&seen[item], 1);
    atomic_fetch_add(&sum, (unsigned long long)item);
    atomic_fetch_add(&mixed, mix((uint64_t)item));
  }
  return NULL;
}

static __attribute__((noinline)) int trywait_errno(sem_t* s) {
  return sem_trywait(s) == 0 ? 0 : errno;
}

int main(void) {
  sem_init(&empty, 0, SLOTS);
  sem_init(&full, 0, 0);
  pthread_t threads[PRODUCERS + CONSUMERS];
  int n = 0;
  for (int i = 0; i < CONSUMERS; ++i) pthread_create(&threads[n++], NULL, consumer, NULL);
  for (int i = 0; i < PRODUCERS; ++i)
    pthread_create(&threads[n++], NULL, producer, (void*)(intptr_t)i);
  for (int i = 0; i < n; ++i) pthread_join(threads[i], NULL);

  int missing = 0, duplicated = 0;
  unsigned long long expected_mixed = 0;
  for (int i = 0; i < ITEMS; ++i) {
    int k = atomic_load(&seen[i]);
    if (k == 0) ++missing;
    if (k > 1) ++duplicated;
    expected_mixed += mix((uint64_t)i);
  }
  unsigned long long expected_sum = (unsigned long long)ITEMS * (ITEMS - 1) / 2;
  int empty_value = -1, full_value = -1;
  sem_getvalue(&empty, &empty_value);
  sem_getvalue(&full, &full_value);
  int trywait = trywait_errno(&full);
  int ok = missing == 0 && duplicated == 0 && bound_violations == 0 && filled == 0 &&
           atomic_load(&wait_errors) == 0 && atomic_load(&sum) == expected_sum &&
           atomic_load(&mixed) == expected_mixed && empty_value == SLOTS && full_value == 0 &&
           trywait == EAGAIN;
  printf("%d producers, %d consumers, %d slots, %d items\n", PRODUCERS, CONSUMERS, SLOTS, ITEMS);
  printf("missing %d, duplicated %d\n", missing, duplicated);
  printf("ring bound violations %d, left in ring %d, semaphore call errors %d\n", bound_violations,
         filled, atomic_load(&wait_errors));
  printf("sum %llu (expected %llu), mixed checksum %s\n", atomic_load(&sum), expected_sum,
         atomic_load(&mixed) == expected_mixed ? "matches" : "WRONG");
  printf("final values: empty %d, full %d; sem_trywait(full): %s\n", empty_value, full_value,
         trywait == EAGAIN ? "EAGAIN"
         : trywait == 0    ? "0"
                           : "other error");
  printf("%s\n", ok ? "OK" : "FAIL");
  sem_destroy(&empty);
  sem_destroy(&full);
  return ok ? 0 : 1;
}
