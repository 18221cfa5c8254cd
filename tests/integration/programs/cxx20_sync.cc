// Checks: the C++20 synchronization types with 1,000 threads (libstdc++
// builds them on std::atomic::wait/notify, which after a short spin waits
// with syscall(SYS_futex, ...); GCC 12's headers leave out the private flag,
// so the calls are plain FUTEX_WAIT and FUTEX_WAKE):
//  - std::latch: 1,000 threads count_down() and wait(); each sees all 1,000
//    arrivals after its wait; a second latch (arrive_and_wait) likewise;
//  - std::barrier with a completion function: 1,000 threads, 20 phases of
//    arrive_and_wait; the completion runs once per phase, after all 1,000
//    arrivals of that phase, and every thread sees it has run when its wait
//    returns; then all 1,000 arrive_and_drop, and the completion runs once
//    more (21 in all);
//  - std::counting_semaphore as a gate: 1,000 threads acquire a semaphore
//    at 0 (none passes), main releases 1,000 at once and then acquires a
//    second semaphore that each thread releases once, 1,000 times; both end
//    at 0; try_acquire_for(50 ms) on an exhausted semaphore returns false,
//    never early;
//  - two std::binary_semaphores: a ping-pong of 10,000 round trips between
//    two threads, strictly alternating;
//  - std::atomic<int>::wait/notify_one: a relay through 1,000 threads (each
//    waits for its own flag, then raises the next one's), ending back in
//    main; std::atomic<int>::wait/notify_all: 1,000 threads wait on one
//    word, one store and notify_all releases them all.
// Not checked: a counting_semaphore that many threads acquire and release
// concurrently (a concurrency limiter). libstdc++ 12's release() notifies
// only when the count was 0, which loses wake-ups with several waiters (GCC
// bug 98033/104928): natively such a program can sleep forever. Every
// semaphore here has either one acquirer or a single release that wakes all.
// The number of threads is fixed here; the shim's worker count comes from
// the environment, not from the program.
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <latch>
#include <memory>
#include <semaphore>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
constexpr int kThreads = 1000;
int failures = 0;

void check(const char* what, bool ok) {
  std::printf("%s: %s\n", what, ok ? "ok" : "FAIL");
  if (!ok) ++failures;
}

void join_all(std::vector<std::thread>& threads) {
  for (auto& thread : threads) thread.join();
  threads.clear();
}

void latches() {
  std::latch arrived(kThreads);
  std::latch second(kThreads);
  std::atomic<int> count{0}, second_count{0};
  std::atomic<int> early{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      count.fetch_add(1);
      arrived.count_down();
      arrived.wait();
      if (count.load() != kThreads) early.fetch_add(1);
      second_count.fetch_add(1);
      second.arrive_and_wait();
      if (second_count.load() != kThreads) early.fetch_add(1);
    });
  }
  join_all(threads);
  std::printf("latch: %d arrivals, %d + %d, passed early %d\n", kThreads, count.load(),
              second_count.load(), early.load());
  check("std::latch with 1,000 threads",
        early.load() == 0 && arrived.try_wait() && second.try_wait() && count.load() == kThreads);
}

struct PhaseState {
  std::atomic<int> arrivals[21];
  std::atomic<int> completions{0};
  std::atomic<int> bad_completions{0};
};

void barriers() {
  constexpr int kPhases = 20;
  auto state = std::make_unique<PhaseState>();
  for (auto& a : state->arrivals) a.store(0);
  PhaseState* s = state.get();
  auto on_completion = [s]() noexcept {
    int phase = s->completions.load(std::memory_order_relaxed);
    if (s->arrivals[phase].load() != kThreads) s->bad_completions.fetch_add(1);
    s->completions.store(phase + 1);
  };
  std::barrier barrier(kThreads, on_completion);
  std::atomic<int> stale{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int phase = 0; phase < kPhases; ++phase) {
        s->arrivals[phase].fetch_add(1);
        barrier.arrive_and_wait();
        if (s->completions.load() < phase + 1) stale.fetch_add(1);
      }
      s->arrivals[kPhases].fetch_add(1);
      barrier.arrive_and_drop();
    });
  }
  join_all(threads);
  std::printf("barrier: %d phases + drop, completions %d, bad completions %d, stale %d\n", kPhases,
              s->completions.load(), s->bad_completions.load(), stale.load());
  check("std::barrier with 1,000 threads", s->completions.load() == kPhases + 1 &&
                                               s->bad_completions.load() == 0 && stale.load() == 0);
}

