// Checks: C11 <threads.h> (which glibc implements on its own pthread code):
//  - thrd_create / thrd_join of 100 threads, int results delivered;
//  - thrd_exit(value) from a nested call delivers value to thrd_join;
//  - thrd_detach: 50 detached threads complete (atomic counter, thrd_yield);
//  - thrd_current / thrd_equal inside and outside threads;
//  - tss_create with a destructor: per-thread values, the destructor runs
//    once per thread that set a value, with that value; tss_get in main
//    unaffected; tss_delete;
//  - call_once from 32 threads runs the function exactly once;
//  - thrd_sleep(20 ms) returns 0 and sleeps at least 20 ms (CLOCK_MONOTONIC);
//    thrd_sleep with an invalid duration returns a negative value.
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <threads.h>
#include <time.h>

#define JOINED 100
#define DETACHED 50
#define ONCE_CALLERS 32

static tss_t key;
static atomic_int destructor_calls;
static atomic_long destructor_sum;
static atomic_int detached_done;
static atomic_int ready;
static atomic_int once_calls;
static atomic_int tss_own_value;
static once_flag flag = ONCE_FLAG_INIT;
static thrd_t handles[JOINED];

static void tss_destructor(void* value) {
  atomic_fetch_add(&destructor_calls, 1);
  atomic_fetch_add(&destructor_sum, (long)(intptr_t)value);
}

static int joined_body(void* argument) {
  int index = (int)(intptr_t)argument;
  tss_set(key, (void*)(intptr_t)(index + 1));
  for (int i = 0; i < 20; ++i) thrd_yield();
  if (tss_get(key) == (void*)(intptr_t)(index + 1)) atomic_fetch_add(&tss_own_value, 1);
  return index * 2;
}

static void exit_nested(int value) { thrd_exit(value); }
static int exiting_body(void* argument) {
  (void)argument;
  exit_nested(4242);
  return 0;
}

static int detached_body(void* argument) {
  (void)argument;
  thrd_yield();
  atomic_fetch_add(&detached_done, 1);
  return 0;
}

static void once_function(void) { atomic_fetch_add(&once_calls, 1); }
static int once_body(void* argument) {
  (void)argument;
  atomic_fetch_add(&ready, 1);
  while (atomic_load(&ready) < ONCE_CALLERS) thrd_yield();
  call_once(&flag, once_function);
  return 0;
}

static thrd_t self_seen[2];
static int self_body(void* argument) {
  self_seen[(intptr_t)argument] = thrd_current();
  return 0;
}

static long long now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000000000 + now.tv_nsec;
}

int main(void) {
  int ok = 1;
  if (tss_create(&key, tss_destructor) != thrd_success) {
    printf("FAIL: tss_create\n");
    return 1;
  }
  tss_set(key, (void*)(intptr_t)-1);

  for (int i = 0; i < JOINED; ++i) {
    if (thrd_create(&handles[i], joined_body, (void*)(intptr_t)i) != thrd_success) {
      printf("FAIL: thrd_create\n");
      return 1;
    }
  }
  long result_sum = 0;
  int join_ok = 0;
  for (int i = 0; i < JOINED; ++i) {
    int result = -1;
    if (thrd_join(handles[i], &result) == thrd_success) ++join_ok;
    result_sum += result;
  }
  printf("thrd_join: %d/%d succeeded, result sum %ld\n", join_ok, JOINED, result_sum);
  printf("tss: own value seen by %d/%d threads; destructor calls %d, value sum %ld\n",
         atomic_load(&tss_own_value), JOINED, atomic_load(&destructor_calls),
         atomic_load(&destructor_sum));
  printf("tss in main unchanged: %s\n", tss_get(key) == (void*)(intptr_t)-1 ? "yes" : "no");
  ok = ok && join_ok == JOINED && result_sum == (long)JOINED * (JOINED - 1) &&
       atomic_load(&tss_own_value) == JOINED && atomic_load(&destructor_calls) == JOINED &&
       atomic_load(&destructor_sum) == (long)JOINED * (JOINED + 1) / 2;

  thrd_t exiting;
  int exit_value = 0;
  thrd_create(&exiting, exiting_body, NULL);
  int error = thrd_join(exiting, &exit_value);
  printf("thrd_exit(4242) from a nested call: join %s, value %d\n",
         error == thrd_success ? "ok" : "failed", exit_value);
  ok = ok && error == thrd_success && exit_value == 4242;

  int detach_ok = 0;
  for (int i = 0; i < DETACHED; ++i) {
    thrd_t thread;
    if (thrd_create(&thread, detached_body, NULL) != thrd_success) {
      printf("FAIL: thrd_create\n");
      return 1;
    }
    if (thrd_detach(thread) == thrd_success) ++detach_ok;
  }
  while (atomic_load(&detached_done) < DETACHED) thrd_yield();
  printf("thrd_detach: %d/%d succeeded, %d completed\n", detach_ok, DETACHED,
         atomic_load(&detached_done));
  ok = ok && detach_ok == DETACHED;

  thrd_t pair[2];
  for (intptr_t i = 0; i < 2; ++i) thrd_create(&pair[i], self_body, (void*)i);
  for (int i = 0; i < 2; ++i) thrd_join(pair[i], NULL);
  int current_ok = thrd_equal(pair[0], self_seen[0]) && thrd_equal(pair[1], self_seen[1]) &&
                   !thrd_equal(self_seen[0], self_seen[1]) &&
                   !thrd_equal(thrd_current(), self_seen[0]) &&
                   thrd_equal(thrd_current(), thrd_current());
  printf("thrd_current/thrd_equal consistent: %s\n", current_ok ? "yes" : "no");
  ok = ok && current_ok;

  thrd_t callers[ONCE_CALLERS];
  for (int i = 0; i < ONCE_CALLERS; ++i) thrd_create(&callers[i], once_body, NULL);
  for (int i = 0; i < ONCE_CALLERS; ++i) thrd_join(callers[i], NULL);
  printf("call_once from %d threads: function ran %d time(s)\n", ONCE_CALLERS,
         atomic_load(&once_calls));
  ok = ok && atomic_load(&once_calls) == 1;

  long long start = now_ns();
  int sleep_result = thrd_sleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 20000000}, NULL);
  long long slept = now_ns() - start;
  printf("thrd_sleep(20ms): returned %d, slept at least 20ms: %s\n", sleep_result,
         slept >= 20000000 ? "yes" : "no");
  int invalid = thrd_sleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 2000000000}, NULL);
  printf("thrd_sleep(invalid duration) negative: %s\n", invalid < 0 ? "yes" : "no");
  ok = ok && sleep_result == 0 && slept >= 20000000 && invalid < 0;

  tss_delete(key);
  printf("tss_delete: done\n");
  return ok ? 0 : 1;
}
