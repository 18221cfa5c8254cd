// Checks: a C++ thread cancelled while blocked in read unwinds its stack
// as with glibc's forced unwind: the destructors of its frames run,
// innermost first, and the joiner gets PTHREAD_CANCELED.
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

namespace {

int g_pipe[2];
std::atomic<bool> g_started{false};
std::string g_destroyed;

struct Noted {
  explicit Noted(const char* name) : name(name) {}
  ~Noted() { g_destroyed += name; }
  const char* name;
};

void block() {
  Noted inner("inner ");
  g_started = true;
  char byte;
  if (read(g_pipe[0], &byte, 1) == 1) g_destroyed += "(read returned) ";
}

void* body(void*) {
  Noted outer("outer ");
  block();
  return nullptr;
}

}  // namespace

int main() {
  if (pipe(g_pipe) != 0) return 2;
  pthread_t thread;
  pthread_create(&thread, nullptr, body, nullptr);
  while (!g_started) usleep(1000);
  usleep(20000);
  pthread_cancel(thread);
  void* result = nullptr;
  pthread_join(thread, &result);
  std::printf("joined: %s\n", result == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "something else");
  std::printf("destructors ran: %s\n", g_destroyed.c_str());
  return result == PTHREAD_CANCELED && g_destroyed == "inner outer " ? 0 : 1;
}
