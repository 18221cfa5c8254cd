// Checks: O_NONBLOCK descriptors keep their semantics: a call that would
// block fails with EAGAIN at once (well under a second, the bound against
// a call that waited instead). Read on an empty pipe made with
// pipe2(O_NONBLOCK), and on one switched with fcntl(F_SETFL); write on a
// full pipe; recv on an empty SOCK_NONBLOCK socketpair, and
// recv(MSG_DONTWAIT) on a blocking one; send(MSG_DONTWAIT) once the socket
// buffer is full; accept and accept4 on a non-blocking listener with no
// pending connection. Then O_NONBLOCK is cleared again with fcntl and a
// read blocks until another thread writes, as a blocking read must.
#define _GNU_SOURCE
#include <sys/socket.h>

#include "tests/io/programs/io_checks.h"

static int64_t call_start;

static void begin_call(void) { call_start = now_ns(CLOCK_MONOTONIC); }

// For a call made right after begin_call(): fails with EAGAIN, and at once.
static IO_NOINLINE void expect_eagain_at_once(const char* what, ssize_t result) {
  expect_failure(what, result, EAGAIN);
  expect_at_once("  and returned", call_start);
}

static int blocking_pipe[2];

static void* write_later(void* unused) {
  (void)unused;
  pause_ms(50);
  write_all(blocking_pipe[1], "late", 4);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char buffer[4096];

  int pipe_fds[2];
  must(pipe2(pipe_fds, O_NONBLOCK), "pipe2");
  begin_call();
  expect_eagain_at_once("read on an empty pipe2(O_NONBLOCK) pipe",
                        read(pipe_fds[0], buffer, sizeof buffer));
  memset(buffer, 'x', sizeof buffer);
  while (write(pipe_fds[1], buffer, sizeof buffer) > 0) {
  }
  begin_call();
  expect_eagain_at_once("write on a full O_NONBLOCK pipe", write(pipe_fds[1], buffer, 1));
  close(pipe_fds[0]);
  close(pipe_fds[1]);

  must(pipe(blocking_pipe), "pipe");
  int flags = (int)must(fcntl(blocking_pipe[0], F_GETFL), "F_GETFL");
  must(fcntl(blocking_pipe[0], F_SETFL, flags | O_NONBLOCK), "F_SETFL");
  begin_call();
  expect_eagain_at_once("read on an empty pipe set O_NONBLOCK by fcntl",
                        read(blocking_pipe[0], buffer, sizeof buffer));
  must(fcntl(blocking_pipe[0], F_SETFL, flags), "F_SETFL");
  pthread_t writer = start_thread(write_later, NULL);
  expect_value("read after O_NONBLOCK was cleared waits for the writer",
               read(blocking_pipe[0], buffer, sizeof buffer), 4);
  join_thread(writer);
  close(blocking_pipe[0]);
  close(blocking_pipe[1]);

  int sockets[2];
  must(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sockets), "socketpair");
  begin_call();
  expect_eagain_at_once("recv on an empty SOCK_NONBLOCK socketpair",
                        recv(sockets[0], buffer, sizeof buffer, 0));
  close(sockets[0]);
  close(sockets[1]);

  must(socketpair(AF_UNIX, SOCK_STREAM, 0, sockets), "socketpair");
  begin_call();
  expect_eagain_at_once("recv(MSG_DONTWAIT) on an empty blocking socketpair",
                        recv(sockets[0], buffer, sizeof buffer, MSG_DONTWAIT));
  while (send(sockets[0], buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
  }
  begin_call();
  expect_eagain_at_once("send(MSG_DONTWAIT) on a full blocking socketpair",
                        send(sockets[0], buffer, sizeof buffer, MSG_DONTWAIT));
  close(sockets[0]);
  close(sockets[1]);

  in_port_t port;
  int listener = listen_loopback(&port);
  must(fcntl(listener, F_SETFL, O_NONBLOCK), "F_SETFL");
  begin_call();
  expect_eagain_at_once("accept on a non-blocking listener, nothing pending",
                        accept(listener, NULL, NULL));
  begin_call();
  expect_eagain_at_once("accept4 on a non-blocking listener, nothing pending",
                        accept4(listener, NULL, NULL, SOCK_CLOEXEC));
  close(listener);
  return finish();
}
