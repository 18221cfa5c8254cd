// Checks: a signal handler that writes to a self-pipe and posts a semaphore
// (both async-signal-safe) thousands of times, while many threads switch,
// wait on locks and condition variables, and are preempted. An interval
// timer sends SIGALRM to the process, so the handler interrupts whatever a
// thread is doing, also inside the threading library -- most often in the
// semaphore's own wait and post, which other threads hammer meanwhile. One
// thread reads the pipe and another takes the semaphore; at the end each
// has seen exactly one byte and one post per handler run (the hammering
// threads post one for each they take), and nothing hung.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define RUNS 2000
#define SWITCHERS 16
#define SPINNERS 3
#define HAMMERS 8

static int self_pipe[2];
static sem_t posted;
static atomic_int handler_runs;
static atomic_int stop;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn = PTHREAD_COND_INITIALIZER;
static long shared_counter;

static void on_alarm(int signal) {
  (void)signal;
  int saved = errno;
  if (atomic_load(&handler_runs) < RUNS) {
    atomic_fetch_add(&handler_runs, 1);
    char byte = 'x';
    while (write(self_pipe[1], &byte, 1) != 1) {
    }
    sem_post(&posted);
  }
  errno = saved;
}

static void* switcher(void* argument) {
  (void)argument;
  while (!atomic_load(&stop)) {
    pthread_mutex_lock(&lock);
    ++shared_counter;
    pthread_cond_broadcast(&turn);
    pthread_mutex_unlock(&lock);
    sched_yield();
  }
  return NULL;
}

static volatile uint64_t sink;

static void* spinner(void* argument) {
  (void)argument;
  uint64_t x = 1;
  while (!atomic_load(&stop)) {
    for (int i = 0; i < 100000; ++i) x = x * 6364136223846793005u + 1;
    sink = x;
  }
  return NULL;
}

static void* hammer(void* argument) {
  (void)argument;
  while (!atomic_load(&stop)) {
    sem_post(&posted);
    while (sem_wait(&posted) != 0) {
    }
  }
  return NULL;
}

static void* pipe_reader(void* argument) {
  (void)argument;
  long bytes = 0;
  char buffer[256];
  while (bytes < RUNS) {
    ssize_t got = read(self_pipe[0], buffer, sizeof buffer);
    if (got > 0) bytes += got;
  }
  return (void*)bytes;
}

static void* semaphore_taker(void* argument) {
  (void)argument;
  long taken = 0;
  while (taken < RUNS) {
    if (sem_wait(&posted) == 0) ++taken;
  }
  return (void*)taken;
}

int main(void) {
  if (pipe(self_pipe) != 0) return 2;
  sem_init(&posted, 0, 0);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_alarm;
  action.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &action, NULL);

  pthread_t switchers[SWITCHERS], spinners[SPINNERS], hammers[HAMMERS], reader, taker;
  for (int i = 0; i < HAMMERS; ++i) pthread_create(&hammers[i], NULL, hammer, NULL);
  for (int i = 0; i < SWITCHERS; ++i) pthread_create(&switchers[i], NULL, switcher, NULL);
  for (int i = 0; i < SPINNERS; ++i) pthread_create(&spinners[i], NULL, spinner, NULL);
  pthread_create(&reader, NULL, pipe_reader, NULL);
  pthread_create(&taker, NULL, semaphore_taker, NULL);

  struct itimerval every_100us = {{0, 100}, {0, 100}};
  setitimer(ITIMER_REAL, &every_100us, NULL);
  void* bytes;
  void* taken;
  pthread_join(reader, &bytes);
  pthread_join(taker, &taken);
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  atomic_store(&stop, 1);
  for (int i = 0; i < SWITCHERS; ++i) pthread_join(switchers[i], NULL);
  for (int i = 0; i < SPINNERS; ++i) pthread_join(spinners[i], NULL);
  for (int i = 0; i < HAMMERS; ++i) pthread_join(hammers[i], NULL);
  printf("handler runs: %d\n", atomic_load(&handler_runs));
  printf("bytes the reader got from the self-pipe: %ld\n", (long)bytes);
  printf("posts the semaphore taker got: %ld\n", (long)taken);
  int extra = sem_trywait(&posted) == 0;
  printf("posts left over: %s\n", extra ? "some" : "none");
  return atomic_load(&handler_runs) == RUNS && (long)bytes == RUNS && (long)taken == RUNS && !extra
             ? 0
             : 1;
}
