// Checks: poll and ppoll report the readiness native does, and their
// timeouts. Timeout 0 on an empty pipe returns 0 at once; a positive one
// returns 0 and never early (also with no descriptors at all: a sleep);
// -1 waits until another thread writes. A pipe with data is IN, its write
// end OUT; with the writer gone the read end is HUP, with the reader gone
// the write end ERR; a closed descriptor is NVAL (and counted); a negative
// one is skipped. Of three pipes, the two with data are reported. A
// socket whose peer shut down writing is IN|RDHUP. ppoll with a timespec
// timeout behaves the same, and leaves the timespec as it was.
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include "tests/io/programs/io_checks.h"

#define WAIT_MS 50

static int pipe_fds[2];

static void print_revents(const char* what, const struct pollfd* entry) {
  printf("%s: %s\n", what, event_names((unsigned)entry->revents));
}

// poll on one descriptor for `events` with timeout 0; prints its revents.
static void poll_now(const char* what, int fd, short events) {
  struct pollfd entry = {.fd = fd, .events = events};
  if (poll(&entry, 1, 0) < 0) die("poll: %s", name_of(errno));
  print_revents(what, &entry);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  must(pipe(pipe_fds), "pipe");
  struct pollfd readable = {.fd = pipe_fds[0], .events = POLLIN};

  int64_t start = now_ns(CLOCK_MONOTONIC);
  expect_value("poll, timeout 0, empty pipe", poll(&readable, 1, 0), 0);
  expect_at_once("  returned", start);
  start = now_ns(CLOCK_MONOTONIC);
  expect_value("poll, timeout 50 ms, empty pipe", poll(&readable, 1, WAIT_MS), 0);
  expect_not_early("  returned", CLOCK_MONOTONIC, start, WAIT_MS * 1000000LL);
  start = now_ns(CLOCK_MONOTONIC);
  expect_value("poll, no descriptors, timeout 50 ms", poll(NULL, 0, WAIT_MS), 0);
  expect_not_early("  returned", CLOCK_MONOTONIC, start, WAIT_MS * 1000000LL);

  pthread_t writer = start_late_write(pipe_fds[1], WAIT_MS);
  expect_value("poll, timeout -1, another thread writes", poll(&readable, 1, -1), 1);
  print_revents("  revents", &readable);
  join_thread(writer);
  expect_value("poll, timeout -1, data already there", poll(&readable, 1, -1), 1);
  poll_now("pipe with data, read end", pipe_fds[0], POLLIN);
  poll_now("pipe, write end", pipe_fds[1], POLLOUT);

  struct timespec timeout = {0, WAIT_MS * 1000000L};
  char drain;
  read_exactly(pipe_fds[0], &drain, 1);
  start = now_ns(CLOCK_MONOTONIC);
  expect_value("ppoll, timeout 50 ms, empty pipe", ppoll(&readable, 1, &timeout, NULL), 0);
  expect_not_early("  returned", CLOCK_MONOTONIC, start, WAIT_MS * 1000000LL);
  expect_true("  timespec unchanged", timeout.tv_sec == 0 && timeout.tv_nsec == WAIT_MS * 1000000L);
  writer = start_late_write(pipe_fds[1], WAIT_MS);
  expect_value("ppoll, no timeout, another thread writes", ppoll(&readable, 1, NULL, NULL), 1);
  join_thread(writer);

  int more[2][2];
  must(pipe(more[0]), "pipe");
  must(pipe(more[1]), "pipe");
  write_all(more[1][1], "y", 1);
  struct pollfd three[3] = {{.fd = pipe_fds[0], .events = POLLIN},
                            {.fd = more[0][0], .events = POLLIN},
                            {.fd = more[1][0], .events = POLLIN}};
  expect_value("poll on three pipes, two with data", poll(three, 3, -1), 2);
  printf("  revents: %s", event_names((unsigned)three[0].revents));
  printf(", %s", event_names((unsigned)three[1].revents));
  printf(", %s\n", event_names((unsigned)three[2].revents));

  close(pipe_fds[1]);
  read_exactly(pipe_fds[0], &drain, 1);
  poll_now("empty pipe, writer closed, read end", pipe_fds[0], POLLIN);
  close(more[0][0]);
  poll_now("pipe, reader closed, write end", more[0][1], POLLOUT);
  struct pollfd closed_and_skipped[2] = {{.fd = pipe_fds[1], .events = POLLIN},
                                         {.fd = -1, .events = POLLIN}};
  expect_value("poll on a closed descriptor and a negative one", poll(closed_and_skipped, 2, 0), 1);
  print_revents("  closed descriptor", &closed_and_skipped[0]);
  print_revents("  negative descriptor", &closed_and_skipped[1]);
  close(pipe_fds[0]);
  close(more[0][1]);
  close(more[1][0]);
  close(more[1][1]);

  int sockets[2];
  must(socketpair(AF_UNIX, SOCK_STREAM, 0, sockets), "socketpair");
  poll_now("connected socket, nothing sent", sockets[0], POLLIN | POLLOUT | POLLRDHUP);
  must(shutdown(sockets[1], SHUT_WR), "shutdown");
  poll_now("socket whose peer shut down writing", sockets[0], POLLIN | POLLRDHUP);
  close(sockets[0]);
  close(sockets[1]);
  return finish();
}
