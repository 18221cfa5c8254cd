// The gdb extension (scripts/gdb/greenshim.py) against a real process:
// programs/parked_threads parks 100 green threads in nine different ways
// under libgreenshim.so; gdb attaches in batch mode and must list every
// thread with the state its name announces and the program function it is
// parked in, and each thread's backtrace must contain that function. Then
// the same on a core file written by gdb's gcore (hooked by the extension).
//
// Where ptrace is forbidden (a sandbox, Yama), the cases are skipped with
// the reason, not passed.
//
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/subprocess.h"
#include "tests/observability/test_support.h"

namespace greenshim::observability {
namespace {

using integration::AbsolutePath;
using integration::MakeTempDir;
using integration::NativeEnvironment;
using integration::RunOptions;
using integration::RunProgram;
using integration::RunResult;
using integration::Tail;

constexpr int kParkedThreads = 100;


// What `info green-threads` must say about one thread.
struct Expected {
  std::string state;     // e.g. "parked on rwlock read"
  std::string function;  // the program's function it is parked in
};

// Thread names are "<kind>-<index>" (parked_threads.c); the main thread
// joins thread 0 and keeps the program's name.
bool ExpectationFor(const std::string& name, Expected* expected) {
  if (name == "parked_threads") {
    *expected = {"parked on join", "main"};
    return true;
  }
  static const std::regex kName("([a-z_]+)-[0-9]+");
  std::smatch match;
  if (!std::regex_match(name, match, kName)) return false;
  std::string kind = match[1];
  std::string reason = kind;
  std::replace(reason.begin(), reason.end(), '_', ' ');  // rwlock_read: "rwlock read"
  *expected = {"parked on " + reason, "park_on_" + kind};
  return true;
}

// The program, preloaded, left running in the background until killed.
class ParkedProgram {
 public:
  ~ParkedProgram() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Starts it and waits for its "ready <pid>" line.
  bool Start(std::string* error) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Fail("pipe", error);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    std::vector<std::string> env = NativeEnvironment();
    env.push_back("LD_PRELOAD=" + AbsolutePath(g_shim_path));
    env.push_back("GREENSHIM_WORKERS=2");
    // Small stacks keep the core file small.
    env.push_back("GREENSHIM_STACK_SIZE=64k");
    std::vector<char*> env_pointers;
    for (std::string& entry : env) env_pointers.push_back(entry.data());
    env_pointers.push_back(nullptr);
    std::string program = AbsolutePath(g_program_path);
    char* argv[] = {program.data(), nullptr};
    int spawn_error =
        posix_spawn(&pid_, argv[0], &actions, nullptr, argv, env_pointers.data());
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (spawn_error != 0) {
      close(pipe_fds[0]);
      pid_ = -1;
      return Fail(strerror(spawn_error), error);
    }
    std::string line;
    char c;
    pollfd readable{pipe_fds[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos && poll(&readable, 1, 30000) == 1 &&
           read(pipe_fds[0], &c, 1) == 1)
      line += c;
    close(pipe_fds[0]);
    if (line.rfind("ready ", 0) != 0) return Fail("no ready line, got: " + line, error);
    return true;
  }

  pid_t pid() const { return pid_; }

 private:
  static bool Fail(const std::string& what, std::string* error) {
    *error = "starting " + g_program_path + ": " + what;
    return false;
  }

