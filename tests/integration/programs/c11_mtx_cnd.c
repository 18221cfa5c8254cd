// Checks: C11 <threads.h> mutexes and condition variables (glibc builds
// them on its own pthread code):
//  - mtx_plain: 4 threads x 100,000 mtx_lock/increment/mtx_unlock of a
//    plain counter -> 400,000; mtx_trylock from another thread while held
//    -> thrd_busy;
//  - mtx_plain | mtx_recursive: locked 3 deep by main (mtx_lock twice,
//    mtx_trylock once, all thrd_success); another thread's mtx_trylock ->
//    thrd_busy until main's third mtx_unlock, then thrd_success;
//  - mtx_timed held by main: another thread's mtx_timedlock with a TIME_UTC
//    deadline 50 ms ahead -> thrd_timedout, never early; once unlocked,
//    mtx_timedlock -> thrd_success;
//  - cnd_t producer/consumer: 4 producers, 4 consumers, 40,000 items
//    through a ring of 8 (cnd_wait in predicate loops, cnd_signal); every
//    item once, sum checked;
//  - cnd_broadcast: 16 threads wait for a flag; one broadcast releases all;
//  - cnd_timedwait with nothing to wait for (50 ms, TIME_UTC) ->
//    thrd_timedout, never early, the mutex held again afterwards.
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <threads.h>
#include <time.h>

static int failures;

static void check(const char* what, int ok) {
  printf("%s: %s\n", what, ok ? "ok" : "FAIL");
  if (!ok) ++failures;
}

static const char* result_name(int result) {
  switch (result) {
    case thrd_success:
      return "thrd_success";
    case thrd_busy:
      return "thrd_busy";
    case thrd_timedout:
      return "thrd_timedout";
    case thrd_nomem:
      return "thrd_nomem";
    case thrd_error:
      return "thrd_error";
  }
  return "?";
}

static void expect(const char* what, int got, int want) {
  printf("%s: %s\n", what, result_name(got));
  if (got != want) {
    printf("  FAIL: expected %s\n", result_name(want));
    ++failures;
  }
}

