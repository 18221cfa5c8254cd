// Checks: signal masks belong to threads, and sigwait parks the thread.
// Main blocks SIGUSR1 before creating any thread (so every thread inherits
// it blocked); a thread takes 20 SIGUSR1s sent to the process with sigwait
// while main keeps running; sigtimedwait with nothing pending times out
// with EAGAIN; sigwaitinfo reports the sender. Two threads block
// different signals and, after yielding to each other many times (and so,
// under greenshim, moving between workers), each still reports its own
// mask.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/programs/checks.h"

#define SIGNALS 20

static atomic_int taken;

static void* take_signals(void* unused) {
  (void)unused;
  sigset_t wanted;
  sigemptyset(&wanted);
  sigaddset(&wanted, SIGUSR1);
  for (int i = 0; i < SIGNALS; ++i) {
    int signal_number = 0;
    if (sigwait(&wanted, &signal_number) != 0 || signal_number != SIGUSR1) return NULL;
    atomic_fetch_add(&taken, 1);
  }
  return (void*)1;
}

static atomic_int masks_kept;

static void* keep_own_mask(void* raw_signal) {
  int own = (int)(intptr_t)raw_signal;
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, own);
  pthread_sigmask(SIG_BLOCK, &block, NULL);
  for (int i = 0; i < 1000; ++i) sched_yield();
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, NULL, &now);
  int other = own == SIGHUP ? SIGWINCH : SIGHUP;
  if (sigismember(&now, own) && !sigismember(&now, other) && sigismember(&now, SIGUSR1))
    atomic_fetch_add(&masks_kept, 1);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &usr1, NULL);

  pthread_t taker;
  pthread_create(&taker, NULL, take_signals, NULL);
  for (int i = 1; i <= SIGNALS; ++i) {
    kill(getpid(), SIGUSR1);
    while (atomic_load(&taken) < i) usleep(200);
  }
  void* ok = NULL;
  pthread_join(taker, &ok);
  printf("SIGUSR1s taken by sigwait in another thread: %d of %d\n", atomic_load(&taken), SIGNALS);

  struct timespec fifty_ms = {0, 50000000};
  int timed_out = sigtimedwait(&usr1, NULL, &fifty_ms);
  expect_errno("sigtimedwait with nothing pending", timed_out == -1 ? errno : 0, EAGAIN);

  kill(getpid(), SIGUSR1);
  siginfo_t info;
  int got = sigwaitinfo(&usr1, &info);
  printf("sigwaitinfo: %s, from this process: %s\n", got == SIGUSR1 ? "SIGUSR1" : "other",
         info.si_pid == getpid() ? "yes" : "no");

  pthread_t keepers[2];
  pthread_create(&keepers[0], NULL, keep_own_mask, (void*)(intptr_t)SIGHUP);
  pthread_create(&keepers[1], NULL, keep_own_mask, (void*)(intptr_t)SIGWINCH);
  pthread_join(keepers[0], NULL);
  pthread_join(keepers[1], NULL);
  printf("threads that kept their own masks across yields: %d of 2\n", atomic_load(&masks_kept));
  return ok != NULL && atomic_load(&masks_kept) == 2 && got == SIGUSR1 && failures == 0 ? 0 : 1;
}
