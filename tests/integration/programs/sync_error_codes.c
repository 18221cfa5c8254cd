// Checks: the error codes of mutexes, condition variables and semaphores,
// one line per check with the symbolic result (only checks where glibc 2.36
// gives the POSIX answer):
//  - errorcheck mutex: relock -> EDEADLK; trylock by the owner -> EBUSY;
//    unlock from another thread -> EPERM; unlock while unlocked -> EPERM;
//  - recursive mutex: lock depth 5 then 5 unlocks; another thread's trylock
//    -> EBUSY while held, 0 once released; unlock from another thread ->
//    EPERM; one unlock too many -> EPERM;
//  - normal mutex: trylock while another thread holds it -> EBUSY;
//  - destroying a locked mutex (normal and errorcheck) -> EBUSY;
//  - timedlock with tv_nsec out of range (1e9 and -1) on a locked mutex ->
//    EINVAL; clocklock with a CPU-time clock on a locked mutex -> EINVAL;
//  - timedlock of a held mutex (CLOCK_REALTIME, 50 ms) -> ETIMEDOUT, and
//    never early (the clock read after the return is >= the deadline);
//    timedlock with a past deadline on a free mutex -> 0;
//  - pthread_cond_timedwait, default clock (CLOCK_REALTIME) and
//    CLOCK_MONOTONIC (pthread_condattr_setclock) -> ETIMEDOUT never early,
//    the mutex held again afterwards; tv_nsec out of range -> EINVAL;
//  - pthread_cond_timedwait on an errorcheck mutex the caller does not hold
//    -> EPERM;
//  - sem_init at SEM_VALUE_MAX then sem_post -> -1/EOVERFLOW;
//    sem_trywait on 0 -> -1/EAGAIN; sem_timedwait on 0 (50 ms) ->
//    -1/ETIMEDOUT never early; sem_timedwait with tv_nsec out of range on 0
//    -> -1/EINVAL;
//  - the static initializers PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP and
//    PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP behave as their kinds.
// Not checked: a timedlock with a bad tv_nsec on a *free* mutex and
// sem_timedwait with a bad tv_nsec on a positive semaphore (POSIX lets the
// implementation skip validation when it need not wait; glibc takes the
// mutex but rejects the semaphore call, so either answer is right).
// errno is read in small helpers right after each call.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checks.h"

static int op_unlock(void* m) { return pthread_mutex_unlock(m); }
static int op_trylock(void* m) {
  int error = pthread_mutex_trylock(m);
  if (error == 0) pthread_mutex_unlock(m);
  return error;
}

static struct timespec shared_deadline;
static int op_timedlock(void* m) {
  int error = pthread_mutex_timedlock(m, &shared_deadline);
  if (error == 0) pthread_mutex_unlock(m);
  return error;
}

static pthread_mutex_t* make_mutex(pthread_mutex_t* mutex, int type) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_settype(&attributes, type);
  pthread_mutex_init(mutex, &attributes);
  pthread_mutexattr_destroy(&attributes);
  return mutex;
}

static void errorcheck_checks(pthread_mutex_t* m, const char* label) {
  char what[128];
  snprintf(what, sizeof what, "%s lock", label);
  expect(what, pthread_mutex_lock(m), 0);
  snprintf(what, sizeof what, "%s relock", label);
  expect(what, pthread_mutex_lock(m), EDEADLK);
  snprintf(what, sizeof what, "%s trylock by owner", label);
  expect(what, pthread_mutex_trylock(m), EBUSY);
  snprintf(what, sizeof what, "%s unlock from another thread", label);
  expect(what, in_other_thread(op_unlock, m), EPERM);
  snprintf(what, sizeof what, "%s unlock", label);
  expect(what, pthread_mutex_unlock(m), 0);
  snprintf(what, sizeof what, "%s unlock while unlocked", label);
  expect(what, pthread_mutex_unlock(m), EPERM);
  snprintf(what, sizeof what, "%s trylock from another thread after unlock", label);
  expect(what, in_other_thread(op_trylock, m), 0);
}

