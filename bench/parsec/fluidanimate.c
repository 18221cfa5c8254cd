// fluidanimate: smoothed-particle hydrodynamics of a collapsing block of
// fluid in a box, the shape of PARSEC's fluidanimate. Space is a grid of
// cells one kernel radius wide; each thread owns a slab of cells. Every
// frame has four phases separated by barriers: file each particle into its
// cell's list, sum densities, sum forces, move the particles. A particle
// pair is visited once, from the lower-numbered cell, and both particles'
// sums are updated, so a thread writes into its neighbours' cells: every
// cell has its own mutex, taken for each such update (thousands of short,
// mostly uncontended critical sections per frame).
//
//   fluidanimate -i test|simsmall|simmedium|simlarge -n THREADS
//
// Threads: exactly -n. Deterministic: densities and forces are summed in
// fixed point (integers), so the order in which threads add their shares
// does not matter, and each pair's term is computed the same way whichever
// particle comes first. The checksum covers every particle's final
// position and velocity, in particle order.
#include <math.h>
#include <pthread.h>

#include "bench/parsec/parsec_common.h"

// Units: the kernel radius is 1, a cell is 1x1x1, rest density is 1.
static const double SPACING = 0.5;      // initial distance between particles
static const double MASS = 0.125;       // SPACING^3 * rest density
static const double REST_DENSITY = 1.0;
static const double STIFFNESS = 20.0;
static const double VISCOSITY = 0.5;
static const double GRAVITY = -1.0;
static const double TIME_STEP = 0.01;
static const double WALL_DAMPING = 0.5;
static const double FIXED_POINT = 4294967296.0;  // 2^32: fraction bits of the sums

static const struct {
  int cells_x, cells_y, cells_z;
  int frames;
} sizes[INPUT_SIZE_COUNT] = {
    {12, 12, 12, 40},    // test
    {20, 20, 20, 400},   // simsmall
    {24, 24, 24, 600},   // simmedium
    {32, 32, 32, 1100},  // simlarge
};

struct vec3 {
  double x, y, z;
};

struct fluid {
  int cells_x, cells_y, cells_z, threads, frames;
  long cell_count, particle_count;
  struct vec3* position;
  struct vec3* velocity;
  int64_t* density;           // fixed point, per particle
  int64_t (*acceleration)[3]; // fixed point, per particle
  long* next_in_cell;         // per particle: the next particle of its cell, or -1
  long* cell_head;            // per cell: its first particle, or -1
  pthread_mutex_t* cell_lock; // guards the cell's list and its particles' sums
  pthread_barrier_t barrier;
};

// Per-thread scratch: the particles of the cell being processed and of one
// neighbour cell, with the sums collected for each before they are added
// under the cell's lock.
struct cell_view {
  long* ids;
  int64_t (*sums)[3];
  long count, capacity;
};

struct worker {
  struct fluid* fluid;
  int id;
  long first_particle, end_particle;
  long first_cell, end_cell;
  struct cell_view own, neighbour;
};

static long cell_of(const struct fluid* f, struct vec3 p) {
  long x = (long)p.x, y = (long)p.y, z = (long)p.z;
  return (z * f->cells_y + y) * f->cells_x + x;
}

// Copies a cell's particle list into `view` and zeroes its sums.
static void gather(const struct fluid* f, long cell, struct cell_view* view) {
  view->count = 0;
  for (long p = f->cell_head[cell]; p >= 0; p = f->next_in_cell[p]) {
    if (view->count == view->capacity) {
      view->capacity = view->capacity ? 2 * view->capacity : 32;
      view->ids = realloc(view->ids, (size_t)view->capacity * sizeof *view->ids);
      view->sums = realloc(view->sums, (size_t)view->capacity * sizeof *view->sums);
      if (!view->ids || !view->sums) check(ENOMEM, "realloc");
    }
    view->ids[view->count++] = p;
  }
  memset(view->sums, 0, (size_t)view->count * sizeof *view->sums);
}

static int64_t to_fixed(double value) { return (int64_t)llrint(value * FIXED_POINT); }