static int64_t utc_ns(void) {
  struct timespec now;
  timespec_get(&now, TIME_UTC);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static struct timespec utc_in_ms(int ms) {
  int64_t t = utc_ns() + (int64_t)ms * 1000000;
  struct timespec ts = {t / 1000000000, t % 1000000000};
  return ts;
}

static int64_t ns_of(const struct timespec* ts) {
  return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

// Runs fn(mutex) in a new thread and returns its result.
typedef int (*operation)(mtx_t*);
struct call {
  operation fn;
  mtx_t* mutex;
  int result;
};
static int call_body(void* p) {
  struct call* c = p;
  c->result = c->fn(c->mutex);
  return 0;
}
static int in_other_thread(operation fn, mtx_t* mutex) {
  struct call c = {fn, mutex, -12345};
  thrd_t thread;
  if (thrd_create(&thread, call_body, &c) != thrd_success ||
      thrd_join(thread, NULL) != thrd_success) {
    printf("FAIL: could not run a helper thread\n");
    ++failures;
  }
  return c.result;
}

static int op_trylock(mtx_t* m) {
  int result = mtx_trylock(m);
  if (result == thrd_success) mtx_unlock(m);
  return result;
}

static struct timespec timed_deadline;
static int timed_not_early;
static int op_timedlock(mtx_t* m) {
  int result = mtx_timedlock(m, &timed_deadline);
  timed_not_early = utc_ns() >= ns_of(&timed_deadline);
  if (result == thrd_success) mtx_unlock(m);
  return result;
}

// mtx_plain counter.
static mtx_t plain;
static long counter;
static int count_up(void* argument) {
  (void)argument;
  for (int i = 0; i < 100000; ++i) {
    mtx_lock(&plain);
    ++counter;
    mtx_unlock(&plain);
  }
  return 0;
}

// cnd_t producer/consumer.
#define ITEMS 40000
#define SIDES 4
#define RING 8
static mtx_t ring_lock;
static cnd_t not_full, not_empty;
static int ring[RING], ring_head, ring_count;
static atomic_int seen[ITEMS];
static atomic_llong sum;

static int produce(void* argument) {
  int p = (int)(intptr_t)argument;
  for (int i = 0; i < ITEMS / SIDES; ++i) {
    mtx_lock(&ring_lock);
    while (ring_count == RING) cnd_wait(&not_full, &ring_lock);
    ring[(ring_head + ring_count) % RING] = p * (ITEMS / SIDES) + i;
    ++ring_count;
    cnd_signal(&not_empty);
    mtx_unlock(&ring_lock);
  }
  return 0;
}

static int consume(void* argument) {
  (void)argument;
  for (int i = 0; i < ITEMS / SIDES; ++i) {
    mtx_lock(&ring_lock);
    while (ring_count == 0) cnd_wait(&not_empty, &ring_lock);
    int item = ring[ring_head];
    ring_head = (ring_head + 1) % RING;
    --ring_count;
    cnd_signal(&not_full);
    mtx_unlock(&ring_lock);
    atomic_fetch_add(&seen[item], 1);
    atomic_fetch_add(&sum, item);
  }
  return 0;
}

// cnd_broadcast.
static mtx_t flag_lock;
static cnd_t flag_changed;
static int flag, waiting;
static atomic_int released;
static int wait_for_flag(void* argument) {
  (void)argument;
  mtx_lock(&flag_lock);
  ++waiting;
  cnd_broadcast(&flag_changed);  // tells main one more is waiting
  while (!flag) cnd_wait(&flag_changed, &flag_lock);
  mtx_unlock(&flag_lock);
  atomic_fetch_add(&released, 1);
  return 0;
}

int main(void) {
  // mtx_plain.
  mtx_init(&plain, mtx_plain);
  thrd_t threads[16];
  for (int i = 0; i < 4; ++i) thrd_create(&threads[i], count_up, NULL);
  for (int i = 0; i < 4; ++i) thrd_join(threads[i], NULL);
  printf("mtx_plain counter: %ld\n", counter);
  check("mtx_plain 4 x 100,000", counter == 400000);
  mtx_lock(&plain);
  expect("mtx_plain trylock from another thread while held", in_other_thread(op_trylock, &plain),
         thrd_busy);
  mtx_unlock(&plain);
  expect("mtx_plain trylock from another thread when free", in_other_thread(op_trylock, &plain),
         thrd_success);
  mtx_destroy(&plain);

  // mtx_recursive.
  mtx_t recursive;
  expect("mtx_init(mtx_plain | mtx_recursive)", mtx_init(&recursive, mtx_plain | mtx_recursive),
         thrd_success);
  expect("  lock", mtx_lock(&recursive), thrd_success);
  expect("  lock again", mtx_lock(&recursive), thrd_success);
  expect("  trylock by the owner", mtx_trylock(&recursive), thrd_success);
  expect("  trylock from another thread (3 deep)", in_other_thread(op_trylock, &recursive),
         thrd_busy);
  mtx_unlock(&recursive);
  mtx_unlock(&recursive);
  expect("  trylock from another thread (1 deep)", in_other_thread(op_trylock, &recursive),
         thrd_busy);
  expect("  last unlock", mtx_unlock(&recursive), thrd_success);
  expect("  trylock from another thread (free)", in_other_thread(op_trylock, &recursive),
         thrd_success);
  mtx_destroy(&recursive);

  // mtx_timed.
  mtx_t timed;
  expect("mtx_init(mtx_timed)", mtx_init(&timed, mtx_timed), thrd_success);
  mtx_lock(&timed);
  timed_deadline = utc_in_ms(50);
  int result = in_other_thread(op_timedlock, &timed);
  printf("mtx_timedlock 50 ms from another thread while held: %s, %s\n", result_name(result),
         timed_not_early ? "not early" : "EARLY");
  if (result != thrd_timedout || !timed_not_early) ++failures;
  mtx_unlock(&timed);
  timed_deadline = utc_in_ms(10000);
  expect("mtx_timedlock from another thread when free", in_other_thread(op_timedlock, &timed),
         thrd_success);
  mtx_destroy(&timed);

  // cnd_t producer/consumer.
  mtx_init(&ring_lock, mtx_plain);
  cnd_init(&not_full);
  cnd_init(&not_empty);
  for (int i = 0; i < SIDES; ++i) {
    thrd_create(&threads[2 * i], consume, NULL);
    thrd_create(&threads[2 * i + 1], produce, (void*)(intptr_t)i);
  }
  for (int i = 0; i < 2 * SIDES; ++i) thrd_join(threads[i], NULL);
  int missing = 0, duplicated = 0;
  for (int i = 0; i < ITEMS; ++i) {
    if (atomic_load(&seen[i]) == 0) ++missing;
    if (atomic_load(&seen[i]) > 1) ++duplicated;
  }
  long long expected_sum = (long long)ITEMS * (ITEMS - 1) / 2;
  printf("cnd producer/consumer: %d items, missing %d, duplicated %d, sum %lld (expected %lld)\n",
         ITEMS, missing, duplicated, (long long)atomic_load(&sum), expected_sum);
  check("cnd_t producer/consumer",
        missing == 0 && duplicated == 0 && ring_count == 0 && atomic_load(&sum) == expected_sum);

  // cnd_broadcast.
  mtx_init(&flag_lock, mtx_plain);
  cnd_init(&flag_changed);
  for (int i = 0; i < 16; ++i) thrd_create(&threads[i], wait_for_flag, NULL);
  mtx_lock(&flag_lock);
  while (waiting < 16) cnd_wait(&flag_changed, &flag_lock);
  flag = 1;
  cnd_broadcast(&flag_changed);
  mtx_unlock(&flag_lock);
  for (int i = 0; i < 16; ++i) thrd_join(threads[i], NULL);
  printf("cnd_broadcast released %d of 16\n", atomic_load(&released));
  check("cnd_broadcast", atomic_load(&released) == 16);

  // cnd_timedwait timeout.
  cnd_t idle;
  cnd_init(&idle);
  mtx_lock(&ring_lock);
  struct timespec deadline = utc_in_ms(50);
  result = cnd_timedwait(&idle, &ring_lock, &deadline);
  // A spurious wake-up is allowed; wait again until the deadline.
  while (result == thrd_success && utc_ns() < ns_of(&deadline))
    result = cnd_timedwait(&idle, &ring_lock, &deadline);
  int not_early = utc_ns() >= ns_of(&deadline);
  printf("cnd_timedwait 50 ms: %s, %s\n", result_name(result), not_early ? "not early" : "EARLY");
  if (result != thrd_timedout || !not_early) ++failures;
  expect("  mutex held after the timeout: trylock from another thread",
         in_other_thread(op_trylock, &ring_lock), thrd_busy);
  mtx_unlock(&ring_lock);
  cnd_destroy(&idle);

  printf("%s (%d failures)\n", failures ? "FAIL" : "OK", failures);
  return failures ? 1 : 0;
}
