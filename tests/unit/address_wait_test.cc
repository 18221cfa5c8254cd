// wait_on_address / wake_address (runtime/address_wait.cc): the futex-like
// primitive under joins and the shim's locks. Checks the futex contract
// (EAGAIN when the word already differs, ETIMEDOUT no earlier than the
// deadline, a wake wakes at most `count` waiters on that address and says
// how many), waits by kernel threads the runtime does not manage (they block
// in a real futex) woken by tasks and vice versa, that a wake racing a
// timeout is reported consistently on both sides, and that two tasks
// ping-ponging never lose a wake-up. Also the shim's extras: a hand-off
// wakes the longest waiter and tells it so, kFirst queues ahead, and a
// requeue wakes one waiter and moves the others, which then wake (or time
// out) from their new address; an interrupt ends only interruptible waits.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "runtime/runtime.h"
#include "tests/unit/test_support.h"

namespace greenshim {
namespace {

using testing::eventually;
using testing::is_parked;
using testing::join_task;
using testing::run_as_task;
using testing::start_task;

constexpr int64_t kMillisecond = 1'000'000;

// Runs `body` on a new kernel thread (not a task) and returns its result.
template <typename Body>
int on_kernel_thread(Body body) {
  int result = -1;
  std::thread thread([&] { result = body(); });
  thread.join();
  return result;
}

// True while kernel thread `tid` of this process is blocked in futex() on
// `address` (read from /proc: the syscall number and first argument).
bool blocked_in_futex_on(int tid, const void* address) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
  FILE* file = fopen(path, "r");
  if (file == nullptr) return false;
  long number = -1;
  unsigned long first_argument = 0;
  int fields = fscanf(file, "%ld %lx", &number, &first_argument);
  fclose(file);
  return fields == 2 && number == SYS_futex &&
         first_argument == reinterpret_cast<uintptr_t>(address);
}

// --- Without another party: value check and deadlines. ----------------------

class AddressWaitAloneTest : public ::testing::TestWithParam<bool> {
 protected:
  // Runs `body` as a task, or on a plain kernel thread, per the parameter.
  template <typename Body>
  int wait_as_caller(Body body) {
    if (!GetParam()) return on_kernel_thread(body);
    int result = -1;
    run_as_task(1, [&] { result = body(); });
    return result;
  }
};

TEST_P(AddressWaitAloneTest, WordThatDiffersGivesEagain) {
  std::atomic<uint32_t> word{1};
  EXPECT_EQ(wait_as_caller([&] { return wait_on_address(&word, 0, kNoDeadline, "test"); }), EAGAIN);
}

TEST_P(AddressWaitAloneTest, DeadlineInThePastTimesOutAtOnce) {
  std::atomic<uint32_t> word{0};
  EXPECT_EQ(
      wait_as_caller([&] { return wait_on_address(&word, 0, monotonic_now_ns() - 1, "test"); }),
      ETIMEDOUT);
}

TEST_P(AddressWaitAloneTest, TimedWaitLastsAtLeastUntilItsDeadline) {
  std::atomic<uint32_t> word{0};
  int64_t waited = 0;
  int result = wait_as_caller([&] {
    int64_t start = monotonic_now_ns();
    int error = wait_on_address(&word, 0, start + 20 * kMillisecond, "test");
    waited = monotonic_now_ns() - start;
    return error;
  });
  EXPECT_EQ(result, ETIMEDOUT);
  EXPECT_GE(waited, 20 * kMillisecond);
}

TEST_P(AddressWaitAloneTest, WakeWithoutWaitersWakesNobody) {
  std::atomic<uint32_t> word{0};
  EXPECT_EQ(wait_as_caller([&] { return wake_address(&word, INT_MAX); }), 0);
}

INSTANTIATE_TEST_SUITE_P(Caller, AddressWaitAloneTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Task" : "KernelThread";
                         });

// --- Tasks waking tasks. -------------------------------------------------------

class AddressWaitTest : public testing::WorkerCountTest {};

// `count` tasks that each wait once on `word` (expecting 0) and then count
// themselves in `returned`, recording their result.
struct Waiters {
  std::atomic<uint32_t>* word;
  std::atomic<int> returned{0};
  std::atomic<int> woken{0};  // returned 0
  std::vector<Task*> tasks;

