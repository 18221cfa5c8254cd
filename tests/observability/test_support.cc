// See test_support.h.
#include "tests/observability/test_support.h"

#include <cstring>

#include "gtest/gtest.h"

namespace greenshim::observability {

std::string g_shim_path;
std::string g_program_path;
std::string g_gdb_script;

integration::RunResult RunPreloaded(const std::vector<std::string>& arguments,
                                    const std::vector<std::string>& extra_env) {
  integration::RunOptions options;
  options.argv = {g_program_path};
  options.argv.insert(options.argv.end(), arguments.begin(), arguments.end());
  options.env = integration::PreloadedEnvironment(g_shim_path);
  options.env.insert(options.env.end(), extra_env.begin(), extra_env.end());
  return integration::RunProgram(options);
}

namespace {

// The value of --`name`=... among argv, or "" when absent.
std::string FlagValue(int argc, char** argv, const char* name) {
  std::string prefix = std::string("--") + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) return argv[i] + prefix.size();
  }
  return "";
}

}  // namespace
}  // namespace greenshim::observability

int main(int argc, char** argv) {
  using namespace greenshim::observability;
  ::testing::InitGoogleTest(&argc, argv);
  g_shim_path = FlagValue(argc, argv, "shim");
  g_program_path = FlagValue(argc, argv, "program");
  g_gdb_script = FlagValue(argc, argv, "gdb-script");
  return RUN_ALL_TESTS();
}
