// canneal: simulated annealing of a chip netlist's placement, the shape of
// PARSEC's canneal. Elements sit on a grid, one per location; the cost is
// the total Manhattan length of all wires. Threads repeatedly pick two
// random elements, estimate what swapping them would do to the cost, and
// accept or reject the move by the Metropolis rule, with no lock at all:
// a swap claims both elements' location words with atomic exchanges. A
// barrier separates temperature steps.
//
//   canneal -i test|simsmall|simmedium|simlarge -n THREADS
//
// Threads: exactly -n; each temperature step's moves are split among them.
// Not deterministic by design (threads race on the placement), so the
// program checks validity instead: at the end every location must hold
// exactly one element (`valid yes|no`). The checksum covers what does not
// depend on the race: the netlist, the initial placement and its cost.
// `cost_initial` and `cost_final` are informational.
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#include "bench/parsec/parsec_common.h"

enum { WIRES_PER_ELEMENT = 5, WIRE_REACH = 2000 };
static const double COOLING = 0.92;

static const struct {
  long grid_side;  // grid_side^2 elements and locations
  int temperature_steps;
  long moves_per_step;  // in total, split among the threads
} sizes[INPUT_SIZE_COUNT] = {
    {200, 20, 10000},     // test
    {600, 50, 150000},    // simsmall
    {800, 100, 170000},   // simmedium
    {1000, 200, 480000},  // simlarge
};

// A location word of -1 means "claimed by a swap in progress".
enum { CLAIMED = -1 };

struct netlist {
  long elements, grid_side;
  long* wire_start;       // CSR adjacency: element e's neighbours are
  long* wire_neighbours;  // wire_neighbours[wire_start[e] .. wire_start[e+1])
  _Atomic long* location;  // per element: its location index (y * side + x)
  int threads, temperature_steps;
  long moves_per_step;
  double initial_temperature;
  pthread_barrier_t barrier;
};

struct worker {
  struct netlist* net;
  int id;
  long moves;  // per temperature step
};

// A location that a concurrent swap may hold claimed: wait until released.
static long read_location(struct netlist* net, long element) {
  long where;
  while ((where = atomic_load_explicit(&net->location[element], memory_order_acquire)) == CLAIMED) {
    __builtin_ia32_pause();
  }
  return where;
}

static long claim_location(struct netlist* net, long element) {
  long where;
  while ((where = atomic_exchange_explicit(&net->location[element], CLAIMED,
                                           memory_order_acquire)) == CLAIMED) {
    __builtin_ia32_pause();
  }
  return where;
}

static long wire_length(long side, long a, long b) {
  return labs(a % side - b % side) + labs(a / side - b / side);
}

// Total wire length of `element` if it sat at `where`, not counting the wire
// to `other` (a swap does not change that wire's length).
static long element_cost(struct netlist* net, long element, long where, long other) {
  long cost = 0;
  for (long w = net->wire_start[element]; w < net->wire_start[element + 1]; w++) {
    long neighbour = net->wire_neighbours[w];
    if (neighbour == other) continue;
    cost += wire_length(net->grid_side, where, read_location(net, neighbour));
  }
  return cost;
}

// Swaps two elements' locations, claiming the lower-numbered element first
// so that two swaps sharing an element cannot each hold half.
static void swap_locations(struct netlist* net, long a, long b) {
  long first = a < b ? a : b, second = a < b ? b : a;
  long first_at = claim_location(net, first);
  long second_at = claim_location(net, second);
  atomic_store_explicit(&net->location[second], first_at, memory_order_release);
  atomic_store_explicit(&net->location[first], second_at, memory_order_release);
}

static void* anneal(void* arg) {
  struct worker* worker = arg;
  struct netlist* net = worker->net;
  struct rng rng = rng_for(7, (uint64_t)worker->id);
  double temperature = net->initial_temperature;
  for (int step = 0; step < net->temperature_steps; step++) {
    for (long move = 0; move < worker->moves; move++) {
      long a = (long)rng_below(&rng, (uint64_t)net->elements);
      long b = (long)rng_below(&rng, (uint64_t)net->elements);
      if (a == b) continue;
      long a_at = read_location(net, a), b_at = read_location(net, b);
      long delta = element_cost(net, a, b_at, b) + element_cost(net, b, a_at, a) -
                   element_cost(net, a, a_at, b) - element_cost(net, b, b_at, a);
      if (delta < 0 || rng_uniform(&rng) < exp(-(double)delta / temperature)) {
        swap_locations(net, a, b);
      }
    }
    temperature *= COOLING;
    pthread_barrier_wait(&net->barrier);
  }
  return NULL;
}

