// The bare context switch (runtime/context.h, arch/x86_64/context_switch.S):
// one iteration switches from the benchmark thread to a context on its own
// stack and back, i.e. two switches, with no scheduler involved. The
// ThreadPointer variant loads a thread pointer on each switch, as a switch
// between tasks with thread blocks of their own does (runtime/task_tls.h);
// both contexts load the benchmark thread's own, so TLS stays valid.
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include "runtime/context.h"
#include "runtime/thread_pointer.h"

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

void run_round_trips(benchmark::State& state, bool load_thread_pointer) {
  void* stack = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    state.SkipWithError("mmap failed");
    return;
  }
  Bouncer bouncer;
  make_context(&bouncer.self, stack, kStackSize, bounce, &bouncer);
  adopt_current_context(&bouncer.caller);
  if (load_thread_pointer) {
    bouncer.caller.thread_pointer = current_thread_pointer();
    bouncer.self.thread_pointer = current_thread_pointer();
  }
  for (auto _ : state) switch_context(&bouncer.caller, &bouncer.self);
  destroy_context(&bouncer.self);
  munmap(stack, kStackSize);
}

void BM_ContextSwitchRoundTrip(benchmark::State& state) { run_round_trips(state, false); }
BENCHMARK(BM_ContextSwitchRoundTrip);

void BM_ContextSwitchRoundTripThreadPointer(benchmark::State& state) {
  state.SetLabel(choose_thread_pointer_writer() ? "wrfsbase" : "arch_prctl");
  run_round_trips(state, true);
}
BENCHMARK(BM_ContextSwitchRoundTripThreadPointer);

}  // namespace
}  // namespace greenshim
