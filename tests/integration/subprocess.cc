// See subprocess.h.
#include "tests/integration/subprocess.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

extern char** environ;

namespace greenshim::integration {
namespace {

double seconds_since(const timespec& start) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec - start.tv_sec) +
         static_cast<double>(now.tv_nsec - start.tv_nsec) / 1e9;
}

std::string temp_root() {
  const char* dir = getenv("TEST_TMPDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (std::string& s : strings) result.push_back(s.data());
  result.push_back(nullptr);
  return result;
}

}  // namespace

std::string RunResult::status() const {
  std::ostringstream text;
  if (!started) {
    text << "NOT STARTED (" << start_error << ")";
  } else if (timed_out) {
    text << "TIMED OUT after " << seconds << " s (killed with SIGKILL)";
  } else if (exited) {
    text << "exit " << exit_code;
  } else {
    text << "killed by signal " << signal << " (" << strsignal(signal) << ")";
  }
  return text.str();
}

RunResult RunProgram(const RunOptions& options) {
  RunResult result;
  std::string dir = MakeTempDir("run");
  std::string out_path = options.stdout_path.empty() ? dir + "/stdout" : options.stdout_path;
  std::string err_path = dir + "/stderr";

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, options.stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Own process group, so a timeout kills the program's children too;
  // default signal dispositions and an empty mask, whatever ours are.
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attributes, &signals);
  sigfillset(&signals);
  posix_spawnattr_setsigdefault(&attributes, &signals);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> argv = options.argv;
  std::vector<std::string> env = options.env;
  std::vector<char*> argv_pointers = pointers(argv);
  std::vector<char*> env_pointers = pointers(env);

  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pid_t pid = -1;
  int error = posix_spawn(&pid, argv_pointers[0], &actions, &attributes, argv_pointers.data(),
                          env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    result.start_error = std::string(argv[0]) + ": " + strerror(error);
    return result;
  }
  result.started = true;

  const double limit = std::chrono::duration<double>(options.timeout).count();
  int status = 0;
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) break;
    if (seconds_since(start) >= limit) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    timespec pause{0, 2 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
  result.seconds = seconds_since(start);
  // Whatever the program left running in its group (it may have forked).
  kill(-pid, SIGKILL);

  if (WIFEXITED(status)) {
    result.exited = true;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  if (options.stdout_path.empty()) ReadFile(out_path, &result.out);
  ReadFile(err_path, &result.err);
  unlink(err_path.c_str());
  if (options.stdout_path.empty()) unlink(out_path.c_str());
  rmdir(dir.c_str());
  return result;
}

std::vector<std::string> NativeEnvironment() {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string variable = *entry;
    if (variable.rfind("LD_PRELOAD=", 0) == 0 || variable.rfind("GREENSHIM_", 0) == 0) continue;
    env.push_back(variable);
  }
  return env;
}

std::vector<std::string> PreloadedEnvironment(const std::string& shim_path) {
  std::vector<std::string> env = NativeEnvironment();
  env.push_back("LD_PRELOAD=" + AbsolutePath(shim_path));
  env.push_back("GREENSHIM_STATS=1");
  return env;
}

bool HasShimStats(const std::string& err) {
  return err.find("greenshim: worker ") != std::string::npos &&
         err.find("tasks run") != std::string::npos &&
         err.find("greenshim: total ") != std::string::npos;
}

std::string WithoutShimLines(const std::string& err) {
  std::istringstream lines(err);
  std::string line, result;
  while (std::getline(lines, line)) {
    if (line.rfind("greenshim: ", 0) == 0) continue;
    result += line + "\n";
  }
  return result;
}

std::string MakeTempDir(const std::string& prefix) {
  std::string pattern = temp_root() + "/" + prefix + ".XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) return temp_root();
  return buffer.data();
}

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

std::string Basename(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool ReadFile(const std::string& path, std::string* contents) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::ostringstream buffer;
  buffer << file.rdbuf();
  *contents = buffer.str();
  return true;
}

std::string Tail(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  return "[... " + std::to_string(text.size() - max_bytes) + " bytes cut ...]\n" +
         text.substr(text.size() - max_bytes);
}

bool ParseSuiteArguments(int argc, char** argv, std::string* shim_path,
                         std::vector<std::string>* programs) {
  for (int i = 1; i < argc; ++i) {
    if (strncmp(argv[i], "--shim=", 7) == 0) {
      *shim_path = argv[i] + 7;
    } else if (strncmp(argv[i], "--gtest", 7) != 0) {
      programs->push_back(argv[i]);
    }
  }
  if (!programs->empty()) return true;
  fprintf(stderr, "usage: %s --shim=<libgreenshim.so> <program>...\n", argv[0]);
  return false;
}

}  // namespace greenshim::integration
