// Runs each ordinary pthread program (tests/integration/programs, built with
// no knowledge of greenshim) twice -- natively, then with libgreenshim.so
// preloaded -- and requires the same stdout and the same exit status or
// terminating signal. stderr is not compared (programs put run-dependent
// details there), but the preloaded run's stderr must hold the
// GREENSHIM_STATS table, so a case cannot pass by running natively.
//
// A few programs run preloaded once per setting of their own
// (kPreloadedSettings), such as a single worker.
//
// Arguments (from the BUILD file): --shim=<path to libgreenshim.so>, then
// the paths of the programs; one test case per program, named after it.
// Every run is killed after a timeout: 60 s natively; preloaded, ten times
// the native time plus 10 s, between 20 and 60 s.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/subprocess.h"

namespace greenshim::integration {
namespace {

// Programs whose correct ending is not exit status 0: another status, or
// death by a signal (then no stats table is printed at exit; the shim's
// crash report on stderr shows that it ran instead).
struct ExitExpectation {
  const char* program;
  int exit_code;
  int signal;
};
constexpr ExitExpectation kOtherEndings[] = {
    {"exit_from_thread", 3, 0},
    {"exit_quick", 5, 0},
    {"exec_from_thread", 4, 0},
    {"exit_abort", 0, SIGABRT},
    {"exit_fatal_signal", 0, SIGSEGV},
};

// Programs that run preloaded with settings of their own, added to the
// usual environment.
struct PreloadedSetting {
  const char* program;
  const char* setting;  // NAME=value, or several separated by spaces
};
constexpr PreloadedSetting kPreloadedSettings[] = {
    // 1,000 threads waiting in std::barrier, std::latch, std::counting_semaphore
    // and std::atomic::wait, all on a single worker.
    {"cxx20_sync", "GREENSHIM_WORKERS=1"},
    // On one worker a woken waiter can only run once the thread that woke it
    // parks, so barging is at its worst.
    {"mutex_no_starvation", "GREENSHIM_WORKERS=1"},
    // One worker: the first thread blocked in the kernel would hold up
    // every other one but for the monitor's hand-off.
    {"blocked_in_kernel", "GREENSHIM_WORKERS=1"},
    {"blocked_in_kernel", "GREENSHIM_WORKERS=2"},
    // One worker: the read waits on the ring of the kernel thread that blocks.
    {"ring_read_across_hand_off", "GREENSHIM_WORKERS=1"},
    // One worker: the read waits on the ring of the kernel thread that spins.
    {"ring_read_behind_spinner", "GREENSHIM_WORKERS=1"},
    // One worker: spinning threads let others run only through preemption.
    {"preempt_spinners", "GREENSHIM_WORKERS=1"},
    {"preempt_spinners", "GREENSHIM_WORKERS=2"},
    // A 100 us quantum: thousands of preemptions in the computations, each
    // of which must keep every register.
    {"preempt_spinners", "GREENSHIM_WORKERS=1 GREENSHIM_PREEMPT_US=100"},
    {"heartbeat_under_load", "GREENSHIM_WORKERS=1"},
    {"heartbeat_under_load", "GREENSHIM_WORKERS=2"},
    {"signal_counts", "GREENSHIM_WORKERS=1"},
    {"signal_counts", "GREENSHIM_WORKERS=2"},
    {"dlopen_constructor", "GREENSHIM_WORKERS=1"},
    {"dlopen_constructor", "GREENSHIM_WORKERS=2"},
    {"unrouted_epoll_wait", "GREENSHIM_WORKERS=1"},
    {"unrouted_epoll_wait", "GREENSHIM_WORKERS=2"},
    // One worker: a thread parked in sigwait must not hold it.
    {"signal_masks", "GREENSHIM_WORKERS=1"},
    {"signal_masks", "GREENSHIM_WORKERS=2"},
    // Two workers, so that threads migrate (the program checks they did).
    {"errno_across_waits", "GREENSHIM_WORKERS=2"},
    {"tls_initial_image", "GREENSHIM_WORKERS=2"},
    {"dlopen_tls", "GREENSHIM_WORKERS=2"},
    {"fork_tls", "GREENSHIM_WORKERS=2"},
    {"sched_getcpu_threads", "GREENSHIM_WORKERS=2"},
    {"setxid_threads", "GREENSHIM_WORKERS=1"},
    // One worker: the asynchronously cancelled spinner holds it.
    {"cancel_parked_waits", "GREENSHIM_WORKERS=1"},
    {"cancel_parked_waits", "GREENSHIM_WORKERS=2"},
    {"handler_self_pipe", "GREENSHIM_WORKERS=1"},
    {"process_signal_waiter", "GREENSHIM_WORKERS=1"},
    {"process_signal_waiter", "GREENSHIM_WORKERS=2"},
    {"handler_self_pipe", "GREENSHIM_WORKERS=2"},
    {"setxid_threads", "GREENSHIM_WORKERS=2"},
};

constexpr std::chrono::seconds kNativeTimeout{60};
constexpr std::chrono::seconds kMinPreloadedTimeout{20};
constexpr std::chrono::seconds kMaxPreloadedTimeout{60};

std::string g_shim_path;
std::vector<std::string> g_programs;

ExitExpectation ExpectedEnding(const std::string& name) {
  for (const ExitExpectation& expectation : kOtherEndings) {
    if (name == expectation.program) return expectation;
  }
  return ExitExpectation{nullptr, 0, 0};
}

bool EndsAsExpected(const RunResult& run, const ExitExpectation& expected) {
  return expected.signal != 0 ? !run.exited && run.signal == expected.signal
                              : run.exited && run.exit_code == expected.exit_code;
}

// The shim leaves its stats table at exit, or its crash report when a
// fatal signal ends the program.
bool ShowsShim(const RunResult& run) {
  return HasShimStats(run.err) || run.err.find("greenshim: fatal signal") != std::string::npos;
}

std::string Describe(const char* label, const RunResult& run) {
  return std::string(label) + ": " + run.status() + "\n--- " + label + " stdout ---\n" +
         Tail(run.out) + "--- " + label + " stderr ---\n" + Tail(run.err);
}

// The preloaded run of `name` with `setting` (NAME=value, or none), held
// against the native run.
void CheckPreloaded(const std::string& name, const RunOptions& native_options,
                    const RunResult& native, const char* setting) {
  RunOptions preloaded_options = native_options;
  preloaded_options.env = PreloadedEnvironment(g_shim_path);
  // A setting may hold several NAME=value words.
  if (setting != nullptr) {
    std::istringstream words(setting);
    for (std::string word; words >> word;) preloaded_options.env.push_back(word);
  }
  auto scaled = std::chrono::milliseconds(static_cast<long>(native.seconds * 10000)) +
                std::chrono::seconds(10);
  preloaded_options.timeout =
      std::clamp<std::chrono::milliseconds>(scaled, kMinPreloadedTimeout, kMaxPreloadedTimeout);
  RunResult preloaded = RunProgram(preloaded_options);
  ::testing::Test::RecordProperty("preloaded_seconds", std::to_string(preloaded.seconds));
  ASSERT_TRUE(preloaded.started) << preloaded.start_error;
  ASSERT_FALSE(preloaded.timed_out)
      << "HANG under greenshim (native run took " << native.seconds << " s)\n"
      << Describe("preloaded", preloaded) << "\n"
      << Describe("native", native);
  EXPECT_TRUE(ShowsShim(preloaded))
      << "no GREENSHIM_STATS table or crash report on stderr: did the program run under the "
         "shim at all?\n"
      << Describe("preloaded", preloaded);
  EXPECT_EQ(native.out, preloaded.out)
      << "stdout differs (native: " << native.status() << ", preloaded: " << preloaded.status()
      << ")\n--- preloaded stderr ---\n"
      << Tail(preloaded.err) << "--- native stderr ---\n"
      << Tail(native.err);
  EXPECT_TRUE(native.same_ending(preloaded))
      << "native: " << native.status() << ", preloaded: " << preloaded.status() << "\n"
      << (native.out == preloaded.out ? Describe("preloaded", preloaded) : "");
}

class CompareTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CompareTest, SameOutputNativeAndPreloaded) {
  const std::string& path = GetParam();
  const std::string name = Basename(path);
  ASSERT_FALSE(g_shim_path.empty()) << "no --shim=<libgreenshim.so> argument";

