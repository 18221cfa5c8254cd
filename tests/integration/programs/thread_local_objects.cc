// Checks: C++ thread_local objects with constructors and destructors. Each
// thread constructs its own on first use (not before, and only if it uses
// them), and at its exit they are destroyed in reverse order of
// construction, before the thread's pthread key destructors run (glibc's
// order). Counted per thread and in total.
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdio>
#include <string>

constexpr int kThreads = 48;

std::atomic<int> constructed{0}, destroyed{0}, right_order{0}, keys_after_objects{0};
pthread_key_t key;

struct Tracer {
  explicit Tracer(const char* name) : name(name) { constructed.fetch_add(1); }
  ~Tracer();
  std::string name;
  int owner = -1;
};

thread_local std::string destruction_log;  // per thread: names in destruction order
thread_local bool objects_gone = false;

Tracer::~Tracer() {
  destroyed.fetch_add(1);
  destruction_log += name;
  if (name == "first") {
    if (destruction_log == "secondfirst") right_order.fetch_add(1);
    objects_gone = true;
  }
}

thread_local Tracer first("first");
thread_local Tracer second("second");

void key_destructor(void* value) {
  // thread_locals with destructors are gone by now; their storage still
  // holds the flag the last one set.
  if (objects_gone) keys_after_objects.fetch_add(1);
  (void)value;
}

void* body(void* argument) {
  int index = static_cast<int>(reinterpret_cast<intptr_t>(argument));
  pthread_setspecific(key, argument == nullptr ? &key : argument);
  if (index % 3 == 0) return nullptr;  // never touches them: constructs nothing
  first.owner = index;
  second.owner = index;
  for (int i = 0; i < 100; ++i) sched_yield();
  return reinterpret_cast<void*>(
      static_cast<intptr_t>(first.owner == index && second.owner == index));
}

int main() {
  pthread_key_create(&key, key_destructor);
  pthread_t threads[kThreads];
  for (intptr_t i = 0; i < kThreads; ++i)
    pthread_create(&threads[i], nullptr, body, reinterpret_cast<void*>(i + 1));
  int own = 0;
  for (pthread_t thread : threads) {
    void* result;
    pthread_join(thread, &result);
    own += result != nullptr;
  }
  int users = kThreads - kThreads / 3;
  std::printf("threads that found their own objects: %d/%d\n", own, users);
  std::printf("objects constructed: %d, destroyed: %d (expected %d each)\n", constructed.load(),
              destroyed.load(), 2 * users);
  std::printf("threads that destroyed them in reverse order: %d/%d\n", right_order.load(), users);
  std::printf("key destructors that ran after the objects' destructors: %d/%d\n",
              keys_after_objects.load(), users);
  return own == users && constructed == 2 * users && destroyed == 2 * users &&
                 right_order == users && keys_after_objects == users
             ? 0
             : 1;
}
