// Real multi-threaded programs nobody here wrote, from Debian's packages
// (scripts/deps.sh installs them), run natively and with libgreenshim.so
// preloaded:
//  - pbzip2 -p8 compressing a generated ~20 MB file: the compressed bytes
//    must be identical (pbzip2's output depends only on the data and the
//    block size, not on its threads), and decompressing with pbzip2 -d -p8
//    must give back the original, both ways;
//  - stress-ng --pthread 4 for 3 s: exit status 0 and "successful run
//    completed" both ways, and a non-zero bogo-op count preloaded;
//  - coreutils' timeout, which waits for its child's SIGCHLD or its own
//    SIGALRM in sigsuspend: the child's status when it ends in time, 124
//    when the time runs out, both ways.
//  - memcached -t 4 (libevent worker threads on epoll) for 4 s while four
//    client threads here store and read back 200 keys each: every answer
//    right, preloaded (natively it is memcached's own business);
//  - python3 running python_threads.py (threads over a queue, a pool,
//    subprocesses from threads, a threaded TCP echo, signal.alarm with
//    threads waiting): the same output both ways.
// Each run is killed after 60 s, so a hang fails its case instead of the
// whole test. The preloaded runs must show the GREENSHIM_STATS table.
//
// Arguments: --shim=<libgreenshim.so> --pbzip2=<path> --stress-ng=<path>
// --python-script=<python_threads.py>.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/subprocess.h"

namespace greenshim::integration {
namespace {

std::string g_shim_path;
std::string g_pbzip2 = "/usr/bin/pbzip2";
std::string g_stress_ng = "/usr/bin/stress-ng";
std::string g_python_script;

constexpr std::chrono::seconds kTimeout{60};
constexpr size_t kInputBytes = 20u << 20;

std::string Describe(const char* label, const RunResult& run) {
  return std::string(label) + ": " + run.status() + " in " + std::to_string(run.seconds) +
         " s\n--- " + label + " stdout ---\n" + Tail(run.out) + "--- " + label + " stderr ---\n" +
         Tail(run.err);
}

// Text of pseudo-random words from a fixed vocabulary: compresses about
// 3:1, deterministic for a given size.
std::string GenerateInput(size_t size) {
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::vector<std::string> words;
  for (int i = 0; i < 4096; ++i) {
    std::string word;
    int length = 2 + static_cast<int>(next() % 9);
    for (int j = 0; j < length; ++j) word += static_cast<char>('a' + next() % 26);
    words.push_back(word);
  }
  std::string text;
  text.reserve(size + 128);
  int column = 0;
  while (text.size() < size) {
    uint64_t r = next();
    if (r % 50 == 0) {
      text += std::to_string(next() % 100000);
    } else {
      // Skewed towards the first words, as in natural text.
      text += words[(r >> 8) % (1 + (r >> 40) % 4096)];
    }
    column += 1;
    text += column % 14 == 0 ? '\n' : ' ';
  }
  text.resize(size);
  return text;
}

bool WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  return static_cast<bool>(file);
}

std::string FirstDifference(const std::string& a, const std::string& b) {
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return "sizes " + std::to_string(a.size()) + " and " + std::to_string(b.size()) +
         ", first difference at byte " + std::to_string(i);
}

RunResult RunPbzip2(const std::vector<std::string>& arguments, bool preloaded,
                    const std::string& stdout_path) {
  RunOptions options;
  options.argv = {g_pbzip2};
  options.argv.insert(options.argv.end(), arguments.begin(), arguments.end());
  options.env = preloaded ? PreloadedEnvironment(g_shim_path) : NativeEnvironment();
  options.timeout = kTimeout;
  options.stdout_path = stdout_path;
  return RunProgram(options);
}

class Pbzip2Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("pbzip2"));
    input_ = new std::string(GenerateInput(kInputBytes));
    input_ok_ = WriteFile(InputPath(), *input_);
    native_compressed_ = new std::string;
    native_compression_ =
        new RunResult(RunPbzip2({"-p8", "-9", "-c", InputPath()}, false, NativeCompressedPath()));
    ReadFile(NativeCompressedPath(), native_compressed_);
  }
  static void TearDownTestSuite() {
    unlink(InputPath().c_str());
    unlink(NativeCompressedPath().c_str());
    delete dir_;
    delete input_;
    delete native_compressed_;
    delete native_compression_;
  }
  void SetUp() override {
    if (access(g_pbzip2.c_str(), X_OK) != 0)
      FAIL() << g_pbzip2 << " is missing: run scripts/deps.sh";
    ASSERT_TRUE(input_ok_) << "cannot write " << InputPath();
    ASSERT_FALSE(g_shim_path.empty()) << "no --shim=<libgreenshim.so> argument";
    ASSERT_TRUE(native_compression_->exited && native_compression_->exit_code == 0)
        << "native compression failed\n"
        << Describe("native", *native_compression_);
    ASSERT_LT(native_compressed_->size(), input_->size() / 2) << "input not compressible?";
  }
  static std::string InputPath() { return *dir_ + "/input.txt"; }
  static std::string NativeCompressedPath() { return *dir_ + "/native.bz2"; }

  static std::string* dir_;
  static std::string* input_;
  static bool input_ok_;
  static std::string* native_compressed_;
  static RunResult* native_compression_;
};
std::string* Pbzip2Test::dir_;
std::string* Pbzip2Test::input_;
bool Pbzip2Test::input_ok_;
std::string* Pbzip2Test::native_compressed_;
RunResult* Pbzip2Test::native_compression_;

