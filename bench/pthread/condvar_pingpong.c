// condvar_pingpong: two threads ping-pong through one mutex and two
// condition variables (one per direction). Reports the time of one round
// trip: ping signalled -> pong wakes and answers -> ping wakes.
//
// Why: the classic blocking hand-off. Natively each half is a futex wake +
// futex wait, i.e. two syscalls and a kernel context switch or cross-CPU
// wake-up; greenshim interposes mutex and condvar and should turn it into a
// user-space park/unpark of green threads.
//
//   condvar_pingpong [round_trips]   (default 50000)
//   metric condvar_round_trip <ns> ns/op
#include <pthread.h>

#include "bench/pthread/common.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ping_cv = PTHREAD_COND_INITIALIZER;  // pong -> ping
static pthread_cond_t pong_cv = PTHREAD_COND_INITIALIZER;  // ping -> pong
static int turn;  // 0: ping's turn, 1: pong's turn (guarded by lock)
static long round_trips;

static void* ping(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  for (long i = 0; i < round_trips; i++) {
    while (turn != 0) pthread_cond_wait(&ping_cv, &lock);
    turn = 1;
    pthread_cond_signal(&pong_cv);
  }
  while (turn != 0) pthread_cond_wait(&ping_cv, &lock);  // last answer
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void* pong(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  for (long i = 0; i < round_trips; i++) {
    while (turn != 1) pthread_cond_wait(&pong_cv, &lock);
    turn = 0;
    pthread_cond_signal(&ping_cv);
  }
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char** argv) {
  round_trips = arg_count(argc, argv, 1, 50000);
  pthread_t a, b;
  long long start = now_ns();
  check(pthread_create(&a, NULL, ping, NULL), "pthread_create");
  check(pthread_create(&b, NULL, pong, NULL), "pthread_create");
  check(pthread_join(a, NULL), "pthread_join");
  check(pthread_join(b, NULL), "pthread_join");
  long long elapsed = now_ns() - start;
  metric("condvar_round_trip", (double)elapsed / round_trips, "ns/op");
  return 0;
}
