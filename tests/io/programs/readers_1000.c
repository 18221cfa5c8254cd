// Checks: 1,000 threads each blocked in read on a pipe of its own do not
// stop the program: while they all wait, a CPU-bound thread runs to the
// end (its checksum is printed) and no reader has returned; then main
// writes one byte to every pipe, in reverse order, and each reader returns
// with exactly its byte. Meant to run preloaded with GREENSHIM_WORKERS=1,
// where one worker must keep running other threads while every reader is
// parked: a read that blocked the worker would hang the program.
#define _GNU_SOURCE
#include <stdatomic.h>
#include <sys/resource.h>

#include "tests/io/programs/io_checks.h"

#define READERS 1000
#define CPU_ITERATIONS 50000000L

static int pipes[READERS][2];
static atomic_int started;
static atomic_int returned;

static void* read_own_pipe(void* index_pointer) {
  int index = (int)(intptr_t)index_pointer;
  atomic_fetch_add(&started, 1);
  unsigned char byte;
  ssize_t got = read(pipes[index][0], &byte, 1);
  atomic_fetch_add(&returned, 1);
  return (void*)(intptr_t)(got == 1 && byte == (unsigned char)(index * 7));
}

// Pure computation that never calls into libc: a linear congruential
// generator's state after CPU_ITERATIONS steps.
static void* compute(void* result) {
  uint64_t state = 1;
  for (long i = 0; i < CPU_ITERATIONS; ++i)
    state = state * 6364136223846793005ull + 1442695040888963407ull;
  *(uint64_t*)result = state;
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  // Two descriptors per reader: more than a default soft limit of 1,024.
  struct rlimit files;
  must(getrlimit(RLIMIT_NOFILE, &files), "getrlimit");
  files.rlim_cur = files.rlim_max;
  must(setrlimit(RLIMIT_NOFILE, &files), "setrlimit");
  for (int i = 0; i < READERS; ++i) must(pipe(pipes[i]), "pipe");

  static pthread_t readers[READERS];
  for (int i = 0; i < READERS; ++i) readers[i] = start_thread(read_own_pipe, (void*)(intptr_t)i);
  while (atomic_load(&started) < READERS) pause_ms(1);
  pause_ms(50);  // a head start into read for the last ones
  printf("readers started: %d\n", atomic_load(&started));

  uint64_t checksum = 0;
  join_thread(start_thread(compute, &checksum));
  printf("CPU-bound thread finished, checksum %016llx\n", (unsigned long long)checksum);
  expect_value("readers returned meanwhile", atomic_load(&returned), 0);

  for (int i = READERS - 1; i >= 0; --i) {
    unsigned char byte = (unsigned char)(i * 7);
    write_all(pipes[i][1], &byte, 1);
  }
  int correct = 0;
  for (int i = 0; i < READERS; ++i) correct += (int)(intptr_t)join_thread(readers[i]);
  expect_value("readers released, each with its own byte", correct, READERS);
  for (int i = 0; i < READERS; ++i) {
    close(pipes[i][0]);
    close(pipes[i][1]);
  }
  return finish();
}
