// join() and detach() (runtime/task_lifecycle.cc): who frees a finished
// task, and every error the API promises -- EDEADLK for a self-join, EINVAL
// for a detached task or one already being joined, ESRCH for anything that
// is not a live task (including a handle already joined), EBUSY for a try-
// join of a running task. These are the answers pthread_join and
// pthread_detach pass straight to programs.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <vector>

#include "runtime/runtime.h"
#include "tests/unit/test_support.h"

namespace greenshim {
namespace {

using testing::eventually;
using testing::Gate;
using testing::is_parked;
using testing::join_task;
using testing::run_as_task;
using testing::start_task;

bool has_finished(const Task* task) {
  return (task->lifecycle.load(std::memory_order_acquire) & lifecycle::kFinished) != 0;
}

class JoinTest : public testing::WorkerCountTest {};

// A task entry that ends from a nested call, as pthread_exit would. (Not
// start_task: the lambda it allocates would never be freed.)
void* exit_from_nested_call(void*) {
  [] { exit_current_task(reinterpret_cast<void*>(77)); }();
  return nullptr;
}

TEST_P(JoinTest, JoinReturnsTheValuePassedToExit) {
  run_test([] {
    Task* task = nullptr;
    ASSERT_EQ(spawn(exit_from_nested_call, nullptr, SpawnOptions{}, &task), 0);
    EXPECT_EQ(join_task(task), reinterpret_cast<void*>(77));
  });
}

TEST_P(JoinTest, SelfJoinIsDeadlock) {
  run_test([] {
    Task* task = start_task([] {
      return reinterpret_cast<void*>(join(current_task(), nullptr, JoinMode::kWait, kNoDeadline));
    });
    EXPECT_EQ(join_task(task), reinterpret_cast<void*>(EDEADLK));
  });
}

TEST_P(JoinTest, PointersThatAreNotTasksGiveEsrch) {
  run_test([] {
    int not_a_task = 0;
    auto* bogus = reinterpret_cast<Task*>(&not_a_task);
    EXPECT_EQ(join(bogus, nullptr, JoinMode::kWait, kNoDeadline), ESRCH);
    EXPECT_EQ(detach(bogus), ESRCH);
    EXPECT_EQ(join(nullptr, nullptr, JoinMode::kWait, kNoDeadline), ESRCH);
    EXPECT_EQ(detach(nullptr), ESRCH);
    // Inside the task arena but not at the start of a Task.
    Task* inside = reinterpret_cast<Task*>(reinterpret_cast<char*>(current_task()) + 8);
    EXPECT_EQ(join(inside, nullptr, JoinMode::kWait, kNoDeadline), ESRCH);
    EXPECT_EQ(detach(inside), ESRCH);
  });
}

TEST_P(JoinTest, AJoinedTaskIsGone) {
  run_test([] {
    Task* task = start_task([] {});
    join_task(task);
    EXPECT_FALSE(is_task(task));
    EXPECT_EQ(join(task, nullptr, JoinMode::kWait, kNoDeadline), ESRCH);
    EXPECT_EQ(detach(task), ESRCH);
  });
}

TEST_P(JoinTest, TryJoinIsBusyUntilTheTaskFinishes) {
  run_test([] {
    Gate gate;
    Task* task = start_task([&gate] {
      gate.wait();
      return reinterpret_cast<void*>(3);
    });
    EXPECT_EQ(join(task, nullptr, JoinMode::kTry, kNoDeadline), EBUSY);
    // A failed try gives the claim back: a real join is still allowed.
    gate.open();
    ASSERT_TRUE(eventually([task] { return has_finished(task); }));
    void* result = nullptr;
    EXPECT_EQ(join(task, &result, JoinMode::kTry, kNoDeadline), 0);
    EXPECT_EQ(result, reinterpret_cast<void*>(3));
  });
}

TEST_P(JoinTest, TimedJoinTimesOutThenSucceeds) {
  run_test([] {
    Gate gate;
    Task* task = start_task([&gate] { gate.wait(); });
    int64_t start = monotonic_now_ns();
    EXPECT_EQ(join(task, nullptr, JoinMode::kWait, start + 10'000'000), ETIMEDOUT);
    EXPECT_GE(monotonic_now_ns() - start, 10'000'000);
    EXPECT_EQ(join(task, nullptr, JoinMode::kWait, monotonic_now_ns()), ETIMEDOUT);
    gate.open();
    EXPECT_EQ(join(task, nullptr, JoinMode::kWait, monotonic_now_ns() + 60'000'000'000), 0);
  });
}

TEST_P(JoinTest, SecondJoinerGetsEinvalWhileTheFirstWaits) {
  run_test([] {
    Gate gate;
    Task* target = start_task([&gate] {
      gate.wait();
      return reinterpret_cast<void*>(5);
    });
    void* first_result = nullptr;
    Task* first_joiner = start_task([&] { first_result = join_task(target); });
    ASSERT_TRUE(eventually([&] {
      return (target->lifecycle.load() & lifecycle::kJoining) != 0 && is_parked(first_joiner);
    }));
    EXPECT_EQ(join(target, nullptr, JoinMode::kWait, kNoDeadline), EINVAL);
    EXPECT_EQ(join(target, nullptr, JoinMode::kTry, kNoDeadline), EINVAL);
    EXPECT_EQ(detach(target), EINVAL);
    gate.open();
    join_task(first_joiner);
    EXPECT_EQ(first_result, reinterpret_cast<void*>(5));
  });
}

TEST_P(JoinTest, DetachBeforeFinishFreesTheTaskWhenItEnds) {
  run_test([] {
    Gate gate;
    Task* task = start_task([&gate] { gate.wait(); });
    ASSERT_EQ(detach(task), 0);
    EXPECT_TRUE(is_task(task));  // still running
    EXPECT_EQ(detach(task), EINVAL);
    EXPECT_EQ(join(task, nullptr, JoinMode::kWait, kNoDeadline), EINVAL);
    EXPECT_EQ(join(task, nullptr, JoinMode::kTry, kNoDeadline), EINVAL);
    gate.open();
    EXPECT_TRUE(eventually([task] { return !is_task(task); }));
  });
}

TEST_P(JoinTest, DetachAfterFinishFreesTheTaskAtOnce) {
  run_test([] {
    Task* task = start_task([] {});
    ASSERT_TRUE(eventually([task] { return has_finished(task); }));
    EXPECT_TRUE(is_task(task));  // finished, kept for a joiner
    ASSERT_EQ(detach(task), 0);
    EXPECT_FALSE(is_task(task));
  });
}

TEST_P(JoinTest, DetachedAtSpawnIsFreedWhenItEnds) {
  run_test([] {
    Gate gate;
    std::atomic<bool> ran{false};
    SpawnOptions detached;
    detached.detached = true;
    Task* task = start_task(
        [&] {
          gate.wait();
          ran = true;
        },
        detached);
    EXPECT_EQ(join(task, nullptr, JoinMode::kWait, kNoDeadline), EINVAL);
    EXPECT_EQ(detach(task), EINVAL);
    gate.open();
    EXPECT_TRUE(eventually([task] { return !is_task(task); }));
    EXPECT_TRUE(ran.load());
  });
}

TEST_P(JoinTest, ManyJoinersEachJoinTheirOwnTask) {
  run_test([] {
    constexpr intptr_t kPairs = 200;
    std::vector<Task*> joiners;
    for (intptr_t i = 0; i < kPairs; ++i) {
      Task* target = start_task([i] {
        yield();
        return reinterpret_cast<void*>(i);
      });
      joiners.push_back(start_task([target] { return join_task(target); }));
    }
    for (intptr_t i = 0; i < kPairs; ++i)
      EXPECT_EQ(join_task(joiners[i]), reinterpret_cast<void*>(i));
  });
}

INSTANTIATE_TEST_SUITE_P(Workers, JoinTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace greenshim
