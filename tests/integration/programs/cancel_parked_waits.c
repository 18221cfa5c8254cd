// Checks: cancellation of threads parked where pthread_join, sem_wait and
// the condition waits park them, and asynchronous cancellation. Each
// cancelled thread ends with PTHREAD_CANCELED and its cleanup handler runs:
// in a condition wait, with the mutex held again (an error-checking mutex
// that the handler can unlock without an error). A thread cancelled while
// joining leaves its target joinable. A cancellation pending when a thread
// calls pthread_cond_wait acts on entry, before any wait. A thread with
// asynchronous cancellation ends inside a loop that calls nothing. And a
// signal's handler ends a sem_wait with EINTR, unless it was installed with
// SA_RESTART: then the wait goes on after the handler.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/programs/checks.h"

static pthread_mutex_t lock;
static pthread_cond_t never_signalled = PTHREAD_COND_INITIALIZER;
static sem_t empty_semaphore;
static pthread_t never_ending;
static atomic_int release_never_ending;
static atomic_int cleanups;
static atomic_int cleanups_holding_mutex;
static atomic_int parked;

static void count_cleanup(void* holds_mutex) {
  atomic_fetch_add(&cleanups, 1);
  if (holds_mutex != NULL && pthread_mutex_unlock(&lock) == 0)
    atomic_fetch_add(&cleanups_holding_mutex, 1);
}

static void* ends_when_released(void* unused) {
  (void)unused;
  while (!atomic_load(&release_never_ending)) usleep(1000);
  return (void*)42;
}

static void* joins(void* unused) {
  (void)unused;
  pthread_cleanup_push(count_cleanup, NULL);
  atomic_fetch_add(&parked, 1);
  pthread_join(never_ending, NULL);
  pthread_cleanup_pop(0);
  return NULL;
}

static void* waits_on_semaphore(void* unused) {
  (void)unused;
  pthread_cleanup_push(count_cleanup, NULL);
  atomic_fetch_add(&parked, 1);
  while (sem_wait(&empty_semaphore) != 0) {
  }
  pthread_cleanup_pop(0);
  return NULL;
}

static void* waits_on_condition(void* timed) {
  pthread_mutex_lock(&lock);
  pthread_cleanup_push(count_cleanup, &lock);
  atomic_fetch_add(&parked, 1);
  if (timed != NULL) {
    struct timespec deadline = in_ms(CLOCK_REALTIME, 100000);
    for (;;) pthread_cond_timedwait(&never_signalled, &lock, &deadline);
  } else {
    for (;;) pthread_cond_wait(&never_signalled, &lock);
  }
  pthread_cleanup_pop(1);
  return NULL;
}

static atomic_int requested;
static atomic_int waited;

static void* cancelled_before_waiting(void* unused) {
  (void)unused;
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
  while (!atomic_load(&requested)) usleep(1000);
  pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);  // deferred: still pending
  pthread_mutex_lock(&lock);
  pthread_cleanup_push(count_cleanup, &lock);
  atomic_store(&waited, 1);  // pthread_cond_wait must not return, nor wait
  pthread_cond_wait(&never_signalled, &lock);
  atomic_store(&waited, 2);
  pthread_cleanup_pop(1);
  return NULL;
}

static volatile uint64_t sink;

static void* spins_asynchronously(void* unused) {
  (void)unused;
  pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
  atomic_fetch_add(&parked, 1);
  uint64_t x = 1;
  for (;;) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    sink = x;
  }
  return NULL;
}

static void wait_parked(int count) {
  while (atomic_load(&parked) < count) usleep(1000);
  usleep(20000);  // long enough to be parked, not just counted
}

// The errno of sem_wait, or 0.
static void* sem_wait_until_signalled(void* unused) {
  (void)unused;
  atomic_fetch_add(&parked, 1);
  int result = sem_wait(&empty_semaphore);
  return (void*)(intptr_t)(result == 0 ? 0 : errno);
}

