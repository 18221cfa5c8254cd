// Checks: C11 _Thread_local / __thread variables are per thread. 64
// threads each store their own value in a thread-local variable, yield many
// times while the others do the same, and must find their own value again;
// a thread-local's address differs between live threads.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define THREADS 64

static _Thread_local int value;
static atomic_int started;
static atomic_int kept;
static int* addresses[THREADS];

static void* body(void* argument) {
  int index = (int)(uintptr_t)argument;
  value = index;
  addresses[index] = &value;
  atomic_fetch_add(&started, 1);
  while (atomic_load(&started) < THREADS) sched_yield();
  for (int i = 0; i < 50; ++i) sched_yield();
  if (value == index) atomic_fetch_add(&kept, 1);
  return NULL;
}

int main(void) {
  pthread_t threads[THREADS];
  for (uintptr_t i = 0; i < THREADS; ++i) pthread_create(&threads[i], NULL, body, (void*)i);
  for (int i = 0; i < THREADS; ++i) pthread_join(threads[i], NULL);
  int shared = 0;
  for (int i = 0; i < THREADS; ++i)
    for (int j = i + 1; j < THREADS; ++j) shared += addresses[i] == addresses[j];
  printf("threads that kept their thread-local value: %d/%d\n", atomic_load(&kept), THREADS);
  printf("pairs of threads with the same thread-local address: %d\n", shared);
  return atomic_load(&kept) == THREADS && shared == 0 ? 0 : 1;
}
