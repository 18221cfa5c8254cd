// Checks: select and pselect report the readiness native does, and their
// timeouts. A zero timeout on an empty pipe returns 0 at once and clears
// the set; a positive one returns 0, never early, and select leaves the
// remaining time (zero) in its timeval while pselect leaves its timespec
// alone; a null timeout waits until another thread writes. With no
// descriptors select is a sleep, not early. A pipe's write end is
// writable; a read end whose writer closed is readable (end of file); a
// closed descriptor in a set fails with EBADF.
#define _GNU_SOURCE
#include <sys/select.h>

#include "tests/io/programs/io_checks.h"

#define WAIT_MS 50

static int pipe_fds[2];

static fd_set only(int fd) {
  fd_set set;
  FD_ZERO(&set);
  FD_SET(fd, &set);
  return set;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  must(pipe(pipe_fds), "pipe");
  int read_end = pipe_fds[0];

  fd_set readable = only(read_end);
  struct timeval zero = {0, 0};
  int64_t start = now_ns(CLOCK_MONOTONIC);
  expect_value("select, zero timeout, empty pipe",
               select(read_end + 1, &readable, NULL, NULL, &zero), 0);
  expect_at_once("  returned", start);
  expect_true("  the set was cleared", !FD_ISSET(read_end, &readable));

  readable = only(read_end);
  struct timeval wait = {0, WAIT_MS * 1000};
  start = now_ns(CLOCK_MONOTONIC);
  expect_value("select, 50 ms timeout, empty pipe",
               select(read_end + 1, &readable, NULL, NULL, &wait), 0);
  expect_not_early("  returned", CLOCK_MONOTONIC, start, WAIT_MS * 1000000LL);
  expect_true("  timeval now holds the time left, zero", wait.tv_sec == 0 && wait.tv_usec == 0);

  wait = (struct timeval){0, WAIT_MS * 1000};
  start = now_ns(CLOCK_MONOTONIC);
  expect_value("select, no descriptors, 50 ms timeout", select(0, NULL, NULL, NULL, &wait), 0);
  expect_not_early("  returned", CLOCK_MONOTONIC, start, WAIT_MS * 1000000LL);

  struct timespec patience = {0, WAIT_MS * 1000000L};
  readable = only(read_end);
  start = now_ns(CLOCK_MONOTONIC);
  expect_value("pselect, 50 ms timeout, empty pipe",
               pselect(read_end + 1, &readable, NULL, NULL, &patience, NULL), 0);
  expect_not_early("  returned", CLOCK_MONOTONIC, start, WAIT_MS * 1000000LL);
  expect_true("  timespec unchanged",
              patience.tv_sec == 0 && patience.tv_nsec == WAIT_MS * 1000000L);

  readable = only(read_end);
  pthread_t writer = start_late_write(pipe_fds[1], WAIT_MS);
  expect_value("select, null timeout, another thread writes",
               select(read_end + 1, &readable, NULL, NULL, NULL), 1);
  expect_true("  the read end is in the set", FD_ISSET(read_end, &readable));
  join_thread(writer);
  char drain;
  read_exactly(read_end, &drain, 1);

  readable = only(read_end);
  writer = start_late_write(pipe_fds[1], WAIT_MS);
  expect_value("pselect, null timeout, another thread writes",
               pselect(read_end + 1, &readable, NULL, NULL, NULL, NULL), 1);
  join_thread(writer);
  read_exactly(read_end, &drain, 1);

  readable = only(read_end);
  fd_set writable = only(pipe_fds[1]);
  int highest = read_end > pipe_fds[1] ? read_end : pipe_fds[1];
  expect_value("select for reading the empty pipe and writing it",
               select(highest + 1, &readable, &writable, NULL, NULL), 1);
  expect_true("  only the write end is ready",
              !FD_ISSET(read_end, &readable) && FD_ISSET(pipe_fds[1], &writable));

  close(pipe_fds[1]);
  readable = only(read_end);
  expect_value("select on the read end, writer closed",
               select(read_end + 1, &readable, NULL, NULL, NULL), 1);
  close(read_end);
  readable = only(read_end);
  expect_failure("select on a closed descriptor",
                 select(read_end + 1, &readable, NULL, NULL, &zero), EBADF);
  return finish();
}
