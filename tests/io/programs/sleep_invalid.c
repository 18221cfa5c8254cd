// Checks: the sleep calls reject bad arguments as natively. nanosleep
// with tv_nsec of 1,000,000,000 or -1, or tv_sec -1, fails with EINVAL;
// clock_nanosleep returns EINVAL (its result, not errno) for such a
// duration, relative or TIMER_ABSTIME, for an unknown clock and for the
// calling thread's CPU-time clock. A nanosleep that no signal interrupts
// leaves its `rem` argument unwritten.
#define _GNU_SOURCE
#include "tests/io/programs/io_checks.h"

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct timespec too_many_ns = {0, 1000000000L};
  struct timespec negative_ns = {0, -1};
  struct timespec negative_s = {-1, 0};

  expect_failure("nanosleep, tv_nsec 1000000000", nanosleep(&too_many_ns, NULL), EINVAL);
  expect_failure("nanosleep, tv_nsec -1", nanosleep(&negative_ns, NULL), EINVAL);
  expect_failure("nanosleep, tv_sec -1", nanosleep(&negative_s, NULL), EINVAL);
  expect("clock_nanosleep, tv_nsec 1000000000",
         clock_nanosleep(CLOCK_MONOTONIC, 0, &too_many_ns, NULL), EINVAL);
  expect("clock_nanosleep TIMER_ABSTIME, tv_nsec -1",
         clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &negative_ns, NULL), EINVAL);
  struct timespec short_sleep = {0, 1000000L};
  expect("clock_nanosleep, unknown clock 1234", clock_nanosleep(1234, 0, &short_sleep, NULL),
         EINVAL);
  expect("clock_nanosleep, CLOCK_THREAD_CPUTIME_ID",
         clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &short_sleep, NULL), EINVAL);

  struct timespec remaining = {12345, 678};
  expect_value("nanosleep of 1 ms with rem", nanosleep(&short_sleep, &remaining), 0);
  expect_true("  rem left as it was", remaining.tv_sec == 12345 && remaining.tv_nsec == 678);
  return finish();
}
