// create_join: cost of one pthread_create + pthread_join pair, one thread at
// a time (the thread only bumps a counter).
//
// Why: thread lifecycle is the headline cost greenshim attacks. A native
// thread means clone(), an mmap'd stack and a futex wake on exit; a green
// thread should be a task allocation plus a run-queue push. Measured
// serially so the number is latency, not throughput across cores.
//
//   create_join [iterations]   (default 10000)
//   metric create_join <ns> ns/op
#include <pthread.h>

#include "bench/pthread/common.h"

static volatile long counter;

static void* work(void* arg) {
  (void)arg;
  counter++;
  return NULL;
}

static void run(long iterations) {
  for (long i = 0; i < iterations; i++) {
    pthread_t thread;
    check(pthread_create(&thread, NULL, work, NULL), "pthread_create");
    check(pthread_join(thread, NULL), "pthread_join");
  }
}

int main(int argc, char** argv) {
  long iterations = arg_count(argc, argv, 1, 10000);
  run(iterations / 20 + 1);  // warm-up: stack caches, lazy binding
  counter = 0;
  long long start = now_ns();
  run(iterations);
  long long elapsed = now_ns() - start;
  if (counter != iterations) {
    fprintf(stderr, "create_join: %ld threads ran, expected %ld\n", counter, iterations);
    return 1;
  }
  metric("create_join", (double)elapsed / iterations, "ns/op");
  return 0;
}
