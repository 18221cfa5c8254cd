// GREENSHIM_SCHEDTRACE=MS (runtime/schedtrace.h), parsed from runs of
// programs/counted_work (50 threads that sleep 3 x 30 ms): trace lines come
// while the program runs, each consistent with the program (2 workers, at
// most 51 tasks, the parked ones broken down by reason); a bad value gets
// one warning and no trace; no variable, no trace.
//
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/subprocess.h"
#include "tests/observability/test_support.h"

namespace greenshim::observability {
namespace {

using integration::RunResult;
using integration::Tail;

RunResult RunCounted(std::vector<std::string> extra_env) {
  extra_env.push_back("GREENSHIM_WORKERS=2");
  return RunPreloaded({}, extra_env);
}

std::vector<std::string> LinesStartingWith(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(prefix, 0) == 0) found.push_back(line);
  }
  return found;
}

TEST(SchedTrace, LinesWhileTheProgramRuns) {
  RunResult run = RunCounted({"GREENSHIM_SCHEDTRACE=10"});
  std::string context = run.status() + "\n--- stderr ---\n" + Tail(run.err);
  ASSERT_TRUE(run.exited && run.exit_code == 0) << context;
  std::vector<std::string> lines = LinesStartingWith(run.err, "greenshim: SCHED ");
  // The program runs for at least 90 ms.
  EXPECT_GE(lines.size(), 3u) << context;
  static const std::regex kLine(
      // threads: the workers' kernel threads, and spares that stand in for
      // one the monitor saw blocked (a loaded machine can make that happen).
      R"(greenshim: SCHED (\d+)ms: workers=2 busy=([0-2]) spinning=\d+ idle=\d+ resting=[01] threads=[1-9]\d* )"
      R"(runqueue=\d+ \[\d+ \d+\] tasks=(\d+) running=(\d+) runnable=(\d+) parked=(\d+) \((.*)\))");
  static const std::regex kReason(R"((\w+)=(\d+))");
  bool saw_sleepers = false;
  long previous_ms = -1;
  for (const std::string& line : lines) {
    std::smatch match;
    ASSERT_TRUE(std::regex_match(line, match, kLine)) << line;
    long ms = std::stol(match[1]);
    EXPECT_GT(ms, previous_ms) << line;
    previous_ms = ms;
    unsigned long tasks = std::stoul(match[3]), running = std::stoul(match[4]),
                  runnable = std::stoul(match[5]), parked = std::stoul(match[6]);
    EXPECT_LE(tasks, 51u) << line;
    EXPECT_EQ(running + runnable + parked, tasks) << line;
    std::string reasons = match[7];
    unsigned long by_reason = 0;
    for (std::sregex_iterator it(reasons.begin(), reasons.end(), kReason), end; it != end; ++it) {
      by_reason += std::stoul((*it)[2]);
      if ((*it)[1] == "sleep" && std::stoul((*it)[2]) > 0) saw_sleepers = true;
    }
    EXPECT_EQ(by_reason, parked) << line;
  }
  EXPECT_TRUE(saw_sleepers) << context;
}

TEST(SchedTrace, BadValueWarnsOnceAndTracesNothing) {
  RunResult run = RunCounted({"GREENSHIM_SCHEDTRACE=10x"});
  ASSERT_TRUE(run.exited && run.exit_code == 0) << run.status() << run.err;
  EXPECT_EQ(LinesStartingWith(run.err, "greenshim: GREENSHIM_SCHEDTRACE=10x ").size(), 1u)
      << run.err;
  EXPECT_TRUE(LinesStartingWith(run.err, "greenshim: SCHED ").empty()) << run.err;
}

TEST(SchedTrace, NothingWhenUnset) {
  RunResult run = RunCounted({});
  ASSERT_TRUE(run.exited && run.exit_code == 0) << run.status() << run.err;
  EXPECT_TRUE(LinesStartingWith(run.err, "greenshim: SCHED ").empty()) << run.err;
}

}  // namespace
}  // namespace greenshim::observability
