// TimerQueue (runtime/timer_queue.h), the heap of deadlines behind sleeps
// and timed waits, tested without the scheduler: timers fire in deadline
// order and only once due, the earliest deadline is published for idle
// workers, cancel() removes a timer from anywhere in the heap and reports
// whether it beat the firing.
#include "runtime/timer_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace greenshim {
namespace {

// A timer that appends its deadline to a shared log when it fires.
struct LoggingTimer : Timer {
  std::vector<int64_t>* log = nullptr;
};

void log_firing(Timer* timer) {
  auto* self = static_cast<LoggingTimer*>(timer);
  self->log->push_back(self->deadline_ns);
}

class TimerQueueTest : public ::testing::Test {
 protected:
  static constexpr int kTimers = 100;

  // Timers with deadlines 1..kTimers, added in a scrambled order.
  void add_scrambled() {
    for (int i = 0; i < kTimers; ++i) {
      LoggingTimer& timer = timers_[i];
      timer.deadline_ns = (i * 37 % kTimers) + 1;  // 37 is coprime with 100
      timer.fire = log_firing;
      timer.log = &fired_;
      queue_.add(&timer);
    }
  }
  LoggingTimer* timer_with_deadline(int64_t deadline) {
    for (LoggingTimer& timer : timers_) {
      if (timer.deadline_ns == deadline) return &timer;
    }
    return nullptr;
  }

  TimerQueue queue_;
  LoggingTimer timers_[kTimers];
  std::vector<int64_t> fired_;
};

TEST_F(TimerQueueTest, EmptyQueueHasNoDeadline) {
  EXPECT_EQ(queue_.earliest_deadline(), kNoDeadline);
  EXPECT_EQ(queue_.size(), 0u);
  queue_.fire_due(kNoDeadline - 1);
  EXPECT_TRUE(fired_.empty());
}

TEST_F(TimerQueueTest, TimersFireInDeadlineOrderOnlyWhenDue) {
  add_scrambled();
  EXPECT_EQ(queue_.earliest_deadline(), 1);
  queue_.fire_due(0);
  EXPECT_TRUE(fired_.empty());
  // Advance the clock in uneven steps; each step fires exactly what is due.
  for (int64_t now : {1, 2, 10, 11, 50, 99, 100}) {
    queue_.fire_due(now);
    ASSERT_FALSE(fired_.empty());
    EXPECT_EQ(fired_.back(), now);
    EXPECT_EQ(queue_.earliest_deadline(), now < kTimers ? now + 1 : kNoDeadline);
  }
  std::vector<int64_t> expected(kTimers);
  for (int i = 0; i < kTimers; ++i) expected[i] = i + 1;
  EXPECT_EQ(fired_, expected);
  EXPECT_EQ(queue_.size(), 0u);
}

TEST_F(TimerQueueTest, CancelledTimersNeverFire) {
  add_scrambled();
  // The earliest, the latest, and some in between.
  std::vector<int64_t> cancelled = {1, 100, 50, 51, 7, 64, 2};
  for (int64_t deadline : cancelled) {
    LoggingTimer* timer = timer_with_deadline(deadline);
    EXPECT_TRUE(queue_.cancel(timer));
    EXPECT_EQ(timer->heap_index, Timer::kNotQueued);
    EXPECT_FALSE(queue_.cancel(timer)) << "a second cancel of " << deadline;
  }
  EXPECT_EQ(queue_.earliest_deadline(), 3);
  EXPECT_EQ(queue_.size(), static_cast<size_t>(kTimers) - cancelled.size());
  queue_.fire_due(kTimers);
  std::vector<int64_t> expected;
  for (int64_t deadline = 1; deadline <= kTimers; ++deadline) {
    if (std::find(cancelled.begin(), cancelled.end(), deadline) == cancelled.end())
      expected.push_back(deadline);
  }
  EXPECT_EQ(fired_, expected);
}

TEST_F(TimerQueueTest, CancelAfterFiringReportsTheTimerAlreadyFired) {
  add_scrambled();
  queue_.fire_due(5);
  EXPECT_FALSE(queue_.cancel(timer_with_deadline(3)));
  EXPECT_TRUE(queue_.cancel(timer_with_deadline(6)));
  EXPECT_EQ(queue_.earliest_deadline(), 7);
}

TEST_F(TimerQueueTest, EqualDeadlinesAllFire) {
  for (LoggingTimer& timer : timers_) {
    timer.deadline_ns = 42;
    timer.fire = log_firing;
    timer.log = &fired_;
    queue_.add(&timer);
  }
  queue_.fire_due(41);
  EXPECT_TRUE(fired_.empty());
  queue_.fire_due(42);
  EXPECT_EQ(fired_.size(), static_cast<size_t>(kTimers));
}

}  // namespace
}  // namespace greenshim
