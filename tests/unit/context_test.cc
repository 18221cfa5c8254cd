// make_context / switch_context (runtime/context.h and
// arch/x86_64/context_switch.S) without the scheduler: contexts on plain
// mmap'd stacks, switched by hand. Checks that control and data go where
// they should over many round trips, and that a switch preserves what the
// System V ABI says a call preserves -- rbx, rbp, r12-r15, and the MXCSR and
// x87 control words (rounding modes) -- separately for each context.
#include "runtime/context.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cfenv>
#include <cstdint>

namespace greenshim {
namespace {

// A stack for a hand-made context, unmapped when the test ends.
class MappedStack {
 public:
  static constexpr size_t kSize = 256 * 1024;

  MappedStack() {
    void* memory = mmap(nullptr, kSize, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    EXPECT_NE(memory, MAP_FAILED);
    low_ = memory == MAP_FAILED ? nullptr : memory;
  }
  ~MappedStack() {
    if (low_ != nullptr) munmap(low_, kSize);
  }
  MappedStack(const MappedStack&) = delete;
  MappedStack& operator=(const MappedStack&) = delete;

  void* low() const { return low_; }

 private:
  void* low_;
};

// A context with its own stack, started on `entry(arg)`.
struct Fiber {
  MappedStack stack;
  Context context;

