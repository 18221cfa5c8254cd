// blackscholes: data-parallel option pricing, the shape of PARSEC's
// blackscholes. A book of European options is split into one contiguous
// block per thread; each thread prices its block with the closed-form
// Black-Scholes formula, over and over (one pass per "day" as expiries draw
// nearer), and the only synchronization is the final join.
//
//   blackscholes -i test|simsmall|simmedium|simlarge -n THREADS
//
// Threads: exactly -n. Deterministic: every option's price depends only on
// the option, so the checksum (all accumulated prices, in book order) is the
// same for any thread count.
#include <math.h>
#include <pthread.h>

#include "bench/parsec/parsec_common.h"

struct option {
  double spot, strike, rate, volatility, expiry_years;
  int is_call;
};

// Book size and pricing passes per input size.
static const struct {
  long options;
  int passes;
} sizes[INPUT_SIZE_COUNT] = {
    {16384, 140},     // test
    {65536, 2100},    // simsmall
    {262144, 2400},   // simmedium
    {1048576, 2600},  // simlarge
};

struct book {
  const struct option* options;
  double* price_sums;  // per option, summed over the passes
  long count;
  int passes;
};

struct worker {
  const struct book* book;
  long begin, end;
};

static double normal_cdf(double x) { return 0.5 * erfc(-x * M_SQRT1_2); }

static double black_scholes(const struct option* option, double expiry_years) {
  double sqrt_t = sqrt(expiry_years);
  double d1 = (log(option->spot / option->strike) +
               (option->rate + 0.5 * option->volatility * option->volatility) * expiry_years) /
              (option->volatility * sqrt_t);
  double d2 = d1 - option->volatility * sqrt_t;
  double discounted_strike = option->strike * exp(-option->rate * expiry_years);
  if (option->is_call) {
    return option->spot * normal_cdf(d1) - discounted_strike * normal_cdf(d2);
  }
  return discounted_strike * normal_cdf(-d2) - option->spot * normal_cdf(-d1);
}

static void* price_block(void* arg) {
  const struct worker* worker = arg;
  const struct book* book = worker->book;
  for (int pass = 0; pass < book->passes; pass++) {
    // Each pass prices the book a little closer to expiry, so no pass
    // repeats another's work (and none can be optimized away).
    double remaining = 1.0 - 0.5 * pass / book->passes;
    for (long i = worker->begin; i < worker->end; i++) {
      const struct option* option = &book->options[i];
      book->price_sums[i] += black_scholes(option, option->expiry_years * remaining);
    }
  }
  return NULL;
}

static struct option random_option(long index) {
  struct rng rng = rng_for(1, (uint64_t)index);
  struct option option;
  option.spot = 20.0 + 100.0 * rng_uniform(&rng);
  option.strike = option.spot * (0.7 + 0.6 * rng_uniform(&rng));
  option.rate = 0.01 + 0.09 * rng_uniform(&rng);
  option.volatility = 0.05 + 0.6 * rng_uniform(&rng);
  option.expiry_years = 0.1 + 2.9 * rng_uniform(&rng);
  option.is_call = (int)(rng_next(&rng) & 1);
  return option;
}

int main(int argc, char** argv) {
  struct bench_args args = parse_bench_args(argc, argv, "blackscholes");
  long count = sizes[args.input].options;
  struct option* options = checked_calloc((size_t)count, sizeof *options);
  for (long i = 0; i < count; i++) options[i] = random_option(i);
  struct book book = {options, checked_calloc((size_t)count, sizeof(double)), count,
                      sizes[args.input].passes};

  pthread_t* threads = checked_calloc((size_t)args.threads, sizeof *threads);
  struct worker* workers = checked_calloc((size_t)args.threads, sizeof *workers);
  for (int t = 0; t < args.threads; t++) {
    workers[t].book = &book;
    block_range(count, args.threads, t, &workers[t].begin, &workers[t].end);
  }
  double start = now_seconds();
  start_threads(threads, args.threads, price_block, workers, sizeof *workers);
  join_threads(threads, args.threads);
  double elapsed = now_seconds() - start;

  struct checksum sum = checksum_start();
  for (long i = 0; i < count; i++) checksum_double(&sum, book.price_sums[i]);
  report_run(&args, args.threads);
  report_result(sum, elapsed);
  free(workers);
  free(threads);
  free(book.price_sums);
  free(options);
  return 0;
}
