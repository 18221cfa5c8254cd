// Checks robust mutexes and the priority attributes:
//  - a thread that ends holding a robust mutex: the next locker gets
//    EOWNERDEAD and holds it; pthread_mutex_consistent makes it usable
//    again (0 on the next lock); a thread already blocked on the mutex
//    when its owner ends is the one that gets EOWNERDEAD;
//  - unlocking without pthread_mutex_consistent: every later lock and
//    trylock gets ENOTRECOVERABLE;
//  - consistent on a consistent or a non-robust mutex: EINVAL; a robust
//    mutex unlocked by a thread that does not hold it: EPERM;
//  - across processes: a process-shared robust mutex in shared memory,
//    held by a child that exits without unlocking: the parent's next lock
//    gets EOWNERDEAD (after the child is gone, and while the parent is
//    already blocked on it when the child dies);
//  - PTHREAD_PRIO_PROTECT: the ceiling from the attributes is reported,
//    pthread_mutex_setprioceiling changes it and returns the old one, a
//    ceiling outside SCHED_FIFO's range is EINVAL; getprioceiling on a
//    mutex without the protocol is EINVAL; PTHREAD_PRIO_INHERIT mutexes
//    lock and unlock. (A PTHREAD_PRIO_PROTECT mutex is not locked: natively
//    glibc then raises the thread to the ceiling's real-time priority,
//    which depends on the machine's limits; greenshim gives it no effect.)
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks.h"

static pthread_mutex_t robust;
static pthread_barrier_t holding;

static void init_robust(pthread_mutex_t* mutex, int type, int shared) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_settype(&attributes, type);
  pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
  if (shared) pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(mutex, &attributes);
  pthread_mutexattr_destroy(&attributes);
}

static void* lock_and_end(void* argument) {
  (void)argument;
  pthread_mutex_lock(&robust);
  return NULL;
}

// Locks, lets the main thread start a blocked locker, then ends.
static void* lock_wait_and_end(void* argument) {
  (void)argument;
  pthread_mutex_lock(&robust);
  pthread_barrier_wait(&holding);
  usleep(20000);  // the other locker is most likely blocked by now
  return NULL;
}

static void* lock_and_report(void* argument) {
  (void)argument;
  int error = pthread_mutex_lock(&robust);
  if (error == EOWNERDEAD) {
    pthread_mutex_consistent(&robust);
    pthread_mutex_unlock(&robust);
  }
  return (void*)(intptr_t)error;
}

static void* unlock_foreign(void* argument) {
  (void)argument;
  return (void*)(intptr_t)pthread_mutex_unlock(&robust);
}

static void run_and_join(void* (*body)(void*), void** result) {
  pthread_t thread;
  pthread_create(&thread, NULL, body, NULL);
  pthread_join(thread, result);
}

static void within_a_process(void) {
  init_robust(&robust, PTHREAD_MUTEX_NORMAL, 0);
  run_and_join(lock_and_end, NULL);
  expect("lock after the owner ended", pthread_mutex_lock(&robust), EOWNERDEAD);
  expect("consistent", pthread_mutex_consistent(&robust), 0);
  expect("consistent again", pthread_mutex_consistent(&robust), EINVAL);
  expect("unlock", pthread_mutex_unlock(&robust), 0);
  expect("lock once consistent", pthread_mutex_lock(&robust), 0);
  void* result;
  run_and_join(unlock_foreign, &result);
  expect("unlock by another thread", (int)(intptr_t)result, EPERM);
  expect("unlock", pthread_mutex_unlock(&robust), 0);

  pthread_barrier_init(&holding, NULL, 2);
  pthread_t owner, waiter;
  pthread_create(&owner, NULL, lock_wait_and_end, NULL);
  pthread_barrier_wait(&holding);
  pthread_create(&waiter, NULL, lock_and_report, NULL);
  pthread_join(owner, NULL);
  pthread_join(waiter, &result);
  expect("blocked locker when the owner ended", (int)(intptr_t)result, EOWNERDEAD);
  pthread_barrier_destroy(&holding);
  pthread_mutex_destroy(&robust);

  init_robust(&robust, PTHREAD_MUTEX_ERRORCHECK, 0);
  run_and_join(lock_and_end, NULL);
  expect("errorcheck: lock after the owner ended", pthread_mutex_lock(&robust), EOWNERDEAD);
  expect("unlock without consistent", pthread_mutex_unlock(&robust), 0);
  expect("lock afterwards", pthread_mutex_lock(&robust), ENOTRECOVERABLE);
  expect("trylock afterwards", pthread_mutex_trylock(&robust), ENOTRECOVERABLE);

  pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&plain);
  expect("consistent on a non-robust mutex", pthread_mutex_consistent(&plain), EINVAL);
  pthread_mutex_unlock(&plain);
}

