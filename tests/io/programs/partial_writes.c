// Checks: writes larger than the pipe's 64 KiB buffer. A blocking write of
// 1 MiB into a pipe whose reader is slow (4 KiB at a time, pausing now and
// then) returns 1 MiB once the reader has taken all but the last buffer
// full, and the reader gets every byte in order; the same for send() of
// 1 MiB on a stream socketpair. On an O_NONBLOCK pipe with no reader
// taking data, a write of 100 KiB writes what fits (the pipe's capacity,
// F_GETPIPE_SZ) and returns that short count, and the next write fails
// with EAGAIN; reading the pipe empty then yields exactly those bytes.
#define _GNU_SOURCE
#include <sys/socket.h>

#include "tests/io/programs/io_checks.h"

#define BIG (1 << 20)
#define CHUNK 4096

static char big_buffer[BIG];

struct slow_reader {
  int fd;
  unsigned seed;
  int intact;
};

static void* read_slowly(void* argument) {
  struct slow_reader* reader = argument;
  static char chunk[CHUNK];
  reader->intact = 1;
  for (uint64_t position = 0; position < BIG; position += CHUNK) {
    read_exactly(reader->fd, chunk, CHUNK);
    reader->intact &= has_pattern(chunk, CHUNK, position, reader->seed);
    if (position % (16 * CHUNK) == 0) pause_ms(1);
  }
  return NULL;
}

// One big write on `write_fd` (a pipe or a stream socket) with a slow
// reader on `read_fd`.
static void big_write_to_slow_reader(const char* what, int write_fd, int read_fd, int use_send,
                                     unsigned seed) {
  char label[128];
  fill_pattern(big_buffer, BIG, 0, seed);
  struct slow_reader reader = {read_fd, seed, 0};
  pthread_t thread = start_thread(read_slowly, &reader);
  ssize_t written =
      use_send ? send(write_fd, big_buffer, BIG, 0) : write(write_fd, big_buffer, BIG);
  snprintf(label, sizeof label, "%s of 1 MiB with a slow reader", what);
  expect_value(label, written, BIG);
  join_thread(thread);
  snprintf(label, sizeof label, "%s: the reader got every byte in order", what);
  expect_true(label, reader.intact);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int pipe_fds[2];
  must(pipe(pipe_fds), "pipe");
  big_write_to_slow_reader("pipe write", pipe_fds[1], pipe_fds[0], 0, 2);
  close(pipe_fds[0]);
  close(pipe_fds[1]);

  int sockets[2];
  must(socketpair(AF_UNIX, SOCK_STREAM, 0, sockets), "socketpair");
  big_write_to_slow_reader("socket send", sockets[0], sockets[1], 1, 3);
  close(sockets[0]);
  close(sockets[1]);

  must(pipe2(pipe_fds, O_NONBLOCK), "pipe2");
  int capacity = (int)must(fcntl(pipe_fds[1], F_GETPIPE_SZ), "F_GETPIPE_SZ");
  int request = 100 * 1024;
  fill_pattern(big_buffer, (size_t)request, 0, 4);
  ssize_t written = write(pipe_fds[1], big_buffer, (size_t)request);
  expect_true("O_NONBLOCK write of 100 KiB is short", written > 0 && written < request);
  expect_true("and wrote exactly the pipe's capacity", written == capacity);
  expect_failure("next write on the full O_NONBLOCK pipe", write(pipe_fds[1], "x", 1), EAGAIN);
  static char drained[BIG];
  ssize_t total = 0, got;
  while ((got = read(pipe_fds[0], drained + total, sizeof drained - (size_t)total)) > 0) {
    total += got;
  }
  expect_failure("read on the emptied O_NONBLOCK pipe", got, EAGAIN);
  expect_true("drained exactly the bytes written",
              total == written && has_pattern(drained, (size_t)total, 0, 4));
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  return finish();
}
