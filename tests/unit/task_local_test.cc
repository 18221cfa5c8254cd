// Task-local storage (runtime/task_local.h), which backs pthread keys and
// C11 tss: key creation and deletion, one value per task, destructors at
// task exit -- including a destructor that sets a value again, which POSIX
// answers with further rounds, up to a limit -- and the sequence numbers
// that make a deleted key's old values invisible. The key table is global,
// so every test deletes the keys it creates.
#include "runtime/task_local.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/task.h"
#include "tests/unit/test_support.h"

namespace greenshim {
namespace {

using testing::join_task;
using testing::run_as_task;
using testing::start_task;

void* as_value(intptr_t number) { return reinterpret_cast<void*>(number); }

// A key for the duration of a test.
class ScopedKey {
 public:
  explicit ScopedKey(void (*destructor)(void*) = nullptr) {
    EXPECT_EQ(task_local_key_create(destructor, &key_), 0);
  }
  ~ScopedKey() {
    if (live_) task_local_key_delete(key_);
  }
  ScopedKey(const ScopedKey&) = delete;
  ScopedKey& operator=(const ScopedKey&) = delete;

  unsigned get() const { return key_; }
  int remove() {
    live_ = false;
    return task_local_key_delete(key_);
  }

 private:
  unsigned key_ = kTaskLocalKeys;
  bool live_ = true;
};

// A Task object outside any runtime: the value table works on it directly.
// Its blocks are freed when it goes away, as a task's are at exit.
struct DetachedTaskValues {
  Task task;
  ~DetachedTaskValues() { task_local_run_destructors(&task); }
};

TEST(TaskLocalTest, KeysAreDistinctAndDeleteOnce) {
  ScopedKey a, b, c;
  EXPECT_NE(a.get(), b.get());
  EXPECT_NE(b.get(), c.get());
  EXPECT_NE(a.get(), c.get());
  EXPECT_EQ(b.remove(), 0);
  EXPECT_EQ(task_local_key_delete(b.get()), EINVAL);
  EXPECT_EQ(task_local_key_delete(kTaskLocalKeys), EINVAL);
  EXPECT_EQ(task_local_key_delete(~0u), EINVAL);
}

TEST(TaskLocalTest, EachTaskHasItsOwnValue) {
  ScopedKey key;
  DetachedTaskValues first, second;
  EXPECT_EQ(task_local_get(&first.task, key.get()), nullptr);
  ASSERT_EQ(task_local_set(&first.task, key.get(), as_value(1)), 0);
  EXPECT_EQ(task_local_get(&first.task, key.get()), as_value(1));
  EXPECT_EQ(task_local_get(&second.task, key.get()), nullptr);
  ASSERT_EQ(task_local_set(&second.task, key.get(), as_value(2)), 0);
  EXPECT_EQ(task_local_get(&first.task, key.get()), as_value(1));
  EXPECT_EQ(task_local_get(&second.task, key.get()), as_value(2));
  ASSERT_EQ(task_local_set(&first.task, key.get(), nullptr), 0);
  EXPECT_EQ(task_local_get(&first.task, key.get()), nullptr);
}

TEST(TaskLocalTest, UnusedKeysAreRejected) {
  DetachedTaskValues values;
  unsigned never_created;
  {
    ScopedKey key;
    never_created = key.get();
  }
  EXPECT_EQ(task_local_set(&values.task, never_created, as_value(1)), EINVAL);
  EXPECT_EQ(task_local_get(&values.task, never_created), nullptr);
  EXPECT_EQ(task_local_set(&values.task, kTaskLocalKeys, as_value(1)), EINVAL);
  EXPECT_EQ(task_local_get(&values.task, kTaskLocalKeys), nullptr);
  EXPECT_EQ(task_local_set(nullptr, kTaskLocalKeys, as_value(1)), EINVAL);
}

// Outside any task (a constructor before the runtime adopts the main
// thread), values belong to the kernel thread; adoption hands them to the
// task it makes of that thread.
TEST(TaskLocalTest, ValuesOutsideTasksArePerKernelThreadAndPassToTheAdoptingTask) {
  ScopedKey key;
  ASSERT_EQ(task_local_set(nullptr, key.get(), as_value(5)), 0);
  EXPECT_EQ(task_local_get(nullptr, key.get()), as_value(5));
  void* seen_elsewhere = as_value(1);
  std::thread other([&] { seen_elsewhere = task_local_get(nullptr, key.get()); });
  other.join();
  EXPECT_EQ(seen_elsewhere, nullptr);

  DetachedTaskValues adopted;
  task_local_adopt_outside_values(&adopted.task);
  EXPECT_EQ(task_local_get(&adopted.task, key.get()), as_value(5));
  EXPECT_EQ(task_local_get(nullptr, key.get()), nullptr);
}

TEST(TaskLocalTest, DeletedKeysValuesStayInvisibleWhenItsSlotIsReused) {
  DetachedTaskValues values;
  unsigned old_key;
  {
    ScopedKey key;
    old_key = key.get();
    ASSERT_EQ(task_local_set(&values.task, old_key, as_value(7)), 0);
    ASSERT_EQ(key.remove(), 0);
    EXPECT_EQ(task_local_get(&values.task, old_key), nullptr);
  }
  // Keys are handed out lowest free slot first, so the slot comes straight
  // back; the value set under its previous life must not.
  ScopedKey reused;
  ASSERT_EQ(reused.get(), old_key);
  EXPECT_EQ(task_local_get(&values.task, reused.get()), nullptr);
  ASSERT_EQ(task_local_set(&values.task, reused.get(), as_value(8)), 0);
  EXPECT_EQ(task_local_get(&values.task, reused.get()), as_value(8));
}

TEST(TaskLocalTest, ExhaustingTheKeysGivesEagainAndEveryKeyHoldsAValue) {
  std::vector<unsigned> keys;
  unsigned key;
  while (task_local_key_create(nullptr, &key) == 0) keys.push_back(key);
  EXPECT_EQ(keys.size(), kTaskLocalKeys) << "a test leaked keys";
  EXPECT_EQ(task_local_key_create(nullptr, &key), EAGAIN);
  {
    // Every block of the value table, not just the first.
    DetachedTaskValues values;
    for (unsigned k : keys) ASSERT_EQ(task_local_set(&values.task, k, as_value(k + 1)), 0);
    for (unsigned k : keys) EXPECT_EQ(task_local_get(&values.task, k), as_value(k + 1));
  }
  for (unsigned k : keys) EXPECT_EQ(task_local_key_delete(k), 0);
  ScopedKey after;  // a key is available again
}

// --- Inside the runtime: values follow tasks across switches and workers,
// and destructors run on the ending task. -----------------------------------

TEST(TaskLocalTest, ValuesFollowTheirTaskAcrossSwitches) {
  ScopedKey key;
  static std::atomic<int> mismatches;
  mismatches = 0;
  run_as_task(2, [&key] {
    std::vector<Task*> tasks;
    for (intptr_t i = 1; i <= 16; ++i) {
      tasks.push_back(start_task([&key, i] {
        ASSERT_EQ(task_local_set(current_task(), key.get(), as_value(i)), 0);
        for (int round = 0; round < 50; ++round) {
          yield();
          if (task_local_get(current_task(), key.get()) != as_value(i)) mismatches++;
        }
      }));
    }
    for (Task* task : tasks) join_task(task);
  });
  EXPECT_EQ(mismatches.load(), 0);
}

// What destructors saw, for the tests below.
struct DestructorCall {
  void* value;
  Task* running;
};
std::mutex g_calls_lock;
std::vector<DestructorCall> g_calls;
unsigned g_key_under_test;
int g_sets_left;  // how many more times the destructor sets a value again

void record_call(void* value) {
  std::lock_guard<std::mutex> guard(g_calls_lock);
  g_calls.push_back(DestructorCall{value, current_task()});
}

void record_and_set_again(void* value) {
  record_call(value);
  if (g_sets_left-- > 0)
    task_local_set(current_task(), g_key_under_test, static_cast<char*>(value) + 1);
}

class TaskLocalDestructorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_calls.clear();
    g_sets_left = 0;
  }

