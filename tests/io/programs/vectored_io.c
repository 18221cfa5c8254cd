// Checks: scatter/gather I/O. writev of three iovecs into a pipe and readv
// scattering them over two (a short readv when less is buffered; 0 at end
// of file); a readv blocked on an empty pipe until a writev from another
// thread. On a regular file: writev and readv move the offset; pwritev and
// preadv at an offset do not; pwritev2/preadv2 with offset -1 use and
// advance the current offset, and with an offset behave like
// pwritev/preadv; a readv across the end of the file is short.
#define _GNU_SOURCE
#include <sys/uio.h>

#include "tests/io/programs/io_checks.h"

static int pipe_fds[2];

static void* blocked_readv(void* unused) {
  (void)unused;
  char first[3] = {0}, second[8] = {0};
  struct iovec scatter[2] = {{first, sizeof first}, {second, sizeof second}};
  expect_value("readv blocked on an empty pipe, then an 11-byte writev",
               readv(pipe_fds[0], scatter, 2), 11);
  expect_true("scattered as abc + defghijk",
              memcmp(first, "abc", 3) == 0 && memcmp(second, "defghijk", 8) == 0);
  return NULL;
}

static struct iovec piece(const char* text) { return (struct iovec){(void*)text, strlen(text)}; }

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  must(pipe(pipe_fds), "pipe");
  pthread_t reader = start_thread(blocked_readv, NULL);
  pause_ms(50);
  struct iovec gather[3] = {piece("ab"), piece("cdefg"), piece("hijk")};
  ssize_t written = writev(pipe_fds[1], gather, 3);
  int error = error_of(written);
  join_thread(reader);  // before printing: the reader prints as soon as it has the data
  if (written != 11) die("writev returned %zd (%s)", written, name_of(error));

  char small[4] = {0}, large[16] = {0};
  struct iovec scatter[2] = {{small, sizeof small}, {large, sizeof large}};
  struct iovec five[1] = {piece("12345")};
  expect_value("writev of 5 bytes", writev(pipe_fds[1], five, 1), 5);
  expect_value("readv of 20 with 5 buffered (short)", readv(pipe_fds[0], scatter, 2), 5);
  expect_true("scattered as 1234 + 5", memcmp(small, "1234", 4) == 0 && large[0] == '5');
  close(pipe_fds[1]);
  expect_value("readv at end of file", readv(pipe_fds[0], scatter, 2), 0);
  close(pipe_fds[0]);

  int fd = open_temp_file(0);
  struct iovec header[2] = {piece("0123"), piece("456789")};
  expect_value("writev of 10 bytes to a file", writev(fd, header, 2), 10);
  expect_value("offset after writev", lseek(fd, 0, SEEK_CUR), 10);
  struct iovec later[2] = {piece("AB"), piece("CD")};
  expect_value("pwritev of 4 bytes at offset 20", pwritev(fd, later, 2, 20), 4);
  expect_value("offset after pwritev", lseek(fd, 0, SEEK_CUR), 10);
  struct iovec current[1] = {piece("xy")};
  expect_value("pwritev2 at offset -1 (the current offset)", pwritev2(fd, current, 1, -1, 0), 2);
  expect_value("offset after pwritev2 at -1", lseek(fd, 0, SEEK_CUR), 12);
  struct iovec at_zero[1] = {piece("Z")};
  expect_value("pwritev2 at offset 0", pwritev2(fd, at_zero, 1, 0, 0), 1);
  expect_value("offset after pwritev2 at 0", lseek(fd, 0, SEEK_CUR), 12);

  char a[2], b[3];
  struct iovec two[2] = {{a, sizeof a}, {b, sizeof b}};
  expect_value("preadv of 5 at offset 20 (across the end)", preadv(fd, two, 2, 20), 4);
  expect_true("read AB + CD", memcmp(a, "AB", 2) == 0 && memcmp(b, "CD", 2) == 0);
  expect_value("offset after preadv", lseek(fd, 0, SEEK_CUR), 12);
  must(lseek(fd, 0, SEEK_SET), "lseek");
  expect_value("readv of 5 from offset 0", readv(fd, two, 2), 5);
  expect_true("read Z1 + 234", memcmp(a, "Z1", 2) == 0 && memcmp(b, "234", 3) == 0);
  expect_value("preadv2 at offset -1 (the current offset)", preadv2(fd, two, 2, -1, 0), 5);
  expect_true("read 56 + 789", memcmp(a, "56", 2) == 0 && memcmp(b, "789", 3) == 0);
  expect_value("offset after preadv2 at -1", lseek(fd, 0, SEEK_CUR), 10);
  expect_value("preadv2 at offset 10", preadv2(fd, two, 2, 10, 0), 5);
  expect_true("read xy + a hole of zeros", memcmp(a, "xy", 2) == 0 && b[0] == 0 && b[2] == 0);
  expect_value("offset after preadv2 at 10", lseek(fd, 0, SEEK_CUR), 10);
  must(lseek(fd, 22, SEEK_SET), "lseek");
  expect_value("readv of 5 at offset 22 (across the end)", readv(fd, two, 2), 2);
  expect_value("readv at the end", readv(fd, two, 2), 0);
  close(fd);
  return finish();
}
