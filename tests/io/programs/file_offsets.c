// Checks: reads and writes of a regular file at offsets. pwrite at
// scattered offsets (leaving a hole that reads back as zeros) and pread at
// offsets return full counts and never move the file offset; read and
// write advance it by what they transferred; lseek moves it; a read across
// the end of the file is short, and read at the end, or pread past it,
// returns 0. Four threads then pwrite and pread their own interleaved
// 4 KiB blocks of one descriptor concurrently, and every block reads back
// as its writer wrote it.
#define _GNU_SOURCE
#include "tests/io/programs/io_checks.h"

#define BLOCK 4096
#define BLOCKS_PER_THREAD 64
#define THREADS 4

static int fd;

static off_t offset_now(void) { return lseek(fd, 0, SEEK_CUR); }

static void* write_then_read_own_blocks(void* index_pointer) {
  int index = (int)(intptr_t)index_pointer;
  char block[BLOCK], back[BLOCK];
  for (int i = 0; i < BLOCKS_PER_THREAD; ++i) {
    off_t offset = (off_t)(i * THREADS + index) * BLOCK;
    fill_pattern(block, BLOCK, (uint64_t)offset, 7);
    if (pwrite(fd, block, BLOCK, offset) != BLOCK) die("pwrite at %lld", (long long)offset);
  }
  int intact = 1;
  for (int i = 0; i < BLOCKS_PER_THREAD; ++i) {
    off_t offset = (off_t)(i * THREADS + index) * BLOCK;
    if (pread(fd, back, BLOCK, offset) != BLOCK) die("pread at %lld", (long long)offset);
    intact &= has_pattern(back, BLOCK, (uint64_t)offset, 7);
  }
  return (void*)(intptr_t)intact;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  fd = open_temp_file(0);
  char buffer[64];

  expect_value("pwrite of 5 bytes at offset 100", pwrite(fd, "hello", 5, 100), 5);
  expect_value("pwrite of 5 bytes at offset 10", pwrite(fd, "world", 5, 10), 5);
  expect_value("offset after the pwrites", offset_now(), 0);
  expect_value("pread of 5 bytes at offset 100", pread(fd, buffer, 5, 100), 5);
  expect_true("contents at 100", memcmp(buffer, "hello", 5) == 0);
  expect_value("pread of 10 bytes at offset 40 (in the hole)", pread(fd, buffer, 10, 40), 10);
  expect_true("the hole reads as zeros", memcmp(buffer, "\0\0\0\0\0\0\0\0\0\0", 10) == 0);
  expect_value("pread of 64 bytes at offset 102 (across the end)",
               pread(fd, buffer, sizeof buffer, 102), 3);
  expect_value("pread past the end", pread(fd, buffer, sizeof buffer, 1000), 0);
  expect_value("offset after the preads", offset_now(), 0);

  expect_value("read of 12 bytes", read(fd, buffer, 12), 12);
  expect_value("offset after the read", offset_now(), 12);
  expect_true("contents at 10", memcmp(buffer + 10, "wo", 2) == 0);
  expect_value("write of 3 bytes", write(fd, "XYZ", 3), 3);
  expect_value("offset after the write", offset_now(), 15);
  expect_value("pread of what write put at 12", pread(fd, buffer, 3, 12), 3);
  expect_true("contents at 12", memcmp(buffer, "XYZ", 3) == 0);
  expect_value("lseek to 98", lseek(fd, 98, SEEK_SET), 98);
  expect_value("read of 64 bytes at 98 (across the end)", read(fd, buffer, sizeof buffer), 7);
  expect_value("offset at the end", offset_now(), 105);
  expect_value("read at the end", read(fd, buffer, sizeof buffer), 0);
  expect_value("offset still at the end", offset_now(), 105);

  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; ++i) {
    threads[i] = start_thread(write_then_read_own_blocks, (void*)(intptr_t)i);
  }
  int intact = 0;
  for (int i = 0; i < THREADS; ++i) intact += (int)(intptr_t)join_thread(threads[i]);
  expect_value("threads whose interleaved blocks read back intact", intact, THREADS);
  expect_value("offset untouched by their pwrite/pread", offset_now(), 105);
  close(fd);
  return finish();
}
