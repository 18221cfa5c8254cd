// Checks: a thread blocked in a call greenshim does not route --
// epoll_wait made through syscall() -- is not interrupted by preemption
// aimed at the threads computing beside it: it returns the event when a
// pipe gets data, and 0 when it times out, never a spurious EINTR.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#define COMPUTERS 4

static atomic_int stop;
static int pipe_fds[2];

static void* compute(void* unused) {
  (void)unused;
  volatile unsigned long value = 1;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) value = value * 6364136223846793005ul + 1;
  return NULL;
}

static void* write_later(void* unused) {
  (void)unused;
  usleep(200000);
  if (write(pipe_fds[1], "x", 1) != 1) return NULL;
  return NULL;
}

static const char* describe(long result, int error) {
  static char text[64];
  if (result < 0) {
    snprintf(text, sizeof text, "-1 %s", strerrorname_np(error));
  } else {
    snprintf(text, sizeof text, "%ld", result);
  }
  return text;
}

int main(void) {
  if (pipe(pipe_fds) != 0) return 2;
  int epoll_fd = epoll_create1(0);
  struct epoll_event interest = {.events = EPOLLIN, .data.fd = pipe_fds[0]};
  if (epoll_fd < 0 || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, pipe_fds[0], &interest) != 0) return 2;
  pthread_t computers[COMPUTERS], writer;
  for (int i = 0; i < COMPUTERS; ++i) pthread_create(&computers[i], NULL, compute, NULL);

  struct epoll_event ready;
  long timed_out = syscall(SYS_epoll_wait, epoll_fd, &ready, 1, 300);
  printf("epoll_wait with nothing to report, 300 ms: %s\n", describe(timed_out, errno));

  pthread_create(&writer, NULL, write_later, NULL);
  long got = syscall(SYS_epoll_wait, epoll_fd, &ready, 1, 5000);
  printf("epoll_wait until a pipe gets data: %s%s\n", describe(got, errno),
         got == 1 && ready.data.fd == pipe_fds[0] ? " (the pipe)" : "");
  pthread_join(writer, NULL);

  atomic_store(&stop, 1);
  for (int i = 0; i < COMPUTERS; ++i) pthread_join(computers[i], NULL);
  return timed_out == 0 && got == 1 ? 0 : 1;
}
