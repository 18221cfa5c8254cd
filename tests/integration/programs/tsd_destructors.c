// Checks: thread-specific data (pthread_key_*) and its destructors.
//  - a new thread sees NULL for every key; values are per thread (each of
//    16 concurrent threads keeps its own value across many sched_yields,
//    and main's value is untouched by theirs);
//  - at thread exit (return from the start routine for even threads,
//    pthread_exit from a nested call for odd ones) each destructor runs on
//    the exiting thread, with that thread's value, after the key's value
//    was set to NULL;
//  - destructors that set their key again are called again in a later
//    round (POSIX "the process is repeated"): the key whose destructor
//    re-sets once is called twice, twice -> three times; rounds do not mix
//    (no key is called for the n+1-th time before every key of round n);
//  - a key with a destructor but no value, and a key with a value but no
//    destructor, cause no call;
//  - a destructor that always re-sets its value is called at least
//    PTHREAD_DESTRUCTOR_ITERATIONS times (POSIX lets the implementation stop
//    after that many rounds; the exact count goes to stderr only).
// Printed per thread: the keys called in rounds 1..3, sorted within a round
// (POSIX leaves the order of keys within a round unspecified).
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define THREADS 16
#define MAX_LOG 256

enum { K_ONCE, K_TWICE, K_THRICE, K_NO_DESTRUCTOR, K_NEVER_SET, K_ENDLESS, KEYS };
static const char* const key_names[KEYS] = {"once",          "twice",     "thrice",
                                            "no-destructor", "never-set", "endless"};
static pthread_key_t keys[KEYS];

struct thread_log;
struct slot {
  int key;
  int remaining;  // how many more times the destructor sets the value again
  int calls;
  struct thread_log* log;
};

struct thread_log {
  pthread_t self;
  int index;
  struct slot slots[KEYS];
  int entries;
  struct {
    int key, call;
  } log[MAX_LOG];
  int non_null_at_start;
  int wrong_value_while_running;
  int wrong_thread_in_destructor;
  int value_not_null_in_destructor;
};

static struct thread_log logs[THREADS];
static atomic_int started;

static void destructor(void* value) {
  struct slot* slot = value;
  struct thread_log* log = slot->log;
  if (!pthread_equal(pthread_self(), log->self)) log->wrong_thread_in_destructor++;
  if (pthread_getspecific(keys[slot->key]) != NULL) log->value_not_null_in_destructor++;
  slot->calls++;
  if (log->entries < MAX_LOG) {
    log->log[log->entries].key = slot->key;
    log->log[log->entries].call = slot->calls;
    log->entries++;
  }
  if (slot->remaining > 0) {
    slot->remaining--;
    pthread_setspecific(keys[slot->key], slot);
  }
}

static void exit_from_nested_call(void) { pthread_exit(NULL); }

static void* body(void* argument) {
  struct thread_log* log = argument;
  log->self = pthread_self();
  for (int k = 0; k < KEYS; ++k) {
    if (pthread_getspecific(keys[k]) != NULL) log->non_null_at_start++;
    log->slots[k].key = k;
    log->slots[k].log = log;
  }
  log->slots[K_TWICE].remaining = 1;
  log->slots[K_THRICE].remaining = 2;
  log->slots[K_ENDLESS].remaining = 99;  // stop after 100 calls in any case
  for (int k = 0; k < KEYS; ++k) {
    if (k != K_NEVER_SET) pthread_setspecific(keys[k], &log->slots[k]);
  }
  atomic_fetch_add(&started, 1);
  while (atomic_load(&started) < THREADS) sched_yield();
  for (int round = 0; round < 50; ++round) {
    sched_yield();
    for (int k = 0; k < KEYS; ++k) {
      void* expected = k == K_NEVER_SET ? NULL : &log->slots[k];
      if (pthread_getspecific(keys[k]) != expected) log->wrong_value_while_running++;
    }
  }
  if (log->index % 2 == 1) exit_from_nested_call();
  return NULL;
}