// Elements are wired mostly to elements with nearby numbers (circuits have
// locality), but the initial placement is a random permutation, so there
// is a lot for annealing to win.
static void generate_netlist(struct netlist* net) {
  long n = net->elements;
  long* degree = checked_calloc((size_t)n + 1, sizeof *degree);
  long* ends = checked_calloc((size_t)n * WIRES_PER_ELEMENT * 2, sizeof *ends);
  for (long e = 0; e < n; e++) {
    struct rng rng = rng_for(8, (uint64_t)e);
    for (int w = 0; w < WIRES_PER_ELEMENT; w++) {
      long offset = 1 + (long)rng_below(&rng, WIRE_REACH);
      long to = (e + offset) % n;
      ends[2 * (e * WIRES_PER_ELEMENT + w)] = e;
      ends[2 * (e * WIRES_PER_ELEMENT + w) + 1] = to;
      degree[e]++;
      degree[to]++;
    }
  }
  net->wire_start = checked_calloc((size_t)n + 1, sizeof *net->wire_start);
  for (long e = 0; e < n; e++) net->wire_start[e + 1] = net->wire_start[e] + degree[e];
  net->wire_neighbours = checked_calloc((size_t)net->wire_start[n], sizeof *net->wire_neighbours);
  long* fill = degree;  // reused as the next free slot per element
  for (long e = 0; e < n; e++) fill[e] = net->wire_start[e];
  for (long w = 0; w < n * WIRES_PER_ELEMENT; w++) {
    long from = ends[2 * w], to = ends[2 * w + 1];
    net->wire_neighbours[fill[from]++] = to;
    net->wire_neighbours[fill[to]++] = from;
  }
  free(ends);
  free(degree);

  // Fisher-Yates shuffle of the locations.
  net->location = checked_calloc((size_t)n, sizeof *net->location);
  long* shuffled = checked_calloc((size_t)n, sizeof *shuffled);
  for (long e = 0; e < n; e++) shuffled[e] = e;
  struct rng rng = rng_for(9, 0);
  for (long e = n - 1; e > 0; e--) {
    long other = (long)rng_below(&rng, (uint64_t)e + 1);
    long kept = shuffled[e];
    shuffled[e] = shuffled[other];
    shuffled[other] = kept;
  }
  for (long e = 0; e < n; e++) atomic_init(&net->location[e], shuffled[e]);
  free(shuffled);
}

// Sum of all wire lengths (each wire is listed at both ends: halved).
static long total_cost(struct netlist* net) {
  long cost = 0;
  for (long e = 0; e < net->elements; e++) cost += element_cost(net, e, net->location[e], -1);
  return cost / 2;
}

static int placement_is_permutation(struct netlist* net) {
  char* taken = checked_calloc((size_t)net->elements, 1);
  int valid = 1;
  for (long e = 0; e < net->elements && valid; e++) {
    long where = net->location[e];
    if (where < 0 || where >= net->elements || taken[where]) valid = 0;
    else taken[where] = 1;
  }
  free(taken);
  return valid;
}

int main(int argc, char** argv) {
  struct bench_args args = parse_bench_args(argc, argv, "canneal");
  struct netlist net = {0};
  net.grid_side = sizes[args.input].grid_side;
  net.elements = net.grid_side * net.grid_side;
  net.threads = args.threads;
  net.temperature_steps = sizes[args.input].temperature_steps;
  net.moves_per_step = sizes[args.input].moves_per_step;
  generate_netlist(&net);
  long initial_cost = total_cost(&net);
  // Start hot enough to accept a move that lengthens a typical element's
  // wires by a third.
  net.initial_temperature = (double)initial_cost / net.elements / 3.0;

  struct checksum sum = checksum_start();
  checksum_bytes(&sum, net.wire_start, sizeof(long) * (size_t)(net.elements + 1));
  checksum_bytes(&sum, net.wire_neighbours, sizeof(long) * (size_t)net.wire_start[net.elements]);
  for (long e = 0; e < net.elements; e++) checksum_u64(&sum, (uint64_t)net.location[e]);
  checksum_u64(&sum, (uint64_t)initial_cost);

  check(pthread_barrier_init(&net.barrier, NULL, (unsigned)net.threads), "pthread_barrier_init");
  pthread_t* threads = checked_calloc((size_t)net.threads, sizeof *threads);
  struct worker* workers = checked_calloc((size_t)net.threads, sizeof *workers);
  for (int t = 0; t < net.threads; t++) {
    long begin, end;
    block_range(net.moves_per_step, net.threads, t, &begin, &end);
    workers[t] = (struct worker){&net, t, end - begin};
  }
  double start = now_seconds();
  start_threads(threads, net.threads, anneal, workers, sizeof *workers);
  join_threads(threads, net.threads);
  double elapsed = now_seconds() - start;

  int valid = placement_is_permutation(&net);
  report_run(&args, net.threads);
  printf("cost_initial %ld\ncost_final %ld\nvalid %s\n", initial_cost,
         valid ? total_cost(&net) : -1L, valid ? "yes" : "no");
  report_result(sum, elapsed);
  pthread_barrier_destroy(&net.barrier);
  free(workers);
  free(threads);
  free(net.location);
  free(net.wire_neighbours);
  free(net.wire_start);
  return valid ? 0 : 1;
}
