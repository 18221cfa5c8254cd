// ferret: content-based image similarity search, the shape of PARSEC's
// ferret: a six-stage pipeline with a thread pool per middle stage, joined
// by bounded queues (mutex + condition variables).
//
//   load    (1 thread)  renders each query image (a noisy, shifted copy of
//                       one database image)
//   segment (n threads) splits the image into regions by k-means over
//                       position and intensity
//   extract (n threads) describes each region by a feature vector
//   index   (n threads) collects candidate images from locality-sensitive
//                       hash tables (random hyperplanes)
//   rank    (n threads) scores each candidate by region-to-region distance
//                       and keeps the best few
//   output  (1 thread)  records each query's ranking
//
//   ferret -i test|simsmall|simmedium|simlarge -n THREADS
//
// Threads: -n per middle stage, 4n + 2 in total. The database is built
// before the timed region. Deterministic: each query is processed by one
// thread at a time, in a fixed order of operations, and rankings break
// ties by image number; the checksum covers every query's ranking in query
// order. `recall` (informational) is the share of queries whose own source
// image ranks first.
#include <math.h>
#include <pthread.h>

#include "bench/parsec/bounded_queue.h"
#include "bench/parsec/parsec_common.h"

enum {
  SIDE = 48,             // images are SIDE x SIDE pixels
  PIXELS = SIDE * SIDE,
  BLOBS = 7,             // an image is a few bright or dark blobs
  REGIONS = 8,           // k-means clusters per image
  KMEANS_ROUNDS = 8,
  FEATURES = 12,
  HASH_TABLES = 6,
  HASH_BITS = 10,
  TOP = 10,
  QUEUE_CAPACITY = 32,
};

static const struct {
  long database_images;
  long queries;
} sizes[INPUT_SIZE_COUNT] = {
    {300, 300},      // test
    {1000, 5600},    // simsmall
    {1000, 22000},   // simmedium
    {1000, 110000},  // simlarge
};

struct description {
  float features[REGIONS][FEATURES];
  float weight[REGIONS];  // share of the image's pixels in each region
};

struct query {
  long id;
  unsigned char pixels[PIXELS];
  unsigned char region_of[PIXELS];
  struct description description;
  long* candidates;
  long candidate_count;
  long top[TOP];
};

struct search {
  long database_images, queries;
  struct description* database;
  // Per hash table: bucket_start[b] .. bucket_start[b + 1] index bucket_images.
  float hyperplanes[HASH_TABLES][HASH_BITS][FEATURES];
  long* bucket_start[HASH_TABLES];
  long* bucket_images[HASH_TABLES];
  struct bounded_queue to_segment, to_extract, to_index, to_rank, to_output;
  long (*rankings)[TOP];  // by query, written by the output stage
};

// ---- Images --------------------------------------------------------------------

// Database image `image`, shifted by (dx, dy) pixels, with per-pixel noise
// from `noise` (NULL: none).
static void render(long image, int dx, int dy, struct rng* noise, unsigned char* pixels) {
  struct rng rng = rng_for(15, (uint64_t)image);
  double x[BLOBS], y[BLOBS], radius2[BLOBS], level[BLOBS];
  for (int b = 0; b < BLOBS; b++) {
    x[b] = SIDE * rng_uniform(&rng) + dx;
    y[b] = SIDE * rng_uniform(&rng) + dy;
    double radius = 4 + 10 * rng_uniform(&rng);
    radius2[b] = radius * radius;
    level[b] = 160 * rng_uniform(&rng) - 80;
  }
  for (int py = 0; py < SIDE; py++) {
    for (int px = 0; px < SIDE; px++) {
      double value = 128;
      for (int b = 0; b < BLOBS; b++) {
        double d2 = (px - x[b]) * (px - x[b]) + (py - y[b]) * (py - y[b]);
        if (d2 < radius2[b]) value += level[b] * (1 - d2 / radius2[b]);
      }
      if (noise) value += 24 * (rng_uniform(noise) - 0.5);
      pixels[py * SIDE + px] = (unsigned char)(value < 0 ? 0 : value > 255 ? 255 : value);
    }
  }
}

// Query q is a noisy copy of database image q mod the database size,
// shifted by up to two pixels.
static void render_query(long q, long database_images, unsigned char* pixels) {
  struct rng rng = rng_for(16, (uint64_t)q);
  int dx = (int)rng_below(&rng, 5) - 2, dy = (int)rng_below(&rng, 5) - 2;
  render(q % database_images, dx, dy, &rng, pixels);
}

