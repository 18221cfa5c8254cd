// Checks: I/O from a thread greenshim does not run goes straight to the
// kernel. glibc runs a SIGEV_THREAD timer's function in a thread of its
// own making; that function blocks in read on a pipe until main writes
// to it, then writes the byte back through another pipe.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "tests/io/programs/io_checks.h"

static int to_timer[2], from_timer[2];

static void echo_once(union sigval unused) {
  (void)unused;
  char byte = 0;
  if (read(to_timer[0], &byte, 1) == 1) write_all(from_timer[1], &byte, 1);
}

int main(void) {
  must(pipe(to_timer), "pipe");
  must(pipe(from_timer), "pipe");
  struct sigevent event = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = echo_once};
  timer_t timer;
  must(timer_create(CLOCK_MONOTONIC, &event, &timer), "timer_create");
  struct itimerspec once = {.it_value = {.tv_sec = 0, .tv_nsec = 1000000}};
  must(timer_settime(timer, 0, &once, NULL), "timer_settime");
  pause_ms(50);  // the timer's thread is now blocked in read
  write_all(to_timer[1], "z", 1);
  char byte = 0;
  expect_value("read back from the timer thread", read(from_timer[0], &byte, 1), 1);
  expect_true("the byte it echoed", byte == 'z');
  timer_delete(timer);
  return finish();
}
