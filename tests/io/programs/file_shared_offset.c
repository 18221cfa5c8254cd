// Checks: one regular-file descriptor whose offset eight threads share
// advances exactly as natively: the kernel serializes read and write at
// the current position of a regular file, so no two calls use the same
// offset. Eight threads write() 500 64-byte records each through the
// shared descriptor (no O_APPEND): the file ends 256,000 bytes long, the
// offset there, every record whole and once. Then, from offset 0, eight
// threads read() 64 bytes at a time until end of file: every read returns
// a whole record, each record is read exactly once, and the offset ends at
// the file's size.
#define _GNU_SOURCE
#include <stdatomic.h>

#include "tests/io/programs/io_checks.h"

#define THREADS 8
#define RECORDS 500
#define RECORD 64
#define TOTAL (THREADS * RECORDS)

static int fd;
static atomic_int reads_of[TOTAL];
static atomic_int torn_reads;

// Record number `id`: its number in text, padded, newline-terminated.
static void format_record(char* record, int id) {
  memset(record, ' ', RECORD);
  int length = snprintf(record, RECORD, "record %05d", id);
  record[length] = ' ';
  record[RECORD - 1] = '\n';
}

static int record_id(const char* record) {
  int id;
  char expected[RECORD];
  if (sscanf(record, "record %d", &id) != 1 || id < 0 || id >= TOTAL) return -1;
  format_record(expected, id);
  return memcmp(record, expected, RECORD) == 0 ? id : -1;
}

static void* write_records(void* index_pointer) {
  int index = (int)(intptr_t)index_pointer;
  char record[RECORD];
  for (int i = 0; i < RECORDS; ++i) {
    format_record(record, index * RECORDS + i);
    if (write(fd, record, RECORD) != RECORD) die("write: %s", name_of(errno));
  }
  return NULL;
}

static void* read_records(void* unused) {
  (void)unused;
  char record[RECORD];
  ssize_t got;
  while ((got = read(fd, record, RECORD)) > 0) {
    int id = got == RECORD ? record_id(record) : -1;
    if (id < 0) {
      atomic_fetch_add(&torn_reads, 1);
    } else {
      atomic_fetch_add(&reads_of[id], 1);
    }
  }
  if (got < 0) die("read: %s", name_of(errno));
  return NULL;
}

static void run_threads(void* (*body)(void*)) {
  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; ++i) threads[i] = start_thread(body, (void*)(intptr_t)i);
  for (int i = 0; i < THREADS; ++i) join_thread(threads[i]);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  fd = open_temp_file(0);

  run_threads(write_records);
  expect_value("offset after 8 threads wrote 500 records each", lseek(fd, 0, SEEK_CUR),
               TOTAL * RECORD);
  expect_value("file size", lseek(fd, 0, SEEK_END), TOTAL * RECORD);
  static char contents[TOTAL * RECORD];
  if (pread(fd, contents, sizeof contents, 0) != sizeof contents) die("pread");
  static unsigned char written[TOTAL];
  int whole = 1;
  for (int i = 0; i < TOTAL; ++i) {
    int id = record_id(contents + i * RECORD);
    if (id < 0) {
      whole = 0;
    } else {
      written[id]++;
    }
  }
  int each_once = 1;
  for (int i = 0; i < TOTAL; ++i) each_once &= written[i] == 1;
  expect_true("every written record whole", whole);
  expect_true("every record written exactly once", each_once);

  must(lseek(fd, 0, SEEK_SET), "lseek");
  run_threads(read_records);
  expect_value("reads that were not one whole record", atomic_load(&torn_reads), 0);
  each_once = 1;
  for (int i = 0; i < TOTAL; ++i) each_once &= atomic_load(&reads_of[i]) == 1;
  expect_true("every record read exactly once", each_once);
  expect_value("offset after reading to the end", lseek(fd, 0, SEEK_CUR), TOTAL * RECORD);
  close(fd);
  return finish();
}
