// Runs each I/O program (tests/io/programs, built with no knowledge of
// greenshim) natively, then with libgreenshim.so preloaded once per I/O
// path: GREENSHIM_IO=uring and GREENSHIM_IO=off (the fallback that must
// never block a worker either). Each (program, mode) pair is one test case,
// named <program>_native, <program>_uring, <program>_off:
//   - native: the program must pass (exit 0). Its result is kept for the
//     preloaded cases.
//   - uring / off: the same stdout and the same exit status or terminating
//     signal as natively, and the GREENSHIM_STATS table on stderr, so a case
//     cannot pass by running natively; and no "greenshim:" line naming
//     GREENSHIM_IO (the shim saying it will not take the forced path).
//     stderr is not compared otherwise.
// IoPathTest checks that GREENSHIM_DEBUG=1 names the path taken, once, and
// the path greenshim falls back to where seccomp forbids io_uring.
// A program that needs a particular worker count gets it preloaded (the
// 1,000-readers test runs with GREENSHIM_WORKERS=1: one worker must serve
// every blocked reader and the CPU-bound thread).
//
// Arguments (from the BUILD file): --shim=<path to libgreenshim.so>, then
// the paths of the programs. Every run is killed after a timeout, so a hang
// is a quick failure: 30 s natively; preloaded, five times the native time
// plus 5 s, between 8 and 30 s.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/subprocess.h"

namespace greenshim::integration {
namespace {

// Extra environment for the preloaded runs of some programs.
struct PreloadedSetting {
  const char* program;
  const char* variable;  // NAME=value
};
constexpr PreloadedSetting kPreloadedSettings[] = {
    {"readers_1000", "GREENSHIM_WORKERS=1"},
};

enum class Mode { kNative, kUring, kOff };

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kNative:
      return "native";
    case Mode::kUring:
      return "uring";
    case Mode::kOff:
      return "off";
  }
  return "?";
}

// For gtest's messages about a failed case's parameter.
void PrintTo(Mode mode, std::ostream* out) { *out << ModeName(mode); }

constexpr std::chrono::seconds kNativeTimeout{30};
constexpr std::chrono::seconds kMinPreloadedTimeout{8};
constexpr std::chrono::seconds kMaxPreloadedTimeout{30};

std::string g_shim_path;
std::vector<std::string> g_programs;
// Native results by program path: each program runs natively once, in its
// _native case or in whichever of its cases comes first (under a filter).
std::map<std::string, RunResult> g_native_runs;

std::string Describe(const std::string& label, const RunResult& run) {
  return label + ": " + run.status() + "\n--- " + label + " stdout ---\n" + Tail(run.out) + "--- " +
         label + " stderr ---\n" + Tail(run.err);
}

const RunResult& NativeRun(const std::string& path) {
  auto found = g_native_runs.find(path);
  if (found != g_native_runs.end()) return found->second;
  RunOptions options;
  options.argv = {AbsolutePath(path)};
  options.env = NativeEnvironment();
  options.timeout = kNativeTimeout;
  return g_native_runs.emplace(path, RunProgram(options)).first->second;
}

// GREENSHIM_IO=`io`, or unset when `io` is null.
std::vector<std::string> PreloadedEnvironmentFor(const std::string& name, const char* io) {
  std::vector<std::string> env = PreloadedEnvironment(g_shim_path);
  if (io != nullptr) env.push_back(std::string("GREENSHIM_IO=") + io);
  for (const PreloadedSetting& setting : kPreloadedSettings) {
    if (name == setting.program) env.push_back(setting.variable);
  }
  return env;
}

// The lines of `text` that start with `prefix`.
std::vector<std::string> LinesStartingWith(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found;
  size_t line_start = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    std::string line = text.substr(line_start, line_end - line_start);
    if (line.rfind(prefix, 0) == 0) found.push_back(line);
    line_start = line_end + 1;
  }
  return found;
}

// True if the shim said on stderr that it would not follow GREENSHIM_IO
// (one of its "greenshim:" lines names the variable): the case would then
// test another path than its name says.
bool ShimRefusedMode(const std::string& err) {
  for (const std::string& line : LinesStartingWith(err, "greenshim:")) {
    if (line.find("GREENSHIM_IO") != std::string::npos) return true;
  }
  return false;
}

class IoCompareTest : public ::testing::TestWithParam<std::tuple<std::string, Mode>> {};

TEST_P(IoCompareTest, SameAsNative) {
  const auto& [path, mode] = GetParam();
  const std::string name = Basename(path);
  ASSERT_FALSE(g_shim_path.empty()) << "no --shim=<libgreenshim.so> argument";

  const RunResult& native = NativeRun(path);
  RecordProperty("native_seconds", std::to_string(native.seconds));
  ASSERT_TRUE(native.started) << native.start_error;
  ASSERT_FALSE(native.timed_out) << "the program hangs even natively\n"
                                 << Describe("native", native);
  // The program checks itself; natively it must pass, or the comparison
  // would mean nothing.
  ASSERT_TRUE(native.exited && native.exit_code == 0) << "natively the program should exit 0\n"
                                                      << Describe("native", native);
  if (mode == Mode::kNative) return;

  RunOptions options;
  options.argv = {AbsolutePath(path)};
  options.env = PreloadedEnvironmentFor(name, ModeName(mode));
  auto scaled =
      std::chrono::milliseconds(static_cast<long>(native.seconds * 5000)) + std::chrono::seconds(5);
  options.timeout =
      std::clamp<std::chrono::milliseconds>(scaled, kMinPreloadedTimeout, kMaxPreloadedTimeout);
  RunResult preloaded = RunProgram(options);
  const std::string label = std::string("preloaded GREENSHIM_IO=") + ModeName(mode);
  RecordProperty("preloaded_seconds", std::to_string(preloaded.seconds));
  ASSERT_TRUE(preloaded.started) << preloaded.start_error;
  ASSERT_FALSE(preloaded.timed_out)
      << "HANG under greenshim (native run took " << native.seconds << " s)\n"
      << Describe(label, preloaded) << "\n"
      << Describe("native", native);
  EXPECT_TRUE(HasShimStats(preloaded.err))
      << "no GREENSHIM_STATS table on stderr: did the program run under the shim at all?\n"
      << Describe(label, preloaded);
  EXPECT_FALSE(ShimRefusedMode(preloaded.err))
      << "the shim did not take the forced path " << ModeName(mode) << "\n"
      << Describe(label, preloaded);
  EXPECT_EQ(native.out, preloaded.out)
      << "stdout differs (native: " << native.status() << ", " << label << ": "
      << preloaded.status() << ")\n--- " << label << " stderr ---\n"
      << Tail(preloaded.err) << "--- native stderr ---\n"
      << Tail(native.err);
  EXPECT_TRUE(native.same_ending(preloaded))
      << "native: " << native.status() << ", " << label << ": " << preloaded.status() << "\n"
      << (native.out == preloaded.out ? Describe(label, preloaded) : "");
}

