// What a vfork child does before it execs must not change its parent:
// Python's subprocess blocks every signal around vfork, and the child
// resets its signal handlers and mask before exec. Here the child does
// the same and exits; then the parent's handler must still be installed
// and its restored mask in force, so a timer's SIGALRM ends its sleep.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"

static volatile sig_atomic_t handled;

static void on_alarm(int signal) {
  (void)signal;
  handled = 1;
}

int main(void) {
  expect_handler_installed(SIGALRM, on_alarm);

  sigset_t everything, before;
  sigfillset(&everything);
  expect("pthread_sigmask block all", pthread_sigmask(SIG_BLOCK, &everything, &before), 0);
  pid_t child = vfork();
  if (child == 0) {
    struct sigaction default_action = {0};
    default_action.sa_handler = SIG_DFL;
    sigaction(SIGALRM, &default_action, NULL);
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    _exit(7);
  }
  expect("pthread_sigmask restore", pthread_sigmask(SIG_SETMASK, &before, NULL), 0);
  int status = 0;
  expect_yes("waitpid", waitpid(child, &status, 0) == child);
  expect_yes("the child exited 7", WIFEXITED(status) && WEXITSTATUS(status) == 7);

  struct sigaction now;
  expect_errno("sigaction query", sigaction(SIGALRM, NULL, &now) ? errno : 0, 0);
  expect_yes("the parent's handler is still installed", now.sa_handler == on_alarm);
  struct itimerval timer = {{0, 0}, {0, 100000}};
  expect_errno("setitimer", setitimer(ITIMER_REAL, &timer, NULL) ? errno : 0, 0);
  struct timespec five_seconds = {5, 0};
  int slept = nanosleep(&five_seconds, NULL);
  expect_errno("nanosleep ended by SIGALRM", slept == 0 ? 0 : errno, EINTR);
  expect_yes("the handler ran", handled);
  return failures != 0;
}