// ---- Stage work -------------------------------------------------------------------

// k-means over (x, y, intensity), started from a fixed grid of centers.
static void segment(const unsigned char* pixels, unsigned char* region_of) {
  float cx[REGIONS], cy[REGIONS], ci[REGIONS];
  for (int r = 0; r < REGIONS; r++) {
    cx[r] = (float)(SIDE * (r % 4 + 0.5) / 4);
    cy[r] = (float)(SIDE * (r / 4 + 0.5) / 2);
    ci[r] = (float)(64 + 128 * (r % 2));
  }
  for (int round = 0; round < KMEANS_ROUNDS; round++) {
    float sum_x[REGIONS] = {0}, sum_y[REGIONS] = {0}, sum_i[REGIONS] = {0};
    int count[REGIONS] = {0};
    for (int p = 0; p < PIXELS; p++) {
      float x = (float)(p % SIDE), y = (float)(p / SIDE), i = pixels[p];
      int best = 0;
      float best_d = INFINITY;
      for (int r = 0; r < REGIONS; r++) {
        // Intensity weighs more than position: regions follow the blobs.
        float d = (x - cx[r]) * (x - cx[r]) + (y - cy[r]) * (y - cy[r]) +
                  4 * (i - ci[r]) * (i - ci[r]);
        if (d < best_d) {
          best_d = d;
          best = r;
        }
      }
      region_of[p] = (unsigned char)best;
      sum_x[best] += x;
      sum_y[best] += y;
      sum_i[best] += i;
      count[best]++;
    }
    for (int r = 0; r < REGIONS; r++) {
      if (count[r] == 0) continue;  // an empty region keeps its center
      cx[r] = sum_x[r] / count[r];
      cy[r] = sum_y[r] / count[r];
      ci[r] = sum_i[r] / count[r];
    }
  }
}

// Per region: position, size, intensity statistics and edge strength.
static void extract(const unsigned char* pixels, const unsigned char* region_of,
                    struct description* out) {
  double sum[REGIONS][FEATURES] = {{0}};
  int count[REGIONS] = {0};
  for (int y = 0; y < SIDE; y++) {
    for (int x = 0; x < SIDE; x++) {
      int p = y * SIDE + x, r = region_of[p];
      double i = pixels[p] / 255.0, fx = (double)x / SIDE, fy = (double)y / SIDE;
      // Sobel gradient (zero on the border).
      double gx = 0, gy = 0;
      if (x > 0 && y > 0 && x < SIDE - 1 && y < SIDE - 1) {
        const unsigned char* c = &pixels[p];
        gx = (c[-SIDE + 1] + 2 * c[1] + c[SIDE + 1] - c[-SIDE - 1] - 2 * c[-1] - c[SIDE - 1]) / 1020.0;
        gy = (c[SIDE - 1] + 2 * c[SIDE] + c[SIDE + 1] - c[-SIDE - 1] - 2 * c[-SIDE] - c[-SIDE + 1]) / 1020.0;
      }
      double values[FEATURES] = {fx, fy, i, i * i, fx * fx, fy * fy, fx * fy, fabs(gx), fabs(gy),
                                 sqrt(gx * gx + gy * gy), i * fx, i * fy};
      for (int f = 0; f < FEATURES; f++) sum[r][f] += values[f];
      count[r]++;
    }
  }
  for (int r = 0; r < REGIONS; r++) {
    out->weight[r] = (float)count[r] / PIXELS;
    for (int f = 0; f < FEATURES; f++) {
      out->features[r][f] = count[r] ? (float)(sum[r][f] / count[r]) : 0.0f;
    }
  }
}

static long bucket_of(const struct search* s, int table, const float* features) {
  long bucket = 0;
  for (int bit = 0; bit < HASH_BITS; bit++) {
    float dot = 0;
    for (int f = 0; f < FEATURES; f++) dot += s->hyperplanes[table][bit][f] * features[f];
    bucket = bucket << 1 | (dot > 0);
  }
  return bucket;
}

// Every database image sharing a bucket with one of the query's regions,
// in increasing image order.
static void collect_candidates(const struct search* s, struct query* q, char* seen) {
  memset(seen, 0, (size_t)s->database_images);
  for (int r = 0; r < REGIONS; r++) {
    if (q->description.weight[r] == 0) continue;
    for (int t = 0; t < HASH_TABLES; t++) {
      long b = bucket_of(s, t, q->description.features[r]);
      for (long k = s->bucket_start[t][b]; k < s->bucket_start[t][b + 1]; k++) {
        seen[s->bucket_images[t][k]] = 1;
      }
    }
  }
  q->candidate_count = 0;
  for (long image = 0; image < s->database_images; image++) {
    if (seen[image]) q->candidates[q->candidate_count++] = image;
  }
}

