// Shared by the programs that check return values one line at a time:
// a failure count, printing of symbolic error names, deadlines on a clock,
// a signal handler that counts, and running one call in another thread; and, for the programs that load
// libraries built next to them, the path of such a library. Each program prints every check
// and exits non-zero when `failures` is not zero.
#ifndef GREENSHIM_TESTS_CHECKS_H
#define GREENSHIM_TESTS_CHECKS_H

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures;

static inline const char* name_of(int error) {
  if (error == 0) return "0";
  const char* name = strerrorname_np(error);
  return name ? name : "?";
}

static inline void expect(const char* what, int got, int want) {
  printf("%s: %s\n", what, name_of(got));
  if (got != want) {
    printf("  FAIL: expected %s\n", name_of(want));
    ++failures;
  }
}

// For a condition: "yes" or "no".
static inline void expect_yes(const char* what, int condition) {
  printf("%s: %s\n", what, condition ? "yes" : "no");
  if (!condition) {
    printf("  FAIL: expected yes\n");
    ++failures;
  }
}

// For the calls that return -1 and set errno: "-1 ENAME" or "0".
static inline void expect_errno(const char* what, int error, int want) {
  if (error == 0) {
    printf("%s: 0\n", what);
  } else {
    printf("%s: -1 %s\n", what, name_of(error));
  }
  if (error != want) {
    printf("  FAIL: expected %s\n", name_of(want));
    ++failures;
  }
}

static inline int64_t now_ns(clockid_t clock) {
  struct timespec now;
  clock_gettime(clock, &now);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static inline struct timespec in_ms(clockid_t clock, int ms) {
  int64_t t = now_ns(clock) + (int64_t)ms * 1000000;
  struct timespec ts = {t / 1000000000, t % 1000000000};
  return ts;
}

static inline int64_t ns_of(const struct timespec* ts) {
  return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

// "ETIMEDOUT, not early" when the clock has reached the deadline.
static inline void expect_timeout_not_early(const char* what, int got, clockid_t clock,
                                     const struct timespec* deadline) {
  int64_t after = now_ns(clock);
  int early = after < ns_of(deadline);
  printf("%s: %s, %s\n", what, name_of(got), early ? "EARLY" : "not early");
  if (got != ETIMEDOUT) {
    printf("  FAIL: expected ETIMEDOUT\n");
    ++failures;
  }
  if (early) {
    printf("  FAIL: returned %lld ns before the deadline\n", (long long)(ns_of(deadline) - after));
    ++failures;
  }
}

static inline void sleep_ms(long ms) {
  struct timespec duration = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&duration, NULL);
}

// Installs `handler` for `signal` (no flags: no SA_RESTART), as a check.
static inline void expect_handler_installed(int signal, void (*handler)(int)) {
  struct sigaction action = {0};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  expect_errno("sigaction", sigaction(signal, &action, NULL) ? errno : 0, 0);
}

// A handler that counts the signals it handled, in signals_handled().
static inline atomic_int* signals_handled(void) {
  static atomic_int count;
  return &count;
}
static inline void count_signal(int signal) {
  (void)signal;
  atomic_fetch_add(signals_handled(), 1);
}

// Runs fn(arg) in a new thread and returns its result.
typedef int (*operation)(void*);
struct call {
  operation fn;
  void* arg;
  int result;
};
static inline void* call_body(void* p) {
  struct call* c = p;
  c->result = c->fn(c->arg);
  return NULL;
}
static inline int in_other_thread(operation fn, void* arg) {
  struct call c = {fn, arg, -12345};
  pthread_t thread;
  if (pthread_create(&thread, NULL, call_body, &c) != 0 || pthread_join(thread, NULL) != 0) {
    printf("FAIL: could not run a helper thread\n");
    ++failures;
  }
  return c.result;
}

// `name` in this program's own directory, written to `path`; 0 if
// /proc/self/exe cannot be read.
static inline int beside_this_program(const char* name, char* path, size_t size) {
  char self[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  if (length <= 0) return 0;
  self[length] = '\0';
  snprintf(path, size, "%s/%s", dirname(self), name);
  return 1;
}

#endif