TEST_F(Pbzip2Test, CompressSameBytesAsNative) {
  std::string path = *dir_ + "/preloaded.bz2";
  RunResult preloaded = RunPbzip2({"-p8", "-9", "-c", InputPath()}, true, path);
  ASSERT_FALSE(preloaded.timed_out) << "HANG under greenshim\n" << Describe("preloaded", preloaded);
  EXPECT_TRUE(native_compression_->same_ending(preloaded))
      << "native: " << native_compression_->status() << "\n"
      << Describe("preloaded", preloaded);
  EXPECT_TRUE(HasShimStats(preloaded.err)) << "not run under the shim?\n"
                                           << Describe("preloaded", preloaded);
  std::string compressed;
  ASSERT_TRUE(ReadFile(path, &compressed));
  EXPECT_TRUE(compressed == *native_compressed_)
      << "compressed output differs: " << FirstDifference(*native_compressed_, compressed);
  RecordProperty("native_seconds", std::to_string(native_compression_->seconds));
  RecordProperty("preloaded_seconds", std::to_string(preloaded.seconds));
  RecordProperty("input_bytes", std::to_string(input_->size()));
  RecordProperty("compressed_bytes", std::to_string(native_compressed_->size()));
  unlink(path.c_str());
}

TEST_F(Pbzip2Test, DecompressGivesTheOriginal) {
  for (bool preload : {false, true}) {
    const char* label = preload ? "preloaded" : "native";
    std::string path = *dir_ + "/" + label + ".out";
    RunResult run = RunPbzip2({"-d", "-p8", "-c", NativeCompressedPath()}, preload, path);
    ASSERT_FALSE(run.timed_out) << (preload ? "HANG under greenshim\n" : "hangs natively\n")
                                << Describe(label, run);
    EXPECT_TRUE(run.exited && run.exit_code == 0) << Describe(label, run);
    if (preload) {
      EXPECT_TRUE(HasShimStats(run.err)) << "not run under the shim?\n" << Describe(label, run);
    }
    std::string decompressed;
    ASSERT_TRUE(ReadFile(path, &decompressed));
    EXPECT_TRUE(decompressed == *input_)
        << label
        << ": decompressed data differs from the input: " << FirstDifference(*input_, decompressed);
    RecordProperty(std::string(label) + "_seconds", std::to_string(run.seconds));
    unlink(path.c_str());
  }
}

