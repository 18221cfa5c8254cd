// Shared by the I/O programs: checks of calls that return -1 and set errno,
// setup steps that must not fail (die() with a message and exit 1), whole
// transfers over short reads and writes, a byte pattern to verify data, and
// loopback TCP sockets. Builds on the integration programs' checks.h
// (`failures`, expect_errno, name_of, now_ns).
//
// Every helper that reads errno is noinline and reads it first thing: it
// then computes errno's address afresh, in its own frame, after the call
// under test. A program compiled with errno's address cached across a
// blocking call could otherwise read another kernel thread's errno after
// the call returned on a different one (the per-task TLS hazard of M:N
// runtimes, which these I/O programs are not about).
#ifndef GREENSHIM_TESTS_IO_CHECKS_H
#define GREENSHIM_TESTS_IO_CHECKS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "tests/integration/programs/checks.h"

#define IO_NOINLINE __attribute__((noinline, unused))

// A setup step failed: the program cannot go on.
static void die(const char* format, ...) __attribute__((format(printf, 1, 2), noreturn, unused));
static void die(const char* format, ...) {
  va_list args;
  va_start(args, format);
  printf("FAIL: ");
  vprintf(format, args);
  printf("\n");
  va_end(args);
  fflush(stdout);
  exit(1);
}

// errno after a call that returned `result`, or 0 if it succeeded.
static IO_NOINLINE int error_of(ssize_t result) { return result < 0 ? errno : 0; }

// For a setup call returning -1 on failure: dies with errno's name.
static IO_NOINLINE ssize_t must(ssize_t result, const char* what) {
  if (result < 0) die("%s: %s", what, name_of(errno));
  return result;
}

// For pthread_* calls, which return the error.
static inline void must_pthread(int error, const char* what) {
  if (error != 0) die("%s: %s", what, name_of(error));
}

// A call expected to succeed with exactly `want` (a byte count, a number
// of ready descriptors...): prints "what: <value>" or "what: -1 ENAME".
static IO_NOINLINE void expect_value(const char* what, ssize_t result, ssize_t want) {
  int error = error_of(result);
  if (result < 0) {
    printf("%s: -1 %s\n", what, name_of(error));
  } else {
    printf("%s: %zd\n", what, result);
  }
  if (result != want) {
    printf("  FAIL: expected %zd\n", want);
    ++failures;
  }
}

// A call that returned `result` with errno `error` was expected to fail
// with `want_error`: prints "what: -1 ENAME".
static inline void expect_error(const char* what, ssize_t result, int error, int want_error) {
  if (result >= 0) {
    printf("%s: %zd\n", what, result);
    printf("  FAIL: expected -1 %s\n", name_of(want_error));
    ++failures;
    return;
  }
  expect_errno(what, error, want_error);
}

// The same, reading errno right after the call.
static IO_NOINLINE void expect_failure(const char* what, ssize_t result, int want_error) {
  expect_error(what, result, error_of(result), want_error);
}

// A condition the program asserts: prints "what: yes" or "what: no".
static inline void expect_true(const char* what, int condition) {
  printf("%s: %s\n", what, condition ? "yes" : "no");
  if (!condition) {
    printf("  FAIL: expected yes\n");
    ++failures;
  }
}

// Prints the verdict line every program ends with; the exit status.
static inline int finish(void) {
  printf("failures: %d\n", failures);
  return failures == 0 ? 0 : 1;
}

// Bounds on how long calls take. They only tell a wait that ended early,
// or a call that hung, from a correct one: lateness is a benchmark figure,
// so the bounds on it are generous.
#define AT_ONCE_BOUND_NS 1000000000LL
#define LATE_BOUND_NS 5000000000LL

// For a call begun at `start_ns` (CLOCK_MONOTONIC) that must not wait:
// prints "what: at once", or fails.
static inline void expect_at_once(const char* what, int64_t start_ns) {
  int64_t took = now_ns(CLOCK_MONOTONIC) - start_ns;
  int prompt = took <= AT_ONCE_BOUND_NS;
  printf("%s: %s\n", what, prompt ? "at once" : "LATE");
  if (!prompt) {
    printf("  FAIL: took %lld ms\n", (long long)(took / 1000000));
    ++failures;
  }
}

// For a wait begun at `start_ns` on `clock` that was due `due_ns` later:
// prints "what: not early", or fails if it ended early or hung.
static inline void expect_not_early(const char* what, clockid_t clock, int64_t start_ns,
                                    int64_t due_ns) {
  int64_t waited = now_ns(clock) - start_ns;
  int early = waited<due_ns, hung = waited> due_ns + LATE_BOUND_NS;
  printf("%s: %s\n", what, early ? "EARLY" : hung ? "LATE" : "not early");
  if (early || hung) {
    printf("  FAIL: waited %lld us of %lld us\n", (long long)(waited / 1000),
           (long long)(due_ns / 1000));
    ++failures;
  }
}

