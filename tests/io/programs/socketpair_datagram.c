// Checks: message boundaries on datagram socketpairs between threads.
// SOCK_DGRAM: datagrams of 10, 200 and 3,000 bytes come out one per recv,
// whole and in order, to a reader that was blocked before they were sent;
// a 10-byte datagram read into 5 bytes returns 5 and drops the rest, with
// MSG_TRUNC recv returns the real length 10, and recvmsg reports MSG_TRUNC
// in msg_flags. SOCK_SEQPACKET: records keep their boundaries and a recv
// blocked on an empty socket returns 0 when the peer closes.
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/uio.h>

#include "tests/io/programs/io_checks.h"

static const size_t kSizes[] = {10, 200, 3000};
static int sockets[2];

static void* read_three_datagrams(void* unused) {
  (void)unused;
  static char buffer[4096];
  for (int i = 0; i < 3; ++i) {
    char label[64];
    snprintf(label, sizeof label, "datagram %d: recv length", i + 1);
    ssize_t got = recv(sockets[1], buffer, sizeof buffer, 0);
    expect_value(label, got, (ssize_t)kSizes[i]);
    snprintf(label, sizeof label, "datagram %d: contents", i + 1);
    expect_true(label, got > 0 && has_pattern(buffer, (size_t)got, 0, 6 + i));
  }
  return NULL;
}

static void* recv_until_close(void* unused) {
  (void)unused;
  char buffer[64];
  expect_value("SOCK_SEQPACKET recv blocked, then the peer closed",
               recv(sockets[1], buffer, sizeof buffer, 0), 0);
  return NULL;
}

static void send_patterned(size_t size, unsigned seed) {
  static char datagram[4096];
  fill_pattern(datagram, size, 0, seed);
  if (send(sockets[0], datagram, size, 0) != (ssize_t)size) die("send of %zu bytes", size);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char buffer[64];
  must(socketpair(AF_UNIX, SOCK_DGRAM, 0, sockets), "socketpair");
  pthread_t reader = start_thread(read_three_datagrams, NULL);
  pause_ms(50);
  for (int i = 0; i < 3; ++i) send_patterned(kSizes[i], 6 + i);
  join_thread(reader);

  send_patterned(10, 9);
  expect_value("recv of a 10-byte datagram into 5 bytes", recv(sockets[1], buffer, 5, 0), 5);
  send_patterned(10, 9);
  expect_value("recv(MSG_TRUNC) of a 10-byte datagram into 5 bytes",
               recv(sockets[1], buffer, 5, MSG_TRUNC), 10);
  send_patterned(10, 9);
  struct iovec piece = {buffer, 5};
  struct msghdr message = {.msg_iov = &piece, .msg_iovlen = 1};
  expect_value("recvmsg of a 10-byte datagram into 5 bytes", recvmsg(sockets[1], &message, 0), 5);
  expect_true("recvmsg reports MSG_TRUNC", (message.msg_flags & MSG_TRUNC) != 0);
  close(sockets[0]);
  close(sockets[1]);

  must(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sockets), "socketpair");
  send(sockets[0], "one", 3, 0);
  send(sockets[0], "three", 5, 0);
  expect_value("SOCK_SEQPACKET first record", recv(sockets[1], buffer, sizeof buffer, 0), 3);
  expect_value("SOCK_SEQPACKET second record", recv(sockets[1], buffer, sizeof buffer, 0), 5);
  reader = start_thread(recv_until_close, NULL);
  pause_ms(50);
  close(sockets[0]);
  join_thread(reader);
  close(sockets[1]);
  return finish();
}