// Poly6 kernel for densities, with the kernel radius 1.
static double density_term(double distance2) {
  double falloff = 1.0 - distance2;
  return MASS * (315.0 / (64.0 * M_PI)) * falloff * falloff * falloff;
}

static double pressure(int64_t density) {
  return STIFFNESS * ((double)density / FIXED_POINT - REST_DENSITY);
}

// The acceleration pair (i, j) gives i (j gets its negation): pressure
// along the spiky kernel's gradient plus viscosity. Every operation is
// either symmetric in i and j or flips sign exactly, so the result is
// bit-for-bit the negation when i and j trade places.
static void force_term(const struct fluid* f, long i, long j, int64_t out[3]) {
  struct vec3 d = {f->position[i].x - f->position[j].x, f->position[i].y - f->position[j].y,
                   f->position[i].z - f->position[j].z};
  double distance = sqrt(d.x * d.x + d.y * d.y + d.z * d.z);
  double rho_i = (double)f->density[i] / FIXED_POINT, rho_j = (double)f->density[j] / FIXED_POINT;
  double push = MASS * (pressure(f->density[i]) / (rho_i * rho_i) +
                        pressure(f->density[j]) / (rho_j * rho_j)) *
                (45.0 / M_PI) * (1.0 - distance) * (1.0 - distance) / distance;
  double drag = VISCOSITY * MASS / (rho_i * rho_j) * (45.0 / M_PI) * (1.0 - distance);
  out[0] = to_fixed(push * d.x + drag * (f->velocity[j].x - f->velocity[i].x));
  out[1] = to_fixed(push * d.y + drag * (f->velocity[j].y - f->velocity[i].y));
  out[2] = to_fixed(push * d.z + drag * (f->velocity[j].z - f->velocity[i].z));
}

static double distance2(const struct fluid* f, long i, long j) {
  double dx = f->position[i].x - f->position[j].x, dy = f->position[i].y - f->position[j].y,
         dz = f->position[i].z - f->position[j].z;
  return dx * dx + dy * dy + dz * dz;
}

enum phase { DENSITIES, FORCES };

// Adds the terms of every close pair between view `a` and view `b` (or
// within `a` when both are the same view) to both views' sums.
static void interact(const struct fluid* f, enum phase phase, struct cell_view* a,
                     struct cell_view* b) {
  for (long m = 0; m < a->count; m++) {
    for (long k = (a == b ? m + 1 : 0); k < b->count; k++) {
      long i = a->ids[m], j = b->ids[k];
      double r2 = distance2(f, i, j);
      if (r2 >= 1.0 || r2 == 0.0) continue;
      if (phase == DENSITIES) {
        int64_t term = to_fixed(density_term(r2));
        a->sums[m][0] += term;
        b->sums[k][0] += term;
      } else {
        int64_t term[3];
        force_term(f, i, j, term);
        for (int axis = 0; axis < 3; axis++) {
          a->sums[m][axis] += term[axis];
          b->sums[k][axis] -= term[axis];
        }
      }
    }
  }
}

// Adds a view's sums into its particles, under the cell's lock.
static void publish(struct fluid* f, enum phase phase, long cell, const struct cell_view* view) {
  pthread_mutex_lock(&f->cell_lock[cell]);
  for (long m = 0; m < view->count; m++) {
    long p = view->ids[m];
    if (phase == DENSITIES) {
      f->density[p] += view->sums[m][0];
    } else {
      for (int axis = 0; axis < 3; axis++) f->acceleration[p][axis] += view->sums[m][axis];
    }
  }
  pthread_mutex_unlock(&f->cell_lock[cell]);
}

