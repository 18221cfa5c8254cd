// Checks: every thread's __thread variables start from the program's
// initial image (an initialized counter, a zeroed 16 KiB array), stay its
// own through thousands of switches while other threads write theirs, and
// a thread created after others have exited (whose storage may be reused)
// starts from the initial image again.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define THREADS 32
#define WAVES 3
#define SWITCHES 2000
#define ARRAY_BYTES (16 * 1024)

static __thread long counter = 1000;               // .tdata
static __thread unsigned char array[ARRAY_BYTES];  // .tbss
static atomic_int fresh_starts;
static atomic_int kept_own;

static void* body(void* argument) {
  unsigned char mark = (unsigned char)(uintptr_t)argument;
  int fresh = counter == 1000;
  for (int i = 0; i < ARRAY_BYTES; ++i) fresh &= array[i] == 0;
  if (fresh) atomic_fetch_add(&fresh_starts, 1);
  for (int i = 0; i < ARRAY_BYTES; ++i) array[i] = (unsigned char)(mark + i);
  int own = 1;
  for (int round = 0; round < SWITCHES; ++round) {
    ++counter;
    sched_yield();
    own &= array[round % ARRAY_BYTES] == (unsigned char)(mark + round % ARRAY_BYTES);
  }
  own &= counter == 1000 + SWITCHES;
  if (own) atomic_fetch_add(&kept_own, 1);
  return NULL;
}

int main(void) {
  for (int wave = 0; wave < WAVES; ++wave) {
    pthread_t threads[THREADS];
    for (uintptr_t i = 0; i < THREADS; ++i)
      pthread_create(&threads[i], NULL, body, (void*)(i + 1 + wave * THREADS));
    for (int i = 0; i < THREADS; ++i) pthread_join(threads[i], NULL);
  }
  printf("threads that started from the initial image: %d/%d\n", atomic_load(&fresh_starts),
         THREADS * WAVES);
  printf("threads whose variables stayed their own: %d/%d\n", atomic_load(&kept_own),
         THREADS * WAVES);
  printf("main's counter: %ld\n", counter);
  return atomic_load(&fresh_starts) == THREADS * WAVES && atomic_load(&kept_own) == THREADS * WAVES
             ? 0
             : 1;
}
