// Checks: errno stays the thread's own across calls that wait (sleep, a
// read that waits for data, a contended mutex), while threads move between
// kernel threads. The compiler keeps &errno from __errno_location(), a
// const function, across those calls: that is the case that needs the
// thread-local storage itself to follow the thread, not just errno's value.
// Under greenshim (GREENSHIM_WORKERS=2) the program also counts how often a
// thread came back from a wait on another kernel thread, and fails if that
// never happened, so the check cannot pass by never migrating.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 16
#define ROUNDS 100

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int kept;
static atomic_long migrations;

struct pipe_pair {
  int read_end, write_end;
};

static void* late_writer(void* argument) {
  struct pipe_pair* pipe_pair = argument;
  usleep(200);
  if (write(pipe_pair->write_end, "x", 1) != 1) abort();
  return NULL;
}

// noinline: one function body, one errno address computed once.
__attribute__((noinline)) static int waits_keep_errno(int index, struct pipe_pair* pipe_pair) {
  int ok = 1;
  for (int round = 0; round < ROUNDS; ++round) {
    int mine = 1000 + index * ROUNDS + round;
    pid_t before = gettid();

    errno = mine;
    usleep(50);
    ok &= errno == mine;

    pthread_t writer;
    pthread_create(&writer, NULL, late_writer, pipe_pair);
    errno = mine + 1;
    char byte;
    ssize_t got = read(pipe_pair->read_end, &byte, 1);
    ok &= got == 1 && errno == mine + 1;
    pthread_join(writer, NULL);

    errno = mine + 2;
    pthread_mutex_lock(&lock);
    usleep(20);  // hold it, so the other threads wait for it
    pthread_mutex_unlock(&lock);
    ok &= errno == mine + 2;

    if (gettid() != before) atomic_fetch_add(&migrations, 1);
  }
  return ok;
}

static void* body(void* argument) {
  int index = (int)(uintptr_t)argument;
  int ends[2];
  if (pipe(ends) != 0) abort();
  struct pipe_pair pipe_pair = {ends[0], ends[1]};
  if (waits_keep_errno(index, &pipe_pair)) atomic_fetch_add(&kept, 1);
  close(ends[0]);
  close(ends[1]);
  return NULL;
}

int main(void) {
  pthread_t threads[THREADS];
  for (uintptr_t i = 0; i < THREADS; ++i) pthread_create(&threads[i], NULL, body, (void*)i);
  for (int i = 0; i < THREADS; ++i) pthread_join(threads[i], NULL);
  printf("threads whose errno survived sleep, read and mutex waits: %d/%d\n", atomic_load(&kept),
         THREADS);
  const char* preload = getenv("LD_PRELOAD");
  int under_greenshim = preload != NULL && strstr(preload, "greenshim") != NULL;
  fprintf(stderr, "waits that returned on another kernel thread: %ld\n", atomic_load(&migrations));
  if (under_greenshim && atomic_load(&migrations) == 0) {
    printf("FAIL: no thread ever migrated, so nothing was tested\n");
    return 1;
  }
  return atomic_load(&kept) == THREADS ? 0 : 1;
}
