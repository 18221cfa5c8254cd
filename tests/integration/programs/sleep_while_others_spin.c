// Checks: timed waits expire while other threads are busy. With k threads
// that spin calling sched_yield until told to stop, for k = 1, CPUs - 1,
// CPUs and CPUs + 1 (CPUs: those in the affinity mask), main waits 20 ms
// with each of: pthread_cond_timedwait, sem_timedwait,
// pthread_mutex_timedlock (on a mutex a spinner holds), pthread_timedjoin_np
// (on a spinner), thrd_sleep and nanosleep, three times each. Each wait
// must return (ETIMEDOUT / 0) after at least 20 ms; then main stops the
// spinners. Under an M:N runtime with one worker per CPU, k == CPUs means
// every worker runs a spinner. stdout is line-buffered so that a hang
// shows how far the program got.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <threads.h>
#include <time.h>

#define WAIT_MS 20
#define MAX_SPINNERS 64

static atomic_int stop;
static atomic_int running;
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static atomic_int holder_ready;

static void* spinner(void* argument) {
  int holds_mutex = argument != NULL;
  if (holds_mutex) {
    pthread_mutex_lock(&held);
    atomic_store(&holder_ready, 1);
  }
  atomic_fetch_add(&running, 1);
  while (!atomic_load(&stop)) sched_yield();
  if (holds_mutex) pthread_mutex_unlock(&held);
  return NULL;
}

static struct timespec deadline(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  t.tv_nsec += WAIT_MS * 1000000L;
  if (t.tv_nsec >= 1000000000L) {
    t.tv_nsec -= 1000000000L;
    t.tv_sec += 1;
  }
  return t;
}

static long long monotonic_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000 + t.tv_nsec;
}

static const char* name_of(int error) { return error == 0 ? "0" : strerrorname_np(error); }

enum { COND, SEM, MUTEX, JOIN, THRD_SLEEP, NANOSLEEP, KINDS };
static const char* const kind_names[KINDS] = {
    "pthread_cond_timedwait", "sem_timedwait", "pthread_mutex_timedlock",
    "pthread_timedjoin_np",   "thrd_sleep",    "nanosleep"};

static int wait_once(int kind, pthread_t spinner0) {
  struct timespec t;
  switch (kind) {
    case COND: {
      pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
      pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
      pthread_mutex_lock(&mutex);
      t = deadline(CLOCK_REALTIME);
      int error;
      do error = pthread_cond_timedwait(&cond, &mutex, &t);
      while (error == 0);
      pthread_mutex_unlock(&mutex);
      return error;
    }
    case SEM: {
      sem_t sem;
      sem_init(&sem, 0, 0);
      t = deadline(CLOCK_REALTIME);
      int result;
      do result = sem_timedwait(&sem, &t);
      while (result != 0 && errno == EINTR);
      int error = result == 0 ? 0 : errno;
      sem_destroy(&sem);
      return error;
    }
    case MUTEX:
      t = deadline(CLOCK_REALTIME);
      return pthread_mutex_timedlock(&held, &t);
    case JOIN:
      t = deadline(CLOCK_REALTIME);
      return pthread_timedjoin_np(spinner0, NULL, &t);
    case THRD_SLEEP:
      t = (struct timespec){0, WAIT_MS * 1000000L};
      return thrd_sleep(&t, NULL) == 0 ? 0 : EINTR;
    default:
      t = (struct timespec){0, WAIT_MS * 1000000L};
      return nanosleep(&t, NULL) == 0 ? 0 : errno;
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  cpu_set_t cpus;
  int cpu_count = 1;
  if (sched_getaffinity(0, sizeof cpus, &cpus) == 0) cpu_count = CPU_COUNT(&cpus);
  if (cpu_count + 1 > MAX_SPINNERS) cpu_count = MAX_SPINNERS - 1;
  fprintf(stderr, "CPUs: %d\n", cpu_count);
  int counts[] = {1, cpu_count - 1, cpu_count, cpu_count + 1};
  int failures = 0, done_up_to = 0;
  for (int c = 0; c < 4; ++c) {
    int k = counts[c];
    if (k <= done_up_to) continue;
    done_up_to = k;
    for (int attempt = 0; attempt < 3 * KINDS; ++attempt) {
      int kind = attempt % KINDS;
      pthread_t spinners[MAX_SPINNERS];
      atomic_store(&stop, 0);
      atomic_store(&running, 0);
      atomic_store(&holder_ready, 0);
      for (int i = 0; i < k; ++i) {
        void* holds = (kind == MUTEX && i == 0) ? (void*)1 : NULL;
        pthread_create(&spinners[i], NULL, spinner, holds);
      }
      while (atomic_load(&running) < k) sched_yield();
      for (int i = 0; i < 200; ++i) sched_yield();  // let the spinners settle
      long long start = monotonic_ns();
      int error = wait_once(kind, spinners[0]);
      long long waited = monotonic_ns() - start;
      int expected = kind >= THRD_SLEEP ? 0 : ETIMEDOUT;
      int ok = error == expected && waited >= (WAIT_MS - 1) * 1000000LL;
      // Which k matters is machine-dependent, so print one line per k
      // only with what must hold on every machine.
      printf("%s with %s spinning: %s, waited >= %d ms: %s\n", kind_names[kind],
             k < cpu_count    ? "fewer threads than CPUs"
             : k == cpu_count ? "as many threads as CPUs"
                              : "more threads than CPUs",
             name_of(error), WAIT_MS, ok ? "yes" : "no");
      if (!ok) ++failures;
      atomic_store(&stop, 1);
      for (int i = 0; i < k; ++i) pthread_join(spinners[i], NULL);
    }
  }
  printf("failures: %d\n", failures);
  return failures == 0 ? 0 : 1;
}
