// What every observability test shares: the paths the BUILD file passes
// (--shim=, --program=, --gdb-script=; test_support.cc's main() reads them
// before the tests run) and a way to run the program under test preloaded.
#pragma once

#include <string>
#include <vector>

#include "tests/integration/subprocess.h"

namespace greenshim::observability {

extern std::string g_shim_path;     // libgreenshim.so
extern std::string g_program_path;  // the test's program, if it has one
extern std::string g_gdb_script;    // scripts/gdb/greenshim.py, for gdb_test

// Runs g_program_path with `arguments`, libgreenshim.so preloaded,
// GREENSHIM_STATS=1 and the `extra_env` settings.
integration::RunResult RunPreloaded(const std::vector<std::string>& arguments,
                                    const std::vector<std::string>& extra_env);

}  // namespace greenshim::observability
