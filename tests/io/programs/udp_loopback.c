// Checks: UDP on 127.0.0.1 between threads. A recvfrom blocked before the
// datagram is sent (with sendto) returns it and the sender's address (the
// port the sender is bound to); sendmsg with three iovecs arrives as one
// datagram that recvmsg scatters over two iovecs, with msg_name filled in;
// on connected sockets send/recv work without addresses.
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/uio.h>

#include "tests/io/programs/io_checks.h"

static int receiver;

static int bound_udp_socket(in_port_t* port) {
  int fd = (int)must(socket(AF_INET, SOCK_DGRAM, 0), "socket");
  struct sockaddr_in address = loopback_address(0);
  must(bind(fd, (struct sockaddr*)&address, sizeof address), "bind");
  socklen_t length = sizeof address;
  must(getsockname(fd, (struct sockaddr*)&address, &length), "getsockname");
  *port = address.sin_port;
  return fd;
}

static void* blocked_recvfrom(void* expected_port) {
  char buffer[64];
  struct sockaddr_in from;
  socklen_t length = sizeof from;
  ssize_t got = recvfrom(receiver, buffer, sizeof buffer, 0, (struct sockaddr*)&from, &length);
  expect_value("recvfrom blocked, then a 7-byte datagram sent", got, 7);
  expect_true("contents", got == 7 && memcmp(buffer, "payload", 7) == 0);
  expect_true("recvfrom names the sender's loopback address and port",
              length == sizeof from && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
                  from.sin_port == *(in_port_t*)expected_port);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  in_port_t receiver_port, sender_port;
  receiver = bound_udp_socket(&receiver_port);
  int sender = bound_udp_socket(&sender_port);
  struct sockaddr_in to = loopback_address(receiver_port);

  pthread_t thread = start_thread(blocked_recvfrom, &sender_port);
  pause_ms(50);
  // Printed after the join: the receiver prints as soon as it has the datagram.
  ssize_t sent = sendto(sender, "payload", 7, 0, (struct sockaddr*)&to, sizeof to);
  int error = error_of(sent);
  join_thread(thread);
  if (sent < 0) die("sendto: %s", name_of(error));

  struct iovec gather[3] = {{"ab", 2}, {"cde", 3}, {"fghij", 5}};
  struct msghdr out = {
      .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = gather, .msg_iovlen = 3};
  expect_value("sendmsg of three iovecs", sendmsg(sender, &out, 0), 10);
  char first[4] = {0}, second[16] = {0};
  struct iovec scatter[2] = {{first, sizeof first}, {second, sizeof second}};
  struct sockaddr_in from;
  struct msghdr in = {
      .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = scatter, .msg_iovlen = 2};
  expect_value("recvmsg into two iovecs", recvmsg(receiver, &in, 0), 10);
  expect_true("scattered as abcd + efghij",
              memcmp(first, "abcd", 4) == 0 && memcmp(second, "efghij", 6) == 0);
  expect_true("msg_name is the sender",
              in.msg_namelen == sizeof from && from.sin_port == sender_port);

  struct sockaddr_in back = loopback_address(sender_port);
  must(connect(sender, (struct sockaddr*)&to, sizeof to), "connect");
  must(connect(receiver, (struct sockaddr*)&back, sizeof back), "connect");
  expect_value("send on a connected UDP socket", send(sender, "hello", 5, 0), 5);
  char buffer[16];
  expect_value("recv on a connected UDP socket", recv(receiver, buffer, sizeof buffer, 0), 5);
  close(sender);
  close(receiver);
  return finish();
}
