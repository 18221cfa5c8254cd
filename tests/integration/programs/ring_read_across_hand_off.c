// A read waiting on a worker's io_uring must still complete when that
// worker's kernel thread then blocks in a call greenshim does not route.
// The kernel finishes a waiting read on the kernel thread that submitted
// it; greenshim's rings let it wait until that thread enters the kernel
// (cooperative task running), so the blocked thread must still be woken
// for it. Here the blocked thread is released only after the read has
// returned, so a read that waited for the block to end would deadlock.
// Run preloaded with one worker (compare_test): then the read and the
// block share the kernel thread for certain.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"

static int data_pipe[2], release_pipe[2];
static atomic_int reader_started;

static void* reader(void* unused) {
  (void)unused;
  atomic_store(&reader_started, 1);
  char byte;
  return (void*)read(data_pipe[0], &byte, 1);
}

// A raw read system call: the kernel thread running this thread blocks.
static void* blocker(void* unused) {
  (void)unused;
  char byte;
  return (void*)syscall(SYS_read, release_pipe[0], &byte, 1);
}

int main(void) {
  alarm(30);  // a deadlock ends the run instead of hanging it
  expect_errno("pipe", pipe(data_pipe) ? errno : 0, 0);
  expect_errno("pipe", pipe(release_pipe) ? errno : 0, 0);
  pthread_t reader_thread, blocker_thread;
  expect("pthread_create reader", pthread_create(&reader_thread, NULL, reader, NULL), 0);
  while (!atomic_load(&reader_started)) sched_yield();
  sleep_ms(5);  // the reader is waiting in read now
  expect("pthread_create blocker", pthread_create(&blocker_thread, NULL, blocker, NULL), 0);
  sleep_ms(10);  // the blocker is in its system call now
  expect_yes("write the reader's byte", write(data_pipe[1], "x", 1) == 1);
  void* result = NULL;
  expect("pthread_join reader", pthread_join(reader_thread, &result), 0);
  expect_yes("the reader's read got its byte", (long)result == 1);
  expect_yes("write the blocker's byte", write(release_pipe[1], "y", 1) == 1);
  expect("pthread_join blocker", pthread_join(blocker_thread, &result), 0);
  expect_yes("the blocker's read got its byte", (long)result == 1);
  return failures != 0;
}
