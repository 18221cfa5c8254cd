// The C library's per-thread character tables in new threads: isalpha,
// tolower and toupper read a table pointer that glibc sets up as each
// thread starts, and so do printf's %f and strtod. Under greenshim a green
// thread's own thread block needs the same set-up; without it the first
// such call in a thread crashed (node, gdb and memcached did).
#define _GNU_SOURCE
#include <ctype.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "checks.h"

#define THREADS 8

static void* classify(void* raw_index) {
  long index = (long)raw_index;
  volatile int letter = 'a' + (int)index;  // volatile: no folding at compile time
  volatile int digit = '0' + (int)index;
  char formatted[32];
  snprintf(formatted, sizeof formatted, "%.2f", 0.25 + (double)index);
  double parsed = strtod(formatted, NULL);
  int ok = isalpha(letter) && !isalpha(digit) && isdigit(digit) && toupper(letter) == 'A' + index &&
           tolower(toupper(letter)) == letter && parsed == 0.25 + (double)index;
  return (void*)(long)ok;
}

static int run_threads(const char* when) {
  pthread_t threads[THREADS];
  int all_ok = 1;
  for (long index = 0; index < THREADS; ++index)
    expect("pthread_create", pthread_create(&threads[index], NULL, classify, (void*)index), 0);
  for (long index = 0; index < THREADS; ++index) {
    void* result = NULL;
    expect("pthread_join", pthread_join(threads[index], &result), 0);
    all_ok = all_ok && result != NULL;
  }
  char what[96];
  snprintf(what, sizeof what, "ctype, %%f and strtod right in every thread (%s)", when);
  expect_yes(what, all_ok);
  return all_ok;
}

int main(void) {
  run_threads("first threads");
  run_threads("threads reusing their memory");
  expect_yes("setlocale C.UTF-8", setlocale(LC_ALL, "C.UTF-8") != NULL);
  run_threads("after setlocale");
  return failures != 0;
}