static void signal_a_sem_wait(int flags) {
  struct sigaction action = {0};
  action.sa_handler = count_signal;
  action.sa_flags = flags;
  sigaction(SIGUSR1, &action, NULL);
  atomic_store(&parked, 0);
  atomic_store(signals_handled(), 0);
  pthread_t signalled;
  pthread_create(&signalled, NULL, sem_wait_until_signalled, NULL);
  wait_parked(1);
  pthread_kill(signalled, SIGUSR1);
  while (atomic_load(signals_handled()) == 0) usleep(1000);
  usleep(20000);  // if it was going to return, it has
  sem_post(&empty_semaphore);
  void* result;
  pthread_join(signalled, &result);
  printf("sem_wait interrupted by a handler%s: %s\n", flags ? " with SA_RESTART" : "",
         name_of((int)(intptr_t)result));
  if (result != (void*)(intptr_t)(flags ? 0 : EINTR)) ++failures;
  // When EINTR ended it, the post is still there: take it back.
  if (result != NULL) sem_wait(&empty_semaphore);
}

static void expect_cancelled(const char* what, pthread_t thread) {
  void* result;
  int error = pthread_join(thread, &result);
  printf("%s: joined %s, %s\n", what, name_of(error),
         result == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "not cancelled");
  if (error != 0 || result != PTHREAD_CANCELED) ++failures;
}

int main(void) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&lock, &attributes);
  sem_init(&empty_semaphore, 0, 0);
  pthread_create(&never_ending, NULL, ends_when_released, NULL);

  pthread_t joiner, semaphore_waiter, condition_waiter, timed_condition_waiter, spinner;
  pthread_create(&joiner, NULL, joins, NULL);
  pthread_create(&semaphore_waiter, NULL, waits_on_semaphore, NULL);
  pthread_create(&condition_waiter, NULL, waits_on_condition, NULL);
  pthread_create(&timed_condition_waiter, NULL, waits_on_condition, &lock);
  pthread_create(&spinner, NULL, spins_asynchronously, NULL);
  wait_parked(5);
  pthread_cancel(joiner);
  pthread_cancel(semaphore_waiter);
  pthread_cancel(condition_waiter);
  pthread_cancel(timed_condition_waiter);
  pthread_cancel(spinner);
  expect_cancelled("thread in pthread_join", joiner);
  expect_cancelled("thread in sem_wait", semaphore_waiter);
  expect_cancelled("thread in pthread_cond_wait", condition_waiter);
  expect_cancelled("thread in pthread_cond_timedwait", timed_condition_waiter);
  expect_cancelled("thread spinning with asynchronous cancellation", spinner);

  pthread_t late;
  pthread_create(&late, NULL, cancelled_before_waiting, NULL);
  pthread_cancel(late);
  atomic_store(&requested, 1);
  expect_cancelled("thread calling pthread_cond_wait with a cancellation pending", late);
  printf("  it returned from the wait: %s\n", atomic_load(&waited) == 2 ? "yes" : "no");
  if (atomic_load(&waited) != 1) ++failures;

  printf("cleanup handlers run: %d of 5\n", atomic_load(&cleanups));
  printf("  of them in condition waits, holding the mutex: %d of 3\n",
         atomic_load(&cleanups_holding_mutex));
  if (atomic_load(&cleanups) != 5 || atomic_load(&cleanups_holding_mutex) != 3) ++failures;

  atomic_store(&release_never_ending, 1);
  void* result;
  int error = pthread_join(never_ending, &result);
  printf("the cancelled joiner's target is still joinable: %s, result %ld\n", name_of(error),
         (long)(intptr_t)result);
  if (error != 0 || result != (void*)42) ++failures;

  signal_a_sem_wait(0);
  signal_a_sem_wait(SA_RESTART);
  return failures == 0 ? 0 : 1;
}
