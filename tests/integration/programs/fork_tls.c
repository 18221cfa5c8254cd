// Checks: fork from a thread that is not main, while other threads run,
// and thread-local storage on both sides. The forking thread finds its own
// __thread values and errno after fork in the parent and in the child; the
// child (whose only thread is the forking one) creates threads that start
// from the initial image and keep their own values, and exits with the
// number of failures as its status.
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_THREADS 16
#define BUSY_THREADS 8

static __thread long value = 11;
static atomic_int stop_busy;

static void* busy(void* argument) {
  value = (long)(uintptr_t)argument;
  while (!atomic_load(&stop_busy)) sched_yield();
  return (void*)(uintptr_t)(value == (long)(uintptr_t)argument);
}

static void* child_thread(void* argument) {
  long mine = (long)(uintptr_t)argument;
  int ok = value == 11;
  value = mine;
  for (int i = 0; i < 100; ++i) sched_yield();
  return (void*)(uintptr_t)(ok && value == mine);
}

static int child_main(void) {
  int failures = value != 500 || errno != 77;
  pthread_t threads[CHILD_THREADS];
  for (uintptr_t i = 0; i < CHILD_THREADS; ++i)
    if (pthread_create(&threads[i], NULL, child_thread, (void*)(i + 1000)) != 0) ++failures;
  for (int i = 0; i < CHILD_THREADS; ++i) {
    void* result;
    pthread_join(threads[i], &result);
    failures += result == NULL;
  }
  return failures + (value != 500);
}

static void* forker(void* argument) {
  (void)argument;
  value = 500;
  errno = 77;
  pid_t child = fork();
  if (child == 0) _exit(child_main());
  int parent_kept = value == 500 && errno == 77;
  int status;
  waitpid(child, &status, 0);
  printf("forking thread kept its __thread value and errno in the parent: %s\n",
         parent_kept ? "yes" : "no");
  printf("child exited with %d failures\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return (void*)(uintptr_t)(parent_kept && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void) {
  pthread_t busy_threads[BUSY_THREADS], forking;
  for (uintptr_t i = 0; i < BUSY_THREADS; ++i)
    pthread_create(&busy_threads[i], NULL, busy, (void*)(i + 1));
  pthread_create(&forking, NULL, forker, NULL);
  void* forked_ok;
  pthread_join(forking, &forked_ok);
  atomic_store(&stop_busy, 1);
  int busy_ok = 0;
  for (int i = 0; i < BUSY_THREADS; ++i) {
    void* result;
    pthread_join(busy_threads[i], &result);
    busy_ok += result != NULL;
  }
  printf("other threads kept their values: %d/%d\n", busy_ok, BUSY_THREADS);
  return forked_ok != NULL && busy_ok == BUSY_THREADS ? 0 : 1;
}
