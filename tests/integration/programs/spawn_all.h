// Shared by the programs that start many threads at once: create `count`
// threads running body((void*)i), then join them all, summing the values
// they return. Prints a FAIL line and returns -1 on the first error.
#ifndef GREENSHIM_TESTS_SPAWN_ALL_H
#define GREENSHIM_TESTS_SPAWN_ALL_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int spawn_and_join_all(pthread_t* threads, int count, void* (*body)(void*),
                              unsigned long long* checksum) {
  for (uintptr_t i = 0; i < (uintptr_t)count; ++i) {
    int error = pthread_create(&threads[i], NULL, body, (void*)i);
    if (error != 0) {
      printf("FAIL: pthread_create #%lu: %s\n", (unsigned long)i, strerror(error));
      return -1;
    }
  }
  *checksum = 0;
  for (int i = 0; i < count; ++i) {
    void* result = NULL;
    int error = pthread_join(threads[i], &result);
    if (error != 0) {
      printf("FAIL: pthread_join #%d: %s\n", i, strerror(error));
      return -1;
    }
    *checksum += (uintptr_t)result;
  }
  return 0;
}

#endif
