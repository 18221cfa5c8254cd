// io_wait.h: tasks waiting for descriptors and making slow system calls,
// on both paths (io_uring and blocking-pool threads), with one and two
// workers. The property that matters most: while a task waits, its worker
// runs other tasks -- with one worker, a wait that blocked the worker would
// deadlock the test instead of passing.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <tuple>
#include <vector>

#include "runtime/io_wait.h"
#include "tests/unit/test_support.h"

namespace greenshim {
namespace {

using testing::eventually;
using testing::is_parked;
using testing::join_task;
using testing::start_task;

struct Pipe {
  Pipe() { EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0); }
  ~Pipe() {
    close(fds[0]);
    close(fds[1]);
  }
  int read_end() const { return fds[0]; }
  int write_end() const { return fds[1]; }
  int fds[2];
};

constexpr int kNeverOpen = 1 << 24;  // above any RLIMIT_NOFILE here

class IoWaitTest : public ::testing::TestWithParam<std::tuple<IoMode, int>> {
 protected:
  template <typename Body>
  void run_test(Body body) {
    RuntimeOptions options = testing::options_with(std::get<1>(GetParam()));
    options.io_mode = std::get<0>(GetParam());
    testing::run_as_task(options, std::move(body));
  }
};

TEST_P(IoWaitTest, PathFollowsTheRequestedMode) {
  run_test([] {
    if (std::get<0>(GetParam()) == IoMode::kOff) {
      EXPECT_EQ(io_path(), IoPath::kKernelThreads);
    } else {
      EXPECT_NE(io_path(), IoPath::kUndecided);
    }
  });
}

TEST_P(IoWaitTest, WaiterWakesWhenAnotherTaskWrites) {
  run_test([] {
    Pipe channel;
    Task* reader = start_task([&] {
      int ready = wait_fd_ready(channel.read_end(), POLLIN, kNoDeadline);
      EXPECT_TRUE(ready & POLLIN) << ready;
      char byte = 0;
      EXPECT_EQ(read(channel.read_end(), &byte, 1), 1);
      EXPECT_EQ(byte, 'x');
    });
    ASSERT_TRUE(eventually([&] { return is_parked(reader); }));
    ASSERT_EQ(write(channel.write_end(), "x", 1), 1);
    join_task(reader);
  });
}

TEST_P(IoWaitTest, WorkerRunsOtherTasksWhileOneWaits) {
  run_test([] {
    Pipe channel;
    std::atomic<int> progress{0};
    Task* waiter = start_task([&] {
      EXPECT_TRUE(wait_fd_ready(channel.read_end(), POLLIN, kNoDeadline) & POLLIN);
    });
    Task* worker_bound = start_task([&] {
      for (int step = 0; step < 1000; ++step) {
        progress.fetch_add(1);
        yield();
      }
      EXPECT_EQ(write(channel.write_end(), "x", 1), 1);
    });
    join_task(worker_bound);
    join_task(waiter);
    EXPECT_EQ(progress.load(), 1000);
  });
}

TEST_P(IoWaitTest, DeadlinePassesWhenNothingArrivesAndNeverEarly) {
  run_test([] {
    Pipe channel;
    int64_t deadline = monotonic_now_ns() + 20'000'000;
    EXPECT_EQ(wait_fd_ready(channel.read_end(), POLLIN, deadline), 0);
    EXPECT_GE(monotonic_now_ns(), deadline);
    // The cancelled wait must be gone for good: data now arriving must not
    // complete anything that points at the finished wait's frame.
    ASSERT_EQ(write(channel.write_end(), "x", 1), 1);
    EXPECT_TRUE(wait_fd_ready(channel.read_end(), POLLIN, kNoDeadline) & POLLIN);
  });
}

TEST_P(IoWaitTest, AnyOfSeveralDescriptors) {
  run_test([] {
    Pipe channels[3];
    Task* writer = start_task([&] {
      sleep_until(monotonic_now_ns() + 1'000'000);
      EXPECT_EQ(write(channels[1].write_end(), "x", 1), 1);
    });
    pollfd fds[3];
    for (int index = 0; index < 3; ++index) fds[index] = {channels[index].read_end(), POLLIN, 0};
    EXPECT_EQ(wait_any_fd_ready(fds, 3, kNoDeadline), 1);
    EXPECT_EQ(poll(fds, 3, 0), 1);
    EXPECT_TRUE(fds[1].revents & POLLIN);
    join_task(writer);
  });
}

TEST_P(IoWaitTest, AnyOfSeveralTimesOutThenStaysQuiet) {
  run_test([] {
    Pipe channels[4];
    pollfd fds[4];
    for (int round = 0; round < 20; ++round) {
      for (int index = 0; index < 4; ++index) fds[index] = {channels[index].read_end(), POLLIN, 0};
      int64_t deadline = monotonic_now_ns() + 1'000'000;
      EXPECT_EQ(wait_any_fd_ready(fds, 4, deadline), 0);
      EXPECT_GE(monotonic_now_ns(), deadline);
    }
    for (Pipe& channel : channels) ASSERT_EQ(write(channel.write_end(), "x", 1), 1);
    for (int index = 0; index < 4; ++index) fds[index] = {channels[index].read_end(), POLLIN, 0};
    EXPECT_EQ(wait_any_fd_ready(fds, 4, kNoDeadline), 1);
  });
}

TEST_P(IoWaitTest, HundredsOfWaitersOnOwnPipes) {
  run_test([] {
    const int count = testing::task_count(300, 50);
    std::vector<Pipe> channels(count);
    std::vector<Task*> readers;
    for (int index = 0; index < count; ++index) {
      readers.push_back(start_task([&, index] {
        EXPECT_TRUE(wait_fd_ready(channels[index].read_end(), POLLIN, kNoDeadline) & POLLIN);
        char byte = 0;
        EXPECT_EQ(read(channels[index].read_end(), &byte, 1), 1);
        EXPECT_EQ(byte, static_cast<char>(index));
      }));
    }
    for (int index = 0; index < count; ++index) {
      char byte = static_cast<char>(index);
      ASSERT_EQ(write(channels[index].write_end(), &byte, 1), 1);
    }
    for (Task* reader : readers) join_task(reader);
  });
}

TEST_P(IoWaitTest, AcceptAndConnectOnLoopback) {
  run_test([] {
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
    ASSERT_EQ(listen(listener, 8), 0);
    Task* server = start_task([&] {
      long accepted = blocking_syscall(SYS_accept4, listener, 0, 0, SOCK_CLOEXEC);
      ASSERT_GE(accepted, 0) << -accepted;
      char byte = 0;
      EXPECT_TRUE(wait_fd_ready(static_cast<int>(accepted), POLLIN, kNoDeadline) & POLLIN);
      EXPECT_EQ(read(static_cast<int>(accepted), &byte, 1), 1);
      EXPECT_EQ(byte, 'h');
      close(static_cast<int>(accepted));
    });
    int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(client, 0);
    EXPECT_EQ(blocking_syscall(SYS_connect, client, reinterpret_cast<long>(&address), sizeof address),
              0);
    EXPECT_EQ(write(client, "h", 1), 1);
    join_task(server);
    close(client);
    close(listener);
  });
}

TEST_P(IoWaitTest, SlowCallsReturnTheKernelsResult) {
  run_test([] {
    char path[] = "/tmp/greenshim-io-wait-XXXXXX";
    int file = mkstemp(path);
    ASSERT_GE(file, 0);
    unlink(path);
    EXPECT_EQ(write(file, "data", 4), 4);
    EXPECT_EQ(blocking_syscall(SYS_fsync, file), 0);
    EXPECT_EQ(blocking_syscall(SYS_fdatasync, file), 0);
    close(file);
    // Not `file`: another worker may reuse the number for its ring.
    EXPECT_EQ(blocking_syscall(SYS_fsync, kNeverOpen), -EBADF);
    // A call with no ring operation goes to a pool thread.
    EXPECT_EQ(blocking_syscall(SYS_getpid), getpid());
  });
}

TEST_P(IoWaitTest, BadDescriptorIsAnError) {
  run_test([] {
    int ready = wait_fd_ready(kNeverOpen, POLLIN, monotonic_now_ns() + 1'000'000'000);
    // poll(2) reports POLLNVAL; io_uring refuses the operation with EBADF.
    EXPECT_TRUE(ready == -EBADF || (ready > 0 && (ready & POLLNVAL))) << ready;
  });
}

INSTANTIATE_TEST_SUITE_P(
    PathsAndWorkers, IoWaitTest,
    ::testing::Combine(::testing::Values(IoMode::kAuto, IoMode::kOff), ::testing::Values(1, 2)),
    [](const ::testing::TestParamInfo<std::tuple<IoMode, int>>& info) {
      return std::string(std::get<0>(info.param) == IoMode::kOff ? "Threads" : "Uring") +
             std::to_string(std::get<1>(info.param)) + "Workers";
    });

}  // namespace
}  // namespace greenshim
