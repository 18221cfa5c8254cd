// Helpers shared by the bench/pthread programs: a monotonic clock, argument
// parsing and the one output format. Plain C and pthreads only; the programs
// know nothing about greenshim, so the same binary runs natively and preloaded.
//
// Output contract: stdout carries only lines `metric <name> <value> <unit>`
// (scripts/compare.sh parses them); diagnostics go to stderr.
#ifndef GREENSHIM_BENCH_PTHREAD_COMMON_H_
#define GREENSHIM_BENCH_PTHREAD_COMMON_H_

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// argv[index] as a positive count, or `fallback` when absent. Exits 2 on junk.
static inline long arg_count(int argc, char** argv, int index, long fallback) {
  if (index >= argc) return fallback;
  char* end = NULL;
  errno = 0;
  long value = strtol(argv[index], &end, 10);
  if (errno != 0 || end == argv[index] || *end != '\0' || value <= 0) {
    fprintf(stderr, "%s: argument %d must be a positive integer, got '%s'\n", argv[0], index,
            argv[index]);
    exit(2);
  }
  return value;
}

static inline void metric(const char* name, double value, const char* unit) {
  printf("metric %s %.1f %s\n", name, value, unit);
}

static inline void metric_count(const char* name, long value, const char* unit) {
  printf("metric %s %ld %s\n", name, value, unit);
}

// Aborts with a message when a pthread call that must not fail does.
static inline void check(int rc, const char* what) {
  if (rc != 0) {
    fprintf(stderr, "%s failed: %s\n", what, strerror(rc));
    exit(1);
  }
}

#endif  // GREENSHIM_BENCH_PTHREAD_COMMON_H_