// One phase over the worker's cells: each cell with itself and its 13
// higher-numbered neighbours.
static void sum_pairs(struct worker* w, enum phase phase) {
  struct fluid* f = w->fluid;
  for (long cell = w->first_cell; cell < w->end_cell; cell++) {
    gather(f, cell, &w->own);
    if (w->own.count == 0) continue;
    long x = cell % f->cells_x, y = cell / f->cells_x % f->cells_y, z = cell / f->cells_x / f->cells_y;
    for (int dz = -1; dz <= 1; dz++) {
      for (int dy = -1; dy <= 1; dy++) {
        for (int dx = -1; dx <= 1; dx++) {
          long nx = x + dx, ny = y + dy, nz = z + dz;
          if (nx < 0 || ny < 0 || nz < 0 || nx >= f->cells_x || ny >= f->cells_y ||
              nz >= f->cells_z) {
            continue;
          }
          long neighbour = (nz * f->cells_y + ny) * f->cells_x + nx;
          if (neighbour <= cell) continue;
          gather(f, neighbour, &w->neighbour);
          if (w->neighbour.count == 0) continue;
          interact(f, phase, &w->own, &w->neighbour);
          publish(f, phase, neighbour, &w->neighbour);
        }
      }
    }
    interact(f, phase, &w->own, &w->own);
    if (phase == DENSITIES) {
      int64_t self = to_fixed(density_term(0.0));
      for (long m = 0; m < w->own.count; m++) w->own.sums[m][0] += self;
    }
    publish(f, phase, cell, &w->own);
  }
}

static void file_particles(struct worker* w) {
  struct fluid* f = w->fluid;
  for (long p = w->first_particle; p < w->end_particle; p++) {
    long cell = cell_of(f, f->position[p]);
    pthread_mutex_lock(&f->cell_lock[cell]);
    f->next_in_cell[p] = f->cell_head[cell];
    f->cell_head[cell] = p;
    pthread_mutex_unlock(&f->cell_lock[cell]);
  }
}

// Keeps a coordinate inside [0, limit), bouncing the velocity off the wall.
static void bounce(double* position, double* velocity, double limit) {
  const double inside = 1e-9;
  if (*position < 0) {
    *position = inside;
    *velocity = -*velocity * WALL_DAMPING;
  } else if (*position >= limit) {
    *position = limit - inside;
    *velocity = -*velocity * WALL_DAMPING;
  }
}

// Moves the worker's particles and clears the sums and its cells' lists for
// the next frame.
static void advance(struct worker* w) {
  struct fluid* f = w->fluid;
  for (long p = w->first_particle; p < w->end_particle; p++) {
    struct vec3* v = &f->velocity[p];
    struct vec3* x = &f->position[p];
    v->x += (double)f->acceleration[p][0] / FIXED_POINT * TIME_STEP;
    v->y += ((double)f->acceleration[p][1] / FIXED_POINT + GRAVITY) * TIME_STEP;
    v->z += (double)f->acceleration[p][2] / FIXED_POINT * TIME_STEP;
    x->x += v->x * TIME_STEP;
    x->y += v->y * TIME_STEP;
    x->z += v->z * TIME_STEP;
    bounce(&x->x, &v->x, f->cells_x);
    bounce(&x->y, &v->y, f->cells_y);
    bounce(&x->z, &v->z, f->cells_z);
    f->density[p] = 0;
    f->acceleration[p][0] = f->acceleration[p][1] = f->acceleration[p][2] = 0;
  }
  for (long cell = w->first_cell; cell < w->end_cell; cell++) f->cell_head[cell] = -1;
}

static void* simulate(void* arg) {
  struct worker* w = arg;
  struct fluid* f = w->fluid;
  for (int frame = 0; frame < f->frames; frame++) {
    file_particles(w);
    pthread_barrier_wait(&f->barrier);
    sum_pairs(w, DENSITIES);
    pthread_barrier_wait(&f->barrier);
    sum_pairs(w, FORCES);
    pthread_barrier_wait(&f->barrier);
    advance(w);
    pthread_barrier_wait(&f->barrier);
  }
  free(w->own.ids);
  free(w->own.sums);
  free(w->neighbour.ids);
  free(w->neighbour.sums);
  return NULL;
}

