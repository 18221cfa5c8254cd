// idle_cpu: what an idle process costs. Main starts a few threads and all
// of them sleep for the whole run; reports the CPU time the process used
// (user + system). Natively that is next to nothing; under greenshim it
// shows what the runtime's own threads (workers, the monitor) cost while
// there is nothing to do.
//
//   idle_cpu [seconds] [threads]   (default 10 4)
//   metric idle_cpu_time <ms> ms
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench/pthread/common.h"

static long seconds;

static void* sleeper(void* unused) {
  (void)unused;
  sleep((unsigned)seconds);
  return NULL;
}

int main(int argc, char** argv) {
  seconds = arg_count(argc, argv, 1, 10);
  long threads = arg_count(argc, argv, 2, 4);
  pthread_t handles[64];
  if (threads > 64) threads = 64;
  for (long i = 0; i < threads; i++) check(pthread_create(&handles[i], NULL, sleeper, NULL), "pthread_create");
  sleep((unsigned)seconds);
  for (long i = 0; i < threads; i++) check(pthread_join(handles[i], NULL), "pthread_join");
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
                  (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
  metric("idle_cpu_time", cpu_ms, "ms");
  return 0;
}
