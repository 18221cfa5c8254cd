// Helpers for the microbenchmarks: run a benchmark's measured loop inside a
// task of a fresh runtime.
#pragma once

#include <benchmark/benchmark.h>

#include "runtime/runtime.h"

namespace greenshim::bench {

// Runs body() as the entry task of a runtime with `workers` workers; body
// runs the benchmark's `for (auto _ : state)` loop itself, so only that loop
// is timed, not starting and stopping the runtime. Register such benchmarks
// with ->UseRealTime(): the loop may move between kernel threads, so the
// calling thread's CPU time means nothing.
template <typename Body>
void run_in_runtime(benchmark::State& state, int workers, Body body) {
  RuntimeOptions options;
  options.workers = workers;
  options.default_stack_size = 64 * 1024;
  auto trampoline = [](void* raw) -> void* {
    (*static_cast<Body*>(raw))();
    return nullptr;
  };
  if (run(options, trampoline, &body) != 0) state.SkipWithError("greenshim::run failed");
}

// Starts body() as a task; the benchmark is marked failed if spawn refuses.
template <typename Body>
Task* start_task(benchmark::State& state, Body* body) {
  auto trampoline = [](void* raw) -> void* {
    (*static_cast<Body*>(raw))();
    return nullptr;
  };
  Task* task = nullptr;
  if (spawn(trampoline, body, SpawnOptions{}, &task) != 0) {
    state.SkipWithError("spawn failed");
    return nullptr;
  }
  return task;
}

}  // namespace greenshim::bench
