// yield_pingpong: two threads take turns through an atomic `turn` variable;
// each waits for its turn by calling sched_yield() in a loop. Reports the
// time of one round trip (thread A's turn -> B's turn -> A's turn again).
//
// Why: sched_yield() is the cheapest possible hand-off and exercises the
// scheduler's yield path. Natively it is a syscall that may or may not run
// the other thread (on 2 cores both usually spin on their own CPU); under
// greenshim it is interposed and becomes a user-space task switch.
//
//   yield_pingpong [round_trips]   (default 400000)
//   metric yield_round_trip <ns> ns/op
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "bench/pthread/common.h"

static atomic_int turn;  // 0: player 0 may move, 1: player 1 may move
static long round_trips;

static void* player(void* arg) {
  int me = (int)(long)arg;
  for (long i = 0; i < round_trips; i++) {
    while (atomic_load_explicit(&turn, memory_order_acquire) != me) sched_yield();
    atomic_store_explicit(&turn, 1 - me, memory_order_release);
  }
  return NULL;
}

int main(int argc, char** argv) {
  round_trips = arg_count(argc, argv, 1, 400000);
  atomic_store(&turn, 0);
  pthread_t threads[2];
  long long start = now_ns();
  for (long i = 0; i < 2; i++) check(pthread_create(&threads[i], NULL, player, (void*)i), "pthread_create");
  for (int i = 0; i < 2; i++) check(pthread_join(threads[i], NULL), "pthread_join");
  long long elapsed = now_ns() - start;
  if (atomic_load(&turn) != 0) {
    fprintf(stderr, "yield_pingpong: turn ended at %d, expected 0\n", atomic_load(&turn));
    return 1;
  }
  metric("yield_round_trip", (double)elapsed / round_trips, "ns/op");
  return 0;
}
