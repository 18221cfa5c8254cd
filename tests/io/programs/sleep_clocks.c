// Checks: every sleep lasts at least as long as asked, measured on the
// clock it sleeps on, and ends (a generous bound against hangs, not a
// timing goal). nanosleep; clock_nanosleep relative and TIMER_ABSTIME on
// CLOCK_REALTIME, CLOCK_MONOTONIC and CLOCK_BOOTTIME; usleep; sleep(1).
// Each in the main thread and again in 20 threads sleeping at once. An
// absolute deadline already past and a zero duration return at once.
#define _GNU_SOURCE
#include <stdatomic.h>

#include "tests/io/programs/io_checks.h"

#define SLEEP_MS 30
#define SLEEPERS 20

enum kind {
  NANOSLEEP,
  REALTIME_RELATIVE,
  REALTIME_ABSOLUTE,
  MONOTONIC_RELATIVE,
  MONOTONIC_ABSOLUTE,
  BOOTTIME_RELATIVE,
  BOOTTIME_ABSOLUTE,
  USLEEP,
  KINDS
};

static const struct {
  const char* name;
  clockid_t clock;
  int absolute;
} kKinds[KINDS] = {
    {"nanosleep", CLOCK_MONOTONIC, 0},
    {"clock_nanosleep CLOCK_REALTIME relative", CLOCK_REALTIME, 0},
    {"clock_nanosleep CLOCK_REALTIME TIMER_ABSTIME", CLOCK_REALTIME, 1},
    {"clock_nanosleep CLOCK_MONOTONIC relative", CLOCK_MONOTONIC, 0},
    {"clock_nanosleep CLOCK_MONOTONIC TIMER_ABSTIME", CLOCK_MONOTONIC, 1},
    {"clock_nanosleep CLOCK_BOOTTIME relative", CLOCK_BOOTTIME, 0},
    {"clock_nanosleep CLOCK_BOOTTIME TIMER_ABSTIME", CLOCK_BOOTTIME, 1},
    {"usleep", CLOCK_MONOTONIC, 0},
};

static struct timespec from_ns(int64_t ns) {
  return (struct timespec){ns / 1000000000, ns % 1000000000};
}

// Sleeps `kind` for SLEEP_MS; the result as the call reports it (0 or an
// error number).
static int sleep_once(enum kind kind, int64_t start_ns) {
  struct timespec duration = from_ns(SLEEP_MS * 1000000LL);
  struct timespec deadline = from_ns(start_ns + SLEEP_MS * 1000000LL);
  switch (kind) {
    case NANOSLEEP:
      return nanosleep(&duration, NULL) == 0 ? 0 : error_of(-1);
    case USLEEP:
      return usleep(SLEEP_MS * 1000) == 0 ? 0 : error_of(-1);
    default:
      return clock_nanosleep(kKinds[kind].clock, kKinds[kind].absolute ? TIMER_ABSTIME : 0,
                             kKinds[kind].absolute ? &deadline : &duration, NULL);
  }
}

static atomic_int early_or_failed;

static void* sleeper(void* kind_pointer) {
  enum kind kind = (enum kind)(intptr_t)kind_pointer;
  clockid_t clock = kKinds[kind].clock;
  int64_t start = now_ns(clock);
  int result = sleep_once(kind, start);
  if (result != 0 || now_ns(clock) - start < SLEEP_MS * 1000000LL) {
    atomic_fetch_add(&early_or_failed, 1);
  }
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char label[128];
  for (int kind = 0; kind < KINDS; ++kind) {
    clockid_t clock = kKinds[kind].clock;
    int64_t start = now_ns(clock);
    snprintf(label, sizeof label, "%s %d ms", kKinds[kind].name, SLEEP_MS);
    expect(label, sleep_once((enum kind)kind, start), 0);
    expect_not_early("  returned", clock, start, SLEEP_MS * 1000000LL);

    atomic_store(&early_or_failed, 0);
    pthread_t threads[SLEEPERS];
    for (int i = 0; i < SLEEPERS; ++i) threads[i] = start_thread(sleeper, (void*)(intptr_t)kind);
    for (int i = 0; i < SLEEPERS; ++i) join_thread(threads[i]);
    snprintf(label, sizeof label, "  in %d threads at once, early or failed", SLEEPERS);
    expect_value(label, atomic_load(&early_or_failed), 0);
  }

  int64_t start = now_ns(CLOCK_MONOTONIC);
  expect_value("sleep(1)", sleep(1), 0);
  expect_not_early("  returned", CLOCK_MONOTONIC, start, 1000000000LL);

  struct timespec past = from_ns(now_ns(CLOCK_MONOTONIC) - 1000000000LL);
  start = now_ns(CLOCK_MONOTONIC);
  expect("clock_nanosleep TIMER_ABSTIME, deadline passed",
         clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL), 0);
  expect_at_once("  returned", start);
  struct timespec zero = {0, 0};
  start = now_ns(CLOCK_MONOTONIC);
  expect_value("nanosleep of zero", nanosleep(&zero, NULL), 0);
  expect_at_once("  returned", start);
  start = now_ns(CLOCK_MONOTONIC);
  expect_value("usleep(0)", usleep(0), 0);
  expect_at_once("  returned", start);
  return finish();
}
