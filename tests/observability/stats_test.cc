// GREENSHIM_STATS (tables on stderr), GREENSHIM_STATS_FILE=*.json and
// GREENSHIM_SCHEDTRACE, parsed from runs of programs/counted_work, whose
// events are known in advance: 50 threads created and run, all alive at
// once, 3 sleeps each, every park woken once.
//
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

using integration::MakeTempDir;
using integration::ReadFile;
using integration::RunResult;
using integration::Tail;

constexpr uint64_t kThreads = 50;
constexpr uint64_t kSleeps = kThreads * 3;
constexpr int kWorkers = 2;

// Counter name -> value, for one row of the report.
using Counters = std::map<std::string, uint64_t>;

struct Report {
  std::map<std::string, Counters> rows;  // "0", "1", ..., "total"
  uint64_t peak_tasks_alive = 0;
  uint64_t peak_kernel_threads = 0;
};

RunResult RunCounted(std::vector<std::string> extra_env) {
  extra_env.push_back("GREENSHIM_WORKERS=" + std::to_string(kWorkers));
  return RunPreloaded({}, extra_env);
}

std::string Describe(const RunResult& run) {
  return run.status() + "\n--- stderr ---\n" + Tail(run.err);
}

// The table layout of runtime/stats.cc: "greenshim: " and a 7-wide first
// column, then 14-wide right-aligned columns; several tables one after
// another, each starting with a "worker" heading row.
Report ParseTables(const std::string& err) {
  constexpr size_t kFirstColumn = 18, kColumnWidth = 14;
  auto trim = [](std::string text) {
    text.erase(0, text.find_first_not_of(' '));
    text.erase(text.find_last_not_of(' ') + 1);
    return text;
  };
  Report report;
  std::vector<std::string> headings;
  std::istringstream lines(err);
  std::string line;
  std::smatch match;
  static const std::regex kPeaks(
      R"(greenshim: peak tasks alive (\d+), peak kernel threads (\d+))");
  while (std::getline(lines, line)) {
    if (std::regex_match(line, match, kPeaks)) {
      report.peak_tasks_alive = std::stoull(match[1]);
      report.peak_kernel_threads = std::stoull(match[2]);
      continue;
    }
    if (line.rfind("greenshim: ", 0) != 0 || line.size() < kFirstColumn) continue;
    std::string label = trim(line.substr(11, 7));
    std::vector<std::string> cells;
    for (size_t at = kFirstColumn; at < line.size(); at += kColumnWidth)
      cells.push_back(trim(line.substr(at, kColumnWidth)));
    if (label == "worker") {
      headings = cells;
      continue;
    }
    for (size_t i = 0; i < cells.size() && i < headings.size(); ++i)
      report.rows[label][headings[i]] = std::stoull(cells[i]);
  }
  return report;
}

Counters ParseJsonObject(const std::string& text) {
  static const std::regex kField(R"re("(\w+)": (\d+))re");
  Counters counters;
  for (std::sregex_iterator it(text.begin(), text.end(), kField), end; it != end; ++it)
    counters[(*it)[1]] = std::stoull((*it)[2]);
  return counters;
}

// The JSON layout of runtime/stats.cc: one object per line under
// "workers", then "total" and the two peaks.
Report ParseJson(const std::string& json) {
  Report report;
  std::istringstream lines(json);
  std::string line;
  std::smatch match;
  static const std::regex kWorker(R"re(^\s*\{"worker": "(\w+)", (.*)\},?$)re");
  static const std::regex kTotal(R"re(^\s*"total": \{(.*)\},$)re");
  static const std::regex kPeak(R"re(^\s*"(peak_\w+)": (\d+),?$)re");
  while (std::getline(lines, line)) {
    if (std::regex_match(line, match, kWorker)) {
      report.rows[match[1]] = ParseJsonObject(match[2]);
    } else if (std::regex_match(line, match, kTotal)) {
      report.rows["total"] = ParseJsonObject(match[1]);
    } else if (std::regex_match(line, match, kPeak)) {
      (match[1] == "peak_tasks_alive" ? report.peak_tasks_alive : report.peak_kernel_threads) =
          std::stoull(match[2]);
    }
  }
  return report;
}

// What counted_work did, whichever format reported it. `names` maps the
// report's names for the counters checked here (table headings or JSON
// keys).
struct Names {
  const char *created, *run, *switches, *parks, *wakeups, *timers, *steals_tried, *steals_won,
      *handoffs;
};
constexpr Names kTableNames = {"tasks created", "tasks run",    "switches",
                               "task parks",    "task wake-ups", "timers fired",
                               "steals tried",  "steals won",   "hand-offs"};
constexpr Names kJsonNames = {"tasks_created", "tasks_run",    "switches",
                              "task_parks",    "task_wakeups", "timers_fired",
                              "steals_tried",  "steals_won",   "handoffs"};