  Fiber(void (*entry)(void*), void* arg) {
    make_context(&context, stack.low(), MappedStack::kSize, entry, arg);
  }
  ~Fiber() { destroy_context(&context); }
};

// --- Ping-pong: main -> A; A <-> B many times; A -> main. -------------------

struct PingPong {
  static constexpr int kRoundTrips = 100'000;
  Context main;
  Context* a = nullptr;
  Context* b = nullptr;
  uint64_t ball = 0;  // A adds 1, B doubles: the result proves the order
  int b_turns = 0;
  bool a_saw_wrong_ball = false;
};

uint64_t expected_ball_after(int round_trips) {
  uint64_t ball = 0;
  for (int i = 0; i < round_trips; ++i) ball = (ball + 1) * 2;
  return ball;
}

[[noreturn]] void ping(void* raw) {
  finish_first_switch();
  auto* game = static_cast<PingPong*>(raw);
  uint64_t expected = 0;
  for (int i = 0; i < PingPong::kRoundTrips; ++i) {
    game->ball += 1;
    switch_context(game->a, game->b);
    expected = (expected + 1) * 2;
    if (game->ball != expected) game->a_saw_wrong_ball = true;
  }
  switch_context(game->a, &game->main);
  __builtin_trap();  // never resumed
}

[[noreturn]] void pong(void* raw) {
  finish_first_switch();
  auto* game = static_cast<PingPong*>(raw);
  for (;;) {
    game->ball *= 2;
    ++game->b_turns;
    switch_context(game->b, game->a);
  }
}

TEST(ContextTest, TwoContextsPingPongManyRoundTrips) {
  PingPong game;
  Fiber a(ping, &game);
  Fiber b(pong, &game);
  game.a = &a.context;
  game.b = &b.context;
  adopt_current_context(&game.main);
  switch_context(&game.main, game.a);
  EXPECT_EQ(game.b_turns, PingPong::kRoundTrips);
  EXPECT_EQ(game.ball, expected_ball_after(PingPong::kRoundTrips));
  EXPECT_FALSE(game.a_saw_wrong_ball);
}

// --- A value handed to the entry function, and the stack it runs on. --------

struct FirstEntry {
  Context main;
  Context* self = nullptr;
  void* argument_seen = nullptr;
  uintptr_t local_address = 0;
  uintptr_t local_alignment = 0;
};

[[noreturn]] void record_entry(void* raw) {
  finish_first_switch();
  auto* entry = static_cast<FirstEntry*>(raw);
  alignas(16) char local[16];
  entry->argument_seen = raw;
  entry->local_address = reinterpret_cast<uintptr_t>(local);
  // The ABI wants rsp % 16 == 8 at function entry, so a 16-aligned local is
  // only 16-aligned if the trampoline got the frame right.
  entry->local_alignment = entry->local_address % 16;
  switch_context(entry->self, &entry->main);
  __builtin_trap();
}

TEST(ContextTest, EntryGetsItsArgumentAndRunsOnTheGivenStack) {
  FirstEntry entry;
  Fiber fiber(record_entry, &entry);
  entry.self = &fiber.context;
  adopt_current_context(&entry.main);
  switch_context(&entry.main, entry.self);
  EXPECT_EQ(entry.argument_seen, &entry);
  auto low = reinterpret_cast<uintptr_t>(fiber.stack.low());
  EXPECT_GE(entry.local_address, low);
  EXPECT_LT(entry.local_address, low + MappedStack::kSize);
  EXPECT_EQ(entry.local_alignment, 0u);
}

// --- Callee-saved general registers. -----------------------------------------
//
// switch_with_registers(from, to, seed) loads seed+0..5 into rbx, rbp and
// r12-r15, calls switch_context(from, to), and when it is switched back
// returns a bit mask of the registers that no longer hold their values.
// Written in assembly because compiled code may keep values anywhere; this
// pins them to the registers under test. Each side of a switch uses its own
// seed, so a switch that loses, swaps or mixes the saved sets is caught.

extern "C" void greenshim_test_switch_context(Context* from, Context* to) {
  switch_context(from, to);
}
extern "C" uint32_t greenshim_test_switch_with_registers(Context* from, Context* to, uint64_t seed);

asm(R"(
    .text
    .globl  greenshim_test_switch_with_registers
    .type   greenshim_test_switch_with_registers, @function
    .p2align 4
greenshim_test_switch_with_registers:
    pushq   %rbx
    pushq   %rbp
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    pushq   %rdx                   # the seed; also makes rsp 16-byte aligned
    movq    %rdx, %rbx
    leaq    1(%rdx), %rbp
    leaq    2(%rdx), %r12
    leaq    3(%rdx), %r13
    leaq    4(%rdx), %r14
    leaq    5(%rdx), %r15
    call    greenshim_test_switch_context
    movq    (%rsp), %rdx
    xorl    %eax, %eax
    cmpq    %rdx, %rbx
    je      1f
    orl     $1, %eax
1:  leaq    1(%rdx), %rcx
    cmpq    %rcx, %rbp
    je      2f
    orl     $2, %eax
2:  leaq    2(%rdx), %rcx
    cmpq    %rcx, %r12
    je      3f
    orl     $4, %eax
3:  leaq    3(%rdx), %rcx
    cmpq    %rcx, %r13
    je      4f
    orl     $8, %eax
4:  leaq    4(%rdx), %rcx
    cmpq    %rcx, %r14
    je      5f
    orl     $16, %eax
5:  leaq    5(%rdx), %rcx
    cmpq    %rcx, %r15
    je      6f
    orl     $32, %eax
6:  addq    $8, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbp
    popq    %rbx
    ret
    .size   greenshim_test_switch_with_registers, .-greenshim_test_switch_with_registers
)");

constexpr uint64_t kMainSeed = 0x1111'0000'0000'0000;
constexpr uint64_t kFiberSeed = 0x2222'0000'0000'0000;
constexpr int kRegisterRounds = 1000;

struct RegisterCheck {
  Context main;
  Context* fiber = nullptr;
  uint32_t fiber_mismatches = 0;
};

[[noreturn]] void switch_back_with_own_registers(void* raw) {
  finish_first_switch();
  auto* check = static_cast<RegisterCheck*>(raw);
  for (uint64_t round = 0;; ++round)
    check->fiber_mismatches |=
        greenshim_test_switch_with_registers(check->fiber, &check->main, kFiberSeed + round * 8);
}

TEST(ContextTest, CalleeSavedRegistersSurviveSwitchesInBothContexts) {
  RegisterCheck check;
  Fiber fiber(switch_back_with_own_registers, &check);
  check.fiber = &fiber.context;
  adopt_current_context(&check.main);
  uint32_t main_mismatches = 0;
  for (uint64_t round = 0; round < kRegisterRounds; ++round)
    main_mismatches |=
        greenshim_test_switch_with_registers(&check.main, check.fiber, kMainSeed + round * 8);
  EXPECT_EQ(main_mismatches, 0u) << "bits: rbx, rbp, r12, r13, r14, r15";
  EXPECT_EQ(check.fiber_mismatches, 0u) << "bits: rbx, rbp, r12, r13, r14, r15";
}

// --- Floating-point control state: each context keeps its own. --------------

// The FE_* mode for a rounding-control field; MXCSR and the x87 control
// word encode it the same way.
int rounding_mode(unsigned control_bits) {
  constexpr int kModes[] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
  return kModes[control_bits & 3];
}

int sse_rounding() {
  uint32_t mxcsr;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  return rounding_mode(mxcsr >> 13);
}

int x87_rounding() {
  uint16_t control;
  asm volatile("fnstcw %0" : "=m"(control));
  return rounding_mode(control >> 10);
}

// One third rounded upward is larger than rounded toward zero, in double
// arithmetic (SSE) and in long double arithmetic (x87) alike.
template <typename Float>
Float one_third() {
  volatile Float one = 1;
  volatile Float three = 3;
  return one / three;
}

struct RoundingState {
  int sse = -1;
  int x87 = -1;
  double third = 0;
  long double long_third = 0;

