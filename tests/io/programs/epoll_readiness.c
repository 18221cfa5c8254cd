// Checks: epoll_wait and epoll_pwait report the readiness native does, and
// their timeouts. Timeout 0 with nothing ready returns 0 at once; a
// positive one returns 0, never early; -1 waits until another thread
// writes, and the event carries the registered data. Level-triggered
// readiness is reported again until the data is read; edge-triggered
// (EPOLLET) only once per arrival; EPOLLONESHOT once until re-armed with
// EPOLL_CTL_MOD. With three descriptors ready and maxevents 2, two are
// returned. A read end whose writer closed reports HUP. epoll_wait on a
// descriptor that is not an epoll instance fails with EINVAL, with
// maxevents 0 with EINVAL, on a closed descriptor with EBADF.
#define _GNU_SOURCE
#include <signal.h>
#include <sys/epoll.h>

#include "tests/io/programs/io_checks.h"

#define WAIT_MS 50

static int pipes[3][2];

static void watch(int epoll_fd, int op, int fd, unsigned events, uint64_t tag) {
  struct epoll_event event = {.events = events, .data.u64 = tag};
  must(epoll_ctl(epoll_fd, op, fd, &event), "epoll_ctl");
}

// epoll_wait with timeout 0: prints and returns the count.
static int ready_now(const char* what, int epoll_fd) {
  struct epoll_event events[4];
  int count = (int)must(epoll_wait(epoll_fd, events, 4, 0), "epoll_wait");
  printf("%s: %d ready\n", what, count);
  return count;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 0; i < 3; ++i) must(pipe(pipes[i]), "pipe");
  int epoll_fd = (int)must(epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
  watch(epoll_fd, EPOLL_CTL_ADD, pipes[0][0], EPOLLIN, 100);
  struct epoll_event events[4];

  int64_t start = now_ns(CLOCK_MONOTONIC);
  expect_value("epoll_wait, timeout 0, nothing ready", epoll_wait(epoll_fd, events, 4, 0), 0);
  expect_at_once("  returned", start);
  start = now_ns(CLOCK_MONOTONIC);
  expect_value("epoll_wait, timeout 50 ms, nothing ready", epoll_wait(epoll_fd, events, 4, WAIT_MS),
               0);
  expect_not_early("  returned", CLOCK_MONOTONIC, start, WAIT_MS * 1000000LL);
  start = now_ns(CLOCK_MONOTONIC);
  expect_value("epoll_pwait, timeout 50 ms, nothing ready",
               epoll_pwait(epoll_fd, events, 4, WAIT_MS, NULL), 0);
  expect_not_early("  returned", CLOCK_MONOTONIC, start, WAIT_MS * 1000000LL);

  pthread_t writer = start_late_write(pipes[0][1], WAIT_MS);
  expect_value("epoll_wait, timeout -1, another thread writes", epoll_wait(epoll_fd, events, 4, -1),
               1);
  printf("  events %s, data %llu\n", event_names(events[0].events),
         (unsigned long long)events[0].data.u64);
  join_thread(writer);
  ready_now("level-triggered, data still unread", epoll_fd);
  char drain;
  read_exactly(pipes[0][0], &drain, 1);
  ready_now("level-triggered, data read", epoll_fd);

  writer = start_late_write(pipes[0][1], WAIT_MS);
  expect_value("epoll_pwait, timeout -1, another thread writes",
               epoll_pwait(epoll_fd, events, 4, -1, NULL), 1);
  join_thread(writer);
  read_exactly(pipes[0][0], &drain, 1);

  watch(epoll_fd, EPOLL_CTL_MOD, pipes[0][0], EPOLLIN | EPOLLET, 100);
  write_all(pipes[0][1], "a", 1);
  ready_now("edge-triggered, data arrived", epoll_fd);
  ready_now("edge-triggered, nothing new", epoll_fd);
  write_all(pipes[0][1], "b", 1);
  ready_now("edge-triggered, more data arrived", epoll_fd);

  watch(epoll_fd, EPOLL_CTL_MOD, pipes[0][0], EPOLLIN | EPOLLONESHOT, 100);
  ready_now("one-shot, data unread", epoll_fd);
  ready_now("one-shot, again", epoll_fd);
  watch(epoll_fd, EPOLL_CTL_MOD, pipes[0][0], EPOLLIN | EPOLLONESHOT, 100);
  ready_now("one-shot, re-armed", epoll_fd);

  watch(epoll_fd, EPOLL_CTL_MOD, pipes[0][0], EPOLLIN, 100);
  for (int i = 1; i < 3; ++i) {
    watch(epoll_fd, EPOLL_CTL_ADD, pipes[i][0], EPOLLIN, 100 + (uint64_t)i);
    write_all(pipes[i][1], "c", 1);
  }
  expect_value("three ready, maxevents 2", epoll_wait(epoll_fd, events, 2, -1), 2);
  expect_value("three ready, maxevents 4", epoll_wait(epoll_fd, events, 4, -1), 3);

  char buffer[4];
  for (int i = 0; i < 3; ++i) {
    while (read(pipes[i][0], buffer, sizeof buffer) == sizeof buffer) {
    }
  }
  close(pipes[2][1]);
  expect_value("after the third pipe's writer closed", epoll_wait(epoll_fd, events, 4, -1), 1);
  printf("  events %s, data %llu\n", event_names(events[0].events),
         (unsigned long long)events[0].data.u64);

  expect_failure("epoll_wait with maxevents 0", epoll_wait(epoll_fd, events, 0, 0), EINVAL);
  expect_failure("epoll_wait on a pipe", epoll_wait(pipes[0][0], events, 4, 0), EINVAL);
  close(epoll_fd);
  expect_failure("epoll_wait on a closed descriptor", epoll_wait(epoll_fd, events, 4, 0), EBADF);
  for (int i = 0; i < 3; ++i) {
    close(pipes[i][0]);
    if (i < 2) close(pipes[i][1]);
  }
  return finish();
}
