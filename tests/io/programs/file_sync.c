// Checks: fsync and fdatasync on a regular file that threads are writing
// return 0, and what was written before reads back afterwards; fsync on a
// descriptor opened read-only also returns 0; fdatasync on a pipe fails
// with EINVAL, and on a closed descriptor with EBADF.
#define _GNU_SOURCE
#include "tests/io/programs/io_checks.h"

#define THREADS 4
#define BLOCK 8192

static int fd;

static void* write_and_sync(void* index_pointer) {
  int index = (int)(intptr_t)index_pointer;
  char block[BLOCK];
  fill_pattern(block, BLOCK, (uint64_t)index * BLOCK, 8);
  if (pwrite(fd, block, BLOCK, (off_t)index * BLOCK) != BLOCK) die("pwrite");
  int synced = (index % 2 ? fsync(fd) : fdatasync(fd)) == 0;
  return (void*)(intptr_t)synced;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char path[4096];
  create_temp_file(path, sizeof path);
  fd = (int)must(open(path, O_RDWR), "open");

  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; ++i) {
    threads[i] = start_thread(write_and_sync, (void*)(intptr_t)i);
  }
  int synced = 0;
  for (int i = 0; i < THREADS; ++i) synced += (int)(intptr_t)join_thread(threads[i]);
  expect_value("threads whose fsync or fdatasync returned 0", synced, THREADS);
  expect_value("fsync", fsync(fd), 0);
  expect_value("fdatasync", fdatasync(fd), 0);
  static char back[THREADS * BLOCK];
  expect_value("pread of everything", pread(fd, back, sizeof back, 0), sizeof back);
  expect_true("contents as written", has_pattern(back, sizeof back, 0, 8));
  close(fd);

  int read_only = (int)must(open(path, O_RDONLY), "open");
  expect_value("fsync on a read-only descriptor", fsync(read_only), 0);
  close(read_only);
  unlink(path);

  int pipe_fds[2];
  must(pipe(pipe_fds), "pipe");
  expect_failure("fdatasync on a pipe", fdatasync(pipe_fds[0]), EINVAL);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  expect_failure("fdatasync on a closed descriptor", fdatasync(pipe_fds[0]), EBADF);
  return finish();
}