static float feature_distance(const float* a, const float* b) {
  float sum = 0;
  for (int f = 0; f < FEATURES; f++) sum += (a[f] - b[f]) * (a[f] - b[f]);
  return sqrtf(sum);
}

// Each region of one image, weighted by its size, against the nearest
// region of the other; both ways.
static float image_distance(const struct description* a, const struct description* b) {
  float total = 0;
  for (int direction = 0; direction < 2; direction++) {
    const struct description* from = direction ? b : a;
    const struct description* to = direction ? a : b;
    for (int r = 0; r < REGIONS; r++) {
      if (from->weight[r] == 0) continue;
      float nearest = INFINITY;
      for (int t = 0; t < REGIONS; t++) {
        if (to->weight[t] == 0) continue;
        float d = feature_distance(from->features[r], to->features[t]) +
                  fabsf(from->weight[r] - to->weight[t]);
        if (d < nearest) nearest = d;
      }
      total += from->weight[r] * nearest;
    }
  }
  return total;
}

static void rank_candidates(const struct search* s, struct query* q) {
  float best_distance[TOP];
  for (int k = 0; k < TOP; k++) {
    q->top[k] = -1;
    best_distance[k] = INFINITY;
  }
  // Candidates come in increasing image order and only a strictly smaller
  // distance moves ahead, so ties go to the lower image number.
  for (long c = 0; c < q->candidate_count; c++) {
    long image = q->candidates[c];
    float d = image_distance(&q->description, &s->database[image]);
    int k = TOP;
    while (k > 0 && d < best_distance[k - 1]) k--;
    if (k == TOP) continue;
    memmove(&best_distance[k + 1], &best_distance[k], (TOP - 1 - k) * sizeof *best_distance);
    memmove(&q->top[k + 1], &q->top[k], (TOP - 1 - k) * sizeof *q->top);
    best_distance[k] = d;
    q->top[k] = image;
  }
}

// ---- Stages --------------------------------------------------------------------------

static void* load_stage(void* arg) {
  struct search* s = arg;
  for (long id = 0; id < s->queries; id++) {
    struct query* q = checked_calloc(1, sizeof *q);
    q->id = id;
    render_query(id, s->database_images, q->pixels);
    queue_push(&s->to_segment, q);
  }
  queue_producer_done(&s->to_segment);
  return NULL;
}

static void* segment_stage(void* arg) {
  struct search* s = arg;
  struct query* q;
  while ((q = queue_pop(&s->to_segment)) != NULL) {
    segment(q->pixels, q->region_of);
    queue_push(&s->to_extract, q);
  }
  queue_producer_done(&s->to_extract);
  return NULL;
}

static void* extract_stage(void* arg) {
  struct search* s = arg;
  struct query* q;
  while ((q = queue_pop(&s->to_extract)) != NULL) {
    extract(q->pixels, q->region_of, &q->description);
    queue_push(&s->to_index, q);
  }
  queue_producer_done(&s->to_index);
  return NULL;
}

static void* index_stage(void* arg) {
  struct search* s = arg;
  char* seen = checked_calloc((size_t)s->database_images, 1);
  struct query* q;
  while ((q = queue_pop(&s->to_index)) != NULL) {
    q->candidates = checked_calloc((size_t)s->database_images, sizeof *q->candidates);
    collect_candidates(s, q, seen);
    queue_push(&s->to_rank, q);
  }
  free(seen);
  queue_producer_done(&s->to_rank);
  return NULL;
}

static void* rank_stage(void* arg) {
  struct search* s = arg;
  struct query* q;
  while ((q = queue_pop(&s->to_rank)) != NULL) {
    rank_candidates(s, q);
    queue_push(&s->to_output, q);
  }
  queue_producer_done(&s->to_output);
  return NULL;
}

static void* output_stage(void* arg) {
  struct search* s = arg;
  struct query* q;
  while ((q = queue_pop(&s->to_output)) != NULL) {
    memcpy(s->rankings[q->id], q->top, sizeof q->top);
    free(q->candidates);
    free(q);
  }
  return NULL;
}

// ---- Database ------------------------------------------------------------------------

