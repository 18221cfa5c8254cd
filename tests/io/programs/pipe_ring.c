// Checks: wake-ups chained through many blocked readers. 200 threads form
// a ring of pipes; each blocks reading a token from its inbound pipe, adds
// one and writes it to the next. Main injects the token and it travels 50
// laps, so every hop wakes a reader that was parked; the token must come
// back as 200 x 50 = 10,000, and each thread must have forwarded it 50
// times.
#define _GNU_SOURCE
#include "tests/io/programs/io_checks.h"

#define THREADS 200
#define LAPS 50

static int ring[THREADS + 1][2];  // ring[i]: into thread i; ring[THREADS]: back to main

static void* forward(void* index_pointer) {
  int index = (int)(intptr_t)index_pointer;
  long forwarded = 0;
  for (int lap = 0; lap < LAPS; ++lap) {
    uint64_t token;
    read_exactly(ring[index][0], &token, sizeof token);
    ++token;
    write_all(ring[index + 1][1], &token, sizeof token);
    ++forwarded;
  }
  return (void*)(intptr_t)forwarded;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 0; i <= THREADS; ++i) must(pipe(ring[i]), "pipe");
  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; ++i) threads[i] = start_thread(forward, (void*)(intptr_t)i);

  uint64_t token = 0;
  for (int lap = 0; lap < LAPS; ++lap) {
    write_all(ring[0][1], &token, sizeof token);
    read_exactly(ring[THREADS][0], &token, sizeof token);
  }
  expect_value("token after 50 laps of 200 threads", (ssize_t)token, THREADS * LAPS);
  int all_forwarded = 1;
  for (int i = 0; i < THREADS; ++i) all_forwarded &= (intptr_t)join_thread(threads[i]) == LAPS;
  expect_true("every thread forwarded it 50 times", all_forwarded);
  for (int i = 0; i <= THREADS; ++i) {
    close(ring[i][0]);
    close(ring[i][1]);
  }
  return finish();
}
