// bodytrack: tracking a moving stick figure through a sequence of frames
// with an annealed particle filter, the shape of PARSEC's bodytrack. The
// main thread runs the filter; every parallel step (render the frame, blur
// it along rows and along columns, then weigh the particles once per
// annealing layer) is handed to a pool of worker threads, which take
// tickets (a block of rows or particles each) from a queue guarded by a
// mutex and condition variables. Between steps the main thread resamples
// the particles alone, so each frame is a string of short fork-join rounds.
//
//   bodytrack -i test|simsmall|simmedium|simlarge -n THREADS
//
// Threads: -n pool workers (the main thread only dispatches and
// resamples). Deterministic: every pixel and every particle's weight is
// computed from its own inputs and generator, and all sums and resampling
// run on the main thread in particle order; the checksum covers the
// estimated pose of every frame. `tracking_error` (informational) is the
// mean distance in pixels between the estimated and the true hip.
#include <math.h>
#include <pthread.h>

#include "bench/parsec/parsec_common.h"

// ---- The figure ---------------------------------------------------------------
// A pose is the root (hip) position and one angle per limb; each limb hangs
// off the end of its parent.

enum { LIMBS = 10, POSE = 2 + LIMBS, SIDE = 128, SAMPLES_PER_LIMB = 24, LAYERS = 5 };
static const int limb_parent[LIMBS] = {-1, 0, 0, 2, 0, 4, -1, 6, -1, 8};
// torso, head, left upper arm, left forearm, right upper arm, right
// forearm, left thigh, left shin, right thigh, right shin
static const double limb_length[LIMBS] = {30, 12, 18, 16, 18, 16, 24, 22, 24, 22};

static const struct {
  int frames;
  long particles;
} sizes[INPUT_SIZE_COUNT] = {
    {10, 1000},     // test
    {150, 4000},    // simsmall
    {300, 8000},    // simmedium
    {1200, 10000},  // simlarge
};

struct segment {
  double x0, y0, x1, y1;
};

static void limb_segments(const double* pose, struct segment* out) {
  double angle[LIMBS];
  for (int l = 0; l < LIMBS; l++) {
    int parent = limb_parent[l];
    double x = pose[0], y = pose[1];
    angle[l] = pose[2 + l];
    if (parent >= 0) {
      x = out[parent].x1;
      y = out[parent].y1;
      angle[l] += angle[parent];
    }
    out[l] = (struct segment){x, y, x + limb_length[l] * cos(angle[l]),
                              y + limb_length[l] * sin(angle[l])};
  }
}

// The true pose at a frame: a figure walking to and fro across the image.
static void true_pose(int frame, double* pose) {
  double t = frame * 0.08;
  pose[0] = SIDE * (0.5 - 0.2 * cos(frame * 0.01)) + 3 * sin(t);
  pose[1] = SIDE * 0.55 + 2 * sin(2 * t);
  static const double rest[LIMBS] = {-M_PI / 2, 0, 2.4, 0.4, -2.4 + 2 * M_PI, -0.4,
                                     M_PI / 2 + 0.2, 0, M_PI / 2 - 0.2, 0};
  for (int l = 0; l < LIMBS; l++) pose[2 + l] = rest[l] + 0.35 * sin(t * (1 + 0.13 * l) + l);
}

// ---- Worker pool ------------------------------------------------------------------

typedef void task_fn(void* context, long begin, long end);

struct pool {
  pthread_mutex_t lock;
  pthread_cond_t work_posted, work_finished;
  long generation;  // bumped for each posted step
  int workers, unfinished_workers, closing;
  task_fn* task;
  void* context;
  long next_ticket, ticket_end, ticket_size;
};

static void* pool_worker(void* arg) {
  struct pool* pool = arg;
  long seen = 0;
  pthread_mutex_lock(&pool->lock);
  for (;;) {
    while (pool->generation == seen && !pool->closing) {
      pthread_cond_wait(&pool->work_posted, &pool->lock);
    }
    if (pool->closing) break;
    seen = pool->generation;
    while (pool->next_ticket < pool->ticket_end) {
      long begin = pool->next_ticket;
      long end = begin + pool->ticket_size < pool->ticket_end ? begin + pool->ticket_size
                                                              : pool->ticket_end;
      pool->next_ticket = end;
      pthread_mutex_unlock(&pool->lock);
      pool->task(pool->context, begin, end);
      pthread_mutex_lock(&pool->lock);
    }
    if (--pool->unfinished_workers == 0) pthread_cond_signal(&pool->work_finished);
  }
  pthread_mutex_unlock(&pool->lock);
  return NULL;
}

