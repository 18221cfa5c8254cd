// sleep_storm: T threads (default 10000) each call usleep(1000) in a loop
// N times (default 100); every call's oversleep (time asleep beyond the
// 1 ms asked) is measured. Reports the mean and the worst.
//
// Why: timers at scale. Natively each sleeping thread is a kernel task on
// an hrtimer, and 10,000 of them waking every millisecond keep the kernel
// scheduler busy; under greenshim they are green threads on the runtime's
// timer queue. The reach: mean oversleep no worse than native's.
//
//   sleep_storm [threads] [sleeps_per_thread]   (default 10000 100)
//   metric sleep_storm_mean_oversleep <us> us
//   metric sleep_storm_max_oversleep <us> us
//   metric sleep_storm_wall <ms> ms      from the start line to the last join
#include <pthread.h>
#include <unistd.h>

#include "bench/pthread/common.h"

#define SLEEP_US 1000

static long sleeps_per_thread;
// Every thread is created before any sleeps, so all T sleep at once in
// both modes (natively, creating 10,000 threads takes long enough that the
// first would otherwise be done before the last began).
static pthread_barrier_t start_line;
// Each thread's total and worst oversleep, in ns; written once per thread.
struct sleeper_result {
  long long total_ns;
  long long worst_ns;
};

static void* sleeper(void* result_pointer) {
  struct sleeper_result* result = result_pointer;
  pthread_barrier_wait(&start_line);
  for (long i = 0; i < sleeps_per_thread; i++) {
    long long start = now_ns();
    usleep(SLEEP_US);
    long long over = now_ns() - start - SLEEP_US * 1000LL;
    result->total_ns += over;
    if (over > result->worst_ns) result->worst_ns = over;
  }
  return NULL;
}

int main(int argc, char** argv) {
  long threads = arg_count(argc, argv, 1, 10000);
  sleeps_per_thread = arg_count(argc, argv, 2, 100);
  pthread_t* handles = calloc((size_t)threads, sizeof *handles);
  struct sleeper_result* results = calloc((size_t)threads, sizeof *results);
  if (handles == NULL || results == NULL) {
    fprintf(stderr, "sleep_storm: out of memory\n");
    return 1;
  }
  check(pthread_barrier_init(&start_line, NULL, (unsigned)threads + 1), "pthread_barrier_init");
  for (long i = 0; i < threads; i++) {
    check(pthread_create(&handles[i], NULL, sleeper, &results[i]), "pthread_create");
  }
  long long start = now_ns();
  pthread_barrier_wait(&start_line);
  long long total_ns = 0, worst_ns = 0;
  for (long i = 0; i < threads; i++) {
    check(pthread_join(handles[i], NULL), "pthread_join");
    total_ns += results[i].total_ns;
    if (results[i].worst_ns > worst_ns) worst_ns = results[i].worst_ns;
  }
  long long wall = now_ns() - start;
  metric("sleep_storm_mean_oversleep", (double)total_ns / (threads * sleeps_per_thread) / 1000.0,
         "us");
  metric("sleep_storm_max_oversleep", (double)worst_ns / 1000.0, "us");
  metric("sleep_storm_wall", (double)wall / 1e6, "ms");
  pthread_barrier_destroy(&start_line);
  free(handles);
  free(results);
  return 0;
}
