// Checks: reads and writes on a pipe between threads. A reader blocked on
// an empty pipe (given a head start) gets what a writer writes later; a
// read asking for more than is buffered returns what is there (a short
// read, as the kernel gives it); 1,000 messages of varying sizes arrive
// intact and in order; after the write end is closed, the buffered bytes
// are still read and then read returns 0 (end of file), again and again;
// a reader blocked on an empty pipe returns 0 when the last writer closes.
#define _GNU_SOURCE
#include "tests/io/programs/io_checks.h"

#define MESSAGES 1000
#define MAX_MESSAGE 3000

static int pipe_fds[2];

static void* blocked_reader(void* unused) {
  (void)unused;
  char buffer[64];
  ssize_t got = read(pipe_fds[0], buffer, sizeof buffer);
  expect_value("read blocked on an empty pipe, then 5 bytes written", got, 5);
  expect_true("those bytes are \"hello\"", got == 5 && memcmp(buffer, "hello", 5) == 0);
  return NULL;
}

static void* reader_until_eof(void* unused) {
  (void)unused;
  char buffer[16];
  expect_value("read blocked on an empty pipe, then the writer closed",
               read(pipe_fds[0], buffer, sizeof buffer), 0);
  return NULL;
}

static size_t message_size(int index) { return 1 + (size_t)(index * 7919) % MAX_MESSAGE; }

// Streams MESSAGES messages, each its size (a uint32_t) then its bytes.
static void* stream_writer(void* unused) {
  (void)unused;
  static char message[MAX_MESSAGE];
  uint64_t position = 0;
  for (int i = 0; i < MESSAGES; ++i) {
    uint32_t size = (uint32_t)message_size(i);
    fill_pattern(message, size, position, 1);
    position += size;
    write_all(pipe_fds[1], &size, sizeof size);
    write_all(pipe_fds[1], message, size);
  }
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  must(pipe(pipe_fds), "pipe");

  pthread_t reader = start_thread(blocked_reader, NULL);
  pause_ms(50);
  write_all(pipe_fds[1], "hello", 5);
  join_thread(reader);

  char buffer[256];
  write_all(pipe_fds[1], "0123456789", 10);
  expect_value("read of 256 with 10 bytes buffered (short read)",
               read(pipe_fds[0], buffer, sizeof buffer), 10);

  pthread_t writer = start_thread(stream_writer, NULL);
  uint64_t position = 0;
  int intact = 1;
  static char message[MAX_MESSAGE];
  for (int i = 0; i < MESSAGES; ++i) {
    uint32_t size;
    read_exactly(pipe_fds[0], &size, sizeof size);
    if (size != message_size(i)) die("message %d: size %u, expected %zu", i, size, message_size(i));
    read_exactly(pipe_fds[0], message, size);
    intact &= has_pattern(message, size, position, 1);
    position += size;
  }
  join_thread(writer);
  expect_true("1000 messages arrived intact and in order", intact);

  write_all(pipe_fds[1], "tail", 4);
  must(close(pipe_fds[1]), "close");
  expect_value("read after the writer closed, 4 bytes were buffered",
               read(pipe_fds[0], buffer, sizeof buffer), 4);
  expect_value("read at end of file", read(pipe_fds[0], buffer, sizeof buffer), 0);
  expect_value("read at end of file again", read(pipe_fds[0], buffer, sizeof buffer), 0);
  close(pipe_fds[0]);

  must(pipe(pipe_fds), "pipe");
  reader = start_thread(reader_until_eof, NULL);
  pause_ms(50);
  must(close(pipe_fds[1]), "close");
  join_thread(reader);
  close(pipe_fds[0]);
  return finish();
}