// Runs task over [0, count) in tickets of ticket_size; returns when done.
static void pool_run(struct pool* pool, task_fn* task, void* context, long count,
                     long ticket_size) {
  pthread_mutex_lock(&pool->lock);
  pool->task = task;
  pool->context = context;
  pool->next_ticket = 0;
  pool->ticket_end = count;
  pool->ticket_size = ticket_size;
  pool->unfinished_workers = pool->workers;
  pool->generation++;
  pthread_cond_broadcast(&pool->work_posted);
  while (pool->unfinished_workers > 0) pthread_cond_wait(&pool->work_finished, &pool->lock);
  pthread_mutex_unlock(&pool->lock);
}

// ---- Parallel steps ------------------------------------------------------------------

struct tracker {
  int frame, layer;
  long particles;
  double (*poses)[POSE];      // the particle set
  double (*candidates)[POSE]; // perturbed copies, weighed this layer
  double* score;
  struct segment truth[LIMBS];
  float image[SIDE * SIDE], blurred_rows[SIDE * SIDE], edges[SIDE * SIDE];
};

static double distance_to_segment(double x, double y, const struct segment* s) {
  double dx = s->x1 - s->x0, dy = s->y1 - s->y0;
  double along = ((x - s->x0) * dx + (y - s->y0) * dy) / (dx * dx + dy * dy);
  along = along < 0 ? 0 : along > 1 ? 1 : along;
  double ex = s->x0 + along * dx - x, ey = s->y0 + along * dy - y;
  return sqrt(ex * ex + ey * ey);
}

// The camera image: bright limbs about three pixels wide, plus noise.
static void render_rows(void* context, long begin, long end) {
  struct tracker* t = context;
  for (long y = begin; y < end; y++) {
    struct rng noise = rng_for(18, (uint64_t)t->frame * SIDE + (uint64_t)y);
    for (long x = 0; x < SIDE; x++) {
      double nearest = INFINITY;
      for (int l = 0; l < LIMBS; l++) {
        double d = distance_to_segment((double)x, (double)y, &t->truth[l]);
        if (d < nearest) nearest = d;
      }
      double value = nearest < 3 ? 1 - nearest / 3 : 0;
      t->image[y * SIDE + x] = (float)(value + 0.3 * (rng_uniform(&noise) - 0.5));
    }
  }
}

static const float blur_kernel[7] = {0.05f, 0.1f, 0.2f, 0.3f, 0.2f, 0.1f, 0.05f};

static void blur_rows(void* context, long begin, long end) {
  struct tracker* t = context;
  for (long y = begin; y < end; y++) {
    for (long x = 0; x < SIDE; x++) {
      float sum = 0;
      for (int k = -3; k <= 3; k++) {
        long at = x + k < 0 ? 0 : x + k >= SIDE ? SIDE - 1 : x + k;
        sum += blur_kernel[k + 3] * t->image[y * SIDE + at];
      }
      t->blurred_rows[y * SIDE + x] = sum;
    }
  }
}

static void blur_columns(void* context, long begin, long end) {
  struct tracker* t = context;
  for (long y = begin; y < end; y++) {
    for (long x = 0; x < SIDE; x++) {
      float sum = 0;
      for (int k = -3; k <= 3; k++) {
        long at = y + k < 0 ? 0 : y + k >= SIDE ? SIDE - 1 : y + k;
        sum += blur_kernel[k + 3] * t->blurred_rows[at * SIDE + x];
      }
      t->edges[y * SIDE + x] = sum;
    }
  }
}

static double sample(const float* image, double x, double y) {
  if (x < 0 || y < 0 || x >= SIDE - 1 || y >= SIDE - 1) return 0;
  long ix = (long)x, iy = (long)y;
  double fx = x - ix, fy = y - iy;
  const float* p = &image[iy * SIDE + ix];
  return (1 - fy) * ((1 - fx) * p[0] + fx * p[1]) + fy * ((1 - fx) * p[SIDE] + fx * p[SIDE + 1]);
}

// Perturbs each particle (less in later layers) and scores how well its
// figure lies on the bright parts of the image.
static void weigh_particles(void* context, long begin, long end) {
  struct tracker* t = context;
  double spread = 0.25 / (1 + t->layer);
  for (long i = begin; i < end; i++) {
    struct rng rng = rng_for(19, ((uint64_t)t->frame * LAYERS + (uint64_t)t->layer) << 32 | (uint64_t)i);
    double* pose = t->candidates[i];
    for (int p = 0; p < POSE; p++) {
      double step = p < 2 ? 8 * spread : spread;
      pose[p] = t->poses[i][p] + step * (rng_uniform(&rng) - 0.5);
    }
    struct segment limbs[LIMBS];
    limb_segments(pose, limbs);
    double score = 0;
    for (int l = 0; l < LIMBS; l++) {
      for (int s = 0; s < SAMPLES_PER_LIMB; s++) {
        double f = (s + 0.5) / SAMPLES_PER_LIMB;
        score += sample(t->edges, limbs[l].x0 + f * (limbs[l].x1 - limbs[l].x0),
                        limbs[l].y0 + f * (limbs[l].y1 - limbs[l].y0));
      }
    }
    t->score[i] = score / (LIMBS * SAMPLES_PER_LIMB);
  }
}

