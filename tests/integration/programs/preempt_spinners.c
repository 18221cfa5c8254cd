// Checks: threads that never block still let the others run. A thread
// spins on an atomic flag that only a later thread sets; main then spins
// the same way; and four threads each run a long computation in floating
// point (SSE doubles and x87 long doubles) and integers while being
// interrupted over and over, and must get exactly the results they get
// natively. Run preloaded on one worker (compare_test), where only
// preemption lets the flag's setter run at all, and where every
// preemption must restore every register.
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define COMPUTERS 4

static atomic_int flag;

static void* spin_until_flag(void* unused) {
  (void)unused;
  while (!atomic_load_explicit(&flag, memory_order_relaxed)) {
  }
  return NULL;
}

static void* set_flag(void* unused) {
  (void)unused;
  atomic_store(&flag, 1);
  return NULL;
}

struct computation {
  uint64_t seed;
  double sum;
  long double product;
  uint64_t hash;
};

// Long enough (about 0.1 s each) to be preempted many times at 10 ms; the
// result depends only on the seed, so stdout must match native exactly.
static void* compute(void* raw_computation) {
  struct computation* computation = raw_computation;
  double sum = 0.0;
  long double product = 1.0L;
  uint64_t hash = computation->seed;
  for (uint64_t i = 1; i <= 20000000; ++i) {
    sum += 1.0 / (double)(i * (hash % 5 + 1));
    product *= 1.0L + 1.0L / (long double)(i + 1000000);
    hash = (hash ^ i) * 0x9e3779b97f4a7c15ull;
  }
  computation->sum = sum;
  computation->product = product;
  computation->hash = hash;
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  pthread_t spinner, setter;
  pthread_create(&spinner, NULL, spin_until_flag, NULL);
  pthread_create(&setter, NULL, set_flag, NULL);
  pthread_join(spinner, NULL);
  pthread_join(setter, NULL);
  printf("a spinning thread saw the flag set by another\n");

  atomic_store(&flag, 0);
  pthread_create(&setter, NULL, set_flag, NULL);
  spin_until_flag(NULL);
  pthread_join(setter, NULL);
  printf("main, spinning, saw the flag set by another\n");

  struct computation computations[COMPUTERS];
  pthread_t computers[COMPUTERS];
  for (int i = 0; i < COMPUTERS; ++i) {
    computations[i].seed = (uint64_t)i + 1;
    pthread_create(&computers[i], NULL, compute, &computations[i]);
  }
  for (int i = 0; i < COMPUTERS; ++i) {
    pthread_join(computers[i], NULL);
    printf("computation %d: sum %.17g product %.21Lg hash %016llx\n", i, computations[i].sum,
           computations[i].product, (unsigned long long)computations[i].hash);
  }
  return 0;
}
