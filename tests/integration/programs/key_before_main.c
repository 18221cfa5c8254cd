// pthread keys used before main, from a .preinit_array function: it runs
// before every library's constructor, greenshim's included, as a library
// constructor that runs ahead of greenshim's does (GLib's gthread sets a
// key in one; `perf` aborted under greenshim because of it). The key and
// its value must work there, the value must still be the main thread's in
// main, and another thread must start without it.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>

#include "checks.h"

static pthread_key_t early_key;
static int early_create_result = -1;
static int early_set_result = -1;
static int early_get_matches;
static int marker;

static void use_a_key_early(void) {
  early_create_result = pthread_key_create(&early_key, NULL);
  if (early_create_result != 0) return;
  early_set_result = pthread_setspecific(early_key, &marker);
  early_get_matches = pthread_getspecific(early_key) == &marker;
}

__attribute__((section(".preinit_array"), used)) static void (*const preinit)(void) =
    use_a_key_early;

static void* other_thread(void* unused) {
  (void)unused;
  int starts_empty = pthread_getspecific(early_key) == NULL;
  int own_value;
  int set = pthread_setspecific(early_key, &own_value);
  int keeps_own = pthread_getspecific(early_key) == &own_value;
  return (void*)(long)(starts_empty && set == 0 && keeps_own);
}

int main(void) {
  expect("pthread_key_create before main", early_create_result, 0);
  expect("pthread_setspecific before main", early_set_result, 0);
  expect_yes("pthread_getspecific before main gives the value", early_get_matches);
  expect_yes("main still has the value", pthread_getspecific(early_key) == &marker);

  pthread_t thread;
  expect("pthread_create", pthread_create(&thread, NULL, other_thread, NULL), 0);
  void* result = NULL;
  expect("pthread_join", pthread_join(thread, &result), 0);
  expect_yes("a new thread starts without the value and keeps its own", result != NULL);
  expect_yes("main's value is unchanged", pthread_getspecific(early_key) == &marker);
  return failures != 0;
}
