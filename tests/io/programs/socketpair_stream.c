// Checks: a SOCK_STREAM socketpair between threads. 1,000 round trips of a
// counter each side increments (send/recv one way, write/read the other);
// recv(MSG_PEEK) leaves the data for the next recv; recv(MSG_WAITALL) of
// 1,000 bytes sent in ten pieces with pauses returns all 1,000 at once;
// after shutdown(SHUT_WR) a recv blocked on the other end returns 0, while
// the direction still open keeps working.
#define _GNU_SOURCE
#include <sys/socket.h>

#include "tests/io/programs/io_checks.h"

#define ROUND_TRIPS 1000

static int sockets[2];

static void* answer_counter(void* unused) {
  (void)unused;
  for (int i = 0; i < ROUND_TRIPS; ++i) {
    uint32_t value;
    if (recv(sockets[1], &value, sizeof value, MSG_WAITALL) != sizeof value) die("recv");
    ++value;
    write_all(sockets[1], &value, sizeof value);
  }
  return NULL;
}

static void* send_in_pieces(void* unused) {
  (void)unused;
  char piece[100];
  for (int i = 0; i < 10; ++i) {
    fill_pattern(piece, sizeof piece, (uint64_t)i * sizeof piece, 5);
    if (send(sockets[1], piece, sizeof piece, 0) != sizeof piece) die("send");
    pause_ms(2);
  }
  return NULL;
}

static void* recv_until_shutdown(void* unused) {
  (void)unused;
  char buffer[16];
  expect_value("recv blocked, then the peer shut down writing",
               recv(sockets[0], buffer, sizeof buffer, 0), 0);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  must(socketpair(AF_UNIX, SOCK_STREAM, 0, sockets), "socketpair");

  pthread_t peer = start_thread(answer_counter, NULL);
  uint32_t value = 0;
  int in_step = 1;
  for (int i = 0; i < ROUND_TRIPS; ++i) {
    uint32_t sent = value;
    if (send(sockets[0], &sent, sizeof sent, 0) != sizeof sent) die("send");
    read_exactly(sockets[0], &value, sizeof value);
    in_step &= value == sent + 1;
  }
  join_thread(peer);
  expect_true("1000 round trips, each answer one more", in_step && value == ROUND_TRIPS);

  char buffer[2000];
  write_all(sockets[1], "peekaboo", 8);
  expect_value("recv(MSG_PEEK) of 8 bytes", recv(sockets[0], buffer, sizeof buffer, MSG_PEEK), 8);
  expect_value("recv after the peek gets them again", recv(sockets[0], buffer, sizeof buffer, 0),
               8);
  expect_true("same bytes", memcmp(buffer, "peekaboo", 8) == 0);

  peer = start_thread(send_in_pieces, NULL);
  expect_value("recv(MSG_WAITALL) of 1000 bytes sent in 10 pieces",
               recv(sockets[0], buffer, 1000, MSG_WAITALL), 1000);
  join_thread(peer);
  expect_true("all 1000 bytes in order", has_pattern(buffer, 1000, 0, 5));

  peer = start_thread(recv_until_shutdown, NULL);
  pause_ms(50);
  must(shutdown(sockets[1], SHUT_WR), "shutdown");
  join_thread(peer);
  expect_value("send in the direction still open", send(sockets[0], "back", 4, 0), 4);
  expect_value("recv on the side that shut down writing", recv(sockets[1], buffer, 16, 0), 4);
  close(sockets[0]);
  close(sockets[1]);
  return finish();
}
