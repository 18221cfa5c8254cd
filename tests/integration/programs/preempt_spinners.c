// Checks: threads that never block still let the others run. A thread
// spins on an atomic flag that only a later thread sets; main then spins
// the same way; and four threads each run a long computation in floating
// point (SSE doubles, x87 long doubles, and 256-bit AVX vectors where the
// CPU has them) and integers while being interrupted over and over, and
// must get exactly the results they get natively. Run preloaded on one worker (compare_test), where only
// preemption lets the flag's setter run at all, and where every
// preemption must restore every register.
#include <immintrin.h>
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
  double vector_lanes[4];
};

// Four running sums kept in one ymm register for the whole loop, so a
// preemption that lost the upper halves of the vector registers would show.
__attribute__((target("avx"))) static void compute_vectors(struct computation* computation) {
  __m256d lanes = _mm256_setzero_pd();
  __m256d step = _mm256_set_pd(1.0, 0.5, 0.25, 0.125 * (double)computation->seed);
  for (int i = 1; i <= 12000000; ++i) {
    lanes = _mm256_add_pd(_mm256_mul_pd(lanes, _mm256_set1_pd(0.9999999)), step);
  }
  _mm256_storeu_pd(computation->vector_lanes, lanes);
}

// Long enough (about 0.3 s each) to be preempted many times at 10 ms; the
// result depends only on the seed, so stdout must match native exactly.
static void* compute(void* raw_computation) {
  struct computation* computation = raw_computation;
  double sum = 0.0;
  long double product = 1.0L;
  uint64_t hash = computation->seed;
  for (uint64_t i = 1; i <= 50000000; ++i) {
    sum += 1.0 / (double)(i * (hash % 5 + 1));
    product *= 1.0L + 1.0L / (long double)(i + 1000000);
    hash = (hash ^ i) * 0x9e3779b97f4a7c15ull;
  }
  computation->sum = sum;
  computation->product = product;
  computation->hash = hash;
  if (__builtin_cpu_supports("avx")) compute_vectors(computation);
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
    computations[i] = (struct computation){.seed = (uint64_t)i + 1};
    pthread_create(&computers[i], NULL, compute, &computations[i]);
  }
  for (int i = 0; i < COMPUTERS; ++i) {
    pthread_join(computers[i], NULL);
    const struct computation* c = &computations[i];
    printf("computation %d: sum %.17g product %.21Lg hash %016llx vectors %.17g %.17g %.17g %.17g\n",
           i, c->sum, c->product, (unsigned long long)c->hash, c->vector_lanes[0],
           c->vector_lanes[1], c->vector_lanes[2], c->vector_lanes[3]);
  }
  return 0;
}
