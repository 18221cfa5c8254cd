// Checks: pthread_self and pthread_equal.
//  - in every thread, pthread_self() equals the handle pthread_create
//    stored for it (the handle is stored before the thread can run), also
//    after many sched_yields (a green thread may move between kernel
//    threads);
//  - 100 threads alive at once all have distinct handles, none equal to
//    main's;
//  - main's pthread_self() is stable across yields and thread creation;
//  - pthread_equal is reflexive and 0 for different threads.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define THREADS 100

static pthread_t handles[THREADS];
static pthread_t seen_at_start[THREADS];
static pthread_t seen_later[THREADS];
static atomic_int started;
static atomic_int release;

static void* body(void* argument) {
  int index = (int)(uintptr_t)argument;
  seen_at_start[index] = pthread_self();
  atomic_fetch_add(&started, 1);
  while (!atomic_load(&release)) sched_yield();
  for (int i = 0; i < 20; ++i) sched_yield();
  seen_later[index] = pthread_self();
  return NULL;
}

int main(void) {
  pthread_t main_self = pthread_self();
  for (uintptr_t i = 0; i < THREADS; ++i) {
    int error = pthread_create(&handles[i], NULL, body, (void*)i);
    if (error != 0) {
      printf("FAIL: pthread_create: %s\n", strerror(error));
      return 1;
    }
  }
  while (atomic_load(&started) < THREADS) sched_yield();
  // All alive now: handles must be distinct.
  int duplicates = 0, equal_to_main = 0;
  for (int i = 0; i < THREADS; ++i) {
    if (pthread_equal(handles[i], main_self)) ++equal_to_main;
    for (int j = i + 1; j < THREADS; ++j) duplicates += pthread_equal(handles[i], handles[j]) != 0;
  }
  atomic_store(&release, 1);
  for (int i = 0; i < THREADS; ++i) pthread_join(handles[i], NULL);

  int start_matches = 0, later_matches = 0;
  for (int i = 0; i < THREADS; ++i) {
    start_matches += pthread_equal(seen_at_start[i], handles[i]) != 0;
    later_matches += pthread_equal(seen_later[i], handles[i]) != 0;
  }
  for (int i = 0; i < 10; ++i) sched_yield();
  int main_stable = pthread_equal(pthread_self(), main_self) != 0;
  int reflexive = pthread_equal(main_self, main_self) != 0;

  printf("self at start == handle from pthread_create: %d/%d\n", start_matches, THREADS);
  printf("self after yields == handle: %d/%d\n", later_matches, THREADS);
  printf("pairs of live threads with equal handles: %d\n", duplicates);
  printf("threads whose handle equals main's: %d\n", equal_to_main);
  printf("main's self stable: %s; pthread_equal reflexive: %s\n", main_stable ? "yes" : "no",
         reflexive ? "yes" : "no");
  return start_matches == THREADS && later_matches == THREADS && duplicates == 0 &&
                 equal_to_main == 0 && main_stable && reflexive
             ? 0
             : 1;
}
