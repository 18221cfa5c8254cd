// Checks: a signal handled in a thread just before it starts a blocking
// call does not end that call. The thread raises SIGUSR1 on itself (its
// handler, without SA_RESTART, runs before raise returns), then reads from
// a pipe and sleeps: the read returns the byte another thread writes 50 ms
// later, the 50 ms sleep sleeps it all, neither with EINTR. (greenshim
// ends a call's wait when a handler runs on the way into it, as the kernel
// ends a system call a signal arrives in; one that ran before the call
// began must not count.)
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/programs/checks.h"

static int data_pipe[2];
static void* write_later(void* argument) {
  (void)argument;
  sleep_ms(50);
  char byte = 'x';
  if (write(data_pipe[1], &byte, 1) != 1) printf("FAIL: write\n");
  return NULL;
}

static int read_after_handler(void* argument) {
  (void)argument;
  raise(SIGUSR1);
  char byte = 0;
  ssize_t got = read(data_pipe[0], &byte, 1);
  return got == 1 && byte == 'x' ? 0 : (got < 0 ? errno : -1);
}

static int sleep_after_handler(void* argument) {
  (void)argument;
  raise(SIGUSR1);
  int64_t start = now_ns(CLOCK_MONOTONIC);
  struct timespec fifty_ms = {0, 50 * 1000000};
  if (nanosleep(&fifty_ms, NULL) != 0) return errno;
  return now_ns(CLOCK_MONOTONIC) - start >= 50 * 1000000 ? 0 : -1;
}

int main(void) {
  if (pipe(data_pipe) != 0) return 2;
  expect_handler_installed(SIGUSR1, count_signal);
  pthread_t writer;
  pthread_create(&writer, NULL, write_later, NULL);
  expect("read after a handled signal", in_other_thread(read_after_handler, NULL), 0);
  pthread_join(writer, NULL);
  expect("nanosleep after a handled signal", in_other_thread(sleep_after_handler, NULL), 0);
  expect_yes("both handlers ran", atomic_load(signals_handled()) == 2);
  return failures == 0 ? 0 : 1;
}
