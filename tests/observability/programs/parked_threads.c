// 100 threads, each parked for good in one of several ways, for the gdb
// extension's test (tests/observability/gdb_test.cc). Thread i parks in
// park_on_<kind>() with kind = kKinds[i % kKindCount] and names itself
// "<kind>-<i>", so a debugger's listing can be checked thread by thread.
// Once every thread has announced itself the main thread waits a little
// (the announcement comes just before the park), prints "ready <pid>" and
// joins thread 0, which never ends: the test kills the process.
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { kThreads = 100 };

static pthread_mutex_t held_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t condvar_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never_signalled = PTHREAD_COND_INITIALIZER;
static sem_t empty_semaphore;
static pthread_barrier_t unreachable_barrier;
static pthread_rwlock_t read_held_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t write_held_lock = PTHREAD_RWLOCK_INITIALIZER;
static atomic_uint futex_word;
static pthread_t threads[kThreads];
static atomic_int announced;

// noinline: each must stay a frame of its own in a backtrace.
#define PARK_FUNCTION __attribute__((noinline)) static void

PARK_FUNCTION park_on_mutex(void) { pthread_mutex_lock(&held_mutex); }

PARK_FUNCTION park_on_condvar(void) {
  pthread_mutex_lock(&condvar_mutex);
  for (;;) pthread_cond_wait(&never_signalled, &condvar_mutex);
}

PARK_FUNCTION park_on_sleep(void) {
  for (;;) sleep(1000);
}

// Joins the thread created just before it, which never ends either.
PARK_FUNCTION park_on_join(int index) { pthread_join(threads[index - 1], NULL); }

PARK_FUNCTION park_on_semaphore(void) {
  for (;;) sem_wait(&empty_semaphore);
}

PARK_FUNCTION park_on_barrier(void) { pthread_barrier_wait(&unreachable_barrier); }

PARK_FUNCTION park_on_rwlock_read(void) { pthread_rwlock_rdlock(&write_held_lock); }

PARK_FUNCTION park_on_rwlock_write(void) { pthread_rwlock_wrlock(&read_held_lock); }

PARK_FUNCTION park_on_futex(void) {
  for (;;) syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static const char* const kKinds[] = {"mutex",     "condvar", "sleep",       "join",         "semaphore",
                                     "barrier",   "rwlock_read", "rwlock_write", "futex"};
enum { kKindCount = sizeof kKinds / sizeof kKinds[0] };

static void* thread_main(void* raw_index) {
  int index = (int)(long)raw_index;
  char name[16];
  snprintf(name, sizeof name, "%s-%d", kKinds[index % kKindCount], index);
  pthread_setname_np(pthread_self(), name);
  atomic_fetch_add(&announced, 1);
  switch (index % kKindCount) {
    case 0: park_on_mutex(); break;
    case 1: park_on_condvar(); break;
    case 2: park_on_sleep(); break;
    case 3: park_on_join(index); break;
    case 4: park_on_semaphore(); break;
    case 5: park_on_barrier(); break;
    case 6: park_on_rwlock_read(); break;
    case 7: park_on_rwlock_write(); break;
    case 8: park_on_futex(); break;
  }
  return NULL;
}

int main(void) {
  sem_init(&empty_semaphore, 0, 0);
  pthread_barrier_init(&unreachable_barrier, NULL, kThreads + 1);
  pthread_mutex_lock(&held_mutex);
  pthread_rwlock_wrlock(&write_held_lock);
  pthread_rwlock_rdlock(&read_held_lock);
  for (long i = 0; i < kThreads; ++i) {
    if (pthread_create(&threads[i], NULL, thread_main, (void*)i) != 0) {
      fprintf(stderr, "pthread_create failed\n");
      return 1;
    }
  }
  while (atomic_load(&announced) < kThreads) usleep(1000);
  usleep(200 * 1000);
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  pthread_join(threads[0], NULL);
  return 0;
}
