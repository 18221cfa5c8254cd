// Checks: 100,000 threads created and joined one at a time. Each thread
// returns a value derived from its argument; pthread_join must hand back
// exactly that value, so the printed sum is fixed. Exit status 1 if a
// create or join fails.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define THREADS 100000

static void* body(void* argument) { return (void*)((uintptr_t)argument * 2 + 1); }

int main(void) {
  unsigned long long sum = 0;
  for (uintptr_t i = 0; i < THREADS; ++i) {
    pthread_t thread;
    int error = pthread_create(&thread, NULL, body, (void*)i);
    if (error != 0) {
      printf("FAIL: pthread_create #%lu: %s\n", (unsigned long)i, strerror(error));
      return 1;
    }
    void* result = NULL;
    error = pthread_join(thread, &result);
    if (error != 0) {
      printf("FAIL: pthread_join #%lu: %s\n", (unsigned long)i, strerror(error));
      return 1;
    }
    sum += (uintptr_t)result;
  }
  // sum of 2i+1 for i < n is n^2.
  printf("threads created and joined: %d\n", THREADS);
  printf("sum of results: %llu (expected %llu)\n", sum, (unsigned long long)THREADS * THREADS);
  return sum == (unsigned long long)THREADS * THREADS ? 0 : 1;
}