static void build_database(struct search* s) {
  struct rng rng = rng_for(17, 0);
  for (int t = 0; t < HASH_TABLES; t++) {
    for (int bit = 0; bit < HASH_BITS; bit++) {
      // Hyperplanes through the middle of the feature space, whose values
      // are mostly in [0, 1].
      for (int f = 0; f < FEATURES; f++) {
        s->hyperplanes[t][bit][f] = (float)(rng_uniform(&rng) - 0.5);
      }
    }
  }
  s->database = checked_calloc((size_t)s->database_images, sizeof *s->database);
  unsigned char pixels[PIXELS], region_of[PIXELS];
  for (long image = 0; image < s->database_images; image++) {
    render(image, 0, 0, NULL, pixels);
    segment(pixels, region_of);
    extract(pixels, region_of, &s->database[image]);
  }
  // Counting sort of (bucket, image) pairs, per table; an image appears
  // once per bucket however many of its regions fall there.
  long buckets = 1L << HASH_BITS;
  for (int t = 0; t < HASH_TABLES; t++) {
    long* start = checked_calloc((size_t)buckets + 1, sizeof *start);
    long* of_region = checked_calloc((size_t)s->database_images * REGIONS, sizeof *of_region);
    for (long image = 0; image < s->database_images; image++) {
      for (int r = 0; r < REGIONS; r++) {
        long b = -1;
        if (s->database[image].weight[r] > 0) {
          b = bucket_of(s, t, s->database[image].features[r]);
          for (int earlier = 0; earlier < r; earlier++) {
            if (of_region[image * REGIONS + earlier] == b) b = -1;
          }
        }
        of_region[image * REGIONS + r] = b;
        if (b >= 0) start[b + 1]++;
      }
    }
    for (long b = 0; b < buckets; b++) start[b + 1] += start[b];
    long* images = checked_calloc((size_t)start[buckets] + 1, sizeof *images);
    long* fill = checked_calloc((size_t)buckets, sizeof *fill);
    for (long image = 0; image < s->database_images; image++) {
      for (int r = 0; r < REGIONS; r++) {
        long b = of_region[image * REGIONS + r];
        if (b >= 0) images[start[b] + fill[b]++] = image;
      }
    }
    free(fill);
    free(of_region);
    s->bucket_start[t] = start;
    s->bucket_images[t] = images;
  }
}

int main(int argc, char** argv) {
  struct bench_args args = parse_bench_args(argc, argv, "ferret");
  static struct search s;
  s.database_images = sizes[args.input].database_images;
  s.queries = sizes[args.input].queries;
  build_database(&s);
  s.rankings = checked_calloc((size_t)s.queries, sizeof *s.rankings);
  int n = args.threads;
  queue_init(&s.to_segment, QUEUE_CAPACITY, 1);
  queue_init(&s.to_extract, QUEUE_CAPACITY, n);
  queue_init(&s.to_index, QUEUE_CAPACITY, n);
  queue_init(&s.to_rank, QUEUE_CAPACITY, n);
  queue_init(&s.to_output, QUEUE_CAPACITY, n);

  int total = 4 * n + 2;
  pthread_t* threads = checked_calloc((size_t)total, sizeof *threads);
  double start = now_seconds();
  start_threads(&threads[0], 1, load_stage, &s, 0);
  start_threads(&threads[1], n, segment_stage, &s, 0);
  start_threads(&threads[1 + n], n, extract_stage, &s, 0);
  start_threads(&threads[1 + 2 * n], n, index_stage, &s, 0);
  start_threads(&threads[1 + 3 * n], n, rank_stage, &s, 0);
  start_threads(&threads[1 + 4 * n], 1, output_stage, &s, 0);
  join_threads(threads, total);
  double elapsed = now_seconds() - start;

  struct checksum sum = checksum_start();
  long found = 0;
  for (long q = 0; q < s.queries; q++) {
    for (int k = 0; k < TOP; k++) checksum_u64(&sum, (uint64_t)s.rankings[q][k]);
    if (s.rankings[q][0] == q % s.database_images) found++;
  }
  report_run(&args, total);
  printf("recall %.4f\n", (double)found / s.queries);
  report_result(sum, elapsed);
  queue_destroy(&s.to_output);
  queue_destroy(&s.to_rank);
  queue_destroy(&s.to_index);
  queue_destroy(&s.to_extract);
  queue_destroy(&s.to_segment);
  for (int t = 0; t < HASH_TABLES; t++) {
    free(s.bucket_images[t]);
    free(s.bucket_start[t]);
  }
  free(s.rankings);
  free(s.database);
  free(threads);
  return 0;
}