// A block of fluid filling the lower half of the box along x and y (a
// dam about to break), on a lattice with a little deterministic jitter.
static void place_particles(struct fluid* f) {
  long per_x = (long)(f->cells_x / 2 / SPACING), per_y = (long)(f->cells_y / 2 / SPACING);
  long per_z = (long)(f->cells_z / SPACING);
  f->particle_count = per_x * per_y * per_z;
  f->position = checked_calloc((size_t)f->particle_count, sizeof *f->position);
  f->velocity = checked_calloc((size_t)f->particle_count, sizeof *f->velocity);
  long p = 0;
  for (long k = 0; k < per_z; k++) {
    for (long j = 0; j < per_y; j++) {
      for (long i = 0; i < per_x; i++, p++) {
        struct rng rng = rng_for(10, (uint64_t)p);
        double jitter = 0.1 * SPACING;
        f->position[p].x = (i + 0.5) * SPACING + jitter * (rng_uniform(&rng) - 0.5);
        f->position[p].y = (j + 0.5) * SPACING + jitter * (rng_uniform(&rng) - 0.5);
        f->position[p].z = (k + 0.5) * SPACING + jitter * (rng_uniform(&rng) - 0.5);
      }
    }
  }
}

int main(int argc, char** argv) {
  struct bench_args args = parse_bench_args(argc, argv, "fluidanimate");
  struct fluid f = {0};
  f.cells_x = sizes[args.input].cells_x;
  f.cells_y = sizes[args.input].cells_y;
  f.cells_z = sizes[args.input].cells_z;
  f.frames = sizes[args.input].frames;
  f.threads = args.threads;
  f.cell_count = (long)f.cells_x * f.cells_y * f.cells_z;
  place_particles(&f);
  f.density = checked_calloc((size_t)f.particle_count, sizeof *f.density);
  f.acceleration = checked_calloc((size_t)f.particle_count, sizeof *f.acceleration);
  f.next_in_cell = checked_calloc((size_t)f.particle_count, sizeof *f.next_in_cell);
  f.cell_head = checked_calloc((size_t)f.cell_count, sizeof *f.cell_head);
  f.cell_lock = checked_calloc((size_t)f.cell_count, sizeof *f.cell_lock);
  for (long c = 0; c < f.cell_count; c++) {
    f.cell_head[c] = -1;
    check(pthread_mutex_init(&f.cell_lock[c], NULL), "pthread_mutex_init");
  }
  check(pthread_barrier_init(&f.barrier, NULL, (unsigned)f.threads), "pthread_barrier_init");

  pthread_t* threads = checked_calloc((size_t)f.threads, sizeof *threads);
  struct worker* workers = checked_calloc((size_t)f.threads, sizeof *workers);
  for (int t = 0; t < f.threads; t++) {
    workers[t].fluid = &f;
    workers[t].id = t;
    block_range(f.particle_count, f.threads, t, &workers[t].first_particle,
                &workers[t].end_particle);
    block_range(f.cell_count, f.threads, t, &workers[t].first_cell, &workers[t].end_cell);
  }
  double start = now_seconds();
  start_threads(threads, f.threads, simulate, workers, sizeof *workers);
  join_threads(threads, f.threads);
  double elapsed = now_seconds() - start;

  struct checksum sum = checksum_start();
  for (long p = 0; p < f.particle_count; p++) {
    checksum_double(&sum, f.position[p].x);
    checksum_double(&sum, f.position[p].y);
    checksum_double(&sum, f.position[p].z);
    checksum_double(&sum, f.velocity[p].x);
    checksum_double(&sum, f.velocity[p].y);
    checksum_double(&sum, f.velocity[p].z);
  }
  report_run(&args, f.threads);
  report_result(sum, elapsed);
  pthread_barrier_destroy(&f.barrier);
  for (long c = 0; c < f.cell_count; c++) pthread_mutex_destroy(&f.cell_lock[c]);
  free(workers);
  free(threads);
  free(f.cell_lock);
  free(f.cell_head);
  free(f.next_in_cell);
  free(f.acceleration);
  free(f.density);
  free(f.velocity);
  free(f.position);
  return 0;
}
