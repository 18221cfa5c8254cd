// Running a program natively or with libgreenshim.so preloaded, for the
// integration tests: posix_spawn in a process group of its own, stdout and
// stderr captured through files, a hard timeout that SIGKILLs the whole
// group, and helpers for the environments and the GREENSHIM_STATS table.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace greenshim::integration {

struct RunOptions {
  std::vector<std::string> argv;  // argv[0] is the path to execute
  std::vector<std::string> env;   // the complete environment
  std::chrono::milliseconds timeout{60000};
  std::string stdin_path = "/dev/null";
  // When set, the child's stdout goes to this file and RunResult::out stays
  // empty (for large binary output).
  std::string stdout_path;
};

struct RunResult {
  bool started = false;
  std::string start_error;  // posix_spawn's error when !started
  bool timed_out = false;   // killed by us (the exit fields then describe SIGKILL)
  bool exited = false;      // normal exit: exit_code is valid
  int exit_code = -1;
  int signal = 0;  // terminating signal when !exited
  double seconds = 0;
  std::string out;
  std::string err;

  // "exit 3", "killed by signal 11 (Segmentation fault)", "TIMED OUT ...".
  std::string status() const;
  // Same way of ending (exit code, or terminating signal).
  bool same_ending(const RunResult& other) const {
    return exited == other.exited && exit_code == other.exit_code && signal == other.signal;
  }
};

RunResult RunProgram(const RunOptions& options);

// This process's environment without LD_PRELOAD and GREENSHIM_*.
std::vector<std::string> NativeEnvironment();
// The native one plus LD_PRELOAD=<absolute shim path> and GREENSHIM_STATS=1.
std::vector<std::string> PreloadedEnvironment(const std::string& shim_path);

// True if `err` holds the GREENSHIM_STATS table (header with "tasks run"
// and the "total" row), i.e. the run really went through the shim.
bool HasShimStats(const std::string& err);
// `err` without its "greenshim: " lines.
std::string WithoutShimLines(const std::string& err);

// A new empty directory under $TEST_TMPDIR (or /tmp).
std::string MakeTempDir(const std::string& prefix);
std::string AbsolutePath(const std::string& path);
std::string Basename(const std::string& path);
bool ReadFile(const std::string& path, std::string* contents);
// The last `max_bytes` of `text`, marked as cut when it was longer.
std::string Tail(const std::string& text, size_t max_bytes = 4000);

// For a suite's main(): reads --shim=<libgreenshim.so> and the program
// paths (gtest's own --gtest* flags are left alone). Call it before
// InitGoogleTest, which evaluates ValuesIn(programs). false, after a usage
// line on stderr, when no program was given.
bool ParseSuiteArguments(int argc, char** argv, std::string* shim_path,
                         std::vector<std::string>* programs);

}  // namespace greenshim::integration
