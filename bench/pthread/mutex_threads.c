// mutex_threads: T threads hammer one mutex (lock / increment / unlock in a
// loop) for T = 2, 8, 64 and 1000, the same total number of pairs each time
// split evenly between the threads. Reports, per T, the wall time of one
// pair over all threads (elapsed / total pairs: the inverse of the total
// throughput), and checks the count. A barrier releases all T threads at
// once; the time runs from the first thread through it to the last one
// done (each thread notes both ends: main may only run again when they
// have all finished).
//
// Why: how total throughput holds up as contention grows far past the CPU
// count. Natively a waiter sleeps in futex_wait and every contended unlock
// pays a futex_wake; greenshim parks green threads, so with 1000 threads it
// must not collapse into a convoy of wake-ups (nor starve anyone: the count
// check needs every thread to finish).
//
//   mutex_threads [total_pairs]   (default 4000000)
//   metric mutex_threads_<T> <ns> ns/op   for T = 2, 8, 64, 1000
//   exit 1 if a final count is wrong
#include <limits.h>
#include <pthread.h>

#include "bench/pthread/common.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start_line;
static long count;  // guarded by lock
static long pairs_per_thread;
static long long first_start, last_end;  // updated atomically

static void* hammer(void* arg) {
  (void)arg;
  pthread_barrier_wait(&start_line);
  long long start = now_ns();
  for (long i = 0; i < pairs_per_thread; i++) {
    pthread_mutex_lock(&lock);
    count++;
    pthread_mutex_unlock(&lock);
  }
  long long end = now_ns();
  long long seen = __atomic_load_n(&first_start, __ATOMIC_RELAXED);
  while (start < seen && !__atomic_compare_exchange_n(&first_start, &seen, start, 1,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
  seen = __atomic_load_n(&last_end, __ATOMIC_RELAXED);
  while (end > seen && !__atomic_compare_exchange_n(&last_end, &seen, end, 1, __ATOMIC_RELAXED,
                                                    __ATOMIC_RELAXED)) {
  }
  return NULL;
}

// Returns the elapsed nanoseconds for `threads` threads.
static long long run(int threads, long total_pairs) {
  pthread_t* ids = calloc((size_t)threads, sizeof *ids);
  if (ids == NULL) {
    fprintf(stderr, "mutex_threads: out of memory\n");
    exit(1);
  }
  pairs_per_thread = total_pairs / threads;
  count = 0;
  first_start = LLONG_MAX;
  last_end = 0;
  check(pthread_barrier_init(&start_line, NULL, (unsigned)threads), "pthread_barrier_init");
  for (int i = 0; i < threads; i++) check(pthread_create(&ids[i], NULL, hammer, NULL), "pthread_create");
  for (int i = 0; i < threads; i++) check(pthread_join(ids[i], NULL), "pthread_join");
  long long elapsed = last_end - first_start;
  check(pthread_barrier_destroy(&start_line), "pthread_barrier_destroy");
  free(ids);
  if (count != pairs_per_thread * threads) {
    fprintf(stderr, "mutex_threads: %d threads: final count %ld, expected %ld\n", threads, count,
            pairs_per_thread * threads);
    exit(1);
  }
  return elapsed;
}

int main(int argc, char** argv) {
  long total_pairs = arg_count(argc, argv, 1, 4000000);
  static const int thread_counts[] = {2, 8, 64, 1000};
  for (size_t i = 0; i < sizeof thread_counts / sizeof thread_counts[0]; i++) {
    int threads = thread_counts[i];
    long long elapsed = run(threads, total_pairs);
    char name[32];
    snprintf(name, sizeof name, "mutex_threads_%d", threads);
    metric(name, (double)elapsed / (total_pairs / threads * threads), "ns/op");
  }
  return 0;
}