void CheckReport(const Report& report, const Names& names, const std::string& context) {
  ASSERT_EQ(report.rows.count("total"), 1u) << context;
  const Counters& total = report.rows.at("total");
  // One row per worker and the total. On a loaded machine the monitor may
  // see a worker blocked in the kernel and hand it to a spare: the spare
  // gets a row and a kernel thread, the hand-off is counted "outside".
  // Nothing else may add rows.
  size_t spares = 0;
  for (const auto& [label, row] : report.rows) {
    if (label != "total" && label != "outside" && std::stoul(label) >= static_cast<unsigned long>(kWorkers)) ++spares;
  }
  bool handed_off = total.at(names.handoffs) > 0;
  EXPECT_EQ(report.rows.size(), kWorkers + 1u + spares + report.rows.count("outside")) << context;
  if (!handed_off) {
    EXPECT_EQ(spares + report.rows.count("outside"), 0u) << context;
    // The main thread drives worker 0; worker 1 gets a kernel thread.
    EXPECT_EQ(report.peak_kernel_threads, static_cast<uint64_t>(kWorkers)) << context;
  } else {
    EXPECT_GT(report.peak_kernel_threads, static_cast<uint64_t>(kWorkers)) << context;
  }
  EXPECT_EQ(total.at(names.created), kThreads) << context;
  EXPECT_EQ(total.at(names.run), kThreads) << context;
  EXPECT_GE(total.at(names.switches), kThreads) << context;
  EXPECT_EQ(total.at(names.timers), kSleeps) << context;
  // Every sleep parks once; so does every barrier wait but the last, and
  // joins may or may not park. Each park is woken exactly once.
  EXPECT_GE(total.at(names.parks), kSleeps + kThreads - 1) << context;
  EXPECT_EQ(total.at(names.wakeups), total.at(names.parks)) << context;
  EXPECT_LE(total.at(names.steals_won), total.at(names.steals_tried)) << context;
  EXPECT_EQ(report.peak_tasks_alive, kThreads + 1) << context;  // and the main thread
  // Totals are the sums of the rows, for every counter but the largest batch.
  for (const auto& [name, value] : total) {
    if (name.find("largest") != std::string::npos) continue;
    uint64_t sum = 0;
    for (const auto& [label, row] : report.rows) {
      if (label != "total") sum += row.count(name) ? row.at(name) : 0;
    }
    EXPECT_EQ(value, sum) << name << "\n" << context;
  }
}

TEST(Stats, TableOnStderrCountsWhatTheProgramDid) {
  RunResult run = RunCounted({});
  ASSERT_TRUE(run.exited && run.exit_code == 0) << Describe(run);
  Report report = ParseTables(run.err);
  CheckReport(report, kTableNames, Describe(run));
  // Every counter of every table is there, those nothing counts yet too.
  for (const char* heading :
       {"preemptions", "hand-offs", "io submitted", "io batches", "largest batch", "io completed",
        "worker parks", "worker wakes", "worker rests", "rests ended"})
    EXPECT_EQ(report.rows["total"].count(heading), 1u) << heading << "\n" << Describe(run);
}

TEST(Stats, JsonFileCountsWhatTheProgramDid) {
  std::string path = MakeTempDir("stats") + "/stats.json";
  RunResult run = RunCounted({"GREENSHIM_STATS_FILE=" + path});
  ASSERT_TRUE(run.exited && run.exit_code == 0) << Describe(run);
  std::string json;
  ASSERT_TRUE(ReadFile(path, &json)) << path;
  EXPECT_EQ(run.err.find("greenshim: total"), std::string::npos) << "table went to stderr too";
  ASSERT_EQ(json.front(), '{') << json;
  CheckReport(ParseJson(json), kJsonNames, json);
  for (const char* key : {"\"preemptions\": 0", "\"handoffs\": 0", "\"io_submissions\": 0",
                          "\"io_submit_batches\": 0", "\"io_largest_batch\": 0",
                          "\"io_completions\": 0"})
    EXPECT_NE(json.find(key), std::string::npos) << key << "\n" << json;
  // Workers rest only on a machine busy with other processes: any count.
  for (const char* key : {"\"worker_rests\": ", "\"rests_ended\": "})
    EXPECT_NE(json.find(key), std::string::npos) << key << "\n" << json;
}

// Not a stats setting, but the rests are counted here: a bad value of
// GREENSHIM_REST_WORKERS gets one warning and the default.
TEST(Stats, BadRestWorkersValueWarnsOnce) {
  RunResult run = RunCounted({"GREENSHIM_REST_WORKERS=yes"});
  ASSERT_TRUE(run.exited && run.exit_code == 0) << Describe(run);
  const std::string warning = "greenshim: GREENSHIM_REST_WORKERS=yes is not 0 or 1";
  size_t first = run.err.find(warning);
  EXPECT_NE(first, std::string::npos) << run.err;
  EXPECT_EQ(run.err.find(warning, first + 1), std::string::npos) << run.err;
}

TEST(Stats, TableFileWhenNotJson) {
  std::string path = MakeTempDir("stats") + "/stats.txt";
  RunResult run = RunCounted({"GREENSHIM_STATS_FILE=" + path});
  ASSERT_TRUE(run.exited && run.exit_code == 0) << Describe(run);
  std::string table;
  ASSERT_TRUE(ReadFile(path, &table)) << path;
  CheckReport(ParseTables(table), kTableNames, table);
}

}  // namespace
}  // namespace greenshim::observability