TEST(StressNgTest, PthreadStressorSucceeds) {
  if (access(g_stress_ng.c_str(), X_OK) != 0)
    FAIL() << g_stress_ng << " is missing: run scripts/deps.sh";
  ASSERT_FALSE(g_shim_path.empty()) << "no --shim=<libgreenshim.so> argument";
  std::string dir = MakeTempDir("stress-ng");
  RunOptions options;
  // stress-ng writes temporary files into its working directory; --temp-path
  // keeps them in the test's scratch space.
  options.argv = {g_stress_ng,       "--pthread",      "4",           "--timeout", "3",
                  "--metrics-brief", "--no-rand-seed", "--temp-path", dir};
  options.env = NativeEnvironment();
  options.timeout = kTimeout;
  RunResult native = RunProgram(options);
  ASSERT_FALSE(native.timed_out) << Describe("native", native);
  ASSERT_TRUE(native.exited && native.exit_code == 0) << Describe("native", native);
  EXPECT_NE(native.err.find("successful run completed"), std::string::npos)
      << Describe("native", native);

  options.env = PreloadedEnvironment(g_shim_path);
  RunResult preloaded = RunProgram(options);
  ASSERT_FALSE(preloaded.timed_out) << "HANG under greenshim\n" << Describe("preloaded", preloaded);
  EXPECT_TRUE(preloaded.exited && preloaded.exit_code == 0)
      << Describe("preloaded", preloaded) << "\n"
      << Describe("native", native);
  EXPECT_TRUE(HasShimStats(preloaded.err)) << "not run under the shim?\n"
                                           << Describe("preloaded", preloaded);
  EXPECT_NE(preloaded.err.find("successful run completed"), std::string::npos)
      << Describe("preloaded", preloaded);
  // The stressors are forked children (they end with _exit, so only the
  // parent prints the shim's table); their work shows in the metrics row
  // "stress-ng: metrc: [pid] pthread <bogo ops> ...".
  std::smatch row;
  ASSERT_TRUE(
      std::regex_search(preloaded.err, row, std::regex(R"(metrc: \[\d+\] pthread +(\d+) )")))
      << "no pthread metrics row\n"
      << Describe("preloaded", preloaded);
  EXPECT_GT(std::stoll(row[1].str()), 0) << Describe("preloaded", preloaded);
  RecordProperty("preloaded_bogo_ops", row[1].str());
  RecordProperty("native_seconds", std::to_string(native.seconds));
  RecordProperty("preloaded_seconds", std::to_string(preloaded.seconds));
}

// A loopback port nobody listens on now (a race with other programs is
// possible but harmless here: memcached would fail to start, and the test
// with it, visibly).
int FreePort() {
  int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address);
  getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  close(probe);
  return ntohs(address.sin_port);
}

// Sends `request` and reads until the reply ends with `terminator`.
bool Exchange(int fd, const std::string& request, const std::string& terminator,
              std::string* reply) {
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    return false;
  reply->clear();
  char buffer[4096];
  while (reply->size() < terminator.size() ||
         reply->compare(reply->size() - terminator.size(), terminator.size(), terminator) != 0) {
    ssize_t got = recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) return false;
    reply->append(buffer, static_cast<size_t>(got));
  }
  return true;
}

// One client: connects (memcached may still be starting), then stores and
// reads back `keys` keys of its own; the number answered right.
int MemcachedClient(int port, int client, int keys) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      close(fd);
      fd = -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  if (fd < 0) return 0;
  int right = 0;
  std::string reply;
  for (int key = 0; key < keys; ++key) {
    std::string name = "c" + std::to_string(client) + "k" + std::to_string(key);
    std::string value = "value-" + std::to_string(key * 7919 + client);
    if (!Exchange(fd, "set " + name + " 0 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\n",
                  "\r\n", &reply) ||
        reply != "STORED\r\n")
      break;
    if (!Exchange(fd, "get " + name + "\r\n", "END\r\n", &reply)) break;
    std::string expected = "VALUE " + name + " 0 " + std::to_string(value.size()) + "\r\n" + value +
                           "\r\nEND\r\n";
    if (reply == expected) ++right;
  }
  close(fd);
  return right;
}