void semaphores() {
  // A gate opened once for everyone: release(1,000) wakes all waiters.
  std::counting_semaphore<kThreads> gate(0);
  // Counts the threads through; only main acquires it.
  std::counting_semaphore<kThreads> through(0);
  std::atomic<int> passed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      gate.acquire();
      passed.fetch_add(1);
      through.release();
    });
  }
  bool passed_before_open = passed.load() != 0;
  gate.release(kThreads);
  for (int i = 0; i < kThreads; ++i) through.acquire();
  int passed_after = passed.load();
  join_all(threads);
  bool gate_empty = !gate.try_acquire();
  bool through_empty = !through.try_acquire();
  std::printf("counting_semaphore gate: %d threads passed, gate and counter empty: %s\n",
              passed_after, gate_empty && through_empty ? "yes" : "no");
  check("std::counting_semaphore gate for 1,000 threads",
        !passed_before_open && passed_after == kThreads && gate_empty && through_empty);

  std::counting_semaphore<8> slots(8);
  // Exhausted: all 8 taken.
  for (int i = 0; i < 8; ++i) slots.acquire();
  bool got = true, not_early = false;
  std::thread waiter([&] {
    auto start = std::chrono::steady_clock::now();
    got = slots.try_acquire_for(50ms);
    not_early = std::chrono::steady_clock::now() - start >= 50ms;
  });
  waiter.join();
  check("counting_semaphore try_acquire_for(50 ms) on 0 returns false", !got);
  check("  not early", not_early);
  slots.release(8);
  check("counting_semaphore try_acquire after release(8)", slots.try_acquire());

  constexpr int kRounds = 10000;
  std::binary_semaphore ping(0), pong(0);
  int turn = 0;  // written alternately, ordered by the semaphores
  int out_of_turn = 0;
  std::thread other([&] {
    for (int i = 0; i < kRounds; ++i) {
      ping.acquire();
      if (turn != 2 * i + 1) ++out_of_turn;
      ++turn;
      pong.release();
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    if (turn != 2 * i) ++out_of_turn;
    ++turn;
    ping.release();
    pong.acquire();
  }
  other.join();
  std::printf("binary_semaphore ping-pong: %d round trips, turn %d, out of turn %d\n", kRounds,
              turn, out_of_turn);
  check("std::binary_semaphore ping-pong", turn == 2 * kRounds && out_of_turn == 0);
}

void atomic_wait() {
  auto flags = std::make_unique<std::atomic<int>[]>(kThreads + 1);
  for (int i = 0; i <= kThreads; ++i) flags[i].store(0);
  std::atomic<int> order_errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      flags[i].wait(0);
      if (flags[i].load() != i + 1) order_errors.fetch_add(1);
      flags[i + 1].store(i + 2);
      flags[i + 1].notify_one();
    });
  }
  flags[0].store(1);
  flags[0].notify_one();
  flags[kThreads].wait(0);
  int last = flags[kThreads].load();
  join_all(threads);
  std::printf("atomic relay through %d threads: final value %d, order errors %d\n", kThreads, last,
              order_errors.load());
  check("std::atomic wait/notify_one relay", last == kThreads + 1 && order_errors.load() == 0);

  std::atomic<int> go{0}, waiting{0}, released{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      waiting.fetch_add(1);
      go.wait(0);
      released.fetch_add(1);
    });
  }
  // Let (most of) them reach the wait; correctness does not depend on it.
  while (waiting.load() < kThreads) std::this_thread::yield();
  go.store(1);
  go.notify_all();
  join_all(threads);
  std::printf("atomic notify_all: %d released\n", released.load());
  check("std::atomic wait/notify_all", released.load() == kThreads);
}

}  // namespace

// Run-dependent, so on stderr: how long each part took.
template <typename F>
void timed(const char* name, F f) {
  auto start = std::chrono::steady_clock::now();
  f();
  std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  std::fprintf(stderr, "%s: %.3f s\n", name, seconds.count());
}

int main() {
  timed("latches", latches);
  timed("barriers", barriers);
  timed("semaphores", semaphores);
  timed("atomic_wait", atomic_wait);
  std::printf("%s (%d failures)\n", failures ? "FAIL" : "OK", failures);
  return failures ? 1 : 0;
}
