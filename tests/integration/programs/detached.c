// Checks: detached threads run to completion and need no join.
//  - 300 threads detached by main with pthread_detach() after creation;
//  - 300 threads created with PTHREAD_CREATE_DETACHED (each also checks
//    that pthread_getattr_np() on itself reports the detached state);
//  - 300 threads that detach themselves (pthread_detach(pthread_self())).
// Completion is signalled through an atomic counter that main waits for
// with sched_yield; then main returns normally (exit status 0).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PER_KIND 300

static atomic_int done;
static atomic_long value_sum;
static atomic_int attr_reported_detached;
static atomic_int self_detach_ok;

static void* detached_later(void* argument) {
  atomic_fetch_add(&value_sum, (long)(uintptr_t)argument);
  atomic_fetch_add(&done, 1);
  return NULL;
}

static void* detached_by_attribute(void* argument) {
  pthread_attr_t attributes;
  int state = -1;
  if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
    pthread_attr_getdetachstate(&attributes, &state);
    pthread_attr_destroy(&attributes);
  }
  if (state == PTHREAD_CREATE_DETACHED) atomic_fetch_add(&attr_reported_detached, 1);
  atomic_fetch_add(&value_sum, (long)(uintptr_t)argument);
  atomic_fetch_add(&done, 1);
  return NULL;
}

static void* detaches_itself(void* argument) {
  if (pthread_detach(pthread_self()) == 0) atomic_fetch_add(&self_detach_ok, 1);
  for (int i = 0; i < 10; ++i) sched_yield();
  atomic_fetch_add(&value_sum, (long)(uintptr_t)argument);
  atomic_fetch_add(&done, 1);
  return NULL;
}

int main(void) {
  int detach_ok = 0;
  long expected_sum = 0;
  pthread_attr_t detached_attr;
  pthread_attr_init(&detached_attr);
  pthread_attr_setdetachstate(&detached_attr, PTHREAD_CREATE_DETACHED);
  int state = -1;
  pthread_attr_getdetachstate(&detached_attr, &state);
  printf("attribute detach state set: %s\n", state == PTHREAD_CREATE_DETACHED ? "yes" : "no");

  for (int i = 0; i < PER_KIND; ++i) {
    pthread_t thread;
    uintptr_t value = 1 + (uintptr_t)i;
    int error = pthread_create(&thread, NULL, detached_later, (void*)value);
    if (error != 0) {
      printf("FAIL: pthread_create: %s\n", strerror(error));
      return 1;
    }
    if (pthread_detach(thread) == 0) ++detach_ok;
    expected_sum += (long)value;

    value = 1000 + (uintptr_t)i;
    error = pthread_create(&thread, &detached_attr, detached_by_attribute, (void*)value);
    if (error != 0) {
      printf("FAIL: pthread_create (detached attr): %s\n", strerror(error));
      return 1;
    }
    expected_sum += (long)value;

    value = 100000 + (uintptr_t)i;
    error = pthread_create(&thread, NULL, detaches_itself, (void*)value);
    if (error != 0) {
      printf("FAIL: pthread_create: %s\n", strerror(error));
      return 1;
    }
    expected_sum += (long)value;
  }
  pthread_attr_destroy(&detached_attr);

  while (atomic_load(&done) < 3 * PER_KIND) sched_yield();

  printf("pthread_detach by main succeeded: %d/%d\n", detach_ok, PER_KIND);
  printf("getattr_np reported detached: %d/%d\n", atomic_load(&attr_reported_detached), PER_KIND);
  printf("self-detach succeeded: %d/%d\n", atomic_load(&self_detach_ok), PER_KIND);
  printf("threads completed: %d\n", atomic_load(&done));
  printf("value sum: %ld (expected %ld)\n", atomic_load(&value_sum), expected_sum);
  int ok = detach_ok == PER_KIND && atomic_load(&attr_reported_detached) == PER_KIND &&
           atomic_load(&self_detach_ok) == PER_KIND && atomic_load(&value_sum) == expected_sum;
  return ok ? 0 : 1;
}