// ---- The filter (main thread) ----------------------------------------------------------

// Systematic resampling of the candidates by weight into poses; the
// sharpness grows with the layer, as in annealing.
static void resample(struct tracker* t, double* weight) {
  double best = -INFINITY, total = 0;
  for (long i = 0; i < t->particles; i++) {
    if (t->score[i] > best) best = t->score[i];
  }
  double sharpness = 20.0 * (1 + t->layer);
  for (long i = 0; i < t->particles; i++) {
    weight[i] = exp(sharpness * (t->score[i] - best));
    total += weight[i];
  }
  struct rng rng = rng_for(20, (uint64_t)t->frame * LAYERS + (uint64_t)t->layer);
  double step = total / t->particles, next = step * rng_uniform(&rng), cumulative = 0;
  long from = 0;
  for (long i = 0; i < t->particles; i++) {
    while (from < t->particles - 1 && cumulative + weight[from] <= next) cumulative += weight[from++];
    memcpy(t->poses[i], t->candidates[from], sizeof t->poses[i]);
    next += step;
  }
}

int main(int argc, char** argv) {
  struct bench_args args = parse_bench_args(argc, argv, "bodytrack");
  static struct tracker t;
  t.particles = sizes[args.input].particles;
  int frames = sizes[args.input].frames;
  t.poses = checked_calloc((size_t)t.particles, sizeof *t.poses);
  t.candidates = checked_calloc((size_t)t.particles, sizeof *t.candidates);
  t.score = checked_calloc((size_t)t.particles, sizeof *t.score);
  double* weight = checked_calloc((size_t)t.particles, sizeof *weight);
  double start_pose[POSE];
  true_pose(0, start_pose);
  for (long i = 0; i < t.particles; i++) memcpy(t.poses[i], start_pose, sizeof start_pose);

  struct pool pool = {.workers = args.threads};
  check(pthread_mutex_init(&pool.lock, NULL), "pthread_mutex_init");
  check(pthread_cond_init(&pool.work_posted, NULL), "pthread_cond_init");
  check(pthread_cond_init(&pool.work_finished, NULL), "pthread_cond_init");
  pthread_t* threads = checked_calloc((size_t)args.threads, sizeof *threads);
  struct checksum sum = checksum_start();
  double tracking_error = 0;

  double start = now_seconds();
  start_threads(threads, args.threads, pool_worker, &pool, 0);
  for (int frame = 0; frame < frames; frame++) {
    t.frame = frame;
    double pose[POSE];
    true_pose(frame, pose);
    limb_segments(pose, t.truth);
    pool_run(&pool, render_rows, &t, SIDE, 4);
    pool_run(&pool, blur_rows, &t, SIDE, 8);
    pool_run(&pool, blur_columns, &t, SIDE, 8);
    for (int layer = 0; layer < LAYERS; layer++) {
      t.layer = layer;
      pool_run(&pool, weigh_particles, &t, t.particles, 32);
      resample(&t, weight);
    }
    // The estimate: the mean of the resampled particles.
    double estimate[POSE];
    for (int p = 0; p < POSE; p++) {
      double total = 0;
      for (long i = 0; i < t.particles; i++) total += t.poses[i][p];
      estimate[p] = total / t.particles;
      checksum_double(&sum, estimate[p]);
    }
    tracking_error += hypot(estimate[0] - pose[0], estimate[1] - pose[1]);
  }
  pthread_mutex_lock(&pool.lock);
  pool.closing = 1;
  pthread_cond_broadcast(&pool.work_posted);
  pthread_mutex_unlock(&pool.lock);
  join_threads(threads, args.threads);
  double elapsed = now_seconds() - start;

  report_run(&args, args.threads);
  printf("tracking_error %.3f\n", tracking_error / frames);
  report_result(sum, elapsed);
  pthread_cond_destroy(&pool.work_finished);
  pthread_cond_destroy(&pool.work_posted);
  pthread_mutex_destroy(&pool.lock);
  free(threads);
  free(weight);
  free(t.score);
  free(t.candidates);
  free(t.poses);
  return 0;
}