static void across_processes(void) {
  pthread_mutex_t* shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) {
    printf("mmap failed\n");
    ++failures;
    return;
  }
  init_robust(shared, PTHREAD_MUTEX_NORMAL, 1);
  fflush(stdout);  // or the child would print our buffered lines again
  pid_t child = fork();
  if (child == 0) {
    pthread_mutex_lock(shared);
    _exit(0);
  }
  waitpid(child, NULL, 0);
  expect("process-shared: lock after the holding process exited", pthread_mutex_lock(shared),
         EOWNERDEAD);
  expect("process-shared: consistent", pthread_mutex_consistent(shared), 0);
  expect("process-shared: unlock", pthread_mutex_unlock(shared), 0);

  int ready[2];
  if (pipe(ready) != 0) {
    printf("pipe failed\n");
    ++failures;
    return;
  }
  fflush(stdout);
  child = fork();
  if (child == 0) {
    pthread_mutex_lock(shared);
    char byte = 1;
    if (write(ready[1], &byte, 1) != 1) _exit(1);
    usleep(50000);  // the parent is most likely blocked on the mutex by now
    exit(0);
  }
  char byte;
  if (read(ready[0], &byte, 1) != 1) ++failures;
  expect("process-shared: blocked lock when the holding process exits",
         pthread_mutex_lock(shared), EOWNERDEAD);
  pthread_mutex_consistent(shared);
  expect("process-shared: unlock", pthread_mutex_unlock(shared), 0);
  waitpid(child, NULL, 0);
  expect("process-shared: lock once consistent", pthread_mutex_lock(shared), 0);
  pthread_mutex_unlock(shared);
}

static void priority_protocols(void) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_setprotocol(&attributes, PTHREAD_PRIO_PROTECT);
  pthread_mutexattr_setprioceiling(&attributes, sched_get_priority_min(SCHED_FIFO));
  pthread_mutex_t protect;
  expect("init PTHREAD_PRIO_PROTECT", pthread_mutex_init(&protect, &attributes), 0);
  int ceiling = -1, old = -1;
  expect("getprioceiling", pthread_mutex_getprioceiling(&protect, &ceiling), 0);
  printf("  ceiling is the minimum: %s\n",
         ceiling == sched_get_priority_min(SCHED_FIFO) ? "yes" : "no");
  expect("setprioceiling", pthread_mutex_setprioceiling(&protect, 2, &old), 0);
  printf("  old ceiling is the minimum: %s\n",
         old == sched_get_priority_min(SCHED_FIFO) ? "yes" : "no");
  pthread_mutex_getprioceiling(&protect, &ceiling);
  printf("  ceiling now %d\n", ceiling);
  expect("setprioceiling out of range", pthread_mutex_setprioceiling(&protect, 1000, &old),
         EINVAL);
  pthread_mutex_destroy(&protect);

  pthread_mutexattr_setprotocol(&attributes, PTHREAD_PRIO_INHERIT);
  pthread_mutex_t inherit;
  expect("init PTHREAD_PRIO_INHERIT", pthread_mutex_init(&inherit, &attributes), 0);
  expect("getprioceiling without PTHREAD_PRIO_PROTECT",
         pthread_mutex_getprioceiling(&inherit, &ceiling), EINVAL);
  expect("lock", pthread_mutex_lock(&inherit), 0);
  expect("unlock", pthread_mutex_unlock(&inherit), 0);
  pthread_mutex_destroy(&inherit);
  pthread_mutexattr_destroy(&attributes);
}

int main(void) {
  within_a_process();
  across_processes();
  priority_protocols();
  printf("%s (%d failures)\n", failures ? "FAIL" : "OK", failures);
  return failures ? 1 : 0;
}