// poll's revents or epoll's events as names ("IN|HUP"; epoll's EPOLLIN,
// EPOLLOUT... have poll's values), "none" for 0. The text lives in a
// static buffer until the next call.
static inline const char* event_names(unsigned events) {
  static const struct {
    unsigned bit;
    const char* name;
  } kNames[] = {{0x001, "IN"},  {0x002, "PRI"},  {0x004, "OUT"},   {0x008, "ERR"},
                {0x010, "HUP"}, {0x020, "NVAL"}, {0x2000, "RDHUP"}};
  static char text[64];
  text[0] = '\0';
  for (size_t i = 0; i < sizeof kNames / sizeof kNames[0]; ++i) {
    if (events & kNames[i].bit) {
      if (text[0] != '\0') strcat(text, "|");
      strcat(text, kNames[i].name);
      events &= ~kNames[i].bit;
    }
  }
  if (events != 0) snprintf(text + strlen(text), sizeof text - strlen(text), "|0x%x", events);
  return text[0] != '\0' ? text : "none";
}

// Writes all `size` bytes, whatever short counts the kernel returns.
static IO_NOINLINE void write_all(int fd, const void* data, size_t size) {
  const char* bytes = data;
  while (size > 0) {
    ssize_t written = write(fd, bytes, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) die("write_all: %s", written < 0 ? name_of(errno) : "wrote 0 bytes");
    bytes += written;
    size -= (size_t)written;
  }
}

// Reads exactly `size` bytes; dies on an error or an early end of file.
static IO_NOINLINE void read_exactly(int fd, void* data, size_t size) {
  char* bytes = data;
  while (size > 0) {
    ssize_t got = read(fd, bytes, size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) die("read_exactly: %s", got < 0 ? name_of(errno) : "end of file");
    bytes += got;
    size -= (size_t)got;
  }
}

// A byte pattern that differs at every position of a long stream (not
// periodic in 256), so a lost, repeated or reordered chunk shows.
static inline unsigned char pattern_byte(uint64_t position, unsigned seed) {
  uint64_t x = position * 0x9E3779B97F4A7C15ull + seed;
  return (unsigned char)(x >> 56);
}

static inline void fill_pattern(void* data, size_t size, uint64_t first_position, unsigned seed) {
  unsigned char* bytes = data;
  for (size_t i = 0; i < size; ++i) bytes[i] = pattern_byte(first_position + i, seed);
}

// True if `data` holds the pattern from `first_position` on.
static inline int has_pattern(const void* data, size_t size, uint64_t first_position,
                              unsigned seed) {
  const unsigned char* bytes = data;
  for (size_t i = 0; i < size; ++i) {
    if (bytes[i] != pattern_byte(first_position + i, seed)) return 0;
  }
  return 1;
}

static inline pthread_t start_thread(void* (*body)(void*), void* argument) {
  pthread_t thread;
  must_pthread(pthread_create(&thread, NULL, body, argument), "pthread_create");
  return thread;
}

static inline void* join_thread(pthread_t thread) {
  void* result = NULL;
  must_pthread(pthread_join(thread, &result), "pthread_join");
  return result;
}

// Sleeps `ms` milliseconds, to let another thread reach a blocking call.
// Only ever a head start: no check depends on the other thread having got
// there in time.
static inline void pause_ms(int ms) {
  struct timespec pause = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
  }
}

// Starts a thread that writes one byte ("x") to `fd` after `ms`
// milliseconds: data that arrives while the caller waits for it. Join it
// with join_thread.
struct late_write {
  int fd;
  int ms;
};

static inline void* write_late(void* raw_request) {
  struct late_write* request = raw_request;
  pause_ms(request->ms);
  write_all(request->fd, "x", 1);
  free(request);
  return NULL;
}

static inline pthread_t start_late_write(int fd, int ms) {
  struct late_write* request = malloc(sizeof *request);
  if (request == NULL) die("start_late_write: out of memory");
  *request = (struct late_write){fd, ms};
  return start_thread(write_late, request);
}

// Creates a new empty regular file in $TMPDIR (or /tmp); its name goes
// to `path`.
static inline void create_temp_file(char* path, size_t size) {
  const char* directory = getenv("TMPDIR");
  snprintf(path, size, "%s/greenshim-io-XXXXXX",
           directory != NULL && *directory != '\0' ? directory : "/tmp");
  close((int)must(mkstemp(path), "mkstemp"));
}

// A new regular file, already unlinked, opened O_RDWR | extra_flags.
static inline int open_temp_file(int extra_flags) {
  char path[4096];
  create_temp_file(path, sizeof path);
  int fd = (int)must(open(path, O_RDWR | extra_flags), "open");
  must(unlink(path), "unlink");
  return fd;
}

// A TCP socket listening on 127.0.0.1 at a port the kernel picks;
// *port receives it (network byte order).
static inline int listen_loopback(in_port_t* port) {
  int fd = (int)must(socket(AF_INET, SOCK_STREAM, 0), "socket");
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  must(bind(fd, (struct sockaddr*)&address, sizeof address), "bind");
  must(listen(fd, 128), "listen");
  socklen_t length = sizeof address;
  must(getsockname(fd, (struct sockaddr*)&address, &length), "getsockname");
  *port = address.sin_port;
  return fd;
}

static inline struct sockaddr_in loopback_address(in_port_t port) {
  struct sockaddr_in address = {
      .sin_family = AF_INET, .sin_port = port, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  return address;
}

// A blocking TCP connection to 127.0.0.1:port.
static inline int connect_loopback(in_port_t port) {
  int fd = (int)must(socket(AF_INET, SOCK_STREAM, 0), "socket");
  struct sockaddr_in address = loopback_address(port);
  must(connect(fd, (struct sockaddr*)&address, sizeof address), "connect");
  return fd;
}

#endif
