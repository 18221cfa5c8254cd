// pipe_read_ready: the cost of read and write on a pipe when neither has
// to wait. One thread writes a batch of 32 messages of 64 bytes into an
// empty pipe (each write fits in the buffer), then reads them back (each
// read finds its message there), N times (default 10000 batches). Writes
// and reads are timed apart, per batch, so the clock is read twice per 32
// calls.
//
// Why: the fast path of interposed I/O. Under greenshim a read or write
// that would not block should cost little more than the system call itself
// (the reach: at most about twice native), since most reads on a
// busy server find data waiting.
//
//   pipe_read_ready [batches]   (default 10000)
//   metric pipe_write_fits <ns> ns/op
//   metric pipe_read_ready <ns> ns/op
#include <pthread.h>
#include <unistd.h>

#include "bench/pthread/common.h"

#define MESSAGE 64
#define BATCH 32  // 2 KiB: far below the pipe's 64 KiB

struct timings {
  long batches;
  long long write_ns;
  long long read_ns;
};

static void fail(const char* what) {
  perror(what);
  exit(1);
}

static void* measure(void* timings_pointer) {
  struct timings* timings = timings_pointer;
  int fds[2];
  if (pipe(fds) != 0) fail("pipe_read_ready: pipe");
  char message[MESSAGE] = {0};
  for (long i = 0; i < timings->batches; i++) {
    long long start = now_ns();
    for (int j = 0; j < BATCH; j++) {
      if (write(fds[1], message, MESSAGE) != MESSAGE) fail("pipe_read_ready: write");
    }
    long long written = now_ns();
    for (int j = 0; j < BATCH; j++) {
      if (read(fds[0], message, MESSAGE) != MESSAGE) fail("pipe_read_ready: read");
    }
    long long done = now_ns();
    timings->write_ns += written - start;
    timings->read_ns += done - written;
  }
  close(fds[0]);
  close(fds[1]);
  return NULL;
}

int main(int argc, char** argv) {
  struct timings timings = {arg_count(argc, argv, 1, 10000), 0, 0};
  // In a created thread, so that under greenshim the calls are made by a
  // green thread (the main thread is one too, but this is the common case).
  pthread_t thread;
  check(pthread_create(&thread, NULL, measure, &timings), "pthread_create");
  check(pthread_join(thread, NULL), "pthread_join");
  double calls = (double)timings.batches * BATCH;
  metric("pipe_write_fits", (double)timings.write_ns / calls, "ns/op");
  metric("pipe_read_ready", (double)timings.read_ns / calls, "ns/op");
  return 0;
}
