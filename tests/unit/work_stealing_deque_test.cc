// WorkStealingDeque (runtime/work_stealing_deque.h), the per-worker run
// queue: the owner's LIFO end, the thieves' FIFO end, the fixed capacity
// that makes push fail instead of grow, and -- the property everything
// rests on -- that under concurrent pops and steals every item is taken
// exactly once and its contents are visible to whoever takes it.
#include "runtime/work_stealing_deque.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace greenshim {
namespace {

struct Item {
  int index = 0;
  int payload = 0;  // written by the owner before push, checked by the taker
};

constexpr size_t kSmallCapacity = 8;
using SmallDeque = WorkStealingDeque<Item, kSmallCapacity>;

std::vector<Item> make_items(size_t count) {
  std::vector<Item> items(count);
  for (size_t i = 0; i < count; ++i) items[i].index = static_cast<int>(i);
  return items;
}

void push_all(SmallDeque& deque, std::vector<Item>& items) {
  for (Item& item : items) ASSERT_TRUE(deque.push(&item));
}

TEST(WorkStealingDequeTest, PopReturnsMostRecentlyPushedFirst) {
  SmallDeque deque;
  auto items = make_items(5);
  push_all(deque, items);
  for (int expected = 4; expected >= 0; --expected) {
    Item* item = deque.pop();
    ASSERT_NE(item, nullptr);
    EXPECT_EQ(item->index, expected);
  }
  EXPECT_EQ(deque.pop(), nullptr);
}

TEST(WorkStealingDequeTest, StealReturnsOldestFirst) {
  SmallDeque deque;
  auto items = make_items(5);
  push_all(deque, items);
  for (int expected = 0; expected < 5; ++expected) {
    Item* item = deque.steal();
    ASSERT_NE(item, nullptr);
    EXPECT_EQ(item->index, expected);
  }
  EXPECT_EQ(deque.steal(), nullptr);
}

TEST(WorkStealingDequeTest, PopAndStealTakeFromOppositeEnds) {
  SmallDeque deque;
  auto items = make_items(4);
  push_all(deque, items);
  EXPECT_EQ(deque.steal()->index, 0);
  EXPECT_EQ(deque.pop()->index, 3);
  EXPECT_EQ(deque.steal()->index, 1);
  EXPECT_EQ(deque.pop()->index, 2);
  EXPECT_EQ(deque.pop(), nullptr);
  EXPECT_EQ(deque.steal(), nullptr);
}

TEST(WorkStealingDequeTest, EmptyDequeGivesNullAndStaysUsable) {
  SmallDeque deque;
  EXPECT_EQ(deque.pop(), nullptr);
  EXPECT_EQ(deque.steal(), nullptr);
  EXPECT_EQ(deque.size_estimate(), 0u);
  // A failed pop must not leave bottom below top.
  EXPECT_EQ(deque.pop(), nullptr);
  Item item;
  ASSERT_TRUE(deque.push(&item));
  EXPECT_EQ(deque.size_estimate(), 1u);
  EXPECT_EQ(deque.steal(), &item);
  EXPECT_EQ(deque.pop(), nullptr);
  EXPECT_EQ(deque.size_estimate(), 0u);
}

TEST(WorkStealingDequeTest, PushFailsWhenFullUntilSomethingIsTaken) {
  SmallDeque deque;
  auto items = make_items(kSmallCapacity + 1);
  for (size_t i = 0; i < kSmallCapacity; ++i) ASSERT_TRUE(deque.push(&items[i]));
  EXPECT_EQ(deque.size_estimate(), kSmallCapacity);
  Item& extra = items[kSmallCapacity];
  EXPECT_FALSE(deque.push(&extra));
  EXPECT_EQ(deque.size_estimate(), kSmallCapacity);

  // Stealing one frees a slot at the top; the new item goes on the bottom.
  EXPECT_EQ(deque.steal(), &items[0]);
  EXPECT_TRUE(deque.push(&extra));
  EXPECT_FALSE(deque.push(&extra));
  EXPECT_EQ(deque.pop(), &extra);
  // The rejected push changed nothing: the rest come out in order.
  for (size_t i = 1; i < kSmallCapacity; ++i) EXPECT_EQ(deque.steal(), &items[i]);
  EXPECT_EQ(deque.steal(), nullptr);
}

TEST(WorkStealingDequeTest, IndicesWrapAroundTheRingManyTimes) {
  SmallDeque deque;
  auto items = make_items(kSmallCapacity);
  for (int round = 0; round < 1000; ++round) {
    // Alternate the end items leave by, so top and bottom both advance.
    push_all(deque, items);
    for (size_t i = 0; i < kSmallCapacity; ++i) {
      Item* item = round % 2 == 0 ? deque.steal() : deque.pop();
      size_t expected = round % 2 == 0 ? i : kSmallCapacity - 1 - i;
      ASSERT_EQ(item, &items[expected]) << "round " << round;
    }
  }
  EXPECT_EQ(deque.size_estimate(), 0u);
}

TEST(WorkStealingDequeTest, ClearEmptiesTheDeque) {
  SmallDeque deque;
  auto items = make_items(3);
  push_all(deque, items);
  deque.clear();
  EXPECT_EQ(deque.pop(), nullptr);
  EXPECT_EQ(deque.steal(), nullptr);
  EXPECT_TRUE(deque.push(&items[0]));
  EXPECT_EQ(deque.pop(), &items[0]);
}

// One owner pushes (in bursts, popping some back as the scheduler does) while
// thieves steal. Every item must be taken exactly once, by someone who sees
// the payload the owner wrote before pushing it.
class DequeStress {
 public:
  static constexpr size_t kItems = 300'000;
  static constexpr int kThieves = 3;
  using Deque = WorkStealingDeque<Item, 256>;  // a worker's run queue size