  Waiters(std::atomic<uint32_t>* waited_word, int count) : word(waited_word) {
    for (int i = 0; i < count; ++i) {
      tasks.push_back(start_task([this] {
        if (wait_on_address(word, 0, kNoDeadline, "test") == 0) woken++;
        returned++;
      }));
    }
  }
  bool all_parked() const {
    for (Task* task : tasks) {
      if (!is_parked(task)) return false;
    }
    return true;
  }
  void join_all() {
    for (Task* task : tasks) join_task(task);
  }
};

TEST_P(AddressWaitTest, WakeReleasesAParkedWaiter) {
  run_test([] {
    std::atomic<uint32_t> word{0};
    Waiters waiters(&word, 1);
    ASSERT_TRUE(eventually([&] { return waiters.all_parked(); }));
    EXPECT_EQ(waiters.returned.load(), 0);
    word = 1;
    EXPECT_EQ(wake_address(&word, 1), 1);
    waiters.join_all();
    EXPECT_EQ(waiters.woken.load(), 1);
  });
}

TEST_P(AddressWaitTest, WakeCountLimitsHowManyWaitersWake) {
  run_test([] {
    std::atomic<uint32_t> word{0};
    Waiters waiters(&word, 5);
    ASSERT_TRUE(eventually([&] { return waiters.all_parked(); }));
    EXPECT_EQ(wake_address(&word, 2), 2);
    ASSERT_TRUE(eventually([&] { return waiters.returned.load() == 2; }));
    // The other three are still registered: a second wake finds exactly them.
    EXPECT_EQ(wake_address(&word, INT_MAX), 3);
    waiters.join_all();
    EXPECT_EQ(waiters.woken.load(), 5);
  });
}

TEST_P(AddressWaitTest, WakeOnlyWakesWaitersOnThatAddress) {
  run_test([] {
    std::atomic<uint32_t> words[2] = {{0}, {0}};
    Waiters waiters(&words[0], 3);
    ASSERT_TRUE(eventually([&] { return waiters.all_parked(); }));
    EXPECT_EQ(wake_address(&words[1], INT_MAX), 0);
    EXPECT_EQ(wake_address(&words[0], INT_MAX), 3);
    waiters.join_all();
  });
}

TEST_P(AddressWaitTest, TimedOutWaiterIsNoLongerRegistered) {
  run_test([] {
    std::atomic<uint32_t> word{0};
    EXPECT_EQ(wait_on_address(&word, 0, monotonic_now_ns() + kMillisecond, "test"), ETIMEDOUT);
    EXPECT_EQ(wake_address(&word, INT_MAX), 0);
  });
}

// request_interrupt() ends an interruptible wait with EINTR and leaves it
// unregistered; an ordinary wait ignores it and is woken as usual.
TEST_P(AddressWaitTest, InterruptEndsOnlyInterruptibleWaits) {
  run_test([] {
    std::atomic<uint32_t> word{0};
    int interruptible_result = -1, plain_result = -1;
    Task* interruptible = start_task([&] {
      interruptible_result = wait_on_address(&word, 0, kNoDeadline, "test", nullptr,
                                             WaitPosition::kLast, Interruptible::kYes);
    });
    Task* plain = start_task([&] { plain_result = wait_on_address(&word, 0, kNoDeadline, "test"); });
    ASSERT_TRUE(eventually([&] { return is_parked(interruptible) && is_parked(plain); }));
    EXPECT_TRUE(request_interrupt(interruptible));
    EXPECT_FALSE(request_interrupt(plain));
    join_task(interruptible);
    EXPECT_EQ(interruptible_result, EINTR);
    EXPECT_TRUE(is_parked(plain));
    EXPECT_EQ(wake_address(&word, INT_MAX), 1);  // only the plain waiter is left
    join_task(plain);
    EXPECT_EQ(plain_result, 0);
  });
}

// A handler that ran on the way into a blocking call (after
// begin_blocking_call) ends the call's next interruptible wait at once,
// once; one that ran before the call began does not, nor does it end a
// wait that is not interruptible.
TEST_P(AddressWaitTest, HandlerOnTheWayIntoACallEndsItsWaitOnce) {
  run_test([] {
    std::atomic<uint32_t> word{0};
    Task* self = current_task();
    auto wait_briefly = [&](Interruptible interruptible) {
      return wait_on_address(&word, 0, monotonic_now_ns() + 1'000'000, "test", nullptr,
                             WaitPosition::kLast, interruptible);
    };
    note_handler_ran_in_call(self);
    begin_blocking_call(self);
    EXPECT_EQ(wait_briefly(Interruptible::kYes), ETIMEDOUT);

    begin_blocking_call(self);
    note_handler_ran_in_call(self);
    EXPECT_EQ(wait_on_address(&word, 0, kNoDeadline, "test", nullptr, WaitPosition::kLast,
                              Interruptible::kYes),
              EINTR);
    EXPECT_EQ(wait_briefly(Interruptible::kYes), ETIMEDOUT);

    begin_blocking_call(self);
    note_handler_ran_in_call(self);
    EXPECT_EQ(wait_briefly(Interruptible::kNo), ETIMEDOUT);
  });
}