int main(void) {
  for (int k = 0; k < KEYS; ++k) {
    int error = pthread_key_create(&keys[k], k == K_NO_DESTRUCTOR ? NULL : destructor);
    if (error != 0) {
      printf("FAIL: pthread_key_create: %s\n", strerror(error));
      return 1;
    }
  }
  static int main_value;
  pthread_setspecific(keys[K_ONCE], &main_value);

  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; ++i) {
    logs[i].index = i;
    int error = pthread_create(&threads[i], NULL, body, &logs[i]);
    if (error != 0) {
      printf("FAIL: pthread_create: %s\n", strerror(error));
      return 1;
    }
  }
  for (int i = 0; i < THREADS; ++i) pthread_join(threads[i], NULL);

  int failures = 0;
  for (int i = 0; i < THREADS; ++i) {
    struct thread_log* log = &logs[i];
    int ordered = 1;
    for (int e = 1; e < log->entries; ++e) {
      if (log->log[e].call < log->log[e - 1].call) ordered = 0;
    }
    printf("thread %2d (%s):", i, i % 2 ? "pthread_exit" : "return");
    for (int round = 1; round <= 3; ++round) {
      printf(" round %d:", round);
      for (int k = 0; k < KEYS; ++k) {
        for (int e = 0; e < log->entries; ++e) {
          if (log->log[e].key == k && log->log[e].call == round) printf(" %s", key_names[k]);
        }
      }
      printf(round < 3 ? " |" : "\n");
    }
    printf("  calls: once=%d twice=%d thrice=%d no-destructor=%d never-set=%d endless>=%d:%s\n",
           log->slots[K_ONCE].calls, log->slots[K_TWICE].calls, log->slots[K_THRICE].calls,
           log->slots[K_NO_DESTRUCTOR].calls, log->slots[K_NEVER_SET].calls,
           PTHREAD_DESTRUCTOR_ITERATIONS,
           log->slots[K_ENDLESS].calls >= PTHREAD_DESTRUCTOR_ITERATIONS ? "yes" : "no");
    printf(
        "  rounds in order: %s; NULL at start: %s; own values while running: %s;"
        " destructor on own thread: %s; key NULL inside destructor: %s\n",
        ordered ? "yes" : "no", log->non_null_at_start == 0 ? "yes" : "no",
        log->wrong_value_while_running == 0 ? "yes" : "no",
        log->wrong_thread_in_destructor == 0 ? "yes" : "no",
        log->value_not_null_in_destructor == 0 ? "yes" : "no");
    fprintf(stderr, "thread %d: endless destructor called %d times\n", i,
            log->slots[K_ENDLESS].calls);
    int ok = ordered && log->non_null_at_start == 0 && log->wrong_value_while_running == 0 &&
             log->wrong_thread_in_destructor == 0 && log->value_not_null_in_destructor == 0 &&
             log->slots[K_ONCE].calls == 1 && log->slots[K_TWICE].calls == 2 &&
             log->slots[K_THRICE].calls == 3 && log->slots[K_NO_DESTRUCTOR].calls == 0 &&
             log->slots[K_NEVER_SET].calls == 0 &&
             log->slots[K_ENDLESS].calls >= PTHREAD_DESTRUCTOR_ITERATIONS;
    if (!ok) ++failures;
  }
  int main_kept = pthread_getspecific(keys[K_ONCE]) == &main_value;
  printf("main's own value kept: %s\n", main_kept ? "yes" : "no");
  int deleted = 0;
  for (int k = 0; k < KEYS; ++k) deleted += pthread_key_delete(keys[k]) == 0;
  printf("keys deleted: %d/%d\n", deleted, KEYS);
  printf("threads with unexpected destructor behaviour: %d\n", failures);
  return failures == 0 && main_kept && deleted == KEYS ? 0 : 1;
}
