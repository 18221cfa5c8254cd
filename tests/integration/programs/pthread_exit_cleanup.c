// Checks: pthread_exit runs the thread's cancellation cleanup handlers
// (POSIX: pushed and not yet popped handlers are popped in reverse order
// and executed), then its thread-specific-data destructors, and join gets
// the value passed to pthread_exit. pthread_cleanup_pop(1) runs a handler,
// pop(0) does not. 8 threads do this at once, yielding between pushes so
// that their handler chains interleave on shared kernel threads.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define THREADS 8
#define MAX_EVENTS 16

struct log {
  int events;
  char event[MAX_EVENTS][24];
};
static struct log logs[THREADS];
static pthread_key_t key;
static atomic_int started;

static void record(struct log* log, const char* what) {
  if (log->events < MAX_EVENTS) {
    snprintf(log->event[log->events], sizeof log->event[0], "%s", what);
    log->events++;
  }
}

static void handler_a(void* argument) { record(argument, "handler A"); }
static void handler_b(void* argument) { record(argument, "handler B"); }
static void handler_c(void* argument) { record(argument, "handler C"); }
static void handler_popped_0(void* argument) { record(argument, "popped(0)"); }
static void handler_popped_1(void* argument) { record(argument, "popped(1)"); }
static void tsd_destructor(void* argument) { record(argument, "tsd destructor"); }

static void exit_deep(struct log* log, int index) {
  pthread_cleanup_push(handler_c, log);
  sched_yield();
  pthread_exit((void*)(uintptr_t)(100 + index));
  pthread_cleanup_pop(0);
}

static void* body(void* argument) {
  int index = (int)(uintptr_t)argument;
  struct log* log = &logs[index];
  pthread_setspecific(key, log);
  atomic_fetch_add(&started, 1);
  while (atomic_load(&started) < THREADS) sched_yield();

  pthread_cleanup_push(handler_popped_1, log);
  sched_yield();
  pthread_cleanup_pop(1);
  pthread_cleanup_push(handler_popped_0, log);
  sched_yield();
  pthread_cleanup_pop(0);

  pthread_cleanup_push(handler_a, log);
  sched_yield();
  pthread_cleanup_push(handler_b, log);
  sched_yield();
  exit_deep(log, index);
  pthread_cleanup_pop(0);
  pthread_cleanup_pop(0);
  record(log, "after pthread_exit!");
  return NULL;
}

int main(void) {
  pthread_key_create(&key, tsd_destructor);
  pthread_t threads[THREADS];
  for (uintptr_t i = 0; i < THREADS; ++i) pthread_create(&threads[i], NULL, body, (void*)i);
  int values_ok = 0, logs_same = 1;
  for (int i = 0; i < THREADS; ++i) {
    void* value = NULL;
    pthread_join(threads[i], &value);
    values_ok += value == (void*)(uintptr_t)(100 + i);
  }
  printf("join values from pthread_exit correct: %d/%d\n", values_ok, THREADS);
  printf("thread 0 events:");
  for (int e = 0; e < logs[0].events; ++e) printf(" [%s]", logs[0].event[e]);
  printf("\n");
  for (int i = 1; i < THREADS; ++i) {
    if (logs[i].events != logs[0].events) logs_same = 0;
    for (int e = 0; e < logs[i].events && e < logs[0].events; ++e)
      if (strcmp(logs[i].event[e], logs[0].event[e]) != 0) logs_same = 0;
  }
  printf("all threads logged the same events: %s\n", logs_same ? "yes" : "no");
  static const char* const expected[] = {"popped(1)", "handler C", "handler B", "handler A",
                                         "tsd destructor"};
  int ok = logs[0].events == 5;
  for (int e = 0; ok && e < 5; ++e) ok = strcmp(logs[0].event[e], expected[e]) == 0;
  return ok && logs_same && values_ok == THREADS ? 0 : 1;
}
