// The per-worker run queue (runtime/work_stealing_deque.h), single-threaded
// and uncontended: what the owner pays to push and pop its own work, and
// what one steal costs a thief when nobody races it (a fence and a CAS).
#include <benchmark/benchmark.h>

#include "runtime/work_stealing_deque.h"

namespace greenshim {
namespace {

struct Item {
  int value = 0;
};
using Deque = WorkStealingDeque<Item, 256>;  // a worker's run queue size

// Owner end: push one item, pop it back.
void BM_DequePushPop(benchmark::State& state) {
  Deque deque;
  Item item;
  for (auto _ : state) {
    deque.push(&item);
    benchmark::DoNotOptimize(deque.pop());
  }
}
BENCHMARK(BM_DequePushPop);

// Thief end: the owner pushes one item, a steal takes it from the top.
void BM_DequePushSteal(benchmark::State& state) {
  Deque deque;
  Item item;
  for (auto _ : state) {
    deque.push(&item);
    benchmark::DoNotOptimize(deque.steal());
  }
}
BENCHMARK(BM_DequePushSteal);

// A steal from an empty deque: what each victim visit costs a spinning
// worker that finds nothing.
void BM_DequeStealEmpty(benchmark::State& state) {
  Deque deque;
  for (auto _ : state) benchmark::DoNotOptimize(deque.steal());
}
BENCHMARK(BM_DequeStealEmpty);

}  // namespace
}  // namespace greenshim
