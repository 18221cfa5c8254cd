// Checks: EPIPE and SIGPIPE as natively while SIGPIPE is caught or
// ignored. With a handler installed (it counts deliveries): write to a
// pipe whose read end is closed fails with EPIPE and the handler runs once;
// send on a socketpair whose peer closed, the same; send with MSG_NOSIGNAL
// fails with EPIPE and no signal; a writer blocked on a full pipe fails
// with EPIPE (and one signal) when the last reader closes. With SIGPIPE
// ignored, write fails with EPIPE and nothing is delivered.
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "tests/io/programs/io_checks.h"

static volatile sig_atomic_t deliveries;

static void count_sigpipe(int signal_number) {
  (void)signal_number;
  deliveries = deliveries + 1;
}

static void expect_deliveries(const char* what, int want) { expect_value(what, deliveries, want); }

static int full_pipe[2];
static atomic_int pipe_filled;

static void* write_to_full_pipe(void* unused) {
  (void)unused;
  static char chunk[4096];
  // Fill the pipe without blocking, then block on one more byte.
  int flags = (int)must(fcntl(full_pipe[1], F_GETFL), "F_GETFL");
  must(fcntl(full_pipe[1], F_SETFL, flags | O_NONBLOCK), "F_SETFL");
  while (write(full_pipe[1], chunk, sizeof chunk) > 0) {
  }
  must(fcntl(full_pipe[1], F_SETFL, flags), "F_SETFL");
  atomic_store(&pipe_filled, 1);
  ssize_t result = write(full_pipe[1], "x", 1);
  return (void*)(intptr_t)(result < 0 ? error_of(result) : 0);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct sigaction action = {.sa_handler = count_sigpipe};
  sigemptyset(&action.sa_mask);
  must(sigaction(SIGPIPE, &action, NULL), "sigaction");

  int pipe_fds[2];
  must(pipe(pipe_fds), "pipe");
  close(pipe_fds[0]);
  expect_failure("write to a pipe with no reader", write(pipe_fds[1], "x", 1), EPIPE);
  expect_deliveries("SIGPIPE deliveries so far", 1);
  close(pipe_fds[1]);

  int sockets[2];
  must(socketpair(AF_UNIX, SOCK_STREAM, 0, sockets), "socketpair");
  close(sockets[1]);
  expect_failure("send on a socketpair whose peer closed", send(sockets[0], "x", 1, 0), EPIPE);
  expect_deliveries("SIGPIPE deliveries so far", 2);
  expect_failure("send(MSG_NOSIGNAL) on it", send(sockets[0], "x", 1, MSG_NOSIGNAL), EPIPE);
  expect_deliveries("SIGPIPE deliveries so far (none for MSG_NOSIGNAL)", 2);
  close(sockets[0]);

  must(pipe(full_pipe), "pipe");
  pthread_t writer = start_thread(write_to_full_pipe, NULL);
  // Close only once the pipe is full: a close during the filling would
  // fail one of those writes instead (and signal once more).
  while (!atomic_load(&pipe_filled)) pause_ms(1);
  pause_ms(50);
  close(full_pipe[0]);
  expect("write blocked on a full pipe, then the reader closed", (int)(intptr_t)join_thread(writer),
         EPIPE);
  expect_deliveries("SIGPIPE deliveries so far", 3);
  close(full_pipe[1]);

  action.sa_handler = SIG_IGN;
  must(sigaction(SIGPIPE, &action, NULL), "sigaction");
  must(pipe(pipe_fds), "pipe");
  close(pipe_fds[0]);
  expect_failure("write to a pipe with no reader, SIGPIPE ignored", write(pipe_fds[1], "x", 1),
                 EPIPE);
  expect_deliveries("SIGPIPE deliveries so far", 3);
  close(pipe_fds[1]);
  return finish();
}
