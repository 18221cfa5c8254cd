// swaptions: Monte Carlo pricing of a portfolio of swaptions, the shape of
// PARSEC's swaptions. Each swaption is one coarse-grained task (thousands of
// simulated forward-curve paths under a three-factor HJM model); threads
// take contiguous blocks of swaptions and never synchronize until the join.
//
//   swaptions -i test|simsmall|simmedium|simlarge -n THREADS
//
// Threads: exactly -n (with more threads than swaptions, the extra ones
// find an empty block). Deterministic: each swaption draws its paths from
// its own generator, so the checksum (the prices in portfolio order) is the
// same for any thread count.
#include <math.h>
#include <pthread.h>

#include "bench/parsec/parsec_common.h"

enum { SWAPTIONS = 64, FACTORS = 3, MAX_PERIODS = 40 };
static const double PERIOD_YEARS = 0.25;  // quarterly forward rates

// Simulated paths per swaption, per input size.
static const long trials_per_size[INPUT_SIZE_COUNT] = {2000, 55000, 235000, 1000000};

struct swaption {
  int expiry_periods;  // the option is exercised after this many periods
  int swap_periods;    // then the swap runs this many periods
  double strike;
  double initial_forward[MAX_PERIODS];
  double volatility[FACTORS][MAX_PERIODS];  // by time to the rate's fixing
  double drift[MAX_PERIODS];                // HJM no-arbitrage drift
  double price;
};

struct worker {
  struct swaption* portfolio;
  long trials;
  long begin, end;
};

static struct swaption random_swaption(int index) {
  struct rng rng = rng_for(2, (uint64_t)index);
  struct swaption s;
  s.expiry_periods = 4 * (1 + (int)rng_below(&rng, 5));
  s.swap_periods = 4 * (1 + (int)rng_below(&rng, 5));
  s.strike = 0.02 + 0.04 * rng_uniform(&rng);
  double base = 0.02 + 0.03 * rng_uniform(&rng), slope = 0.0005 * rng_uniform(&rng);
  double level = 0.004 + 0.006 * rng_uniform(&rng);
  for (int k = 0; k < MAX_PERIODS; k++) {
    s.initial_forward[k] = base + slope * k;
    double years = k * PERIOD_YEARS;
    s.volatility[0][k] = level;                        // parallel shift
    s.volatility[1][k] = level * 0.5 * exp(-0.3 * years);  // short end moves more
    s.volatility[2][k] = level * 0.2 * (1.0 - 0.1 * years);  // twist
  }
  // Drift of a forward fixing k periods ahead: sum over factors of
  // sigma(k) * integral of sigma up to k.
  for (int k = 0; k < MAX_PERIODS; k++) {
    double drift = 0;
    for (int f = 0; f < FACTORS; f++) {
      double integral = 0;
      for (int l = 0; l <= k; l++) integral += s.volatility[f][l] * PERIOD_YEARS;
      drift += s.volatility[f][k] * integral;
    }
    s.drift[k] = drift;
  }
  s.price = 0;
  return s;
}

// Two independent standard normals (Box-Muller).
static void normal_pair(struct rng* rng, double* a, double* b) {
  double u = 1.0 - rng_uniform(rng), v = rng_uniform(rng);
  double radius = sqrt(-2.0 * log(u));
  *a = radius * cos(2.0 * M_PI * v);
  *b = radius * sin(2.0 * M_PI * v);
}

// One path: evolve the forward curve to expiry, then value the swap there.
static double simulate_path(const struct swaption* s, struct rng* rng) {
  int periods = s->expiry_periods + s->swap_periods;
  double forward[MAX_PERIODS];
  for (int k = 0; k < periods; k++) forward[k] = s->initial_forward[k];
  double sqrt_dt = sqrt(PERIOD_YEARS), log_discount = 0;
  for (int step = 0; step < s->expiry_periods; step++) {
    log_discount -= forward[step] * PERIOD_YEARS;  // the short rate over this period
    double shock[FACTORS + 1];
    normal_pair(rng, &shock[0], &shock[1]);
    normal_pair(rng, &shock[2], &shock[3]);
    for (int k = step + 1; k < periods; k++) {
      int ahead = k - step;
      double move = s->drift[ahead] * PERIOD_YEARS;
      for (int f = 0; f < FACTORS; f++) move += s->volatility[f][ahead] * sqrt_dt * shock[f];
      forward[k] += move;
    }
  }
  // Payer swap at expiry: receive floating, pay the strike.
  double swap_value = 0, log_bond = 0;
  for (int k = s->expiry_periods; k < periods; k++) {
    log_bond -= forward[k] * PERIOD_YEARS;
    swap_value += (forward[k] - s->strike) * PERIOD_YEARS * exp(log_bond);
  }
  return swap_value > 0 ? swap_value * exp(log_discount) : 0;
}

static void* price_block(void* arg) {
  const struct worker* worker = arg;
  for (long i = worker->begin; i < worker->end; i++) {
    struct swaption* s = &worker->portfolio[i];
    struct rng rng = rng_for(3, (uint64_t)i);
    double total = 0;
    for (long trial = 0; trial < worker->trials; trial++) total += simulate_path(s, &rng);
    s->price = total / worker->trials;
  }
  return NULL;
}

int main(int argc, char** argv) {
  struct bench_args args = parse_bench_args(argc, argv, "swaptions");
  struct swaption* portfolio = checked_calloc(SWAPTIONS, sizeof *portfolio);
  for (int i = 0; i < SWAPTIONS; i++) portfolio[i] = random_swaption(i);

  pthread_t* threads = checked_calloc((size_t)args.threads, sizeof *threads);
  struct worker* workers = checked_calloc((size_t)args.threads, sizeof *workers);
  for (int t = 0; t < args.threads; t++) {
    workers[t].portfolio = portfolio;
    workers[t].trials = trials_per_size[args.input];
    block_range(SWAPTIONS, args.threads, t, &workers[t].begin, &workers[t].end);
  }
  double start = now_seconds();
  start_threads(threads, args.threads, price_block, workers, sizeof *workers);
  join_threads(threads, args.threads);
  double elapsed = now_seconds() - start;

  struct checksum sum = checksum_start();
  for (int i = 0; i < SWAPTIONS; i++) checksum_double(&sum, portfolio[i].price);
  report_run(&args, args.threads);
  report_result(sum, elapsed);
  free(workers);
  free(threads);
  free(portfolio);
  return 0;
}
