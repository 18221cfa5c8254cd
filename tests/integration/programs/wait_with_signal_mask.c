// pselect, ppoll and epoll_pwait wait under the mask they are given: with
// SIGCHLD blocked, a wait whose mask lets it in must end with EINTR when a
// child exits (make -j waits for its jobs so, and hung under greenshim
// when the mask applied only to the first look). A helper thread waits in
// read meanwhile, as a program's other threads would. Afterwards the
// thread's own mask, SIGCHLD blocked, is back.
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"

static volatile sig_atomic_t children_ended;
static int never_ready[2];

static void on_child(int signal) {
  (void)signal;
  children_ended++;
}

static void* helper(void* unused) {
  (void)unused;
  char byte;
  return (void*)read(never_ready[0], &byte, 1);
}

static void start_short_child(void) {
  pid_t child = fork();
  if (child == 0) {
    struct timespec pause = {0, 50000000};
    nanosleep(&pause, NULL);
    _exit(0);
  }
}

static void reap(void) {
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

static void check_wait(const char* call, int result, int error, int64_t start) {
  char what[96];
  snprintf(what, sizeof what, "%s under an empty mask ends on SIGCHLD", call);
  expect_errno(what, result < 0 ? error : 0, EINTR);
  snprintf(what, sizeof what, "%s ended early (before 3 s)", call);
  expect_yes(what, now_ns(CLOCK_MONOTONIC) - start < 3000000000LL);
  reap();
}

int main(void) {
  expect_handler_installed(SIGCHLD, on_child);
  sigset_t chld, empty;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigemptyset(&empty);
  expect("block SIGCHLD", pthread_sigmask(SIG_BLOCK, &chld, NULL), 0);
  expect_errno("pipe", pipe(never_ready) ? errno : 0, 0);
  pthread_t thread;
  expect("pthread_create", pthread_create(&thread, NULL, helper, NULL), 0);

  struct timespec five_seconds = {5, 0};
  start_short_child();
  int64_t start = now_ns(CLOCK_MONOTONIC);
  fd_set readable;
  FD_ZERO(&readable);
  FD_SET(never_ready[0], &readable);
  int result = pselect(never_ready[0] + 1, &readable, NULL, NULL, &five_seconds, &empty);
  check_wait("pselect", result, errno, start);

  start_short_child();
  start = now_ns(CLOCK_MONOTONIC);
  struct pollfd entry = {never_ready[0], POLLIN, 0};
  result = ppoll(&entry, 1, &five_seconds, &empty);
  check_wait("ppoll", result, errno, start);

  int epoll_fd = epoll_create1(0);
  struct epoll_event interest = {.events = EPOLLIN};
  expect_errno("epoll_ctl", epoll_ctl(epoll_fd, EPOLL_CTL_ADD, never_ready[0], &interest) ? errno : 0, 0);
  start_short_child();
  start = now_ns(CLOCK_MONOTONIC);
  struct epoll_event ready;
  result = epoll_pwait(epoll_fd, &ready, 1, 5000, &empty);
  check_wait("epoll_pwait", result, errno, start);

  expect_yes("three handlers ran", children_ended == 3);
  sigset_t now;
  expect("pthread_sigmask query", pthread_sigmask(SIG_BLOCK, NULL, &now), 0);
  expect_yes("SIGCHLD is blocked again", sigismember(&now, SIGCHLD) == 1);

  expect_yes("release the helper", write(never_ready[1], "x", 1) == 1);
  expect("pthread_join", pthread_join(thread, NULL), 0);
  return failures != 0;
}
