// Checks: C++ std::thread / std::async / std::call_once (libstdc++ on top of
// pthread_create/join/once):
//  - 1,000 std::thread objects created (all before any join), each writing
//    its own slot; then all joined; a checksum of the slots;
//  - std::this_thread::get_id() inside a thread equals thread::get_id()
//    seen by the creator, and differs from main's id;
//  - 100 std::async(std::launch::async) tasks, results collected with
//    future::get() in creation order; a deferred std::async runs on get();
//  - std::call_once from 32 threads runs the callable exactly once;
//  - an exception thrown in an async task reaches future::get().
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 1000;
constexpr int kAsyncTasks = 100;
constexpr int kOnceCallers = 32;

uint64_t mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ull;
  x ^= x >> 27;
  return x;
}

}  // namespace

int main() {
  bool ok = true;

  std::vector<uint64_t> slots(kThreads, 0);
  std::vector<std::thread::id> ids_inside(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([i, &slots, &ids_inside] {
      ids_inside[i] = std::this_thread::get_id();
      slots[i] = mix(static_cast<uint64_t>(i) + 1);
    });
  }
  int id_matches = 0;
  for (int i = 0; i < kThreads; ++i) {
    std::thread::id id = threads[i].get_id();
    threads[i].join();
    if (id == ids_inside[i] && id != std::this_thread::get_id()) ++id_matches;
  }
  uint64_t checksum = 0, expected = 0;
  for (int i = 0; i < kThreads; ++i) {
    checksum += slots[i];
    expected += mix(static_cast<uint64_t>(i) + 1);
  }
  std::printf("std::thread: %d created and joined, checksum %s, ids match %d/%d\n", kThreads,
              checksum == expected ? "correct" : "WRONG", id_matches, kThreads);
  ok = ok && checksum == expected && id_matches == kThreads;

  std::vector<std::future<uint64_t>> futures;
  for (int i = 0; i < kAsyncTasks; ++i) {
    futures.push_back(
        std::async(std::launch::async, [i] { return mix(static_cast<uint64_t>(i) * 7); }));
  }
  int async_correct = 0;
  for (int i = 0; i < kAsyncTasks; ++i) {
    if (futures[i].get() == mix(static_cast<uint64_t>(i) * 7)) ++async_correct;
  }
  std::printf("std::async(launch::async): %d/%d results correct\n", async_correct, kAsyncTasks);
  ok = ok && async_correct == kAsyncTasks;

  std::thread::id deferred_ran_on;
  auto deferred = std::async(std::launch::deferred, [&deferred_ran_on] {
    deferred_ran_on = std::this_thread::get_id();
    return 5;
  });
  int deferred_value = deferred.get();
  bool deferred_on_main = deferred_ran_on == std::this_thread::get_id();
  std::printf("std::async(launch::deferred): value %d, ran on the calling thread: %s\n",
              deferred_value, deferred_on_main ? "yes" : "no");
  ok = ok && deferred_value == 5 && deferred_on_main;

  auto thrower = std::async(std::launch::async, []() -> int { throw std::runtime_error("boom"); });
  try {
    thrower.get();
    std::printf("exception from async task: not propagated\n");
    ok = false;
  } catch (const std::runtime_error& error) {
    std::printf("exception from async task: caught \"%s\"\n", error.what());
  }

  std::once_flag flag;
  std::atomic<int> once_calls{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kOnceCallers; ++i) {
    callers.emplace_back([&] {
      ready.fetch_add(1);
      while (ready.load() < kOnceCallers) std::this_thread::yield();
      std::call_once(flag, [&] { once_calls.fetch_add(1); });
    });
  }
  for (auto& caller : callers) caller.join();
  std::printf("std::call_once from %d threads: callable ran %d time(s)\n", kOnceCallers,
              once_calls.load());
  ok = ok && once_calls.load() == 1;
  return ok ? 0 : 1;
}
