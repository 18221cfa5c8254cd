// Helpers shared by the runtime's unit tests: run a body as the entry task
// of a fresh runtime, start lambdas as tasks, and wait for a condition
// without a timing threshold deciding the outcome.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "runtime/runtime.h"

namespace greenshim::testing {

// ThreadSanitizer tracks every task as a thread of its own (a fiber): it
// allows at most 8128 alive at once, and creating one costs it about half a
// millisecond. Tests that create tasks by the thousand use fewer under it.
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif
constexpr int task_count(int normally, int under_thread_sanitizer) {
  return kThreadSanitizer ? under_thread_sanitizer : normally;
}

inline RuntimeOptions options_with(int workers) {
  RuntimeOptions options;
  options.workers = workers;
  options.default_stack_size = 64 * 1024;
  return options;
}

// Runs body() as the entry task of a fresh runtime set up with `options`
// (or `workers` workers) and returns when every task it started has
// finished.
template <typename Body>
void run_as_task(const RuntimeOptions& options, Body body) {
  auto trampoline = [](void* raw) -> void* {
    (*static_cast<Body*>(raw))();
    return nullptr;
  };
  ASSERT_EQ(run(options, trampoline, &body), 0);
}

template <typename Body>
void run_as_task(int workers, Body body) {
  run_as_task(options_with(workers), std::move(body));
}

// Fixture for tests run once per worker count (the test parameter).
class WorkerCountTest : public ::testing::TestWithParam<int> {
 protected:
  template <typename Body>
  void run_test(Body body) {
    run_as_task(GetParam(), body);
  }
};

// Starts body() as a task; its return value (if any) becomes the join
// result. nullptr (and a test failure) if spawn refuses.
template <typename Body>
Task* start_task(Body body, SpawnOptions options = SpawnOptions{}) {
  auto* owned = new Body(std::move(body));
  auto trampoline = [](void* raw) -> void* {
    auto* task_body = static_cast<Body*>(raw);
    void* result = nullptr;
    if constexpr (std::is_void_v<decltype((*task_body)())>) {
      (*task_body)();
    } else {
      result = (*task_body)();
    }
    delete task_body;
    return result;
  };
  Task* task = nullptr;
  int error = spawn(trampoline, owned, options, &task);
  EXPECT_EQ(error, 0) << "spawn failed";
  if (error != 0) {
    delete owned;
    return nullptr;
  }
  return task;
}

// Joins `task`, expecting success; returns its result.
inline void* join_task(Task* task) {
  void* result = nullptr;
  EXPECT_EQ(join(task, &result, JoinMode::kWait, kNoDeadline), 0);
  return result;
}

// Polls `condition` from a task (sleeping briefly between looks so other
// tasks run even on one worker) until it holds or `give_up_ns` passes. The
// limit only turns a hang into a failure; it is far above any real wait.
template <typename Condition>
bool eventually(Condition condition, int64_t give_up_ns = 10'000'000'000) {
  int64_t deadline = monotonic_now_ns() + give_up_ns;
  while (!condition()) {
    if (monotonic_now_ns() > deadline) return false;
    sleep_until(monotonic_now_ns() + 50'000);
  }
  return true;
}

// True while `task` is parked. Tests use it on tasks whose only way to park
// is the wait under test: a waiter is registered before it is marked
// parked, so a wake issued after this holds finds it. (Task::park_reason
// would say which wait, but it is a plain field: reading it from another
// thread is a data race.)
inline bool is_parked(const Task* task) {
  return task->state.load(std::memory_order_acquire) == TaskState::kParked;
}

// A one-shot latch on a futex word: tasks wait until open() is called.
class Gate {
 public:
  void wait() {
    while (word_.load(std::memory_order_acquire) == 0)
      wait_on_address(&word_, 0, kNoDeadline, "gate");
  }
  void open() {
    word_.store(1, std::memory_order_release);
    wake_address(&word_, INT32_MAX);
  }

 private:
  std::atomic<uint32_t> word_{0};
};

}  // namespace greenshim::testing
