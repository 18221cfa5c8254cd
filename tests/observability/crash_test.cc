// Crash reports (runtime/crash_report.h): programs/crashes dies in a green
// thread named "crasher" in several ways. Preloaded, it must end exactly as
// natively (same signal), and its stderr must name the green thread and
// hold a backtrace through the function that crashed. A program with its
// own handler keeps it.
//
#include <sys/resource.h>

#include <string>

#include "gtest/gtest.h"
#include "tests/integration/subprocess.h"
#include "tests/observability/test_support.h"

namespace greenshim::observability {
namespace {

using integration::NativeEnvironment;
using integration::RunOptions;
using integration::RunProgram;
using integration::RunResult;
using integration::Tail;

struct Crash {
  const char* mode;
  int signal;
  const char* function;  // in the backtrace
  const char* note;      // after the thread's name, or ""
};

// Core dumps off for the programs run here (inherited), so that no core
// files are left behind.
class NoCoreDumps : public ::testing::Environment {
 public:
  void SetUp() override {
    rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
  }
};
const auto* const kNoCoreDumps = ::testing::AddGlobalTestEnvironment(new NoCoreDumps);

RunResult RunNatively(const char* mode) {
  RunOptions options;
  options.argv = {g_program_path, mode};
  options.env = NativeEnvironment();
  return RunProgram(options);
}

std::string Describe(const char* label, const RunResult& run) {
  return std::string(label) + ": " + run.status() + "\n--- stderr ---\n" + Tail(run.err);
}

class CrashReport : public ::testing::TestWithParam<Crash> {};

TEST_P(CrashReport, NamesTheGreenThreadAndDiesAsNatively) {
  const Crash& crash = GetParam();
  RunResult native = RunNatively(crash.mode);
  RunResult preloaded = RunPreloaded({crash.mode}, {});
  std::string context = Describe("native", native) + "\n" + Describe("preloaded", preloaded);
  ASSERT_FALSE(native.exited) << context;
  EXPECT_EQ(native.signal, crash.signal) << context;
  EXPECT_TRUE(preloaded.same_ending(native)) << context;
  std::string headline = std::string("greenshim: fatal signal SIG") + sigabbrev_np(crash.signal) +
                         " in green thread 2 \"crasher\"" + crash.note + "\n";
  EXPECT_NE(preloaded.err.find(headline), std::string::npos) << headline << context;
  EXPECT_NE(preloaded.err.find(std::string(" ") + crash.function + "+0x"), std::string::npos)
      << context;
}

INSTANTIATE_TEST_SUITE_P(
    Signals, CrashReport,
    ::testing::Values(Crash{"segv", SIGSEGV, "crash_by_null_pointer", ""},
                      Crash{"abort", SIGABRT, "crash_by_abort", ""},
                      Crash{"overflow", SIGSEGV, "crash_by_overflow", ": stack overflow"},
                      Crash{"bus", SIGBUS, "crash_by_bus_error", ""}),
    [](const ::testing::TestParamInfo<Crash>& info) { return std::string(info.param.mode); });

TEST(CrashReport, ProgramsOwnHandlerWins) {
  RunResult preloaded = RunPreloaded({"own"}, {});
  EXPECT_TRUE(preloaded.exited && preloaded.exit_code == 3) << Describe("preloaded", preloaded);
  EXPECT_EQ(preloaded.out, "own handler ran\n") << Describe("preloaded", preloaded);
  EXPECT_EQ(preloaded.err.find("fatal signal"), std::string::npos)
      << Describe("preloaded", preloaded);
}

}  // namespace
}  // namespace greenshim::observability