  pid_t pid_ = -1;
};

RunResult RunGdb(const std::vector<std::string>& target, const std::vector<std::string>& commands) {
  RunOptions options;
  options.argv = {"/usr/bin/gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off"};
  options.argv.insert(options.argv.end(), target.begin(), target.end());
  options.argv.push_back("-ex");
  options.argv.push_back("source " + AbsolutePath(g_gdb_script));
  for (const std::string& command : commands) {
    options.argv.push_back("-ex");
    options.argv.push_back(command);
  }
  options.env = NativeEnvironment();
  options.timeout = std::chrono::seconds(120);
  return RunProgram(options);
}

std::string PtraceRefusal(const RunResult& gdb) {
  for (const char* refusal : {"ptrace: Operation not permitted", "Could not attach to process"}) {
    if (gdb.err.find(refusal) != std::string::npos || gdb.out.find(refusal) != std::string::npos)
      return std::string("gdb cannot attach here (") + refusal + ")";
  }
  return "";
}

struct ListedThread {
  std::string name, state, location;
};

// The rows of `info green-threads`: "Id  Name  State  Location".
std::map<int, ListedThread> ParseListing(const std::string& out) {
  static const std::regex kRow(
      R"(^(\d+)\s+(\S+)\s+(parked on \S+(?: read| write)?|running on worker \d+|runnable)\s*(.*)$)");
  std::map<int, ListedThread> threads;
  std::istringstream lines(out);
  std::string line;
  std::smatch match;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, match, kRow))
      threads[std::stoi(match[1])] = {match[2], match[3], match[4]};
  }
  return threads;
}

// `green-thread apply all bt` output, one backtrace per green thread id.
std::map<int, std::string> ParseBacktraces(const std::string& out) {
  static const std::regex kHeader(R"(^Green thread (\d+) ")");
  std::map<int, std::string> backtraces;
  std::istringstream lines(out);
  std::string line;
  std::smatch match;
  int current = -1;
  while (std::getline(lines, line)) {
    if (std::regex_search(line, match, kHeader)) {
      current = std::stoi(match[1]);
    } else if (current >= 0) {
      backtraces[current] += line + "\n";
    }
  }
  return backtraces;
}

void CheckGdbOutput(const RunResult& gdb) {
  std::string context = gdb.status() + "\n--- gdb stdout ---\n" + Tail(gdb.out, 6000) +
                        "--- gdb stderr ---\n" + Tail(gdb.err);
  EXPECT_EQ(gdb.err.find("Python Exception"), std::string::npos) << context;
  std::map<int, ListedThread> threads = ParseListing(gdb.out);
  std::map<int, std::string> backtraces = ParseBacktraces(gdb.out);
  ASSERT_EQ(threads.size(), kParkedThreads + 1u) << context;
  for (const auto& [id, thread] : threads) {
    Expected expected;
    ASSERT_TRUE(ExpectationFor(thread.name, &expected)) << "unexpected name " << thread.name;
    EXPECT_EQ(thread.state, expected.state) << "green thread " << id << " " << thread.name;
    EXPECT_EQ(thread.location.rfind(expected.function + " at ", 0), 0u)
        << "green thread " << id << " " << thread.name << " is parked at " << thread.location;
    EXPECT_NE(backtraces[id].find(" " + expected.function + " ("), std::string::npos)
        << "green thread " << id << " " << thread.name << "'s backtrace:\n" << backtraces[id];
  }
}

const std::vector<std::string> kInspect = {"info green-threads", "green-thread apply all bt"};

TEST(GdbExtension, ListsAndUnwindsParkedThreadsLiveAndInCore) {
  ParkedProgram program;
  std::string error;
  ASSERT_TRUE(program.Start(&error)) << error;
  std::string core = MakeTempDir("gdb_test") + "/parked.core";

  std::vector<std::string> live_commands = kInspect;
  live_commands.push_back("gcore " + core);
  RunResult live;
  // A thread announces itself just before it parks: on a loaded machine
  // one may not have parked yet when the program says it is ready.
  for (int attempt = 0; attempt < 5; ++attempt) {
    live = RunGdb({"-p", std::to_string(program.pid())}, live_commands);
    std::string refusal = PtraceRefusal(live);
    if (!refusal.empty()) GTEST_SKIP() << refusal;
    if (live.out.find(" runnable ") == std::string::npos &&
        live.out.find(" running on worker ") == std::string::npos)
      break;
    sleep(1);
  }
  {
    SCOPED_TRACE("live process");
    CheckGdbOutput(live);
  }

  RunResult from_core = RunGdb({AbsolutePath(g_program_path), core}, kInspect);
  unlink(core.c_str());
  SCOPED_TRACE("core file");
  CheckGdbOutput(from_core);
}

}  // namespace
}  // namespace greenshim::observability
