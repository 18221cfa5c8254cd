// The USDT probes of runtime/probes.h are in the built library: `readelf -n`
// lists a stapsdt note for each, under the provider "greenshim". (The
// I/O probes are placed by the I/O engine; they are checked once present.)
//
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

TEST(Probes, ReadelfListsThem) {
  RunOptions options;
  options.argv = {"/usr/bin/readelf", "-n", g_shim_path};
  options.env = NativeEnvironment();
  RunResult readelf = RunProgram(options);
  ASSERT_TRUE(readelf.exited && readelf.exit_code == 0) << readelf.status() << readelf.err;
  for (const char* probe :
       {"task_create", "task_switch", "task_park", "task_unpark", "task_exit", "steal"}) {
    std::string listed = std::string("Provider: greenshim\n    Name: ") + probe + "\n";
    EXPECT_NE(readelf.out.find(listed), std::string::npos) << probe << "\n" << readelf.out;
  }
}

}  // namespace
}  // namespace greenshim::observability
