// Shared by the bench/parsec programs: the command line (-i SIZE -n THREADS),
// a deterministic PRNG, the result checksum, the clock and the one output
// format. Kept in one header so the eight programs agree on all of these
// without copies. Plain C and pthreads only: the programs know nothing about
// greenshim, so the same binary runs natively and preloaded.
//
// Output contract (stdout, one `key value` pair per line, in this order;
// scripts/parsec and tests/parsec parse it):
//   program   <name>
//   input     test|simsmall|simmedium|simlarge
//   threads   <the -n value>
//   pthreads  <threads the program creates in total>
//   ...       informational lines a program adds (sizes, quality measures)
//   valid     yes|no              (only programs whose result is racy by design)
//   checksum  <16 hex digits>     (FNV-1a over the result, see below)
//   elapsed   <seconds, 6 decimals>  (the parallel region only: from before the
//                                     first pthread_create to after the last join;
//                                     setup before it, such as generating the
//                                     input, is excluded)
// Diagnostics go to stderr. Exit status 2 on a usage error, 1 on a failed
// pthread call or a result that fails its self-check.
#ifndef GREENSHIM_BENCH_PARSEC_PARSEC_COMMON_H_
#define GREENSHIM_BENCH_PARSEC_PARSEC_COMMON_H_

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// ---- Command line --------------------------------------------------------

enum input_size { INPUT_TEST, INPUT_SIMSMALL, INPUT_SIMMEDIUM, INPUT_SIMLARGE, INPUT_SIZE_COUNT };

static const char* const input_size_names[INPUT_SIZE_COUNT] = {"test", "simsmall", "simmedium",
                                                               "simlarge"};

// Upper bound on -n: far above the 16x-oversubscribed case, low enough that
// a typo cannot ask for a million threads per pipeline stage.
enum { MAX_THREADS = 1024 };

struct bench_args {
  const char* program;
  enum input_size input;
  int threads;
};

static inline void usage_error(const char* program, const char* problem) {
  fprintf(stderr,
          "%s: %s\n"
          "usage: %s -i test|simsmall|simmedium|simlarge -n THREADS\n"
          "  -i  input size (generated in memory; no files)\n"
          "  -n  thread count, 1..%d\n",
          program, problem, program, MAX_THREADS);
  exit(2);
}

// Parses `-i SIZE -n THREADS` (both required, any order) or exits 2.
static inline struct bench_args parse_bench_args(int argc, char** argv, const char* program) {
  struct bench_args args = {program, INPUT_SIZE_COUNT, 0};
  char problem[160];
  for (int i = 1; i < argc; i++) {
    const char* flag = argv[i];
    if (strcmp(flag, "-h") == 0 || strcmp(flag, "--help") == 0) usage_error(program, "help");
    if (strcmp(flag, "-i") != 0 && strcmp(flag, "-n") != 0) {
      snprintf(problem, sizeof problem, "unknown argument '%s'", flag);
      usage_error(program, problem);
    }
    if (i + 1 >= argc) {
      snprintf(problem, sizeof problem, "%s needs a value", flag);
      usage_error(program, problem);
    }
    const char* value = argv[++i];
    if (flag[1] == 'i') {
      args.input = INPUT_SIZE_COUNT;
      for (int s = 0; s < INPUT_SIZE_COUNT; s++) {
        if (strcmp(value, input_size_names[s]) == 0) args.input = (enum input_size)s;
      }
      if (args.input == INPUT_SIZE_COUNT) {
        snprintf(problem, sizeof problem, "unknown input size '%s'", value);
        usage_error(program, problem);
      }
    } else {
      char* end = NULL;
      errno = 0;
      long threads = strtol(value, &end, 10);
      if (errno != 0 || end == value || *end != '\0' || threads < 1 || threads > MAX_THREADS) {
        snprintf(problem, sizeof problem, "-n needs a thread count from 1 to %d, got '%s'",
                 MAX_THREADS, value);
        usage_error(program, problem);
      }
      args.threads = (int)threads;
    }
  }
  if (args.input == INPUT_SIZE_COUNT) usage_error(program, "missing -i");
  if (args.threads == 0) usage_error(program, "missing -n");
  return args;
}

