// pipeline: K stages connected by bounded queues, each queue a mutex and
// two condition variables (not empty, not full). A source thread pushes N
// numbered items into the first queue, each stage thread moves items from
// its input queue to its output queue, and a sink thread takes them off the
// last one and checks that they arrive complete and in order. Reports the
// wall time per item through the whole pipeline.
//
// Why: the shape of many threaded servers and stream processors, where
// every hand-off between threads is a condvar wait and signal. Natively
// each hand-off that finds its neighbour asleep costs a futex wake and a
// kernel context switch; under greenshim it is a user-space park and wake.
//
//   pipeline [items] [stages] [capacity]   (defaults 200000, 8, 4)
//   metric pipeline_item <ns> ns/op
//   exit 1 if an item is lost, duplicated or out of order
#include <pthread.h>

#include "bench/pthread/common.h"

struct queue {
  pthread_mutex_t lock;
  pthread_cond_t not_empty;
  pthread_cond_t not_full;
  long* slots;
  long capacity, head, length;  // guarded by lock
};

static struct queue* queues;  // stages + 1 of them: queues[i] feeds stage i
static long items, stages;

static void queue_init(struct queue* q, long capacity) {
  check(pthread_mutex_init(&q->lock, NULL), "pthread_mutex_init");
  check(pthread_cond_init(&q->not_empty, NULL), "pthread_cond_init");
  check(pthread_cond_init(&q->not_full, NULL), "pthread_cond_init");
  q->slots = calloc((size_t)capacity, sizeof *q->slots);
  if (q->slots == NULL) {
    fprintf(stderr, "pipeline: out of memory\n");
    exit(1);
  }
  q->capacity = capacity;
  q->head = q->length = 0;
}

static void put(struct queue* q, long item) {
  pthread_mutex_lock(&q->lock);
  while (q->length == q->capacity) pthread_cond_wait(&q->not_full, &q->lock);
  q->slots[(q->head + q->length) % q->capacity] = item;
  q->length++;
  pthread_cond_signal(&q->not_empty);
  pthread_mutex_unlock(&q->lock);
}

static long take(struct queue* q) {
  pthread_mutex_lock(&q->lock);
  while (q->length == 0) pthread_cond_wait(&q->not_empty, &q->lock);
  long item = q->slots[q->head];
  q->head = (q->head + 1) % q->capacity;
  q->length--;
  pthread_cond_signal(&q->not_full);
  pthread_mutex_unlock(&q->lock);
  return item;
}

static void* source(void* arg) {
  (void)arg;
  for (long i = 0; i < items; i++) put(&queues[0], i);
  return NULL;
}

static void* stage(void* arg) {
  long index = (long)arg;
  for (long i = 0; i < items; i++) put(&queues[index + 1], take(&queues[index]));
  return NULL;
}

static void* sink(void* arg) {
  (void)arg;
  long out_of_order = 0;
  for (long i = 0; i < items; i++) {
    if (take(&queues[stages]) != i) out_of_order++;
  }
  return (void*)out_of_order;
}

int main(int argc, char** argv) {
  items = arg_count(argc, argv, 1, 200000);
  stages = arg_count(argc, argv, 2, 8);
  long capacity = arg_count(argc, argv, 3, 4);
  queues = calloc((size_t)stages + 1, sizeof *queues);
  pthread_t* threads = calloc((size_t)stages + 2, sizeof *threads);
  if (queues == NULL || threads == NULL) {
    fprintf(stderr, "pipeline: out of memory\n");
    return 1;
  }
  for (long i = 0; i <= stages; i++) queue_init(&queues[i], capacity);
  long long start = now_ns();
  check(pthread_create(&threads[0], NULL, sink, NULL), "pthread_create");
  for (long i = 0; i < stages; i++)
    check(pthread_create(&threads[i + 1], NULL, stage, (void*)i), "pthread_create");
  check(pthread_create(&threads[stages + 1], NULL, source, NULL), "pthread_create");
  void* out_of_order = NULL;
  check(pthread_join(threads[0], &out_of_order), "pthread_join");
  for (long i = 1; i < stages + 2; i++) check(pthread_join(threads[i], NULL), "pthread_join");
  long long elapsed = now_ns() - start;
  if (out_of_order != NULL) {
    fprintf(stderr, "pipeline: %ld items arrived out of order or were lost\n", (long)out_of_order);
    return 1;
  }
  metric("pipeline_item", (double)elapsed / items, "ns/op");
  return 0;
}
