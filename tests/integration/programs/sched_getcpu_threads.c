// Checks: sched_getcpu() tells the CPU the calling thread is on. Each
// thread pins its kernel thread to one allowed CPU after another, asks
// sched_getcpu() right away (nothing in between can move it), and puts the
// original affinity back before switching to let the others run. A CPU
// number cached from wherever the thread started would be caught here.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define THREADS 8
#define ROUNDS 50

static cpu_set_t allowed;
static atomic_int right, asked;

static void* body(void* argument) {
  (void)argument;
  for (int round = 0; round < ROUNDS; ++round) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (!CPU_ISSET(cpu, &allowed)) continue;
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      if (sched_setaffinity(0, sizeof one, &one) != 0) continue;
      atomic_fetch_add(&asked, 1);
      if (sched_getcpu() == cpu) atomic_fetch_add(&right, 1);
      sched_setaffinity(0, sizeof allowed, &allowed);
      sched_yield();
    }
  }
  return NULL;
}

int main(void) {
  sched_getaffinity(0, sizeof allowed, &allowed);
  pthread_t threads[THREADS];
  for (uintptr_t i = 0; i < THREADS; ++i) pthread_create(&threads[i], NULL, body, NULL);
  for (int i = 0; i < THREADS; ++i) pthread_join(threads[i], NULL);
  int all_right = atomic_load(&asked) > 0 && atomic_load(&right) == atomic_load(&asked);
  printf("sched_getcpu named the pinned CPU every time: %s\n", all_right ? "yes" : "no");
  return all_right ? 0 : 1;
}