// ---- Failing loudly --------------------------------------------------------

// Exits 1 when a pthread call that must not fail does.
static inline void check(int rc, const char* what) {
  if (rc != 0) {
    fprintf(stderr, "%s failed: %s\n", what, strerror(rc));
    exit(1);
  }
}

static inline void* checked_calloc(size_t count, size_t size) {
  void* memory = calloc(count, size);
  if (memory == NULL && count != 0 && size != 0) {
    fprintf(stderr, "out of memory (%zu x %zu bytes)\n", count, size);
    exit(1);
  }
  return memory;
}

// Starts `count` threads; thread i runs body(args + i * arg_size), so each
// gets its own slot of a caller-owned array of per-thread arguments.
static inline void start_threads(pthread_t* ids, int count, void* (*body)(void*), void* args,
                                 size_t arg_size) {
  for (int i = 0; i < count; i++) {
    check(pthread_create(&ids[i], NULL, body, (char*)args + (size_t)i * arg_size),
          "pthread_create");
  }
}

static inline void join_threads(const pthread_t* ids, int count) {
  for (int i = 0; i < count; i++) check(pthread_join(ids[i], NULL), "pthread_join");
}

// ---- Deterministic PRNG ------------------------------------------------------
// SplitMix64: one 64-bit word of state, so every item (an option, a swaption,
// a query...) can own a generator seeded from its index, and results do not
// depend on which thread computes the item or in what order.

struct rng {
  uint64_t state;
};

static inline uint64_t rng_next(struct rng* rng) {
  uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A generator for item `index` of stream `stream`: distinct (stream, index)
// pairs give unrelated sequences.
static inline struct rng rng_for(uint64_t stream, uint64_t index) {
  struct rng seeder = {stream * 0xd1b54a32d192ed03ULL ^ index};
  struct rng rng = {rng_next(&seeder)};
  return rng;
}

// Uniform in [0, 1), 53 random bits.
static inline double rng_uniform(struct rng* rng) {
  return (double)(rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

// Uniform in [0, bound), bound > 0 (the tiny modulo bias does not matter here).
static inline uint64_t rng_below(struct rng* rng, uint64_t bound) { return rng_next(rng) % bound; }

// ---- Checksum ------------------------------------------------------------------
// FNV-1a over the bytes of the result, fed in a fixed order (item index
// order, never thread order), so equal results give equal checksums.

struct checksum {
  uint64_t hash;
};

static inline struct checksum checksum_start(void) {
  struct checksum sum = {0xcbf29ce484222325ULL};
  return sum;
}

static inline void checksum_bytes(struct checksum* sum, const void* data, size_t length) {
  const unsigned char* bytes = (const unsigned char*)data;
  for (size_t i = 0; i < length; i++) {
    sum->hash = (sum->hash ^ bytes[i]) * 0x100000001b3ULL;
  }
}

static inline void checksum_u64(struct checksum* sum, uint64_t value) {
  checksum_bytes(sum, &value, sizeof value);
}

// Doubles are hashed bit for bit: the programs compute every value the same
// way whatever the thread count, so even the last bit must agree.
static inline void checksum_double(struct checksum* sum, double value) {
  checksum_bytes(sum, &value, sizeof value);
}

// ---- Clock and report ----------------------------------------------------------

static inline double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

// Prints the header lines of the output contract; call before report_result.
static inline void report_run(const struct bench_args* args, long pthreads_created) {
  printf("program %s\ninput %s\nthreads %d\npthreads %ld\n", args->program,
         input_size_names[args->input], args->threads, pthreads_created);
}

static inline void report_result(struct checksum sum, double elapsed_seconds) {
  printf("checksum %016llx\nelapsed %.6f\n", (unsigned long long)sum.hash, elapsed_seconds);
}

// The split of `count` items into `parts` contiguous blocks as even as
// possible: block `part` is [*begin, *end).
static inline void block_range(long count, int parts, int part, long* begin, long* end) {
  long base = count / parts, extra = count % parts;
  *begin = part * base + (part < extra ? part : extra);
  *end = *begin + base + (part < extra ? 1 : 0);
}

#endif  // GREENSHIM_BENCH_PARSEC_PARSEC_COMMON_H_
