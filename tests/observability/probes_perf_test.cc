// The USDT probes fire: perf records sdt_greenshim:task_create while
// counted_work runs preloaded, and sees exactly one event per thread the
// program creates. perf needs the kernel's uprobes and the right to use
// them; where it cannot (no perf, a locked-down kernel, an unwritable
// build-id cache) the test is skipped with perf's own words.
#include <unistd.h>

#include <cstdlib>
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

constexpr int kThreadsCreated = 50;  // counted_work's kThreads
constexpr const char* kPerf = "/usr/bin/perf";
constexpr const char* kEvent = "sdt_greenshim:task_create";

// A build-id cache of the test's own: perf's shared one mixes up copies of
// the library that share a build id, and then cannot place the probe.
std::string g_buildid_directory;

RunResult Perf(std::vector<std::string> arguments) {
  RunOptions options;
  options.argv = {kPerf, "--buildid-dir", g_buildid_directory};
  options.argv.insert(options.argv.end(), arguments.begin(), arguments.end());
  options.env = NativeEnvironment();
  return RunProgram(options);
}

bool Succeeded(const RunResult& run) { return run.exited && run.exit_code == 0; }

void RemoveDirectory(const char* directory) {
  RunOptions remove;
  remove.argv = {"/bin/rm", "-rf", directory};
  remove.env = NativeEnvironment();
  RunProgram(remove);
}

TEST(Probes, PerfCountsEveryTaskCreated) {
  if (access(kPerf, X_OK) != 0) GTEST_SKIP() << "perf is not installed";
  char directory[] = "/tmp/greenshim-perf-XXXXXX";
  ASSERT_NE(mkdtemp(directory), nullptr);
  g_buildid_directory = directory;
  // perf finds a library's SDT notes through its build-id cache.
  RunResult cached = Perf({"buildid-cache", "--add", g_shim_path});
  RunResult added = Perf({"probe", "-x", g_shim_path, "-a", kEvent});
  if (!Succeeded(cached) || !Succeeded(added)) {
    RemoveDirectory(directory);
    GTEST_SKIP() << "perf cannot place the probe here (no uprobes, or no permission): "
                 << cached.err << added.err;
  }

  std::string data = std::string(directory) + "/perf.data";
  RunResult recorded =
      Perf({"record", "-q", "-e", kEvent, "-o", data, "--", "/usr/bin/env",
            "LD_PRELOAD=" + g_shim_path, g_program_path});
  RunResult script = Perf({"script", "-i", data});
  Perf({"probe", "-d", kEvent});
  RemoveDirectory(directory);
  if (!Succeeded(recorded)) GTEST_SKIP() << "perf record refused: " << recorded.err;
  ASSERT_TRUE(Succeeded(script)) << script.status() << script.err;

  int events = 0;
  for (size_t at = script.out.find(kEvent); at != std::string::npos;
       at = script.out.find(kEvent, at + 1))
    ++events;
  EXPECT_EQ(events, kThreadsCreated) << script.out;
}

}  // namespace
}  // namespace greenshim::observability
