// A program whose scheduling events can be counted in advance, for the
// statistics and scheduler-trace tests (tests/observability/stats_test.cc):
// the main thread creates exactly kThreads threads, which all meet at a
// barrier (so all are alive at once), then each sleeps kSleepsPerThread
// times for kSleepMs, and the main thread joins them all. No timed waits,
// so every runtime timer that fires is one of those sleeps.
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

enum { kThreads = 50, kSleepsPerThread = 3, kSleepMs = 30 };

static pthread_barrier_t all_alive;

static void* sleeper(void* unused) {
  (void)unused;
  pthread_barrier_wait(&all_alive);
  for (int i = 0; i < kSleepsPerThread; ++i) usleep(kSleepMs * 1000);
  return NULL;
}

int main(void) {
  pthread_t threads[kThreads];
  pthread_barrier_init(&all_alive, NULL, kThreads);
  for (int i = 0; i < kThreads; ++i) {
    if (pthread_create(&threads[i], NULL, sleeper, NULL) != 0) {
      fprintf(stderr, "pthread_create failed\n");
      return 1;
    }
  }
  for (int i = 0; i < kThreads; ++i) pthread_join(threads[i], NULL);
  printf("%d threads, %d sleeps each\n", kThreads, kSleepsPerThread);
  return 0;
}
