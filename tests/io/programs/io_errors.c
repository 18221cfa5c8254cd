// Checks: the plain error returns of the interposed calls, each as
// natively. EBADF: read, write, pread, readv, recv, send, accept and fsync
// on a closed descriptor, read on a pipe's write end, write on its read
// end. ESPIPE: pread and pwrite on a pipe. ENOTSOCK: recv, send and accept
// on a pipe. EINVAL: fsync on a pipe. EFAULT: write from and read into an
// unmapped address, on a pipe (with data waiting) and on a regular file.
// EISDIR: read on a directory. And the plain successes of /dev/null: a
// read returns 0, a write takes everything.
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/uio.h>

#include "tests/io/programs/io_checks.h"

// An address no mapping covers (the first page is never mapped). Volatile,
// so the compiler does not warn about the deliberate bad accesses.
static void* volatile unmapped_address = (void*)16;
#define UNMAPPED (unmapped_address)

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char buffer[64];
  int closed_fd = (int)must(dup(1), "dup");
  close(closed_fd);

  expect_failure("read on a closed descriptor", read(closed_fd, buffer, 1), EBADF);
  expect_failure("write on a closed descriptor", write(closed_fd, "x", 1), EBADF);
  expect_failure("pread on a closed descriptor", pread(closed_fd, buffer, 1, 0), EBADF);
  struct iovec one = {buffer, 1};
  expect_failure("readv on a closed descriptor", readv(closed_fd, &one, 1), EBADF);
  expect_failure("recv on a closed descriptor", recv(closed_fd, buffer, 1, 0), EBADF);
  expect_failure("send on a closed descriptor", send(closed_fd, "x", 1, 0), EBADF);
  expect_failure("accept on a closed descriptor", accept(closed_fd, NULL, NULL), EBADF);
  expect_failure("fsync on a closed descriptor", fsync(closed_fd), EBADF);

  int pipe_fds[2];
  must(pipe(pipe_fds), "pipe");
  expect_failure("read on a pipe's write end", read(pipe_fds[1], buffer, 1), EBADF);
  expect_failure("write on a pipe's read end", write(pipe_fds[0], "x", 1), EBADF);
  expect_failure("pread on a pipe", pread(pipe_fds[0], buffer, 1, 0), ESPIPE);
  expect_failure("pwrite on a pipe", pwrite(pipe_fds[1], "x", 1, 0), ESPIPE);
  expect_failure("recv on a pipe", recv(pipe_fds[0], buffer, 1, 0), ENOTSOCK);
  expect_failure("send on a pipe", send(pipe_fds[1], "x", 1, 0), ENOTSOCK);
  expect_failure("accept on a pipe", accept(pipe_fds[0], NULL, NULL), ENOTSOCK);
  expect_failure("fsync on a pipe", fsync(pipe_fds[1]), EINVAL);
  expect_failure("write from an unmapped address to a pipe", write(pipe_fds[1], UNMAPPED, 8),
                 EFAULT);
  write_all(pipe_fds[1], "data", 4);
  expect_failure("read into an unmapped address from a pipe with data",
                 read(pipe_fds[0], UNMAPPED, 4), EFAULT);
  close(pipe_fds[0]);
  close(pipe_fds[1]);

  int fd = open_temp_file(0);
  write_all(fd, "file contents", 13);
  expect_failure("pread into an unmapped address from a file", pread(fd, UNMAPPED, 4, 0), EFAULT);
  expect_failure("pwrite from an unmapped address to a file", pwrite(fd, UNMAPPED, 4, 0), EFAULT);
  close(fd);

  int directory = (int)must(open("/", O_RDONLY | O_DIRECTORY), "open /");
  expect_failure("read on a directory", read(directory, buffer, sizeof buffer), EISDIR);
  close(directory);

  int null_fd = (int)must(open("/dev/null", O_RDWR), "open /dev/null");
  expect_value("read on /dev/null", read(null_fd, buffer, sizeof buffer), 0);
  expect_value("write to /dev/null", write(null_fd, "gone", 4), 4);
  close(null_fd);
  return finish();
}
