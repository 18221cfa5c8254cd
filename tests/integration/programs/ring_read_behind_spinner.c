// A read waiting on a worker's io_uring must complete while another thread
// on the same worker spins until it has. A parked thread's read is queued
// on the ring and handed to the kernel in the worker's next scheduling
// round, and its completion is reaped there too; a thread that never
// blocks never gives the worker one, so the monitor must preempt it for
// the ring's sake alone -- nothing else waits -- and the preemption must
// do both. (Python's multiprocessing.Pool polls in a loop for results its
// own result thread reads, and hung this way.) Run preloaded with one
// worker (compare_test), where the reader and the spinner share it for
// certain.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "checks.h"

static int data_pipe[2];
static atomic_int reader_started, read_done;

static void* reader(void* unused) {
  (void)unused;
  atomic_store(&reader_started, 1);
  char byte = 0;
  long got = read(data_pipe[0], &byte, 1);
  atomic_store(&read_done, 1);
  return (void*)(got == 1 && byte == 'x' ? 1L : 0L);
}

int main(void) {
  alarm(30);  // a hang ends the run instead of stalling the suite
  expect_errno("pipe", pipe(data_pipe) ? errno : 0, 0);
  pthread_t reader_thread;
  expect("pthread_create reader", pthread_create(&reader_thread, NULL, reader, NULL), 0);
  // Spinning, never blocking: on one worker the reader runs only when this
  // thread is preempted, and then parks in read.
  while (!atomic_load(&reader_started)) {
  }
  expect_yes("write the reader's byte", write(data_pipe[1], "x", 1) == 1);
  while (!atomic_load(&read_done)) {
  }
  void* result = NULL;
  expect("pthread_join reader", pthread_join(reader_thread, &result), 0);
  expect_yes("the reader's read got its byte", (long)result == 1);
  puts("the read behind the spinner returned its byte");
  return failures != 0;
}