  DequeStress() : items_(make_items(kItems)), taken_(new std::atomic<uint8_t>[kItems]) {
    for (size_t i = 0; i < kItems; ++i) taken_[i].store(0, std::memory_order_relaxed);
  }

  void run() {
    std::vector<std::thread> thieves;
    for (int i = 0; i < kThieves; ++i) thieves.emplace_back([this] { steal_until_all_taken(); });
    push_and_pop();
    for (std::thread& thief : thieves) thief.join();
  }

  void expect_each_taken_once() const {
    size_t missing = 0;
    size_t duplicated = 0;
    for (size_t i = 0; i < kItems; ++i) {
      uint8_t count = taken_[i].load(std::memory_order_relaxed);
      missing += count == 0;
      duplicated += count > 1;
    }
    EXPECT_EQ(missing, 0u);
    EXPECT_EQ(duplicated, 0u);
    EXPECT_EQ(total_taken_.load(), kItems);
    EXPECT_EQ(bad_payloads_.load(), 0u);
    EXPECT_GT(stolen_.load(), 0u) << "no thief ever won: the test did not exercise stealing";
  }

 private:
  static int payload_for(int index) { return index * 7 + 1; }

  void take(Item* item) {
    if (item->payload != payload_for(item->index)) bad_payloads_.fetch_add(1);
    taken_[item->index].fetch_add(1, std::memory_order_relaxed);
    total_taken_.fetch_add(1, std::memory_order_relaxed);
  }

  void push_and_pop() {
    // Start only once every thief is looking, or on a busy machine the
    // owner can be done before a thief thread has even started.
    while (ready_thieves_.load() < kThieves) std::this_thread::yield();
    for (size_t next = 0; next < kItems; ++next) {
      Item* item = &items_[next];
      item->payload = payload_for(item->index);
      for (int attempt = 0; !deque_.push(item); ++attempt) {
        // Full: let the thieves catch up; if they do not, take one back.
        if (attempt < 64) {
          std::this_thread::yield();
        } else if (Item* popped = deque_.pop()) {
          take(popped);
        }
      }
      // Every few pushes pop one back, so the owner races the thieves for
      // the bottom, including the last item.
      if (next % 3 == 2) {
        if (Item* popped = deque_.pop()) take(popped);
      }
    }
    while (Item* popped = deque_.pop()) take(popped);
  }

  void steal_until_all_taken() {
    ready_thieves_.fetch_add(1);
    while (total_taken_.load(std::memory_order_relaxed) < kItems) {
      if (Item* item = deque_.steal()) {
        take(item);
        stolen_.fetch_add(1, std::memory_order_relaxed);
      } else {
        std::this_thread::yield();
      }
    }
  }

  Deque deque_;
  std::vector<Item> items_;
  std::unique_ptr<std::atomic<uint8_t>[]> taken_;
  std::atomic<size_t> total_taken_{0};
  std::atomic<size_t> stolen_{0};
  std::atomic<int> ready_thieves_{0};
  std::atomic<size_t> bad_payloads_{0};
};

TEST(WorkStealingDequeTest, ConcurrentOwnerAndThievesTakeEveryItemExactlyOnce) {
  auto stress = std::make_unique<DequeStress>();
  stress->run();
  stress->expect_each_taken_once();
}

}  // namespace
}  // namespace greenshim
