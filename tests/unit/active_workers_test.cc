// active_workers.h: with two workers, kernel threads outside the runtime
// that keep every CPU busy make worker 1 rest; tasks waiting for pipes go
// on being woken, including those whose reads were queued on the resting
// worker's ring; once the CPUs are free again and a task computes with
// others waiting, worker 1 runs tasks again; while it rests, its kernel
// thread blocks the program's signals. With rest_workers off, the same load
// leaves both workers running. A worker that rests right after its task set
// a timer leaves the timer to be fired by the other.
//
// The hogs are plain kernel threads, twice as many as the CPUs, so the
// workers wait for a CPU most of the time however the machine is loaded.
// Every wait is bounded only against hangs (eventually()).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/io_wait.h"
#include "runtime/scheduler.h"
#include "tests/unit/test_support.h"

namespace greenshim {
namespace {

using testing::eventually;
using testing::join_task;
using testing::start_task;

// Kernel threads spinning on every CPU until destroyed.
class CpuHogs {
 public:
  CpuHogs() {
    unsigned count = 2 * std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < count; ++i) {
      threads_.emplace_back([this] {
        while (!stop_.load(std::memory_order_relaxed)) {
        }
      });
    }
  }
  ~CpuHogs() {
    stop_.store(true, std::memory_order_relaxed);
    for (std::thread& thread : threads_) thread.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

void burn_cpu_ns(int64_t duration_ns) {
  int64_t until = monotonic_now_ns() + duration_ns;
  while (monotonic_now_ns() < until) {
  }
}

// Tasks that keep both workers busy until stop: pairs bouncing a byte
// over two pipes (each read waits on a ring), and tasks that compute in
// short slices and yield.
class Load {
 public:
  void start() {
    for (int pair = 0; pair < 4; ++pair) {
      int there[2], back[2];
      ASSERT_EQ(pipe2(there, O_CLOEXEC), 0);
      ASSERT_EQ(pipe2(back, O_CLOEXEC), 0);
      read_ends_.insert(read_ends_.end(), {there[0], back[0]});
      write_ends_.insert(write_ends_.end(), {there[1], back[1]});
      senders_.push_back(start_task([this, there, back] {
        while (!stop_.load() && send_and_receive(there[1], back[0])) round_trips_.fetch_add(1);
      }));
      echoers_.push_back(start_task([there, back] {
        char byte;
        while (wait_fd_ready(there[0], POLLIN, kNoDeadline) > 0 && read(there[0], &byte, 1) == 1) {
          if (write(back[1], &byte, 1) != 1) break;
        }
      }));
    }
    for (int i = 0; i < 4; ++i) {
      senders_.push_back(start_task([this] {
        while (!stop_.load()) {
          burn_cpu_ns(20'000);
          yield();
        }
      }));
    }
  }

  // The echoers end on EOF once every write end is closed.
  void stop() {
    stop_.store(true);
    for (Task* task : senders_) join_task(task);
    for (int fd : write_ends_) close(fd);
    for (Task* task : echoers_) join_task(task);
    for (int fd : read_ends_) close(fd);
  }

  uint64_t round_trips() const { return round_trips_.load(); }

 private:
  static bool send_and_receive(int to, int from) {
    char byte = 'x';
    return write(to, &byte, 1) == 1 && wait_fd_ready(from, POLLIN, kNoDeadline) > 0 &&
           read(from, &byte, 1) == 1;
  }

  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> round_trips_{0};
  std::vector<Task*> senders_;  // and the computing tasks
  std::vector<Task*> echoers_;
  std::vector<int> read_ends_;
  std::vector<int> write_ends_;
};

// The signals kernel thread `tid` blocks, from /proc (SigBlk); 0 if unknown.
uint64_t blocked_signals(int tid) {
  std::ifstream status("/proc/self/task/" + std::to_string(tid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("SigBlk:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  }
  return 0;
}

bool worker_active(size_t index) {
  return Scheduler::instance()->workers[index]->active.load(std::memory_order_acquire);
}

template <typename Body>
void run_with_two_workers(bool rest_workers, Body body) {
  RuntimeOptions options = testing::options_with(2);
  options.rest_workers = rest_workers;
  testing::run_as_task(options, std::move(body));
}

TEST(ActiveWorkersTest, RestsWhileTheCpusAreTakenAndComesBackWhenNeeded) {
  run_with_two_workers(true, [] {
    Load load;
    load.start();
    {
      CpuHogs hogs;
      EXPECT_TRUE(eventually([] { return !worker_active(1); }, 30'000'000'000))
          << "worker 1 never rested";
      EXPECT_TRUE(worker_active(0));
      // Running no task, it must not take the program's signals: it blocks
      // them (its tasks here blocked none).
      int resting_tid = Scheduler::instance()->workers[1]->kernel_tid.load();
      EXPECT_NE(blocked_signals(resting_tid) & (uint64_t{1} << (SIGUSR1 - 1)), 0u);
      uint64_t seen = load.round_trips();
      EXPECT_TRUE(eventually([&] { return load.round_trips() >= seen + 200; }, 30'000'000'000))
          << "pipe round trips stopped while worker 1 rested";
    }
    // The CPUs are free: a task computing for a long time while the load
    // waits behind it must bring worker 1 back.
    std::atomic<bool> back{false};
    Task* computing = start_task([&back] {
      int64_t give_up = monotonic_now_ns() + 30'000'000'000;
      while (!back.load() && monotonic_now_ns() < give_up) burn_cpu_ns(50'000'000);
    });
    EXPECT_TRUE(eventually([] { return worker_active(1); }, 30'000'000'000))
        << "worker 1 never came back";
    back.store(true);
    join_task(computing);
    load.stop();
  });
}

TEST(ActiveWorkersTest, EveryWorkerStaysActiveWhenRestingIsOff) {
  run_with_two_workers(false, [] {
    Load load;
    load.start();
    {
      CpuHogs hogs;
      // Five census periods (active_workers.cc): one would have rested.
      bool always_active = true;
      int64_t until = monotonic_now_ns() + 1'000'000'000;
      while (monotonic_now_ns() < until) {
        always_active &= worker_active(1);
        sleep_until(monotonic_now_ns() + 10'000'000);
      }
      EXPECT_TRUE(always_active);
    }
    load.stop();
  });
}

// A worker that rests in the round after its task set a timer (here: the
// task sleeps just as the rest is asked for, which the monitor may do at
// any moment) leaves that timer to the other worker, asleep since before
// the timer existed, with no deadline: it must be woken to fire it. The
// rest is asked for by hand, as rest_one() does, of whichever worker the
// sleeper runs on (worker 0 never rests in practice, but its round is the
// same); resting itself is off, so the monitor does not interfere. A
// watchdog kernel thread turns a hang into a failure.
TEST(ActiveWorkersTest, TimerSetJustBeforeARestStillFires) {
  run_with_two_workers(false, [] {
    for (int round = 0; round < 4 && !::testing::Test::HasFailure(); ++round) {
      // A hog keeps one worker busy, so the sleeper runs on the other.
      std::atomic<bool> release_hog{false}, hog_running{false};
      Task* hog = start_task([&] {
        hog_running.store(true);
        int64_t give_up = monotonic_now_ns() + 5'000'000'000;
        while (!release_hog.load() && monotonic_now_ns() < give_up) {
        }
      });
      ASSERT_TRUE(eventually([&] { return hog_running.load(); }));
      Worker* other = hog->worker.load();
      std::atomic<Worker*> resting{nullptr};
      std::atomic<bool> slept{false};
      Task* sleeper = start_task([&] {
        Worker* self = current_worker();
        resting.store(self);
        // Let the other worker go to sleep with no timer to wait for.
        release_hog.store(true);
        while (Scheduler::instance()->idle_workers.load() < 1) {
        }
        self->retire_requested.store(true);
        sleep_until(monotonic_now_ns() + 1'000'000);
        slept.store(true);
      });
      bool rescued = false;
      std::thread watchdog([&] {
        int64_t give_up = monotonic_now_ns() + 5'000'000'000;
        while (!slept.load() && monotonic_now_ns() < give_up) usleep(1000);
        rescued = !slept.load();
        if (rescued) other->parker.unpark();
      });
      join_task(sleeper);
      watchdog.join();
      join_task(hog);
      ASSERT_NE(resting.load(), other) << "the sleeper ran on the hog's worker";
      EXPECT_FALSE(rescued) << "round " << round << ": the timer fired only when the other "
                            << "worker was woken from outside, 5 s late";
      // Back to work, as wake_one_resting() does.
      Worker* rested = resting.load();
      ASSERT_TRUE(eventually([&] { return !rested->active.load(); }));
      rested->active.store(true);
      rested->parker.unpark();
    }
  });
}

}  // namespace
}  // namespace greenshim
