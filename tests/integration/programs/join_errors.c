// Checks: pthread_join and its glibc variants report the documented errors,
// and a failed attempt leaves the thread joinable:
//  - pthread_join(pthread_self()) -> EDEADLK, in main and in a thread;
//  - pthread_join on a detached (still running) thread -> EINVAL;
//  - pthread_tryjoin_np on a running thread -> EBUSY; on a finished one -> 0;
//  - pthread_timedjoin_np with a deadline in the past -> ETIMEDOUT, with a
//    deadline 30 ms ahead -> ETIMEDOUT after at least 30 ms;
//  - pthread_clockjoin_np (CLOCK_MONOTONIC, past deadline) -> ETIMEDOUT;
//  - after all these, pthread_join succeeds and returns the thread's value
//    (also for a value passed to pthread_exit);
//  - pthread_detach of an already detached thread -> EINVAL.
// Only one other thread runs (spinning) during the timed joins: that
// timed waits must expire however many threads spin is
// sleep_while_others_spin's subject.
// Not checked: two threads joining the same thread at once. POSIX leaves it
// undefined and glibc 2.36 does not detect it (both joiners block), so
// there is no native behaviour to compare with.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int failures;

static void expect(const char* what, int got, int want) {
  printf("%-58s %s\n", what, got == 0 ? "0" : strerrorname_np(got) ? strerrorname_np(got) : "?");
  if (got != want) {
    printf("  FAIL: expected %s\n", want == 0 ? "0" : strerrorname_np(want));
    ++failures;
  }
}

static atomic_int release_running;
static void* wait_for_release(void* argument) {
  while (!atomic_load(&release_running)) sched_yield();
  return argument;
}

static atomic_int release_detached;
static atomic_int detached_done;
static void* detached_body(void* argument) {
  while (!atomic_load(&release_detached)) sched_yield();
  atomic_store(&detached_done, 1);
  return argument;
}

static void* join_self(void* argument) {
  (void)argument;
  return (void*)(intptr_t)pthread_join(pthread_self(), NULL);
}

static atomic_int quick_done;
static void* quick(void* argument) {
  atomic_store(&quick_done, 1);
  return argument;
}

static void exit_nested(void) { pthread_exit((void*)99); }
static void* exits_with_value(void* argument) {
  (void)argument;
  exit_nested();
  return NULL;
}

static struct timespec realtime_offset_ms(long ms) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  long long ns = (long long)t.tv_sec * 1000000000 + t.tv_nsec + ms * 1000000;
  t.tv_sec = ns / 1000000000;
  t.tv_nsec = ns % 1000000000;
  return t;
}

static long long monotonic_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(void) {
  expect("pthread_join(self) in main", pthread_join(pthread_self(), NULL), EDEADLK);

  pthread_t thread;
  void* value = NULL;
  pthread_create(&thread, NULL, join_self, NULL);
  pthread_join(thread, &value);
  expect("pthread_join(self) in a thread", (int)(intptr_t)value, EDEADLK);

  // Detached, still running (until release_detached is set).
  pthread_t detached;
  pthread_create(&detached, NULL, detached_body, NULL);
  expect("pthread_detach(running thread)", pthread_detach(detached), 0);
  expect("pthread_join(detached running thread)", pthread_join(detached, NULL), EINVAL);
  expect("pthread_detach(already detached thread)", pthread_detach(detached), EINVAL);
  atomic_store(&release_detached, 1);
  while (!atomic_load(&detached_done)) sched_yield();

  // Running thread: try, timed, clock joins fail; the thread stays joinable.
  pthread_t running;
  pthread_create(&running, NULL, wait_for_release, (void*)7);
  expect("pthread_tryjoin_np(running thread)", pthread_tryjoin_np(running, NULL), EBUSY);
  struct timespec past = realtime_offset_ms(-1000);
  expect("pthread_timedjoin_np(running, deadline 1 s ago)",
         pthread_timedjoin_np(running, NULL, &past), ETIMEDOUT);
  struct timespec monotonic_past;
  clock_gettime(CLOCK_MONOTONIC, &monotonic_past);
  monotonic_past.tv_sec -= 1;
  expect("pthread_clockjoin_np(running, MONOTONIC, 1 s ago)",
         pthread_clockjoin_np(running, NULL, CLOCK_MONOTONIC, &monotonic_past), ETIMEDOUT);
  struct timespec soon = realtime_offset_ms(30);
  long long start = monotonic_ns();
  expect("pthread_timedjoin_np(running, deadline in 30 ms)",
         pthread_timedjoin_np(running, NULL, &soon), ETIMEDOUT);
  long long waited = monotonic_ns() - start;
  printf("%-58s %s\n", "  waited at least 30 ms", waited >= 29000000 ? "yes" : "no");
  if (waited < 29000000) ++failures;
  atomic_store(&release_running, 1);
  value = NULL;
  expect("pthread_join(same thread) after those", pthread_join(running, &value), 0);
  printf("%-58s %lu\n", "  value", (unsigned long)(uintptr_t)value);
  if (value != (void*)7) ++failures;

  // tryjoin of a finished thread.
  pthread_t finished;
  pthread_create(&finished, NULL, quick, (void*)5);
  while (!atomic_load(&quick_done)) sched_yield();
  int error;
  value = NULL;
  while ((error = pthread_tryjoin_np(finished, &value)) == EBUSY) sched_yield();
  expect("pthread_tryjoin_np(finished thread)", error, 0);
  printf("%-58s %lu\n", "  value", (unsigned long)(uintptr_t)value);
  if (value != (void*)5) ++failures;

  // pthread_exit value; timedjoin with a future deadline that is met.
  pthread_t exiting;
  pthread_create(&exiting, NULL, exits_with_value, NULL);
  struct timespec later = realtime_offset_ms(20000);
  value = NULL;
  expect("pthread_timedjoin_np(pthread_exit thread, 20 s ahead)",
         pthread_timedjoin_np(exiting, &value, &later), 0);
  printf("%-58s %lu\n", "  value", (unsigned long)(uintptr_t)value);
  if (value != (void*)99) ++failures;

  printf("failures: %d\n", failures);
  return failures == 0 ? 0 : 1;
}
