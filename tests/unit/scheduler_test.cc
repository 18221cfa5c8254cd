// The scheduler driven through runtime/runtime.h directly, no LD_PRELOAD:
// spawn, join, detach, yield, sleep, timed joins, across worker counts.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "runtime/runtime.h"

namespace greenshim {
namespace {

RuntimeOptions options_with(int workers) {
  RuntimeOptions options;
  options.workers = workers;
  options.default_stack_size = 64 * 1024;
  return options;
}

template <typename Body>
void run_as_task(int workers, Body body) {
  auto trampoline = [](void* raw) -> void* {
    (*static_cast<Body*>(raw))();
    return nullptr;
  };
  ASSERT_EQ(run(options_with(workers), trampoline, &body), 0);
}

class SchedulerTest : public ::testing::TestWithParam<int> {};

TEST_P(SchedulerTest, SpawnJoinReturnsResult) {
  run_as_task(GetParam(), [] {
    for (intptr_t i = 0; i < 1000; ++i) {
      Task* task;
      ASSERT_EQ(spawn([](void* argument) -> void* { return argument; },
                      reinterpret_cast<void*>(i), SpawnOptions{}, &task),
                0);
      void* result = nullptr;
      ASSERT_EQ(join(task, &result, JoinMode::kWait, kNoDeadline), 0);
      EXPECT_EQ(result, reinterpret_cast<void*>(i));
    }
  });
}

TEST_P(SchedulerTest, ManyTasksAllRun) {
  static std::atomic<int> counter;
  counter = 0;
  run_as_task(GetParam(), [] {
    std::vector<Task*> tasks(2000);
    for (Task*& task : tasks) {
      ASSERT_EQ(spawn(
                    [](void*) -> void* {
                      counter.fetch_add(1);
                      yield();
                      counter.fetch_add(1);
                      return nullptr;
                    },
                    nullptr, SpawnOptions{}, &task),
                0);
    }
    for (Task* task : tasks) ASSERT_EQ(join(task, nullptr, JoinMode::kWait, kNoDeadline), 0);
    EXPECT_EQ(counter.load(), 4000);
  });
}

TEST_P(SchedulerTest, SleepAndTimedJoin) {
  run_as_task(GetParam(), [] {
    Task* sleeper;
    ASSERT_EQ(spawn(
                  [](void*) -> void* {
                    sleep_until(monotonic_now_ns() + 50'000'000);
                    return nullptr;
                  },
                  nullptr, SpawnOptions{}, &sleeper),
              0);
    EXPECT_EQ(join(sleeper, nullptr, JoinMode::kTry, kNoDeadline), EBUSY);
    EXPECT_EQ(join(sleeper, nullptr, JoinMode::kWait, monotonic_now_ns() + 5'000'000), ETIMEDOUT);
    int64_t start = monotonic_now_ns();
    EXPECT_EQ(join(sleeper, nullptr, JoinMode::kWait, kNoDeadline), 0);
    EXPECT_GT(monotonic_now_ns() - start, 10'000'000);
  });
}

INSTANTIATE_TEST_SUITE_P(Workers, SchedulerTest, ::testing::Values(1, 2, 4));

}  // namespace
}  // namespace greenshim