// A wake racing a timeout: the waker counts the waiter as woken exactly when
// the waiter reports 0, whichever side won. Deadlines and the waker's delay
// vary so that both outcomes happen.
TEST_P(AddressWaitTest, WakeRacingTimeoutIsReportedConsistently) {
  run_test([] {
    constexpr int kRounds = testing::task_count(1000, 400);
    int inconsistent = 0;
    int woken_rounds = 0;
    for (int round = 0; round < kRounds; ++round) {
      std::atomic<uint32_t> word{0};
      int waited = -1;
      int woke = -1;
      int64_t timeout = (round % 20) * 50'000;
      // On one worker the task spawned last runs first: the waiter parks,
      // then the waker runs.
      Task* waker = start_task([&] {
        int64_t until = monotonic_now_ns() + (round % 7) * 15'000;
        while (monotonic_now_ns() < until) {
        }
        woke = wake_address(&word, 1);
      });
      Task* waiter = start_task(
          [&] { waited = wait_on_address(&word, 0, monotonic_now_ns() + timeout, "test"); });
      join_task(waiter);
      join_task(waker);
      if ((waited == 0) != (woke == 1) || (waited != 0 && waited != ETIMEDOUT)) {
        ++inconsistent;
        ADD_FAILURE() << "round " << round << ": waiter got " << waited << ", wake returned "
                      << woke;
      }
      woken_rounds += waited == 0;
    }
    EXPECT_EQ(inconsistent, 0);
    // Both outcomes were exercised.
    EXPECT_GT(woken_rounds, 0);
    EXPECT_LT(woken_rounds, kRounds);
  });
}

TEST_P(AddressWaitTest, TwoTasksPingPongWithoutLosingAWakeUp) {
  run_test([] {
    constexpr int kRoundTrips = 10'000;
    std::atomic<uint32_t> turn{0};
    auto player = [&turn](uint32_t me) {
      return [&turn, me] {
        for (int i = 0; i < kRoundTrips; ++i) {
          for (uint32_t seen; (seen = turn.load()) != me;)
            wait_on_address(&turn, seen, kNoDeadline, "test");
          turn.store(1 - me);
          wake_address(&turn, 1);
        }
      };
    };
    Task* a = start_task(player(0));
    Task* b = start_task(player(1));
    join_task(a);
    join_task(b);
    EXPECT_EQ(turn.load(), 0u);
  });
}

// --- Across the runtime's boundary: kernel threads and tasks. ---------------

TEST_P(AddressWaitTest, KernelThreadWaiterIsWokenByATask) {
  std::atomic<uint32_t> word{0};
  std::atomic<int> waiter_tid{0};
  int waited = -1;
  std::thread kernel_waiter([&] {
    waiter_tid = static_cast<int>(syscall(SYS_gettid));
    waited = wait_on_address(&word, 0, kNoDeadline, "test");
  });
  run_test([&] {
    ASSERT_TRUE(eventually(
        [&] { return waiter_tid.load() != 0 && blocked_in_futex_on(waiter_tid.load(), &word); }));
    word = 1;
    EXPECT_EQ(wake_address(&word, INT_MAX), 1);
  });
  kernel_waiter.join();
  EXPECT_EQ(waited, 0);
}

TEST_P(AddressWaitTest, TaskWaiterIsWokenByAKernelThread) {
  run_test([] {
    std::atomic<uint32_t> word{0};
    Waiters waiters(&word, 2);
    ASSERT_TRUE(eventually([&] { return waiters.all_parked(); }));
    int woke = on_kernel_thread([&] {
      word = 1;
      return wake_address(&word, INT_MAX);
    });
    EXPECT_EQ(woke, 2);
    waiters.join_all();
    EXPECT_EQ(waiters.woken.load(), 2);
  });
}

// --- Hand-off, wait position and requeue (the shim's mutex and condvar). ----

