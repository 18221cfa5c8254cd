// Checks: pthread_cancel under deferred cancellation. Threads blocked in a
// read on an empty pipe, in sleep(100), and in poll with no timeout are
// cancelled: each ends at once with PTHREAD_CANCELED, its cleanup handlers
// run innermost first, and its thread-specific data destructor runs. A
// thread with cancellation disabled finishes its work first and is
// cancelled at pthread_testcancel after enabling it; a thread spinning on
// pthread_testcancel ends there; cancelling a finished-but-unjoined
// thread is not an error, and pthread_setcancelstate/-type reject bad
// values with EINVAL.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/programs/checks.h"

static int empty_pipe[2];
static pthread_key_t key;
static atomic_int destructor_runs;
static atomic_int started;
static char cleanup_order[64];

static void note_cleanup(void* text) { strcat(cleanup_order, text); }
static void count_destructor(void* value) {
  (void)value;
  atomic_fetch_add(&destructor_runs, 1);
}

static void* block_in_read(void* unused) {
  (void)unused;
  pthread_setspecific(key, &key);
  pthread_cleanup_push(note_cleanup, "outer ");
  pthread_cleanup_push(note_cleanup, "inner ");
  atomic_store(&started, 1);
  char byte;
  read(empty_pipe[0], &byte, 1);
  pthread_cleanup_pop(0);
  pthread_cleanup_pop(0);
  return NULL;
}

static void* block_in_sleep(void* unused) {
  (void)unused;
  pthread_setspecific(key, &key);
  atomic_store(&started, 1);
  sleep(100);
  return NULL;
}

static void* block_in_poll(void* unused) {
  (void)unused;
  struct pollfd entry = {.fd = empty_pipe[0], .events = POLLIN};
  atomic_store(&started, 1);
  poll(&entry, 1, -1);
  return NULL;
}

static atomic_int work_done;
static void* disabled_then_enabled(void* unused) {
  (void)unused;
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
  atomic_store(&started, 1);
  usleep(50000);  // a cancellation point, but cancellation is off
  atomic_store(&work_done, 1);
  pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
  pthread_testcancel();
  atomic_store(&work_done, 2);  // never reached
  return NULL;
}

static void* spin_on_testcancel(void* unused) {
  (void)unused;
  atomic_store(&started, 1);
  for (;;) pthread_testcancel();
  return NULL;
}

static void* finish_at_once(void* unused) { return unused; }

// Starts `body`, waits until it says it has started (and a little more, so
// it is blocked), cancels it and joins: 1 if it ended as cancelled.
static int cancelled(void* (*body)(void*)) {
  atomic_store(&started, 0);
  pthread_t thread;
  pthread_create(&thread, NULL, body, NULL);
  while (!atomic_load(&started)) usleep(1000);
  usleep(20000);
  int error = pthread_cancel(thread);
  void* result = NULL;
  pthread_join(thread, &result);
  return error == 0 && result == PTHREAD_CANCELED;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (pipe(empty_pipe) != 0 || pthread_key_create(&key, count_destructor) != 0) return 2;
  expect("blocked in read: cancelled", cancelled(block_in_read) ? 0 : EINVAL, 0);
  printf("cleanup handlers ran: %s\n", cleanup_order);
  expect("blocked in sleep(100): cancelled", cancelled(block_in_sleep) ? 0 : EINVAL, 0);
  printf("key destructors run: %d\n", atomic_load(&destructor_runs));
  expect("blocked in poll: cancelled", cancelled(block_in_poll) ? 0 : EINVAL, 0);
  expect("disabled, then enabled and tested: cancelled",
         cancelled(disabled_then_enabled) ? 0 : EINVAL, 0);
  printf("the disabled thread finished its work first: %s\n",
         atomic_load(&work_done) == 1 ? "yes" : "no");
  expect("spinning on pthread_testcancel: cancelled", cancelled(spin_on_testcancel) ? 0 : EINVAL,
         0);
  pthread_t done;
  pthread_create(&done, NULL, finish_at_once, NULL);
  usleep(20000);
  expect("cancel a finished, unjoined thread", pthread_cancel(done), 0);
  pthread_join(done, NULL);
  expect("setcancelstate(42)", pthread_setcancelstate(42, NULL), EINVAL);
  expect("setcanceltype(42)", pthread_setcanceltype(42, NULL), EINVAL);
  return failures != 0;
}
