// A signal sent to the whole process goes to the main thread when the
// main thread can take it, as the kernel chooses: Python's signal.alarm
// with a helper thread waiting relies on it (the handler must interrupt
// main's sleep, not the helper's wait). Here a helper waits in read on a
// pipe and in sleep; main sleeps 5 s with a 100 ms timer's SIGALRM armed
// (handler without SA_RESTART): main's sleep must end early with EINTR,
// and each helper must go on waiting undisturbed.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"

static int wake_pipe[2];
static atomic_int helpers_waiting;

static void* read_helper(void* unused) {
  (void)unused;
  atomic_fetch_add(&helpers_waiting, 1);
  char byte;
  return (void*)read(wake_pipe[0], &byte, 1);
}

static void* sleep_helper(void* unused) {
  (void)unused;
  atomic_fetch_add(&helpers_waiting, 1);
  struct timespec two_seconds = {2, 0};
  return (void*)(long)(nanosleep(&two_seconds, NULL) == 0 ? 0 : errno);
}

int main(void) {
  expect_errno("pipe", pipe(wake_pipe) ? errno : 0, 0);
  expect_handler_installed(SIGALRM, count_signal);
  pthread_t reader, sleeper;
  expect("pthread_create reader", pthread_create(&reader, NULL, read_helper, NULL), 0);
  expect("pthread_create sleeper", pthread_create(&sleeper, NULL, sleep_helper, NULL), 0);
  while (atomic_load(&helpers_waiting) < 2) sched_yield();
  sleep_ms(20);  // both helpers are in their waits now

  struct itimerval timer = {{0, 0}, {0, 100000}};
  expect_errno("setitimer", setitimer(ITIMER_REAL, &timer, NULL) ? errno : 0, 0);
  int64_t start = now_ns(CLOCK_MONOTONIC);
  struct timespec five_seconds = {5, 0};
  int slept = nanosleep(&five_seconds, NULL);
  int error = slept == 0 ? 0 : errno;
  int64_t elapsed_ms = (now_ns(CLOCK_MONOTONIC) - start) / 1000000;
  expect_errno("main's nanosleep", error, EINTR);
  expect_yes("main's sleep ended early (before 2.5 s)", elapsed_ms < 2500);
  expect_yes("the handler ran once", atomic_load(signals_handled()) == 1);

  expect_yes("write to the reader", write(wake_pipe[1], "x", 1) == 1);
  void* result = NULL;
  expect("pthread_join reader", pthread_join(reader, &result), 0);
  expect_yes("the reader's read got its byte, not interrupted", (long)result == 1);
  expect("pthread_join sleeper", pthread_join(sleeper, &result), 0);
  expect("the sleeper's nanosleep, not interrupted", (int)(long)result, 0);
  return failures != 0;
}
