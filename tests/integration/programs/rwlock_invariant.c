// Checks: pthread_rwlock_t mutual exclusion and sharing.
//  - Deterministic semantics, on a default lock (pthread_rwlock_init NULL):
//    while main holds a read lock another thread's tryrdlock -> 0 and
//    trywrlock -> EBUSY; main can take a second read lock (recursive
//    reading); while main holds the write lock another thread's tryrdlock
//    and trywrlock -> EBUSY, and main's own wrlock and rdlock -> EDEADLK,
//    trywrlock and tryrdlock -> EBUSY; timedwrlock against a reader and
//    timedrdlock against the writer (50 ms, CLOCK_REALTIME) -> ETIMEDOUT,
//    never early; clockwrlock (CLOCK_MONOTONIC) likewise; after the unlocks
//    another thread's trywrlock -> 0.
//  - The invariant, twice: on a default lock and on one statically
//    initialized with PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP.
//    8 writers (10,000 write sections each) keep two counters equal: a++,
//    a short delay, b++, all under the write lock. 32 readers (10,000 read
//    sections each) check a == b under the read lock, and every section
//    checks that no writer is inside with it (a count of the threads
//    inside). Final a == b == 80,000, zero violations, every lock call 0.
// Not checked: destroy or unlock of a lock in a wrong state (undefined;
// glibc does not detect it), and reader/writer preference (only observable
// through timing).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checks.h"

#define WRITERS 8
#define READERS 32
#define WRITES_EACH 10000
#define READS_EACH 10000

static int op_tryrd(void* l) {
  int e = pthread_rwlock_tryrdlock(l);
  if (e == 0) pthread_rwlock_unlock(l);
  return e;
}
static int op_trywr(void* l) {
  int e = pthread_rwlock_trywrlock(l);
  if (e == 0) pthread_rwlock_unlock(l);
  return e;
}

static clockid_t timed_clock;
static struct timespec timed_deadline;
static int timed_not_early;
static void note_not_early(void) {
  int64_t deadline = (int64_t)timed_deadline.tv_sec * 1000000000 + timed_deadline.tv_nsec;
  timed_not_early = now_ns(timed_clock) >= deadline;
}
static int op_timedwr(void* l) {
  timed_clock = CLOCK_REALTIME;
  timed_deadline = in_ms(CLOCK_REALTIME, 50);
  int e = pthread_rwlock_timedwrlock(l, &timed_deadline);
  note_not_early();
  if (e == 0) pthread_rwlock_unlock(l);
  return e;
}
static int op_timedrd(void* l) {
  timed_clock = CLOCK_REALTIME;
  timed_deadline = in_ms(CLOCK_REALTIME, 50);
  int e = pthread_rwlock_timedrdlock(l, &timed_deadline);
  note_not_early();
  if (e == 0) pthread_rwlock_unlock(l);
  return e;
}
static int op_clockwr(void* l) {
  timed_clock = CLOCK_MONOTONIC;
  timed_deadline = in_ms(CLOCK_MONOTONIC, 50);
  int e = pthread_rwlock_clockwrlock(l, CLOCK_MONOTONIC, &timed_deadline);
  note_not_early();
  if (e == 0) pthread_rwlock_unlock(l);
  return e;
}

static void expect_timeout(const char* what, int got) {
  printf("%s: %s, %s\n", what, name_of(got), timed_not_early ? "not early" : "EARLY");
  if (got != ETIMEDOUT || !timed_not_early) {
    printf("  FAIL: expected ETIMEDOUT, not early\n");
    ++failures;
  }
}

static void semantics(void) {
  pthread_rwlock_t lock;
  pthread_rwlock_init(&lock, NULL);
  expect("rdlock", pthread_rwlock_rdlock(&lock), 0);
  expect("  tryrdlock from another thread while read-held", in_other_thread(op_tryrd, &lock), 0);
  expect("  trywrlock from another thread while read-held", in_other_thread(op_trywr, &lock),
         EBUSY);
  expect_timeout("  timedwrlock 50 ms from another thread while read-held",
                 in_other_thread(op_timedwr, &lock));
  expect_timeout("  clockwrlock CLOCK_MONOTONIC 50 ms from another thread while read-held",
                 in_other_thread(op_clockwr, &lock));
  expect("  second rdlock by the same thread", pthread_rwlock_rdlock(&lock), 0);
  expect("  unlock", pthread_rwlock_unlock(&lock), 0);
  expect("  unlock", pthread_rwlock_unlock(&lock), 0);
  expect("  trywrlock from another thread after the unlocks", in_other_thread(op_trywr, &lock), 0);

  expect("wrlock", pthread_rwlock_wrlock(&lock), 0);
  expect("  tryrdlock from another thread while write-held", in_other_thread(op_tryrd, &lock),
         EBUSY);
  expect("  trywrlock from another thread while write-held", in_other_thread(op_trywr, &lock),
         EBUSY);
  expect_timeout("  timedrdlock 50 ms from another thread while write-held",
                 in_other_thread(op_timedrd, &lock));
  expect("  wrlock by the writer", pthread_rwlock_wrlock(&lock), EDEADLK);
  expect("  rdlock by the writer", pthread_rwlock_rdlock(&lock), EDEADLK);
  expect("  trywrlock by the writer", pthread_rwlock_trywrlock(&lock), EBUSY);
  expect("  tryrdlock by the writer", pthread_rwlock_tryrdlock(&lock), EBUSY);
  expect("  unlock", pthread_rwlock_unlock(&lock), 0);
  expect("  tryrdlock from another thread after the unlock", in_other_thread(op_tryrd, &lock), 0);
  expect("  trywrlock from another thread after the unlock", in_other_thread(op_trywr, &lock), 0);
  expect("destroy", pthread_rwlock_destroy(&lock), 0);
}

