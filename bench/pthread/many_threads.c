// many_threads: create T threads (default 100000) that all stay alive at
// once, each blocked on a condition variable until main releases them; then
// release and join them all.
//
// Why: the "a thread per connection" scaling question. Natively every thread
// is a kernel task with an 8 MiB stack mapping and a guard page, and
// creation fails with EAGAIN well short of 100000 (pid_max / map count; about
// 32000 on the CI VM). Green threads are limited only by memory. On a failed
// pthread_create the program stops creating, still releases and joins the
// threads it has, and reports how many it got.
//
//   many_threads [threads]   (default 100000)
//   metric threads_alive <n> threads        created and simultaneously alive
//   metric peak_rss <kB> kB                 getrusage(RUSAGE_SELF).ru_maxrss
//   metric rss_per_thread <kB> kB/thread    peak_rss / threads_alive (the fair
//                                           comparison when counts differ)
//   metric create_all <ns> ns/thread        creation loop time / threads_alive
//   metric release_join_all <ns> ns/thread  broadcast + join all / threads_alive
#include <pthread.h>
#include <sys/resource.h>

#include "bench/pthread/common.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t release_cv = PTHREAD_COND_INITIALIZER;  // main -> threads
static pthread_cond_t arrived_cv = PTHREAD_COND_INITIALIZER;  // last thread -> main
// All guarded by lock.
static long arrived;       // threads that have started and are waiting
static long target = -1;   // number created, once main knows it
static int released;

static void* waiter(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  arrived++;
  if (arrived == target) pthread_cond_signal(&arrived_cv);
  while (!released) pthread_cond_wait(&release_cv, &lock);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char** argv) {
  long wanted = arg_count(argc, argv, 1, 100000);
  pthread_t* threads = calloc((size_t)wanted, sizeof(pthread_t));
  if (threads == NULL) {
    fprintf(stderr, "many_threads: out of memory for %ld handles\n", wanted);
    return 1;
  }

  long created = 0;
  long long start = now_ns();
  for (; created < wanted; created++) {
    int rc = pthread_create(&threads[created], NULL, waiter, NULL);
    if (rc != 0) {
      fprintf(stderr, "many_threads: pthread_create #%ld failed: %s; continuing with %ld\n",
              created + 1, strerror(rc), created);
      break;
    }
  }
  long long create_ns = now_ns() - start;

  // Wait until every created thread is up and blocked, so all are alive at
  // once (and counted in peak RSS), then let them go.
  pthread_mutex_lock(&lock);
  target = created;
  while (arrived < target) pthread_cond_wait(&arrived_cv, &lock);
  start = now_ns();
  released = 1;
  pthread_cond_broadcast(&release_cv);
  pthread_mutex_unlock(&lock);
  for (long i = 0; i < created; i++) check(pthread_join(threads[i], NULL), "pthread_join");
  long long release_ns = now_ns() - start;
  free(threads);

  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  metric_count("threads_alive", created, "threads");
  metric_count("peak_rss", usage.ru_maxrss, "kB");
  if (created > 0) {
    metric("rss_per_thread", (double)usage.ru_maxrss / created, "kB/thread");
    metric("create_all", (double)create_ns / created, "ns/thread");
    metric("release_join_all", (double)release_ns / created, "ns/thread");
  }
  return created > 0 ? 0 : 1;
}