  RunOptions native_options;
  native_options.argv = {AbsolutePath(path)};
  native_options.env = NativeEnvironment();
  native_options.timeout = kNativeTimeout;
  RunResult native = RunProgram(native_options);
  RecordProperty("native_seconds", std::to_string(native.seconds));
  ASSERT_TRUE(native.started) << native.start_error;
  ASSERT_FALSE(native.timed_out) << "the program hangs even natively\n"
                                 << Describe("native", native);
  // The program checks itself; natively it must pass, or the comparison
  // would mean nothing.
  ExitExpectation expected = ExpectedEnding(name);
  ASSERT_TRUE(EndsAsExpected(native, expected))
      << "natively the program should end with "
      << (expected.signal != 0 ? "signal " + std::to_string(expected.signal)
                               : "exit " + std::to_string(expected.exit_code))
      << "\n"
      << Describe("native", native);

  // One preloaded run per setting listed for the program, else one with
  // the usual environment.
  std::vector<const char*> settings;
  for (const PreloadedSetting& entry : kPreloadedSettings) {
    if (name == entry.program) settings.push_back(entry.setting);
  }
  if (settings.empty()) settings.push_back(nullptr);
  for (const char* setting : settings) {
    SCOPED_TRACE(setting != nullptr ? setting : "default settings");
    CheckPreloaded(name, native_options, native, setting);
    if (HasFatalFailure() || IsSkipped()) return;
  }
}

std::string CaseName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = Basename(info.param);
  for (char& c : name) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Programs, CompareTest, ::testing::ValuesIn(g_programs), CaseName);

}  // namespace
}  // namespace greenshim::integration

int main(int argc, char** argv) {
  using namespace greenshim::integration;
  if (!ParseSuiteArguments(argc, argv, &g_shim_path, &g_programs)) return 2;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
