// Checks: O_APPEND. Each write lands at the end of the file, whatever the
// offset was (lseek to 0 first changes nothing), and leaves the offset at
// the new end. Eight threads appending 500 records each through one shared
// O_APPEND descriptor, and eight more through descriptors of their own,
// never overwrite one another: the file ends exactly 8,000 records long
// and every record is whole and appears once. pwrite on an O_APPEND
// descriptor appends as well, ignoring its offset (Linux's behaviour).
#define _GNU_SOURCE
#include <sys/stat.h>

#include "tests/io/programs/io_checks.h"

#define THREADS 8
#define RECORDS 500
#define RECORD 32

static int shared_fd;
static char path[4096];

struct appender {
  int thread;
  int own_descriptor;
};

// A record: "t<thread> r<record>" padded with '.', ending in '\n'.
static void format_record(char* record, int thread, int index) {
  memset(record, '.', RECORD);
  int length = snprintf(record, RECORD, "t%02d r%04d", thread, index);
  record[length] = '.';
  record[RECORD - 1] = '\n';
}

static void* append_records(void* argument) {
  const struct appender* appender = argument;
  int fd =
      appender->own_descriptor ? (int)must(open(path, O_WRONLY | O_APPEND), "open") : shared_fd;
  char record[RECORD];
  for (int i = 0; i < RECORDS; ++i) {
    format_record(record, appender->thread, i);
    if (write(fd, record, RECORD) != RECORD) die("append: %s", name_of(errno));
  }
  if (appender->own_descriptor) close(fd);
  return NULL;
}

static off_t file_size(int fd) {
  struct stat status;
  must(fstat(fd, &status), "fstat");
  return status.st_size;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  create_temp_file(path, sizeof path);
  shared_fd = (int)must(open(path, O_RDWR | O_APPEND), "open");

  expect_value("write of 4 bytes", write(shared_fd, "head", 4), 4);
  expect_value("lseek to 0", lseek(shared_fd, 0, SEEK_SET), 0);
  expect_value("write of 4 more bytes", write(shared_fd, "tail", 4), 4);
  expect_value("offset after the write (the end)", lseek(shared_fd, 0, SEEK_CUR), 8);
  expect_value("pwrite of 3 bytes at offset 0", pwrite(shared_fd, "end", 3, 0), 3);
  char start[12] = {0};
  expect_value("pread of the first 11 bytes", pread(shared_fd, start, 11, 0), 11);
  expect_true("the file holds headtailend", strcmp(start, "headtailend") == 0);
  must(ftruncate(shared_fd, 0), "ftruncate");

  pthread_t threads[2 * THREADS];
  struct appender appenders[2 * THREADS];
  for (int i = 0; i < 2 * THREADS; ++i) {
    appenders[i] = (struct appender){i, i >= THREADS};
    threads[i] = start_thread(append_records, &appenders[i]);
  }
  for (int i = 0; i < 2 * THREADS; ++i) join_thread(threads[i]);
  expect_value("file size after 16 threads appended 500 records each", file_size(shared_fd),
               2 * THREADS * RECORDS * RECORD);

  static char contents[2 * THREADS * RECORDS * RECORD];
  static unsigned char seen[2 * THREADS][RECORDS];
  if (pread(shared_fd, contents, sizeof contents, 0) != sizeof contents) die("pread");
  int whole = 1;
  for (size_t offset = 0; offset < sizeof contents; offset += RECORD) {
    int thread, index;
    char expected[RECORD];
    if (sscanf(contents + offset, "t%d r%d", &thread, &index) != 2 || thread < 0 ||
        thread >= 2 * THREADS || index < 0 || index >= RECORDS) {
      whole = 0;
      continue;
    }
    format_record(expected, thread, index);
    whole &= memcmp(contents + offset, expected, RECORD) == 0;
    seen[thread][index]++;
  }
  int each_once = 1;
  for (int t = 0; t < 2 * THREADS; ++t) {
    for (int r = 0; r < RECORDS; ++r) each_once &= seen[t][r] == 1;
  }
  expect_true("every record whole", whole);
  expect_true("every record exactly once", each_once);
  close(shared_fd);
  unlink(path);
  return finish();
}
