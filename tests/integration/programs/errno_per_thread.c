// Checks: errno is per thread (POSIX). 64 threads run 200 rounds each:
// set errno directly, or have a failing call set it (close(-1) -> EBADF,
// open of a missing file -> ENOENT), then sched_yield while the other
// threads do the same, then find their own value in errno. Main's errno is
// untouched by all of it. (Compilers may keep errno's address from
// __errno_location(), a const function, across calls: that is allowed, as
// errno's location never changes within a thread.)
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#define THREADS 64
#define ROUNDS 200

static atomic_int started;
static atomic_int kept_direct;
static atomic_int kept_from_call;

static void* body(void* argument) {
  int index = (int)(uintptr_t)argument;
  atomic_fetch_add(&started, 1);
  while (atomic_load(&started) < THREADS) sched_yield();
  int direct_ok = 1, call_ok = 1;
  for (int round = 0; round < ROUNDS; ++round) {
    errno = 1000 + index * ROUNDS + round;
    sched_yield();
    if (errno != 1000 + index * ROUNDS + round) direct_ok = 0;
    int expected;
    if ((index + round) % 2 == 0) {
      close(-1);
      expected = EBADF;
    } else {
      open("/nonexistent/greenshim-errno-test", O_RDONLY);
      expected = ENOENT;
    }
    sched_yield();
    if (errno != expected) call_ok = 0;
  }
  if (direct_ok) atomic_fetch_add(&kept_direct, 1);
  if (call_ok) atomic_fetch_add(&kept_from_call, 1);
  return NULL;
}

int main(void) {
  pthread_t threads[THREADS];
  errno = 0;
  for (uintptr_t i = 0; i < THREADS; ++i) pthread_create(&threads[i], NULL, body, (void*)i);
  errno = 77;
  for (int i = 0; i < THREADS; ++i) pthread_join(threads[i], NULL);
  int main_kept = errno == 77;
  printf("threads whose errno always kept the value they set: %d/%d\n", atomic_load(&kept_direct),
         THREADS);
  printf("threads whose errno always kept a failed call's error: %d/%d\n",
         atomic_load(&kept_from_call), THREADS);
  printf("main kept its errno: %s\n", main_kept ? "yes" : "no");
  return atomic_load(&kept_direct) == THREADS && atomic_load(&kept_from_call) == THREADS &&
                 main_kept
             ? 0
             : 1;
}