// The invariant run.
static pthread_rwlock_t* shared_lock;
static long a, b;
static atomic_int writers_inside, readers_inside;
static atomic_int violations, unequal_reads, lock_errors;

static void delay(void) {
  for (volatile int i = 0; i < 20; ++i) {
  }
}

static void* writer(void* argument) {
  (void)argument;
  for (int i = 0; i < WRITES_EACH; ++i) {
    if (pthread_rwlock_wrlock(shared_lock) != 0) atomic_fetch_add(&lock_errors, 1);
    if (atomic_fetch_add(&writers_inside, 1) != 0 || atomic_load(&readers_inside) != 0)
      atomic_fetch_add(&violations, 1);
    ++a;
    delay();
    ++b;
    atomic_fetch_sub(&writers_inside, 1);
    if (pthread_rwlock_unlock(shared_lock) != 0) atomic_fetch_add(&lock_errors, 1);
  }
  return NULL;
}

static void* reader(void* argument) {
  (void)argument;
  for (int i = 0; i < READS_EACH; ++i) {
    if (pthread_rwlock_rdlock(shared_lock) != 0) atomic_fetch_add(&lock_errors, 1);
    atomic_fetch_add(&readers_inside, 1);
    if (atomic_load(&writers_inside) != 0) atomic_fetch_add(&violations, 1);
    long seen_a = *(volatile long*)&a;
    delay();
    long seen_b = *(volatile long*)&b;
    if (seen_a != seen_b) atomic_fetch_add(&unequal_reads, 1);
    atomic_fetch_sub(&readers_inside, 1);
    if (pthread_rwlock_unlock(shared_lock) != 0) atomic_fetch_add(&lock_errors, 1);
  }
  return NULL;
}

static void invariant(const char* label, pthread_rwlock_t* lock) {
  shared_lock = lock;
  a = b = 0;
  atomic_store(&violations, 0);
  atomic_store(&unequal_reads, 0);
  atomic_store(&lock_errors, 0);
  pthread_t threads[WRITERS + READERS];
  int n = 0;
  // Interleaved: one writer after every four readers.
  for (int r = 0, w = 0; r < READERS || w < WRITERS;) {
    for (int k = 0; k < READERS / WRITERS && r < READERS; ++k, ++r)
      pthread_create(&threads[n++], NULL, reader, NULL);
    if (w < WRITERS) {
      pthread_create(&threads[n++], NULL, writer, NULL);
      ++w;
    }
  }
  for (int i = 0; i < n; ++i) pthread_join(threads[i], NULL);
  long expected = (long)WRITERS * WRITES_EACH;
  int ok = a == expected && b == expected && atomic_load(&violations) == 0 &&
           atomic_load(&unequal_reads) == 0 && atomic_load(&lock_errors) == 0;
  printf(
      "%s: %d writers x %d, %d readers x %d: a=%ld b=%ld, unequal reads %d, "
      "exclusion violations %d, lock errors %d: %s\n",
      label, WRITERS, WRITES_EACH, READERS, READS_EACH, a, b, atomic_load(&unequal_reads),
      atomic_load(&violations), atomic_load(&lock_errors), ok ? "OK" : "FAIL");
  if (!ok) ++failures;
}

static pthread_rwlock_t static_writer_preferring =
    PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;

int main(void) {
  semantics();
  pthread_rwlock_t default_lock;
  pthread_rwlock_init(&default_lock, NULL);
  invariant("default rwlock", &default_lock);
  pthread_rwlock_destroy(&default_lock);
  invariant("PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP", &static_writer_preferring);
  printf("%s (%d failures)\n", failures ? "FAIL" : "OK", failures);
  return failures ? 1 : 0;
}
