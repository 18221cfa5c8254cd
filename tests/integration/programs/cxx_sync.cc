// Checks: the C++17 synchronization types (libstdc++ over pthread mutexes,
// rwlocks and condition variables):
//  - std::mutex: 8 threads x 50,000 increments of a plain counter under
//    std::lock_guard -> 400,000;
//  - std::recursive_mutex: 8 threads x 5,000 increments each taken 5 locks
//    deep -> 40,000; while main holds it 3 deep, another thread's try_lock
//    fails; after main's 3 unlocks it succeeds;
//  - std::timed_mutex held by main: another thread's try_lock_for(50 ms)
//    (steady_clock) and try_lock_until(system_clock + 50 ms) return false,
//    and never early; once unlocked, try_lock_for(10 s) returns true;
//  - std::shared_mutex: 4 writers x 10,000 keep two counters equal, 16
//    readers x 10,000 check them equal under shared_lock, and no writer is
//    ever inside with anyone else; while main holds it shared, another
//    thread's try_lock_shared succeeds and try_lock fails;
//  - std::shared_timed_mutex held exclusively: another thread's
//    try_lock_shared_for(50 ms) returns false, never early;
//  - std::condition_variable: 4 producers and 4 consumers pass 100,000
//    items through a bounded std::deque (capacity 16; wait with predicates,
//    notify_one); every item once, checksum; wait_for(50 ms) with nothing
//    to wait for returns cv_status::timeout, never early, and wait_until on
//    system_clock likewise.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using System = std::chrono::system_clock;

int failures = 0;

void check(const char* what, bool ok, const char* detail = "") {
  std::printf("%s: %s%s\n", what, ok ? "ok" : "FAIL", detail);
  if (!ok) ++failures;
}

template <typename F>
auto in_other_thread(F f) -> decltype(f()) {
  decltype(f()) result{};
  std::thread thread([&] { result = f(); });
  thread.join();
  return result;
}

void plain_mutex() {
  std::mutex m;
  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50000; ++i) {
        std::lock_guard<std::mutex> guard(m);
        ++counter;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::printf("std::mutex counter: %ld\n", counter);
  check("std::mutex 8 x 50,000", counter == 400000);
}

void nested(std::recursive_mutex& m, long& counter, int depth) {
  std::lock_guard<std::recursive_mutex> guard(m);
  if (depth == 0) {
    ++counter;
  } else {
    nested(m, counter, depth - 1);
  }
}

void recursive_mutex() {
  std::recursive_mutex m;
  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) nested(m, counter, 4);
    });
  }
  for (auto& thread : threads) thread.join();
  std::printf("std::recursive_mutex counter: %ld\n", counter);
  check("std::recursive_mutex 8 x 5,000, 5 deep", counter == 40000);

  m.lock();
  m.lock();
  bool own_try = m.try_lock();
  bool other_while_held = in_other_thread([&] {
    bool got = m.try_lock();
    if (got) m.unlock();
    return got;
  });
  m.unlock();
  m.unlock();
  if (own_try) m.unlock();
  bool other_after = in_other_thread([&] {
    bool got = m.try_lock();
    if (got) m.unlock();
    return got;
  });
  check("recursive_mutex try_lock by the owner", own_try);
  check("recursive_mutex try_lock from another thread while held", !other_while_held);
  check("recursive_mutex try_lock from another thread after release", other_after);
}

void timed_mutex() {
  std::timed_mutex m;
  m.lock();
  bool got_for = true, not_early_for = false;
  bool got_until = true, not_early_until = false;
  std::thread waiter([&] {
    auto start = Steady::now();
    got_for = m.try_lock_for(50ms);
    not_early_for = Steady::now() - start >= 50ms;
    if (got_for) m.unlock();
    auto deadline = System::now() + 50ms;
    got_until = m.try_lock_until(deadline);
    not_early_until = System::now() >= deadline;
    if (got_until) m.unlock();
  });
  waiter.join();
  check("timed_mutex try_lock_for(50 ms) while held returns false", !got_for);
  check("  not early", not_early_for);
  check("timed_mutex try_lock_until(system_clock + 50 ms) while held returns false", !got_until);
  check("  not early", not_early_until);
  m.unlock();
  bool got_after = in_other_thread([&] {
    bool got = m.try_lock_for(10s);
    if (got) m.unlock();
    return got;
  });
  check("timed_mutex try_lock_for(10 s) once free returns true", got_after);
}