const std::string& SuiteProgram(const std::string& name) {
  static const std::string missing;
  auto program = std::find_if(g_programs.begin(), g_programs.end(),
                              [&](const std::string& path) { return Basename(path) == name; });
  EXPECT_NE(program, g_programs.end()) << name << " is not among the programs";
  return program != g_programs.end() ? *program : missing;
}

// Runs suite program `name` preloaded, with GREENSHIM_DEBUG=1 and
// GREENSHIM_IO=`io` (unset if null); under without_io_uring (beside the
// suite's programs) when `forbid_io_uring`.
RunResult RunWithDebug(const std::string& name, const char* io, bool forbid_io_uring) {
  const std::string& path = SuiteProgram(name);
  RunOptions options;
  options.argv = {AbsolutePath(path)};
  if (forbid_io_uring) {
    std::string directory = path.substr(0, path.size() - name.size());
    options.argv.insert(options.argv.begin(), AbsolutePath(directory + "without_io_uring"));
  }
  options.env = PreloadedEnvironmentFor(name, io);
  options.env.push_back("GREENSHIM_DEBUG=1");
  options.timeout = kMaxPreloadedTimeout;
  return RunProgram(options);
}

// GREENSHIM_DEBUG=1 names the I/O path once, on the first wait; pipe_basic
// waits for a pipe on each path.
TEST(IoPathTest, DebugNamesThePathOnce) {
  for (Mode mode : {Mode::kUring, Mode::kOff}) {
    RunResult run = RunWithDebug("pipe_basic", ModeName(mode), false);
    const std::string label = std::string("GREENSHIM_IO=") + ModeName(mode);
    ASSERT_TRUE(run.exited && run.exit_code == 0) << Describe(label, run);
    std::vector<std::string> said = LinesStartingWith(run.err, "greenshim: I/O waits: ");
    ASSERT_EQ(said.size(), 1u) << Describe(label, run);
    if (mode == Mode::kOff) {
      EXPECT_EQ(said[0], "greenshim: I/O waits: kernel threads (GREENSHIM_IO=off)");
    } else if (!ShimRefusedMode(run.err)) {  // io_uring is usable here
      EXPECT_EQ(said[0], "greenshim: I/O waits: io_uring, one ring per worker");
    }
  }
}

// Where seccomp forbids io_uring, as in many containers, greenshim finds
// out at its probe and waits on kernel threads: the programs behave as
// natively, readers_1000 included (1,000 blocked readers and a computing
// thread on one worker). Forced with GREENSHIM_IO=uring, it says once why
// it cannot.
TEST(IoPathTest, FallsBackWhereSeccompForbidsIoUring) {
  for (const char* name : {"pipe_basic", "readers_1000"}) {
    const RunResult& native = NativeRun(SuiteProgram(name));
    ASSERT_TRUE(native.exited && native.exit_code == 0) << Describe("native", native);
    RunResult run = RunWithDebug(name, nullptr, true);
    ASSERT_TRUE(run.exited && run.exit_code == 0) << Describe(name, run);
    EXPECT_EQ(run.out, native.out) << Describe(name, run);
    EXPECT_TRUE(HasShimStats(run.err)) << Describe(name, run);
    EXPECT_EQ(LinesStartingWith(run.err, "greenshim: I/O waits: kernel threads (io_uring is "
                                         "disabled (kernel.io_uring_disabled or seccomp))")
                  .size(),
              1u)
        << Describe(name, run);
  }
  RunResult forced = RunWithDebug("pipe_basic", "uring", true);
  ASSERT_TRUE(forced.exited && forced.exit_code == 0) << Describe("forced", forced);
  EXPECT_EQ(LinesStartingWith(forced.err, "greenshim: GREENSHIM_IO=uring, but io_uring is disabled")
                .size(),
            1u)
      << Describe("forced", forced);
}

std::string CaseName(const ::testing::TestParamInfo<IoCompareTest::ParamType>& info) {
  std::string name = Basename(std::get<0>(info.param)) + "_" + ModeName(std::get<1>(info.param));
  for (char& c : name) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Programs, IoCompareTest,
                         ::testing::Combine(::testing::ValuesIn(g_programs),
                                            ::testing::Values(Mode::kNative, Mode::kUring,
                                                              Mode::kOff)),
                         CaseName);

}  // namespace
}  // namespace greenshim::integration

int main(int argc, char** argv) {
  using namespace greenshim::integration;
  if (!ParseSuiteArguments(argc, argv, &g_shim_path, &g_programs)) return 2;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
