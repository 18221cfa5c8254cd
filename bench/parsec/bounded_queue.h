// A bounded multi-producer, multi-consumer queue of pointers: one mutex and
// two condition variables, the classic blocking hand-off between pipeline
// stages. Shared by the pipeline programs (dedup, ferret) so they connect
// their stages the same way. A queue knows how many producers feed it;
// when the last one calls queue_producer_done, consumers drain what is left
// and then get NULL.
#ifndef GREENSHIM_BENCH_PARSEC_BOUNDED_QUEUE_H_
#define GREENSHIM_BENCH_PARSEC_BOUNDED_QUEUE_H_

#include <pthread.h>

#include "bench/parsec/parsec_common.h"

struct bounded_queue {
  pthread_mutex_t lock;
  pthread_cond_t not_full, not_empty;
  void** slots;
  long capacity, head, count;
  int producers_left;
};

static inline void queue_init(struct bounded_queue* q, long capacity, int producers) {
  check(pthread_mutex_init(&q->lock, NULL), "pthread_mutex_init");
  check(pthread_cond_init(&q->not_full, NULL), "pthread_cond_init");
  check(pthread_cond_init(&q->not_empty, NULL), "pthread_cond_init");
  q->slots = checked_calloc((size_t)capacity, sizeof *q->slots);
  q->capacity = capacity;
  q->head = q->count = 0;
  q->producers_left = producers;
}

static inline void queue_destroy(struct bounded_queue* q) {
  pthread_cond_destroy(&q->not_empty);
  pthread_cond_destroy(&q->not_full);
  pthread_mutex_destroy(&q->lock);
  free(q->slots);
}

// Blocks while the queue is full.
static inline void queue_push(struct bounded_queue* q, void* item) {
  pthread_mutex_lock(&q->lock);
  while (q->count == q->capacity) pthread_cond_wait(&q->not_full, &q->lock);
  q->slots[(q->head + q->count) % q->capacity] = item;
  q->count++;
  pthread_cond_signal(&q->not_empty);
  pthread_mutex_unlock(&q->lock);
}

// Blocks while the queue is empty; NULL once it is empty for good.
static inline void* queue_pop(struct bounded_queue* q) {
  pthread_mutex_lock(&q->lock);
  while (q->count == 0 && q->producers_left > 0) pthread_cond_wait(&q->not_empty, &q->lock);
  void* item = NULL;
  if (q->count > 0) {
    item = q->slots[q->head];
    q->head = (q->head + 1) % q->capacity;
    q->count--;
    pthread_cond_signal(&q->not_full);
  }
  pthread_mutex_unlock(&q->lock);
  return item;
}

static inline void queue_producer_done(struct bounded_queue* q) {
  pthread_mutex_lock(&q->lock);
  if (--q->producers_left == 0) pthread_cond_broadcast(&q->not_empty);
  pthread_mutex_unlock(&q->lock);
}

#endif  // GREENSHIM_BENCH_PARSEC_BOUNDED_QUEUE_H_
