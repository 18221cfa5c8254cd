// The bare context switch (runtime/context.h, arch/x86_64/context_switch.S):
// one iteration switches from the benchmark thread to a context on its own
// stack and back, i.e. two switches, with no scheduler involved.
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include "runtime/context.h"

namespace greenshim {
namespace {

constexpr size_t kStackSize = 64 * 1024;

struct Bouncer {
  Context caller;
  Context self;
};

// Returns control at once, forever.
[[noreturn]] void bounce(void* raw) {
  finish_first_switch();
  auto* bouncer = static_cast<Bouncer*>(raw);
  for (;;) switch_context(&bouncer->self, &bouncer->caller);
}

void BM_ContextSwitchRoundTrip(benchmark::State& state) {
  void* stack = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    state.SkipWithError("mmap failed");
    return;
  }
  Bouncer bouncer;
  make_context(&bouncer.self, stack, kStackSize, bounce, &bouncer);
  adopt_current_context(&bouncer.caller);
  for (auto _ : state) switch_context(&bouncer.caller, &bouncer.self);
  destroy_context(&bouncer.self);
  munmap(stack, kStackSize);
}
BENCHMARK(BM_ContextSwitchRoundTrip);

}  // namespace
}  // namespace greenshim
