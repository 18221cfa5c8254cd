// Task-level operations, each measured inside greenshim::run() with the
// benchmark loop running in a task (see bench_support.h). The argument is
// the number of workers (kernel threads): with 1 everything stays on one
// thread; with 2 the other worker may steal, spin and sleep, so the figures
// include cross-thread wake-ups.
#include <benchmark/benchmark.h>

#include <atomic>
#include <climits>
#include <cstdint>

#include "bench/micro/bench_support.h"
#include "runtime/runtime.h"

namespace greenshim {
namespace {

using bench::run_in_runtime;
using bench::start_task;

int workers(const benchmark::State& state) { return static_cast<int>(state.range(0)); }

// --- Spawn + join ----------------------------------------------------------
// One iteration creates a task that returns at once and joins it: the stack
// comes from (and goes back to) the pool's warm list, the Task object from
// the registry's free list.

void* return_argument(void* argument) { return argument; }

void BM_SpawnJoin(benchmark::State& state) {
  run_in_runtime(state, workers(state), [&state] {
    for (auto _ : state) {
      Task* task;
      if (spawn(return_argument, nullptr, SpawnOptions{}, &task) != 0) {
        state.SkipWithError("spawn failed");
        break;
      }
      join(task, nullptr, JoinMode::kWait, kNoDeadline);
    }
  });
}
BENCHMARK(BM_SpawnJoin)->Arg(1)->Arg(2)->UseRealTime();

// --- Park / unpark ping-pong ------------------------------------------------
// Two tasks hand a turn word back and forth with wait_on_address and
// wake_address. One iteration is a round trip: each task parks once and is
// woken once.

constexpr uint32_t kPingTurn = 0;
constexpr uint32_t kPongTurn = 1;
constexpr uint32_t kStop = 2;

// Waits while *turn == `while_value`; returns the new value.
uint32_t wait_while(std::atomic<uint32_t>& turn, uint32_t while_value) {
  uint32_t seen;
  while ((seen = turn.load(std::memory_order_acquire)) == while_value)
    wait_on_address(&turn, while_value, kNoDeadline, "bench");
  return seen;
}

void hand_over(std::atomic<uint32_t>& turn, uint32_t value) {
  turn.store(value, std::memory_order_release);
  wake_address(&turn, 1);
}

void BM_ParkUnparkPingPong(benchmark::State& state) {
  run_in_runtime(state, workers(state), [&state] {
    std::atomic<uint32_t> turn{kPingTurn};
    auto pong = [&turn] {
      while (wait_while(turn, kPingTurn) != kStop) hand_over(turn, kPingTurn);
    };
    Task* partner = start_task(state, &pong);
    if (partner == nullptr) return;
    for (auto _ : state) {
      hand_over(turn, kPongTurn);
      wait_while(turn, kPongTurn);
    }
    hand_over(turn, kStop);
    join(partner, nullptr, JoinMode::kWait, kNoDeadline);
  });
}
BENCHMARK(BM_ParkUnparkPingPong)->Arg(1)->Arg(2)->UseRealTime();

// --- Yield -----------------------------------------------------------------

// Nothing else is runnable: yield() only checks the queues and returns.
void BM_YieldAlone(benchmark::State& state) {
  run_in_runtime(state, 1, [&state] {
    for (auto _ : state) yield();
  });
}
BENCHMARK(BM_YieldAlone)->UseRealTime();

// Two tasks yielding to each other on one worker. One iteration is a yield
// by each: two trips through the scheduler and the global queue.
void BM_YieldToAnotherTask(benchmark::State& state) {
  run_in_runtime(state, 1, [&state] {
    std::atomic<bool> stop{false};
    auto partner_body = [&stop] {
      while (!stop.load(std::memory_order_relaxed)) yield();
    };
    Task* partner = start_task(state, &partner_body);
    if (partner == nullptr) return;
    for (auto _ : state) yield();
    stop.store(true, std::memory_order_relaxed);
    join(partner, nullptr, JoinMode::kWait, kNoDeadline);
  });
}
BENCHMARK(BM_YieldToAnotherTask)->UseRealTime();

}  // namespace
}  // namespace greenshim
