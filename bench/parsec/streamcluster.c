// streamcluster: online facility-location clustering of a stream of
// points, the shape of PARSEC's streamcluster: many short parallel rounds
// separated by barriers. The stream arrives in chunks (each thread
// generates its block of the next chunk, the way PARSEC's reads it); each
// chunk is clustered by local search. A round proposes opening one candidate
// facility: every thread scores the proposal on its block of points
// (barrier), thread 0 adds up the scores and decides which facilities open
// and close (barrier), and every thread moves its points accordingly.
// Thousands of rounds, two barriers each.
//
//   streamcluster -i test|simsmall|simmedium|simlarge -n THREADS
//
// Threads: exactly -n. Deterministic: coordinates and costs are integers, so
// the per-thread partial sums add up to the same totals however the points
// are split, and candidates come from a generator seeded by chunk and round.
// The checksum covers each chunk's facilities, assignments and cost.
// `elapsed` includes generating the chunks, as PARSEC's includes reading them.
#include <pthread.h>

#include "bench/parsec/parsec_common.h"

enum { DIMENSIONS = 32, TRUE_CLUSTERS = 24, COORDINATE_RANGE = 1000, CLUSTER_SPREAD = 60 };

static const struct {
  long points_per_chunk;
  int chunks;
  int rounds_per_chunk;
} sizes[INPUT_SIZE_COUNT] = {
    {4000, 4, 200},     // test
    {16000, 14, 1000},  // simsmall
    {32000, 40, 1000},  // simmedium
    {32000, 170, 1000}, // simlarge
};

// What it costs to keep a facility open, in squared-distance units: about
// the spread of a few dozen points around their cluster's center.
static const int64_t FACILITY_COST = 40LL * DIMENSIONS * CLUSTER_SPREAD * CLUSTER_SPREAD;

typedef int16_t point[DIMENSIONS];

struct clustering {
  int threads, chunks, rounds;
  long point_count;  // per chunk
  // The chunk being clustered. Facilities are named by point index.
  point* points;
  long* assigned;    // facility serving each point
  int64_t* cost;     // squared distance to it
  long* open_list;   // open facilities, in the order they opened
  long open_count;
  char* closing;     // per point: a facility this round's decision closes
  long* closed_list; // those facilities, to clear their flags next round
  long closed_count;
  // Per thread: what switching its points to the candidate saves, and, per
  // facility, what moving the facility's other points to the candidate
  // would add (the price of closing it).
  int64_t* switch_gain;  // [threads]
  int64_t* close_cost;   // [threads][point_count]
  int64_t* total_close_cost;  // per open facility, summed by thread 0
  int accept;        // thread 0's decision for the current round
  struct checksum sum;
  pthread_barrier_t barrier;
};

struct worker {
  struct clustering* c;
  int id;
  long begin, end;
};

static int64_t distance2(const int16_t* a, const int16_t* b) {
  int64_t sum = 0;
  for (int d = 0; d < DIMENSIONS; d++) {
    int32_t delta = a[d] - b[d];
    sum += delta * delta;
  }
  return sum;
}

// Points near one of a few fixed cluster centers; each point of the
// stream has its own generator.
static void generate_block(struct worker* w, int chunk) {
  struct clustering* c = w->c;
  for (long i = w->begin; i < w->end; i++) {
    struct rng rng = rng_for(4, (uint64_t)chunk * (uint64_t)c->point_count + (uint64_t)i);
    struct rng center = rng_for(5, rng_below(&rng, TRUE_CLUSTERS));
    for (int d = 0; d < DIMENSIONS; d++) {
      int offset = (int)rng_below(&rng, 2 * CLUSTER_SPREAD + 1) - CLUSTER_SPREAD;
      c->points[i][d] = (int16_t)(rng_below(&center, COORDINATE_RANGE) + offset);
    }
  }
}

static long candidate_for(int chunk, int round, long point_count) {
  struct rng rng = rng_for(6, (uint64_t)chunk * 1000003u + (uint64_t)round);
  return (long)rng_below(&rng, (uint64_t)point_count);
}

static void score_candidate(struct worker* w, long candidate) {
  struct clustering* c = w->c;
  int64_t* close_cost = &c->close_cost[(long)w->id * c->point_count];
  for (long f = 0; f < c->open_count; f++) close_cost[c->open_list[f]] = 0;
  int64_t gain = 0;
  for (long i = w->begin; i < w->end; i++) {
    int64_t d = distance2(c->points[i], c->points[candidate]);
    if (d < c->cost[i]) {
      gain += c->cost[i] - d;
    } else {
      close_cost[c->assigned[i]] += d - c->cost[i];
    }
  }
  c->switch_gain[w->id] = gain;
}

