// Checks: a signal sent to the process reaches the one thread that does not
// block it, even while that thread waits (in read on an empty pipe, and in
// a sleep) and every running thread blocks it: the handler runs in that
// thread and its wait ends with EINTR (the handler has no SA_RESTART). A
// second signal, which no thread accepts, stays pending until a thread
// unblocks it, and is then handled there. And sigsuspend: a thread that
// blocks the signal waits in sigsuspend with a mask that lets it in; the
// process's signal ends the wait once the handler has run in that thread,
// with -1 EINTR, and the thread's own mask is back afterwards.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/programs/checks.h"

static int empty_pipe[2];
static pthread_t accepting;
static atomic_int handled_in_accepting, handled_elsewhere, handled_late;
static atomic_int waiting, stop;

static void on_usr1(int signal) {
  (void)signal;
  if (pthread_equal(pthread_self(), accepting)) {
    atomic_fetch_add(&handled_in_accepting, 1);
  } else {
    atomic_fetch_add(&handled_elsewhere, 1);
  }
}

static void on_usr2(int signal) {
  (void)signal;
  atomic_fetch_add(&handled_late, 1);
}

static void unblock(int signal) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signal);
  pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

// The errno of read, then of nanosleep.
static void* accept_while_waiting(void* results) {
  unblock(SIGUSR1);
  atomic_store(&waiting, 1);
  char byte;
  ((int*)results)[0] = read(empty_pipe[0], &byte, 1) < 0 ? errno : 0;
  atomic_store(&waiting, 2);
  struct timespec long_time = {100, 0};
  ((int*)results)[1] = nanosleep(&long_time, NULL) < 0 ? errno : 0;
  return NULL;
}

static atomic_int suspended;

static void* suspend_until_signalled(void* results) {
  sigset_t everything_but_usr1;
  sigfillset(&everything_but_usr1);
  sigdelset(&everything_but_usr1, SIGUSR1);
  atomic_store(&suspended, 1);
  int result = sigsuspend(&everything_but_usr1);
  ((int*)results)[0] = result == -1 ? errno : 0;
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, NULL, &now);
  ((int*)results)[1] = sigismember(&now, SIGUSR1);
  return NULL;
}

static void* busy(void* argument) {
  (void)argument;
  while (!atomic_load(&stop)) sched_yield();
  return NULL;
}

static void wait_for(int state) {
  while (atomic_load(&waiting) != state) usleep(1000);
  usleep(20000);  // in the wait by now
}

int main(void) {
  if (pipe(empty_pipe) != 0) return 2;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_usr1;
  sigaction(SIGUSR1, &action, NULL);
  action.sa_handler = on_usr2;
  sigaction(SIGUSR2, &action, NULL);
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGUSR1);
  sigaddset(&blocked, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &blocked, NULL);  // inherited by every thread

  pthread_t busy_threads[4];
  for (int i = 0; i < 4; ++i) pthread_create(&busy_threads[i], NULL, busy, NULL);
  int results[2] = {-1, -1};
  pthread_create(&accepting, NULL, accept_while_waiting, results);
  wait_for(1);
  kill(getpid(), SIGUSR1);
  wait_for(2);
  kill(getpid(), SIGUSR1);
  pthread_join(accepting, NULL);
  expect("read in the accepting thread", results[0], EINTR);
  expect("nanosleep in the accepting thread", results[1], EINTR);
  expect_yes("both signals were handled in the accepting thread",
             atomic_load(&handled_in_accepting) == 2 && atomic_load(&handled_elsewhere) == 0);

  int suspend_results[2] = {-1, -1};
  atomic_store(&handled_in_accepting, 0);
  pthread_create(&accepting, NULL, suspend_until_signalled, suspend_results);
  while (!atomic_load(&suspended)) usleep(1000);
  usleep(20000);
  kill(getpid(), SIGUSR1);
  pthread_join(accepting, NULL);
  expect("sigsuspend", suspend_results[0], EINTR);
  expect_yes("  its handler ran in the suspended thread", atomic_load(&handled_in_accepting) == 1);
  expect_yes("  the thread's mask is back afterwards", suspend_results[1] == 1);

  kill(getpid(), SIGUSR2);
  usleep(50000);
  expect_yes("a signal every thread blocks is not handled", atomic_load(&handled_late) == 0);
  unblock(SIGUSR2);
  expect_yes("  until a thread unblocks it", atomic_load(&handled_late) == 1);
  atomic_store(&stop, 1);
  for (int i = 0; i < 4; ++i) pthread_join(busy_threads[i], NULL);
  return failures == 0 ? 0 : 1;
}