static void recursive_checks(pthread_mutex_t* m, const char* label) {
  char what[128];
  int error = 0;
  for (int i = 0; i < 5; ++i) error |= pthread_mutex_lock(m);
  snprintf(what, sizeof what, "%s lock depth 5", label);
  expect(what, error, 0);
  snprintf(what, sizeof what, "%s trylock by owner (depth 6)", label);
  expect(what, pthread_mutex_trylock(m), 0);
  pthread_mutex_unlock(m);
  snprintf(what, sizeof what, "%s trylock from another thread while held", label);
  expect(what, in_other_thread(op_trylock, m), EBUSY);
  snprintf(what, sizeof what, "%s unlock from another thread", label);
  expect(what, in_other_thread(op_unlock, m), EPERM);
  for (int i = 0; i < 4; ++i) error |= pthread_mutex_unlock(m);
  snprintf(what, sizeof what, "%s after 4 of 5 unlocks, trylock from another thread", label);
  expect(what, error ? error : in_other_thread(op_trylock, m), EBUSY);
  snprintf(what, sizeof what, "%s 5th unlock", label);
  expect(what, pthread_mutex_unlock(m), 0);
  snprintf(what, sizeof what, "%s trylock from another thread after release", label);
  expect(what, in_other_thread(op_trylock, m), 0);
  snprintf(what, sizeof what, "%s unlock too many", label);
  expect(what, pthread_mutex_unlock(m), EPERM);
}

static __attribute__((noinline)) int sem_post_errno(sem_t* s) {
  return sem_post(s) == 0 ? 0 : errno;
}
static __attribute__((noinline)) int sem_trywait_errno(sem_t* s) {
  return sem_trywait(s) == 0 ? 0 : errno;
}
static __attribute__((noinline)) int sem_timedwait_errno(sem_t* s, const struct timespec* t) {
  return sem_timedwait(s, t) == 0 ? 0 : errno;
}

static pthread_mutex_t static_recursive = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t static_errorcheck = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;