  // Runs one task that sets `key` to `value` (when non-null) and then
  // `before_exit`; returns the task, which has finished and been joined.
  template <typename BeforeExit>
  Task* run_task_setting(unsigned key, void* value, BeforeExit before_exit) {
    Task* ended = nullptr;
    run_as_task(1, [&] {
      ended = start_task([&] {
        if (value != nullptr) {
          ASSERT_EQ(task_local_set(current_task(), key, value), 0);
        }
        before_exit();
      });
      join_task(ended);
    });
    return ended;
  }
  Task* run_task_setting(unsigned key, void* value) {
    return run_task_setting(key, value, [] {});
  }
};

TEST_F(TaskLocalDestructorTest, DestructorRunsOnceOnTheEndingTaskWithItsValue) {
  ScopedKey key(record_call);
  Task* task = run_task_setting(key.get(), as_value(42));
  ASSERT_EQ(g_calls.size(), 1u);
  EXPECT_EQ(g_calls[0].value, as_value(42));
  EXPECT_EQ(g_calls[0].running, task);
}

TEST_F(TaskLocalDestructorTest, NoDestructorForANullValue) {
  ScopedKey key(record_call);
  run_task_setting(key.get(), nullptr);
  EXPECT_TRUE(g_calls.empty());
}

TEST_F(TaskLocalDestructorTest, ValueSetAgainByItsDestructorIsDestroyedInTheNextRound) {
  ScopedKey key(record_and_set_again);
  g_key_under_test = key.get();
  g_sets_left = 2;
  static char base[4];
  run_task_setting(key.get(), base);
  ASSERT_EQ(g_calls.size(), 3u);
  EXPECT_EQ(g_calls[0].value, base);
  EXPECT_EQ(g_calls[1].value, base + 1);
  EXPECT_EQ(g_calls[2].value, base + 2);
}

TEST_F(TaskLocalDestructorTest, DestructorRoundsStopAtTheLimit) {
  ScopedKey key(record_and_set_again);
  g_key_under_test = key.get();
  g_sets_left = 1'000'000;  // sets again forever
  static char base[kTaskLocalDestructorRounds + 1];
  run_task_setting(key.get(), base);
  EXPECT_EQ(g_calls.size(), static_cast<size_t>(kTaskLocalDestructorRounds));
}

TEST_F(TaskLocalDestructorTest, KeyDeletedBeforeExitRunsNoDestructor) {
  ScopedKey key(record_call);
  run_task_setting(key.get(), as_value(5), [&key] { EXPECT_EQ(key.remove(), 0); });
  EXPECT_TRUE(g_calls.empty());
}

TEST_F(TaskLocalDestructorTest, ATaskReusingAFinishedTasksSlotStartsWithNoValue) {
  ScopedKey key(record_call);
  Task* first = nullptr;
  Task* second = nullptr;
  void* seen = as_value(-1);
  run_as_task(1, [&] {
    first = start_task([&] { task_local_set(current_task(), key.get(), as_value(9)); });
    join_task(first);
    second = start_task([&] { seen = task_local_get(current_task(), key.get()); });
    join_task(second);
  });
  EXPECT_EQ(second, first) << "the registry did not recycle the slot; the test proves less";
  EXPECT_EQ(seen, nullptr);
}

}  // namespace
}  // namespace greenshim
