// mutex_uncontended: one thread does N lock / increment / unlock pairs on a
// mutex nobody else touches. Reports the time of one pair.
//
// Why: most lock operations in real programs find the lock free. Natively
// that is one atomic instruction each way inside glibc; greenshim
// interposes the mutex, so this is the price of the interposition itself
// (the PLT call lands in the shim instead of glibc) on the fast path.
//
//   mutex_uncontended [pairs]   (default 50000000)
//   metric mutex_uncontended <ns> ns/op
//   exit 1 if the final count is not `pairs`
#include <pthread.h>

#include "bench/pthread/common.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile long count;  // volatile: the loop must really touch it

int main(int argc, char** argv) {
  long pairs = arg_count(argc, argv, 1, 50000000);
  long long start = now_ns();
  for (long i = 0; i < pairs; i++) {
    pthread_mutex_lock(&lock);
    count++;
    pthread_mutex_unlock(&lock);
  }
  long long elapsed = now_ns() - start;
  if (count != pairs) {
    fprintf(stderr, "mutex_uncontended: final count %ld, expected %ld\n", count, pairs);
    return 1;
  }
  metric("mutex_uncontended", (double)elapsed / pairs, "ns/op");
  return 0;
}