// One task waiting on `word` (expecting 0) with `position` and `deadline`;
// `result` and `info` say how its wait ended once `done` is set.
struct RecordedWait {
  std::atomic<int> result{-1};
  WakeInfo info{false, nullptr};
  std::atomic<bool> done{false};
  Task* task = nullptr;

  RecordedWait(std::atomic<uint32_t>* word, WaitPosition position = WaitPosition::kLast,
               int64_t deadline = kNoDeadline) {
    task = start_task([this, word, position, deadline] {
      result = wait_on_address(word, 0, deadline, "test", &info, position);
      done = true;
    });
  }
};

// Starts waiters one at a time, each parked before the next starts, so
// their order in the wait list is the order of `positions`.
std::vector<std::unique_ptr<RecordedWait>> park_in_order(std::atomic<uint32_t>* word,
                                                          std::vector<WaitPosition> positions) {
  std::vector<std::unique_ptr<RecordedWait>> waits;
  for (WaitPosition position : positions) {
    waits.push_back(std::make_unique<RecordedWait>(word, position));
    EXPECT_TRUE(eventually([&] { return is_parked(waits.back()->task); }));
  }
  return waits;
}

TEST_P(AddressWaitTest, HandOffWakesTheLongestWaiterAndTellsIt) {
  run_test([] {
    std::atomic<uint32_t> word{0};
    EXPECT_FALSE(hand_off_address(&word));
    auto waits = park_in_order(&word, {WaitPosition::kLast, WaitPosition::kLast});
    EXPECT_TRUE(hand_off_address(&word));
    join_task(waits[0]->task);
    EXPECT_EQ(waits[0]->result.load(), 0);
    EXPECT_TRUE(waits[0]->info.handed_off);
    EXPECT_FALSE(waits[1]->done.load());
    EXPECT_EQ(wake_address(&word, INT_MAX), 1);
    join_task(waits[1]->task);
    EXPECT_FALSE(waits[1]->info.handed_off);
  });
}

TEST_P(AddressWaitTest, FirstPositionGoesAheadOfEarlierWaiters) {
  run_test([] {
    std::atomic<uint32_t> word{0};
    auto waits = park_in_order(&word, {WaitPosition::kLast, WaitPosition::kFirst});
    EXPECT_EQ(wake_address(&word, 1), 1);
    join_task(waits[1]->task);
    EXPECT_FALSE(waits[0]->done.load());
    EXPECT_EQ(wake_address(&word, 1), 1);
    join_task(waits[0]->task);
  });
}

TEST_P(AddressWaitTest, RequeueWakesOneAndMovesTheOthersUnwoken) {
  run_test([] {
    std::atomic<uint32_t> from{0}, to{0};
    auto waits = park_in_order(&from, {WaitPosition::kLast, WaitPosition::kLast,
                                       WaitPosition::kLast});
    int moved = 0;
    auto count_moved = [](int count, void* total) { *static_cast<int*>(total) += count; };
    EXPECT_EQ(requeue_address(&from, &to, count_moved, &moved), 3);
    EXPECT_EQ(moved, 2);
    join_task(waits[0]->task);
    EXPECT_EQ(waits[0]->info.address, &from);
    EXPECT_EQ(wake_address(&from, INT_MAX), 0);
    EXPECT_FALSE(waits[1]->done.load());
    EXPECT_EQ(wake_address(&to, INT_MAX), 2);
    for (int i = 1; i < 3; ++i) {
      join_task(waits[i]->task);
      EXPECT_EQ(waits[i]->result.load(), 0);
      EXPECT_EQ(waits[i]->info.address, &to);
    }
  });
}

// A moved waiter that times out leaves the list it was moved to.
TEST_P(AddressWaitTest, MovedWaiterTimesOutFromItsNewAddress) {
  run_test([] {
    std::atomic<uint32_t> from{0}, to{0};
    auto first = park_in_order(&from, {WaitPosition::kLast});
    RecordedWait timed(&from, WaitPosition::kLast, monotonic_now_ns() + 50 * kMillisecond);
    ASSERT_TRUE(eventually([&] { return is_parked(timed.task); }));
    auto ignore = [](int, void*) {};
    EXPECT_EQ(requeue_address(&from, &to, ignore, nullptr), 2);
    join_task(first[0]->task);
    join_task(timed.task);
    EXPECT_EQ(timed.result.load(), ETIMEDOUT);
    EXPECT_EQ(timed.info.address, &to);
    EXPECT_EQ(wake_address(&to, INT_MAX), 0);
  });
}

INSTANTIATE_TEST_SUITE_P(Workers, AddressWaitTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace greenshim