  static RoundingState current() {
    return RoundingState{sse_rounding(), x87_rounding(), one_third<double>(),
                         one_third<long double>()};
  }
};

struct RoundingCheck {
  Context main;
  Context* fiber = nullptr;
  RoundingState fiber_at_start;
  RoundingState fiber_after_resume;
};

[[noreturn]] void round_toward_zero_in_fiber(void* raw) {
  finish_first_switch();
  auto* check = static_cast<RoundingCheck*>(raw);
  check->fiber_at_start = RoundingState::current();
  fesetround(FE_TOWARDZERO);
  switch_context(check->fiber, &check->main);
  check->fiber_after_resume = RoundingState::current();
  switch_context(check->fiber, &check->main);
  __builtin_trap();
}

class ContextRoundingTest : public ::testing::Test {
 protected:
  void TearDown() override { fesetround(FE_TONEAREST); }
};

TEST_F(ContextRoundingTest, EachContextKeepsItsOwnRoundingMode) {
  fesetround(FE_TOWARDZERO);
  const RoundingState toward_zero = RoundingState::current();
  fesetround(FE_UPWARD);
  const RoundingState upward = RoundingState::current();
  ASSERT_EQ(upward.sse, FE_UPWARD);
  ASSERT_EQ(upward.x87, FE_UPWARD);
  ASSERT_GT(upward.third, toward_zero.third);
  ASSERT_GT(upward.long_third, toward_zero.long_third);

  RoundingCheck check;
  Fiber fiber(round_toward_zero_in_fiber, &check);
  check.fiber = &fiber.context;
  adopt_current_context(&check.main);

  // A new context starts with the ABI's default, not the creator's mode.
  switch_context(&check.main, check.fiber);
  EXPECT_EQ(check.fiber_at_start.sse, FE_TONEAREST);
  EXPECT_EQ(check.fiber_at_start.x87, FE_TONEAREST);
  // The fiber switched to toward-zero; back here it is upward again.
  RoundingState back = RoundingState::current();
  EXPECT_EQ(back.sse, FE_UPWARD);
  EXPECT_EQ(back.x87, FE_UPWARD);
  EXPECT_EQ(back.third, upward.third);
  EXPECT_EQ(back.long_third, upward.long_third);

  // And the fiber finds its own mode when resumed.
  switch_context(&check.main, check.fiber);
  EXPECT_EQ(check.fiber_after_resume.sse, FE_TOWARDZERO);
  EXPECT_EQ(check.fiber_after_resume.x87, FE_TOWARDZERO);
  EXPECT_EQ(check.fiber_after_resume.third, toward_zero.third);
  EXPECT_EQ(check.fiber_after_resume.long_third, toward_zero.long_third);
  EXPECT_EQ(RoundingState::current().sse, FE_UPWARD);
}

}  // namespace
}  // namespace greenshim
