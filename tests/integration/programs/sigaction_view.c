// Checks: what sigaction and signal report back is the program's own view,
// however the threading library installs handlers underneath: the handler
// and flags just set (no SA_SIGINFO added), the previous handler returned
// by signal(), SIG_DFL after a one-shot (SA_RESETHAND) handler ran, SIG_IGN
// as set, and handlers of both kinds running with their arguments, in the
// thread that raised the signal, before raise() returns.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "tests/integration/programs/checks.h"

static atomic_int plain_runs, info_runs, one_shot_runs;
static _Thread_local volatile sig_atomic_t handled_here;  // set by the handlers in the running thread
static atomic_int info_signal_right;

static void plain(int signal) {
  if (signal == SIGUSR1) atomic_fetch_add(&plain_runs, 1);
  handled_here = 1;
}

static void with_info(int signal, siginfo_t* info, void* context) {
  (void)context;
  atomic_fetch_add(&info_runs, 1);
  handled_here = 1;
  if (signal == SIGUSR2 && info != NULL && info->si_signo == SIGUSR2)
    atomic_fetch_add(&info_signal_right, 1);
}

static void one_shot(int signal) {
  (void)signal;
  atomic_fetch_add(&one_shot_runs, 1);
}

static atomic_int handled_in_raiser;

static void* raise_in_thread(void* signal) {
  handled_here = 0;
  raise((int)(long)signal);
  if (handled_here) atomic_fetch_add(&handled_in_raiser, 1);
  return NULL;
}

static void raise_from_a_thread(int signal) {
  pthread_t thread;
  pthread_create(&thread, NULL, raise_in_thread, (void*)(long)signal);
  pthread_join(thread, NULL);
}

int main(void) {
  struct sigaction action, seen;
  memset(&action, 0, sizeof action);
  action.sa_handler = plain;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(SIGUSR1, &action, NULL);
  sigaction(SIGUSR1, NULL, &seen);
  expect_yes("sigaction reports the handler set", seen.sa_handler == plain);
  expect_yes("  and its flags, SA_SIGINFO not added",
             (seen.sa_flags & (SA_RESTART | SA_SIGINFO)) == SA_RESTART);

  memset(&action, 0, sizeof action);
  action.sa_sigaction = with_info;
  action.sa_flags = SA_SIGINFO;
  struct sigaction previous;
  sigaction(SIGUSR2, &action, &previous);
  expect_yes("the previous action was SIG_DFL", previous.sa_handler == SIG_DFL);
  sigaction(SIGUSR2, NULL, &seen);
  expect_yes("an SA_SIGINFO handler is reported as set",
             seen.sa_sigaction == with_info && (seen.sa_flags & SA_SIGINFO));

  raise_from_a_thread(SIGUSR1);
  raise_from_a_thread(SIGUSR2);
  expect_yes("the plain handler ran once", atomic_load(&plain_runs) == 1);
  expect_yes("the SA_SIGINFO handler ran once with its siginfo",
             atomic_load(&info_signal_right) == 1);
  expect_yes("both ran in the raising thread before raise() returned",
             atomic_load(&handled_in_raiser) == 2);

  expect_yes("signal() returns the previous handler", signal(SIGUSR1, one_shot) == plain);
  expect_yes("signal() again returns the one just set", signal(SIGUSR1, plain) == one_shot);

  memset(&action, 0, sizeof action);
  action.sa_handler = one_shot;
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGHUP, &action, NULL);
  raise_from_a_thread(SIGHUP);
  sigaction(SIGHUP, NULL, &seen);
  expect_yes("a one-shot handler ran once", atomic_load(&one_shot_runs) == 1);
  expect_yes("  and the action is SIG_DFL afterwards", seen.sa_handler == SIG_DFL);

  signal(SIGUSR2, SIG_IGN);
  sigaction(SIGUSR2, NULL, &seen);
  expect_yes("SIG_IGN is reported as set", seen.sa_handler == SIG_IGN);
  raise_from_a_thread(SIGUSR2);
  expect_yes("  and the ignored signal ran no handler", atomic_load(&info_runs) == 1);
  return failures == 0 ? 0 : 1;
}
