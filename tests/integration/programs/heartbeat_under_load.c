// Checks: a thread that sleeps 10 ms at a time still gets to run while 100
// threads compute without ever blocking. It beats 50 times; the program
// fails only if two beats are more than a second apart (a hang-sized gap:
// under greenshim the compute threads give way only by preemption). The
// worst gap goes to stderr; bench/pthread/heartbeat measures it properly.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define COMPUTERS 100
#define BEATS 50

static atomic_int stop;

static long long now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000000000LL + now.tv_nsec;
}

static void* compute(void* unused) {
  (void)unused;
  volatile unsigned long value = 1;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) value = value * 6364136223846793005ul + 1;
  return NULL;
}

int main(void) {
  pthread_t computers[COMPUTERS];
  for (int i = 0; i < COMPUTERS; ++i) pthread_create(&computers[i], NULL, compute, NULL);
  long long worst = 0, last = now_ns();
  for (int beat = 0; beat < BEATS; ++beat) {
    usleep(10000);
    long long now = now_ns();
    if (now - last > worst) worst = now - last;
    last = now;
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < COMPUTERS; ++i) pthread_join(computers[i], NULL);
  fprintf(stderr, "worst gap between beats: %.1f ms\n", worst / 1e6);
  printf("%d heartbeats among %d computing threads, %s\n", BEATS, COMPUTERS,
         worst > 1000000000LL ? "a gap over 1 s" : "none more than 1 s apart");
  return worst > 1000000000LL;
}
