// Checks: the error cases of TCP on 127.0.0.1. connect to a port nobody
// listens on fails with ECONNREFUSED; connect on a connected socket with
// EISCONN; accept on a socket that is not listening with EINVAL; recv on
// a socket never connected with ENOTCONN. A recv blocked on a connection
// whose peer then resets it (SO_LINGER 0 and close) fails with ECONNRESET,
// the next recv returns 0, and a send afterwards fails with EPIPE
// (MSG_NOSIGNAL: no signal). A non-blocking connect returns 0 or
// EINPROGRESS, poll then reports the socket writable and SO_ERROR is 0.
#define _GNU_SOURCE
#include <poll.h>
#include <sys/socket.h>

#include "tests/io/programs/io_checks.h"

static int reset_victim;

static void* recv_until_reset(void* unused) {
  (void)unused;
  char buffer[16];
  expect_failure("recv blocked, then the peer reset the connection",
                 recv(reset_victim, buffer, sizeof buffer, 0), ECONNRESET);
  return NULL;
}

// A loopback port with no listener: bound, never listened on, closed.
static in_port_t unused_port(void) {
  int fd = (int)must(socket(AF_INET, SOCK_STREAM, 0), "socket");
  struct sockaddr_in address = loopback_address(0);
  must(bind(fd, (struct sockaddr*)&address, sizeof address), "bind");
  socklen_t length = sizeof address;
  must(getsockname(fd, (struct sockaddr*)&address, &length), "getsockname");
  close(fd);
  return address.sin_port;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char buffer[16];

  int fd = (int)must(socket(AF_INET, SOCK_STREAM, 0), "socket");
  struct sockaddr_in nobody = loopback_address(unused_port());
  expect_failure("connect to a port with no listener",
                 connect(fd, (struct sockaddr*)&nobody, sizeof nobody), ECONNREFUSED);
  close(fd);

  fd = (int)must(socket(AF_INET, SOCK_STREAM, 0), "socket");
  expect_failure("recv on a socket never connected", recv(fd, buffer, sizeof buffer, 0), ENOTCONN);
  expect_failure("accept on a socket not listening", accept(fd, NULL, NULL), EINVAL);
  close(fd);

  in_port_t port;
  int listener = listen_loopback(&port);
  reset_victim = connect_loopback(port);
  struct sockaddr_in server = loopback_address(port);
  expect_failure("connect on a connected socket",
                 connect(reset_victim, (struct sockaddr*)&server, sizeof server), EISCONN);
  int server_side = (int)must(accept(listener, NULL, NULL), "accept");
  pthread_t victim = start_thread(recv_until_reset, NULL);
  pause_ms(50);
  struct linger abortive = {.l_onoff = 1, .l_linger = 0};
  must(setsockopt(server_side, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive), "SO_LINGER");
  close(server_side);
  join_thread(victim);
  expect_value("recv after the reset", recv(reset_victim, buffer, sizeof buffer, 0), 0);
  expect_failure("send(MSG_NOSIGNAL) after the reset", send(reset_victim, "x", 1, MSG_NOSIGNAL),
                 EPIPE);
  close(reset_victim);

  fd = (int)must(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), "socket");
  int result = connect(fd, (struct sockaddr*)&server, sizeof server);
  int error = (int)error_of(result);
  expect_true("non-blocking connect: 0 or EINPROGRESS", result == 0 || error == EINPROGRESS);
  struct pollfd writable = {.fd = fd, .events = POLLOUT};
  expect_value("poll for the connection to complete", poll(&writable, 1, -1), 1);
  expect_true("POLLOUT reported", (writable.revents & POLLOUT) != 0);
  int socket_error = -1;
  socklen_t length = sizeof socket_error;
  must(getsockopt(fd, SOL_SOCKET, SO_ERROR, &socket_error, &length), "SO_ERROR");
  expect("SO_ERROR after the connection completed", socket_error, 0);
  close(fd);
  close(listener);
  return finish();
}