TEST(MemcachedTest, WorkerThreadsAnswerEveryRequest) {
  ASSERT_EQ(access("/usr/bin/memcached", X_OK), 0) << "/usr/bin/memcached is missing: run scripts/deps.sh";
  constexpr int kClients = 4, kKeys = 200;
  int port = FreePort();
  RunOptions options;
  // timeout ends memcached with SIGTERM after 4 s, by when the clients are done.
  options.argv = {"/usr/bin/timeout", "4", "/usr/bin/memcached", "-t", "4", "-U", "0",
                  "-l", "127.0.0.1", "-p", std::to_string(port)};
  if (getuid() == 0) options.argv.insert(options.argv.end(), {"-u", "root"});
  options.env = PreloadedEnvironment(g_shim_path);
  options.timeout = kTimeout;
  std::atomic<int> right{0};
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client)
    clients.emplace_back([&, client] { right += MemcachedClient(port, client, kKeys); });
  RunResult preloaded = RunProgram(options);
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(right.load(), kClients * kKeys) << Describe("preloaded", preloaded);
  EXPECT_TRUE(preloaded.exited && preloaded.exit_code == 124) << Describe("preloaded", preloaded);
  EXPECT_EQ(preloaded.err.find("fatal signal"), std::string::npos)
      << Describe("preloaded", preloaded);
}

TEST(PythonTest, ThreadsSubprocessesSocketsAndAlarmGiveNativeOutput) {
  ASSERT_EQ(access("/usr/bin/python3", X_OK), 0) << "/usr/bin/python3 is missing: run scripts/deps.sh";
  ASSERT_FALSE(g_python_script.empty()) << "no --python-script=<python_threads.py> argument";
  RunOptions options;
  options.argv = {"/usr/bin/python3", AbsolutePath(g_python_script)};
  options.env = NativeEnvironment();
  options.timeout = kTimeout;
  RunResult native = RunProgram(options);
  ASSERT_TRUE(native.exited && native.exit_code == 0) << Describe("native", native);
  options.env = PreloadedEnvironment(g_shim_path);
  RunResult preloaded = RunProgram(options);
  ASSERT_FALSE(preloaded.timed_out) << "HANG under greenshim\n" << Describe("preloaded", preloaded);
  EXPECT_TRUE(preloaded.exited && preloaded.exit_code == 0) << Describe("preloaded", preloaded);
  EXPECT_EQ(preloaded.out, native.out) << Describe("preloaded", preloaded);
  EXPECT_TRUE(HasShimStats(preloaded.err)) << "not run under the shim?\n"
                                           << Describe("preloaded", preloaded);
}

// timeout LIMIT sleep SECONDS, natively and preloaded: the same status,
// which is `expected`. (coreutils close stderr at exit, so the shim's table
// goes to a file.)
void ExpectTimeoutStatus(const char* limit, const char* seconds, int expected) {
  std::string stats_file = MakeTempDir("timeout") + "/stats";
  RunOptions options;
  options.argv = {"/usr/bin/timeout", limit, "/bin/sleep", seconds};
  options.env = NativeEnvironment();
  options.timeout = kTimeout;
  RunResult native = RunProgram(options);
  ASSERT_TRUE(native.exited && native.exit_code == expected) << Describe("native", native);
  options.env = PreloadedEnvironment(g_shim_path);
  options.env.push_back("GREENSHIM_STATS_FILE=" + stats_file);
  RunResult preloaded = RunProgram(options);
  ASSERT_FALSE(preloaded.timed_out) << "HANG under greenshim\n" << Describe("preloaded", preloaded);
  EXPECT_TRUE(preloaded.exited && preloaded.exit_code == expected)
      << Describe("preloaded", preloaded);
  std::string table;
  ReadFile(stats_file, &table);
  EXPECT_TRUE(HasShimStats(table)) << "not run under the shim?\n"
                                   << Describe("preloaded", preloaded);
}

TEST(TimeoutTest, ChildEndsInTime) { ExpectTimeoutStatus("10", "0.2", 0); }

TEST(TimeoutTest, TimeRunsOut) { ExpectTimeoutStatus("0.3", "10", 124); }

}  // namespace
}  // namespace greenshim::integration

int main(int argc, char** argv) {
  using namespace greenshim::integration;
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (strncmp(argv[i], "--shim=", 7) == 0) g_shim_path = argv[i] + 7;
    if (strncmp(argv[i], "--pbzip2=", 9) == 0) g_pbzip2 = argv[i] + 9;
    if (strncmp(argv[i], "--stress-ng=", 12) == 0) g_stress_ng = argv[i] + 12;
    if (strncmp(argv[i], "--python-script=", 16) == 0) g_python_script = argv[i] + 16;
  }
  return RUN_ALL_TESTS();
}
