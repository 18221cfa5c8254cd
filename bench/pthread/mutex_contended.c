// mutex_contended: 4 threads each do N lock / increment / unlock on one
// shared pthread mutex. Reports wall time per lock+unlock pair over all
// threads (total elapsed / (4 * N)) and checks the final count.
//
// Why: a heavily contended lock. Natively, waiters sleep in futex_wait and
// the unlocker pays a futex_wake syscall; greenshim interposes the mutex and
// parks/unparks green threads instead. With 4 threads on 2 cores this also
// shows whether blocking on a lock hands the CPU to someone useful.
//
//   mutex_contended [ops_per_thread]   (default 10000000)
//   metric mutex_contended <ns> ns/op
//   exit 1 if the final count is not 4 * ops_per_thread
#include <pthread.h>

#include "bench/pthread/common.h"

#define THREADS 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long count;  // guarded by lock
static long ops_per_thread;

static void* worker(void* arg) {
  (void)arg;
  for (long i = 0; i < ops_per_thread; i++) {
    pthread_mutex_lock(&lock);
    count++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char** argv) {
  ops_per_thread = arg_count(argc, argv, 1, 10000000);
  pthread_t threads[THREADS];
  long long start = now_ns();
  for (int i = 0; i < THREADS; i++) check(pthread_create(&threads[i], NULL, worker, NULL), "pthread_create");
  for (int i = 0; i < THREADS; i++) check(pthread_join(threads[i], NULL), "pthread_join");
  long long elapsed = now_ns() - start;
  long expected = THREADS * ops_per_thread;
  if (count != expected) {
    fprintf(stderr, "mutex_contended: final count %ld, expected %ld\n", count, expected);
    return 1;
  }
  metric("mutex_contended", (double)elapsed / expected, "ns/op");
  return 0;
}
