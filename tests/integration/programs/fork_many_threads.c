// Checks: fork from one of 100 threads while others hold mutexes, sleep,
// allocate and print. The child has only the forking thread: it creates 20
// threads of its own that lock fresh mutexes, allocate, print and join,
// and exits with the number of failures; the parent's threads carry on
// and finish. Run twice, from a thread and from main.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 100
#define CHILD_THREADS 20

static pthread_mutex_t held[10];
static atomic_int stop;
static atomic_int ready;

static void* busy(void* argument) {
  int index = (int)(uintptr_t)argument;
  atomic_fetch_add(&ready, 1);
  while (!atomic_load(&stop)) {
    if (index < 10) {
      pthread_mutex_lock(&held[index]);  // held across a sleep
      usleep(500);
      pthread_mutex_unlock(&held[index]);
    } else if (index % 3 == 0) {
      free(malloc(64 + index));
    } else {
      char line[32];
      snprintf(line, sizeof line, "%d", index);
      sched_yield();
    }
  }
  return NULL;
}

static pthread_mutex_t child_lock = PTHREAD_MUTEX_INITIALIZER;
static long child_total;

static void* child_thread(void* argument) {
  long value = (long)(uintptr_t)argument;
  char* buffer = malloc(1000);
  snprintf(buffer, 1000, "%ld", value);
  pthread_mutex_lock(&child_lock);
  child_total += atol(buffer);
  pthread_mutex_unlock(&child_lock);
  free(buffer);
  return (void*)(uintptr_t)1;
}

static int child_main(void) {
  pthread_t threads[CHILD_THREADS];
  int failures = 0;
  for (uintptr_t i = 0; i < CHILD_THREADS; ++i)
    if (pthread_create(&threads[i], NULL, child_thread, (void*)(i + 1)) != 0) ++failures;
  for (int i = 0; i < CHILD_THREADS; ++i) {
    void* result = NULL;
    pthread_join(threads[i], &result);
    failures += result == NULL;
  }
  failures += child_total != CHILD_THREADS * (CHILD_THREADS + 1) / 2;
  return failures;
}

static int fork_and_wait(void) {
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) return -1;
  if (child == 0) _exit(child_main());
  int status;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

static void* forker(void* argument) {
  (void)argument;
  return (void*)(intptr_t)fork_and_wait();
}

int main(void) {
  for (int i = 0; i < 10; ++i) pthread_mutex_init(&held[i], NULL);
  pthread_t threads[THREADS];
  for (uintptr_t i = 0; i < THREADS - 1; ++i) pthread_create(&threads[i], NULL, busy, (void*)i);
  while (atomic_load(&ready) < THREADS - 1) usleep(1000);
  pthread_t forking;
  pthread_create(&forking, NULL, forker, NULL);
  void* from_thread;
  pthread_join(forking, &from_thread);
  printf("child forked by a thread: %d failures\n", (int)(intptr_t)from_thread);
  printf("child forked by main: %d failures\n", fork_and_wait());
  atomic_store(&stop, 1);
  for (int i = 0; i < THREADS - 1; ++i) pthread_join(threads[i], NULL);
  printf("the parent's threads all finished\n");
  return from_thread == NULL ? 0 : 1;
}