void shared_mutex() {
  std::shared_mutex m;
  long a = 0, b = 0;
  std::atomic<int> writers_inside{0}, readers_inside{0};
  std::atomic<int> violations{0}, unequal{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 20; ++t) {
    if (t % 5 == 4) {
      threads.emplace_back([&] {
        for (int i = 0; i < 10000; ++i) {
          std::unique_lock<std::shared_mutex> lock(m);
          if (writers_inside.fetch_add(1) != 0 || readers_inside.load() != 0) ++violations;
          ++a;
          std::atomic_signal_fence(std::memory_order_seq_cst);
          ++b;
          writers_inside.fetch_sub(1);
        }
      });
    } else {
      threads.emplace_back([&] {
        for (int i = 0; i < 10000; ++i) {
          std::shared_lock<std::shared_mutex> lock(m);
          readers_inside.fetch_add(1);
          if (writers_inside.load() != 0) ++violations;
          long seen_a = *static_cast<volatile long*>(&a);
          long seen_b = *static_cast<volatile long*>(&b);
          if (seen_a != seen_b) ++unequal;
          readers_inside.fetch_sub(1);
        }
      });
    }
  }
  for (auto& thread : threads) thread.join();
  std::printf("std::shared_mutex: a=%ld b=%ld, unequal reads %d, exclusion violations %d\n", a, b,
              unequal.load(), violations.load());
  check("std::shared_mutex 4 writers x 10,000, 16 readers x 10,000",
        a == 40000 && b == 40000 && unequal.load() == 0 && violations.load() == 0);

  m.lock_shared();
  bool shared_ok = in_other_thread([&] {
    bool got = m.try_lock_shared();
    if (got) m.unlock_shared();
    return got;
  });
  bool exclusive_ok = in_other_thread([&] {
    bool got = m.try_lock();
    if (got) m.unlock();
    return got;
  });
  m.unlock_shared();
  check("shared_mutex try_lock_shared from another thread while shared", shared_ok);
  check("shared_mutex try_lock from another thread while shared fails", !exclusive_ok);

  std::shared_timed_mutex timed;
  timed.lock();
  bool got = true, not_early = false;
  std::thread waiter([&] {
    auto start = Steady::now();
    got = timed.try_lock_shared_for(50ms);
    not_early = Steady::now() - start >= 50ms;
    if (got) timed.unlock_shared();
  });
  waiter.join();
  timed.unlock();
  check("shared_timed_mutex try_lock_shared_for(50 ms) while exclusive returns false", !got);
  check("  not early", not_early);
}

uint64_t mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ull;
  x ^= x >> 27;
  return x;
}

void condition_variable() {
  constexpr int kProducers = 4, kConsumers = 4, kItems = 100000, kCapacity = 16;
  std::mutex m;
  std::condition_variable not_full, not_empty;
  std::deque<int> queue;
  bool overflow = false;
  std::vector<std::atomic<int>> seen(kItems);
  std::atomic<uint64_t> checksum{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kItems / kProducers; ++i) {
        std::unique_lock<std::mutex> lock(m);
        not_full.wait(lock, [&] { return queue.size() < kCapacity; });
        queue.push_back(p * (kItems / kProducers) + i);
        if (queue.size() > kCapacity) overflow = true;
        lock.unlock();
        not_empty.notify_one();
      }
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      for (int i = 0; i < kItems / kConsumers; ++i) {
        std::unique_lock<std::mutex> lock(m);
        not_empty.wait(lock, [&] { return !queue.empty(); });
        int item = queue.front();
        queue.pop_front();
        lock.unlock();
        not_full.notify_one();
        seen[item].fetch_add(1);
        checksum.fetch_add(mix(item));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  int missing = 0, duplicated = 0;
  uint64_t expected = 0;
  for (int i = 0; i < kItems; ++i) {
    if (seen[i].load() == 0) ++missing;
    if (seen[i].load() > 1) ++duplicated;
    expected += mix(i);
  }
  std::printf("std::condition_variable: %d items, missing %d, duplicated %d, checksum %s\n", kItems,
              missing, duplicated, checksum.load() == expected ? "matches" : "WRONG");
  check("std::condition_variable producer/consumer", missing == 0 && duplicated == 0 && !overflow &&
                                                         queue.empty() &&
                                                         checksum.load() == expected);

  std::condition_variable idle;
  std::unique_lock<std::mutex> lock(m);
  auto start = Steady::now();
  std::cv_status status = idle.wait_for(lock, 50ms);
  bool not_early = Steady::now() - start >= 50ms;
  // A spurious wake-up is allowed; the timeout must still come, not early.
  while (status == std::cv_status::no_timeout && !not_early) {
    status = idle.wait_until(lock, start + 50ms);
    not_early = Steady::now() - start >= 50ms;
  }
  check("condition_variable wait_for(50 ms) times out", status == std::cv_status::timeout);
  check("  not early", not_early);
  auto deadline = System::now() + 50ms;
  status = idle.wait_until(lock, deadline);
  while (status == std::cv_status::no_timeout && System::now() < deadline)
    status = idle.wait_until(lock, deadline);
  check("condition_variable wait_until(system_clock + 50 ms) times out",
        status == std::cv_status::timeout);
  check("  not early", System::now() >= deadline);
}

}  // namespace

int main() {
  plain_mutex();
  recursive_mutex();
  timed_mutex();
  shared_mutex();
  condition_variable();
  std::printf("%s (%d failures)\n", failures ? "FAIL" : "OK", failures);
  return failures ? 1 : 0;
}