int main(void) {
  pthread_mutex_t errorcheck, recursive, normal;
  make_mutex(&errorcheck, PTHREAD_MUTEX_ERRORCHECK);
  make_mutex(&recursive, PTHREAD_MUTEX_RECURSIVE);
  make_mutex(&normal, PTHREAD_MUTEX_NORMAL);

  errorcheck_checks(&errorcheck, "errorcheck");
  recursive_checks(&recursive, "recursive");

  pthread_mutex_lock(&normal);
  expect("normal trylock from another thread while held", in_other_thread(op_trylock, &normal),
         EBUSY);
  expect("normal destroy while locked", pthread_mutex_destroy(&normal), EBUSY);
  struct timespec bad = {time(NULL) + 1, 1000000000};
  shared_deadline = bad;
  expect("timedlock tv_nsec=1e9 on a locked mutex", in_other_thread(op_timedlock, &normal), EINVAL);
  bad.tv_nsec = -1;
  shared_deadline = bad;
  expect("timedlock tv_nsec=-1 on a locked mutex", in_other_thread(op_timedlock, &normal), EINVAL);
  struct timespec soon = in_ms(CLOCK_PROCESS_CPUTIME_ID, 10);
  expect("clocklock CLOCK_PROCESS_CPUTIME_ID on a locked mutex",
         pthread_mutex_clocklock(&normal, CLOCK_PROCESS_CPUTIME_ID, &soon), EINVAL);
  shared_deadline = in_ms(CLOCK_REALTIME, 50);
  expect_timeout_not_early("timedlock 50 ms on a mutex held elsewhere",
                           in_other_thread(op_timedlock, &normal), CLOCK_REALTIME,
                           &shared_deadline);
  expect("normal unlock", pthread_mutex_unlock(&normal), 0);
  struct timespec past = {time(NULL) - 10, 0};
  shared_deadline = past;
  expect("timedlock with a past deadline on a free mutex", in_other_thread(op_timedlock, &normal),
         0);
  expect("normal destroy while unlocked", pthread_mutex_destroy(&normal), 0);

  pthread_mutex_lock(&errorcheck);
  expect("errorcheck destroy while locked", pthread_mutex_destroy(&errorcheck), EBUSY);
  pthread_mutex_unlock(&errorcheck);

  // Condition variables.
  pthread_cond_t realtime_cond, monotonic_cond;
  pthread_cond_init(&realtime_cond, NULL);
  pthread_condattr_t cond_attributes;
  pthread_condattr_init(&cond_attributes);
  pthread_condattr_setclock(&cond_attributes, CLOCK_MONOTONIC);
  pthread_cond_init(&monotonic_cond, &cond_attributes);
  pthread_condattr_destroy(&cond_attributes);

  pthread_mutex_lock(&errorcheck);
  struct timespec deadline = in_ms(CLOCK_REALTIME, 50);
  expect_timeout_not_early("cond timedwait CLOCK_REALTIME 50 ms",
                           pthread_cond_timedwait(&realtime_cond, &errorcheck, &deadline),
                           CLOCK_REALTIME, &deadline);
  expect("  mutex held again after the timeout (relock)", pthread_mutex_lock(&errorcheck), EDEADLK);
  deadline = in_ms(CLOCK_MONOTONIC, 50);
  expect_timeout_not_early("cond timedwait CLOCK_MONOTONIC 50 ms",
                           pthread_cond_timedwait(&monotonic_cond, &errorcheck, &deadline),
                           CLOCK_MONOTONIC, &deadline);
  expect("  mutex held again after the timeout (relock)", pthread_mutex_lock(&errorcheck), EDEADLK);
  bad.tv_sec = time(NULL) + 1;
  bad.tv_nsec = 1000000000;
  expect("cond timedwait tv_nsec=1e9", pthread_cond_timedwait(&realtime_cond, &errorcheck, &bad),
         EINVAL);
  expect("errorcheck unlock", pthread_mutex_unlock(&errorcheck), 0);
  deadline = in_ms(CLOCK_REALTIME, 50);
  expect("cond timedwait on an errorcheck mutex not held",
         pthread_cond_timedwait(&realtime_cond, &errorcheck, &deadline), EPERM);
  expect("  errorcheck unlock afterwards (still not held)", pthread_mutex_unlock(&errorcheck),
         EPERM);
  pthread_cond_destroy(&realtime_cond);
  pthread_cond_destroy(&monotonic_cond);

  // Semaphores.
  sem_t full;
  sem_init(&full, 0, SEM_VALUE_MAX);
  expect_errno("sem_post at SEM_VALUE_MAX", sem_post_errno(&full), EOVERFLOW);
  int value = 0;
  sem_getvalue(&full, &value);
  printf("  value stays SEM_VALUE_MAX: %s\n", value == SEM_VALUE_MAX ? "yes" : "no");
  if (value != SEM_VALUE_MAX) ++failures;
  sem_destroy(&full);

  sem_t empty;
  sem_init(&empty, 0, 0);
  expect_errno("sem_trywait on 0", sem_trywait_errno(&empty), EAGAIN);
  deadline = in_ms(CLOCK_REALTIME, 50);
  int error = sem_timedwait_errno(&empty, &deadline);
  int64_t after = now_ns(CLOCK_REALTIME);
  expect_errno("sem_timedwait 50 ms on 0", error, ETIMEDOUT);
  printf("  %s\n", after < ns_of(&deadline) ? "EARLY" : "not early");
  if (after < ns_of(&deadline)) ++failures;
  bad.tv_sec = time(NULL) + 1;
  bad.tv_nsec = 1000000000;
  expect_errno("sem_timedwait tv_nsec=1e9 on 0", sem_timedwait_errno(&empty, &bad), EINVAL);
  sem_post(&empty);
  expect_errno("sem_trywait on 1", sem_trywait_errno(&empty), 0);
  sem_destroy(&empty);

  // Static initializers.
  recursive_checks(&static_recursive, "static recursive");
  errorcheck_checks(&static_errorcheck, "static errorcheck");

  printf("%s (%d failures)\n", failures ? "FAIL" : "OK", failures);
  return failures ? 1 : 0;
}
