// The scheduler driven through runtime/runtime.h directly, no LD_PRELOAD:
// spawn, join, yield, sleep and timed joins across worker counts; ten
// thousand tasks alive at once on small stacks; timers fired by the workers
// in deadline order and never early; an idle worker woken for work queued
// behind a hog; and two tasks yielding on one worker taking turns.
#include "runtime/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "runtime/runtime.h"
#include "tests/unit/test_support.h"

namespace greenshim {
namespace {

using testing::eventually;
using testing::Gate;
using testing::join_task;
using testing::run_as_task;
using testing::start_task;
using testing::task_count;

constexpr int64_t kMillisecond = 1'000'000;

class SchedulerTest : public testing::WorkerCountTest {};

TEST_P(SchedulerTest, SpawnJoinReturnsResult) {
  run_test([] {
    for (intptr_t i = 0; i < task_count(1000, 300); ++i) {
      Task* task;
      ASSERT_EQ(spawn([](void* argument) -> void* { return argument; }, reinterpret_cast<void*>(i),
                      SpawnOptions{}, &task),
                0);
      void* result = nullptr;
      ASSERT_EQ(join(task, &result, JoinMode::kWait, kNoDeadline), 0);
      EXPECT_EQ(result, reinterpret_cast<void*>(i));
    }
  });
}

TEST_P(SchedulerTest, ManyTasksAllRun) {
  constexpr int kTasks = task_count(2000, 500);
  std::atomic<int> counter{0};
  run_test([&counter] {
    std::vector<Task*> tasks;
    for (int i = 0; i < kTasks; ++i) {
      tasks.push_back(start_task([&counter] {
        counter.fetch_add(1);
        yield();
        counter.fetch_add(1);
      }));
    }
    for (Task* task : tasks) join_task(task);
  });
  EXPECT_EQ(counter.load(), 2 * kTasks);
}

// The sleeper cannot finish before the gate opens, so the try-join and
// the timed join must fail however slowly this machine runs; the sleep then
// lasts at least its duration.
TEST_P(SchedulerTest, SleepAndTimedJoin) {
  run_test([] {
    Gate gate;
    Task* sleeper = start_task([&gate] {
      gate.wait();
      sleep_until(monotonic_now_ns() + 20 * kMillisecond);
    });
    EXPECT_EQ(join(sleeper, nullptr, JoinMode::kTry, kNoDeadline), EBUSY);
    EXPECT_EQ(join(sleeper, nullptr, JoinMode::kWait, monotonic_now_ns() + 5 * kMillisecond),
              ETIMEDOUT);
    int64_t start = monotonic_now_ns();
    gate.open();
    EXPECT_EQ(join(sleeper, nullptr, JoinMode::kWait, kNoDeadline), 0);
    EXPECT_GE(monotonic_now_ns() - start, 20 * kMillisecond);
  });
}

TEST_P(SchedulerTest, TenThousandTasksAliveAtOnce) {
  constexpr int kTasks = task_count(10'000, 2'000);
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  run_test([&] {
    SpawnOptions small_stack;
    small_stack.stack_size = 16 * 1024;
    Gate gate;
    std::vector<Task*> tasks;
    for (int i = 0; i < kTasks; ++i) {
      tasks.push_back(start_task(
          [&] {
            started++;
            gate.wait();
            finished++;
          },
          small_stack));
      ASSERT_NE(tasks.back(), nullptr) << "task " << i;
    }
    ASSERT_TRUE(eventually([&] { return started.load() == kTasks; }));
    // All of them (and this one) are alive at this point.
    EXPECT_EQ(Scheduler::instance()->registry.live_count(), static_cast<size_t>(kTasks) + 1);
    EXPECT_EQ(finished.load(), 0);
    gate.open();
    for (Task* task : tasks) join_task(task);
  });
  EXPECT_EQ(finished.load(), kTasks);
}

INSTANTIATE_TEST_SUITE_P(Workers, SchedulerTest, ::testing::Values(1, 2, 4));

// Timers on the running scheduler's queue, armed in scrambled order, are
// fired by the workers in deadline order and never before their deadline.
// (This checks firing order, not the order the woken tasks then run in:
// when a worker comes late and finds several timers due at once, each wake
// takes the run-next slot from the one before, so that batch runs
// latest-first, as in Go. A test of run order would fail whenever the
// machine is busy.)
struct ProbeTimer : Timer {
  int rank = 0;
  std::atomic<int>* next_position = nullptr;
  int* fired_in_position = nullptr;
  int64_t* fired_late_by = nullptr;
};

void record_firing(Timer* timer) {
  auto* probe = static_cast<ProbeTimer*>(timer);
  probe->fired_late_by[probe->rank] = monotonic_now_ns() - probe->deadline_ns;
  probe->fired_in_position[probe->rank] = probe->next_position->fetch_add(1);
}

class SchedulerTimerTest : public testing::WorkerCountTest {};

TEST_P(SchedulerTimerTest, TimersFireInDeadlineOrderAndNeverEarly) {
  constexpr int kTimers = 40;
  std::atomic<int> fired{0};
  int fired_in_position[kTimers];
  int64_t fired_late_by[kTimers];
  ProbeTimer probes[kTimers];
  run_test([&] {
    int64_t base = monotonic_now_ns() + 5 * kMillisecond;
    for (int i = 0; i < kTimers; ++i) {
      ProbeTimer& probe = probes[i];
      probe.rank = i * 17 % kTimers;  // 17 is coprime with 40: a permutation
      probe.deadline_ns = base + probe.rank * kMillisecond;
      probe.fire = record_firing;
      probe.next_position = &fired;
      probe.fired_in_position = fired_in_position;
      probe.fired_late_by = fired_late_by;
      Scheduler::instance()->timers.add(&probe);
    }
    ASSERT_TRUE(eventually([&] { return fired.load() == kTimers; }));
  });
  for (int rank = 0; rank < kTimers; ++rank) {
    EXPECT_EQ(fired_in_position[rank], rank);
    EXPECT_GE(fired_late_by[rank], 0) << "timer " << rank << " fired early";
  }
}

// Many sleepers with different deadlines all wake, none before its deadline.
TEST_P(SchedulerTimerTest, SleepersAllWakeAndNeverEarly) {
  constexpr int kSleepers = 50;
  int64_t woke_late_by[kSleepers];
  run_test([&] {
    int64_t base = monotonic_now_ns() + 2 * kMillisecond;
    std::vector<Task*> tasks;
    for (int i = 0; i < kSleepers; ++i) {
      int64_t deadline = base + (i * 13 % kSleepers) * 500'000;  // scrambled, 0.5 ms apart
      tasks.push_back(start_task([&woke_late_by, i, deadline] {
        sleep_until(deadline);
        woke_late_by[i] = monotonic_now_ns() - deadline;
      }));
    }
    for (Task* task : tasks) join_task(task);
  });
  for (int i = 0; i < kSleepers; ++i)
    EXPECT_GE(woke_late_by[i], 0) << "sleeper " << i << " woke early";
}

INSTANTIATE_TEST_SUITE_P(Workers, SchedulerTimerTest, ::testing::Values(1, 2));

// A worker woken for new work holds the spinning role, and while one does
// no other idle worker is woken. Here the woken worker finds its task (a
// hog) straight in the global queue, and a task queued after it must still
// get the other, idle worker. Both are started from outside the runtime,
// as a wake from a kernel thread would queue them, while the entry task
// waits on a gate so both workers are idle. (Resting is off: on a loaded
// machine a resting worker would leave the hog and the probe one worker.)
TEST(SchedulerIdleWorkerTest, WorkQueuedBehindAHogWakesTheIdleWorker) {
  RuntimeOptions options = testing::options_with(2);
  options.rest_workers = false;
  run_as_task(options, [] {
    for (int round = 0; round < 8 && !::testing::Test::HasFailure(); ++round) {
      Gate finished;
      std::atomic<bool> probe_ran{false};
      Task* hog = nullptr;
      Task* probe = nullptr;
      std::thread outsider([&] {
        while (Scheduler::instance()->idle_workers.load() < 2) sched_yield();
        // Keeps its worker, never parking (no preemption in these tests),
        // until the probe has run or five seconds pass.
        hog = start_task([&] {
          int64_t give_up = monotonic_now_ns() + 5'000'000'000;
          while (!probe_ran.load() && monotonic_now_ns() < give_up) {
          }
          EXPECT_TRUE(probe_ran.load()) << "round " << round << ": the probe never ran";
          finished.open();
        });
        probe = start_task([&] { probe_ran.store(true); });
      });
      finished.wait();
      outsider.join();
      join_task(hog);
      join_task(probe);
    }
  });
}

// Two tasks that yield in a loop on one worker take strict turns: a yield
// goes to the back of the queue, behind the other task.
TEST(SchedulerYieldTest, TwoYieldingTasksOnOneWorkerAlternate) {
  constexpr int kTurns = 200;
  std::vector<char> log;
  run_as_task(1, [&log] {
    auto yielder = [&log](char name) {
      return [&log, name] {
        for (int i = 0; i < kTurns; ++i) {
          log.push_back(name);
          yield();
        }
      };
    };
    Task* a = start_task(yielder('a'));
    Task* b = start_task(yielder('b'));
    join_task(a);
    join_task(b);
  });
  ASSERT_EQ(log.size(), 2u * kTurns);
  int repeats = 0;
  for (size_t i = 1; i < log.size(); ++i) repeats += log[i] == log[i - 1];
  EXPECT_EQ(repeats, 0) << std::string(log.begin(), log.end());
}

// yield() with nothing else to run returns at once, without a switch.
TEST(SchedulerYieldTest, YieldWithNothingElseToRunDoesNotSwitch) {
  uint64_t switches_during_yields = ~uint64_t{0};
  run_as_task(1, [&] {
    Worker* worker = Scheduler::instance()->workers[0].get();
    uint64_t before = worker->stats.switches.get();
    for (int i = 0; i < 1000; ++i) yield();
    switches_during_yields = worker->stats.switches.get() - before;
  });
  EXPECT_EQ(switches_during_yields, 0u);
}

}  // namespace
}  // namespace greenshim