// Thread 0, between the barriers: open the candidate if that, together with
// closing every facility whose points the candidate would serve cheaply
// enough, lowers the total cost.
static void decide(struct clustering* c, long candidate) {
  for (long f = 0; f < c->closed_count; f++) c->closing[c->closed_list[f]] = 0;
  c->closed_count = 0;
  c->accept = 0;
  for (long f = 0; f < c->open_count; f++) {
    if (c->open_list[f] == candidate) return;
  }
  int64_t gain = -FACILITY_COST;
  for (int t = 0; t < c->threads; t++) gain += c->switch_gain[t];
  for (long f = 0; f < c->open_count; f++) {
    int64_t extra = 0;
    for (int t = 0; t < c->threads; t++) {
      extra += c->close_cost[(long)t * c->point_count + c->open_list[f]];
    }
    c->total_close_cost[f] = extra;
    if (extra < FACILITY_COST) gain += FACILITY_COST - extra;
  }
  if (gain <= 0) return;
  c->accept = 1;
  long kept = 0;
  for (long f = 0; f < c->open_count; f++) {
    long facility = c->open_list[f];
    if (c->total_close_cost[f] < FACILITY_COST) {
      c->closing[facility] = 1;
      c->closed_list[c->closed_count++] = facility;
    } else {
      c->open_list[kept++] = facility;
    }
  }
  c->open_list[kept++] = candidate;
  c->open_count = kept;
}

static void apply_decision(struct worker* w, long candidate) {
  struct clustering* c = w->c;
  for (long i = w->begin; i < w->end; i++) {
    int64_t d = distance2(c->points[i], c->points[candidate]);
    if (d < c->cost[i] || c->closing[c->assigned[i]]) {
      c->assigned[i] = candidate;
      c->cost[i] = d;
    }
  }
}

// Thread 0, after a chunk: its facilities, assignments and total cost.
static void checksum_chunk(struct clustering* c) {
  checksum_u64(&c->sum, (uint64_t)c->open_count);
  for (long f = 0; f < c->open_count; f++) checksum_u64(&c->sum, (uint64_t)c->open_list[f]);
  int64_t total = FACILITY_COST * c->open_count;
  for (long i = 0; i < c->point_count; i++) {
    checksum_u64(&c->sum, (uint64_t)c->assigned[i]);
    total += c->cost[i];
  }
  checksum_u64(&c->sum, (uint64_t)total);
}

static void* cluster_block(void* arg) {
  struct worker* w = arg;
  struct clustering* c = w->c;
  for (int chunk = 0; chunk < c->chunks; chunk++) {
    generate_block(w, chunk);
    pthread_barrier_wait(&c->barrier);
    // Start from a single facility, the chunk's first point.
    for (long i = w->begin; i < w->end; i++) {
      c->assigned[i] = 0;
      c->cost[i] = distance2(c->points[i], c->points[0]);
      c->closing[i] = 0;
    }
    if (w->id == 0) {
      c->open_list[0] = 0;
      c->open_count = 1;
      c->closed_count = 0;
    }
    pthread_barrier_wait(&c->barrier);
    for (int round = 0; round < c->rounds; round++) {
      // Every thread derives the candidate itself: no hand-off needed.
      long candidate = candidate_for(chunk, round, c->point_count);
      score_candidate(w, candidate);
      pthread_barrier_wait(&c->barrier);
      if (w->id == 0) decide(c, candidate);
      pthread_barrier_wait(&c->barrier);
      if (c->accept) apply_decision(w, candidate);
    }
    pthread_barrier_wait(&c->barrier);
    if (w->id == 0) checksum_chunk(c);
    pthread_barrier_wait(&c->barrier);
  }
  return NULL;
}

int main(int argc, char** argv) {
  struct bench_args args = parse_bench_args(argc, argv, "streamcluster");
  struct clustering c = {0};
  c.threads = args.threads;
  c.chunks = sizes[args.input].chunks;
  c.rounds = sizes[args.input].rounds_per_chunk;
  c.point_count = sizes[args.input].points_per_chunk;
  size_t n = (size_t)c.point_count;
  c.points = checked_calloc(n, sizeof *c.points);
  c.assigned = checked_calloc(n, sizeof *c.assigned);
  c.cost = checked_calloc(n, sizeof *c.cost);
  c.open_list = checked_calloc(n, sizeof *c.open_list);
  c.closing = checked_calloc(n, sizeof *c.closing);
  c.closed_list = checked_calloc(n, sizeof *c.closed_list);
  c.switch_gain = checked_calloc((size_t)c.threads, sizeof *c.switch_gain);
  c.close_cost = checked_calloc((size_t)c.threads * n, sizeof *c.close_cost);
  c.total_close_cost = checked_calloc(n, sizeof *c.total_close_cost);
  c.sum = checksum_start();
  check(pthread_barrier_init(&c.barrier, NULL, (unsigned)c.threads), "pthread_barrier_init");

  pthread_t* threads = checked_calloc((size_t)c.threads, sizeof *threads);
  struct worker* workers = checked_calloc((size_t)c.threads, sizeof *workers);
  for (int t = 0; t < c.threads; t++) {
    workers[t].c = &c;
    workers[t].id = t;
    block_range(c.point_count, c.threads, t, &workers[t].begin, &workers[t].end);
  }
  double start = now_seconds();
  start_threads(threads, c.threads, cluster_block, workers, sizeof *workers);
  join_threads(threads, c.threads);
  double elapsed = now_seconds() - start;

  report_run(&args, c.threads);
  report_result(c.sum, elapsed);
  pthread_barrier_destroy(&c.barrier);
  free(workers);
  free(threads);
  free(c.total_close_cost);
  free(c.close_cost);
  free(c.switch_gain);
  free(c.closed_list);
  free(c.closing);
  free(c.open_list);
  free(c.cost);
  free(c.assigned);
  free(c.points);
  return 0;
}
