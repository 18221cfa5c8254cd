// StackPool (runtime/stack_pool.h): green-thread stacks. Checks the pool
// policy (a released stack comes back as the same mapping; past the warm
// limit it comes back with its pages returned to the kernel), page rounding,
// that the guard region really faults, that it costs one memory mapping when
// the kernel has guard markers, and that sizes beyond the pooled classes and
// absurd sizes are handled (stacks, or an error -- never a short stack).
#include "runtime/stack_pool.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace greenshim {
namespace {

const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));
constexpr size_t kSmallStack = 16 * 1024;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// Allocates and fails the test on error; the stack goes back to the pool
// when the test ends unless release() was called.
class PooledStack {
 public:
  PooledStack(StackPool& pool, size_t usable, size_t guard) : pool_(pool) {
    EXPECT_EQ(pool.allocate(usable, guard, &stack_), 0);
  }
  ~PooledStack() { release(); }
  PooledStack(const PooledStack&) = delete;
  PooledStack& operator=(const PooledStack&) = delete;

  void release() {
    if (stack_.mapping != nullptr) pool_.release(stack_);
    stack_ = Stack{};
  }
  const Stack& operator*() const { return stack_; }
  const Stack* operator->() const { return &stack_; }

 private:
  StackPool& pool_;
  Stack stack_;
};

// Writes the first and last usable byte: the whole range must be mapped.
void touch_usable_ends(const Stack& stack) {
  volatile char* low = stack.low();
  low[0] = 1;
  low[stack.usable_size() - 1] = 1;
}

// How many lines of /proc/self/maps overlap [begin, end).
int mappings_overlapping(const char* begin, const char* end) {
  FILE* maps = fopen("/proc/self/maps", "r");
  if (maps == nullptr) return -1;
  int count = 0;
  char line[512];
  while (fgets(line, sizeof line, maps) != nullptr) {
    uintptr_t low, high;
    if (sscanf(line, "%lx-%lx", &low, &high) != 2) continue;
    if (low < reinterpret_cast<uintptr_t>(end) && high > reinterpret_cast<uintptr_t>(begin))
      ++count;
  }
  fclose(maps);
  return count;
}

TEST(StackPoolTest, ReleasedStackComesBackAsTheSameMapping) {
  StackPool pool;
  Stack first;
  ASSERT_EQ(pool.allocate(kSmallStack, kPage, &first), 0);
  EXPECT_TRUE(first.owned);
  touch_usable_ends(first);
  pool.release(first);
  PooledStack second(pool, kSmallStack, kPage);
  EXPECT_EQ(second->mapping, first.mapping);
  EXPECT_EQ(second->mapping_size, first.mapping_size);
  EXPECT_EQ(second->guard_size, first.guard_size);
}

TEST(StackPoolTest, LiveStacksAreDistinct) {
  StackPool pool;
  PooledStack a(pool, kSmallStack, kPage);
  PooledStack b(pool, kSmallStack, kPage);
  EXPECT_NE(a->mapping, b->mapping);
  // Nor do they overlap.
  EXPECT_TRUE(a->mapping + a->mapping_size <= b->mapping ||
              b->mapping + b->mapping_size <= a->mapping);
}

TEST(StackPoolTest, SizesAreRoundedUpToPages) {
  StackPool pool;
  PooledStack odd(pool, 10'000, 100);
  EXPECT_EQ(odd->guard_size, kPage);
  EXPECT_GE(odd->usable_size(), 10'000u);
  EXPECT_LT(odd->usable_size(), 10'000u + kPage);
  EXPECT_EQ(odd->usable_size() % kPage, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(odd->low()) % kPage, 0u);
  touch_usable_ends(*odd);

  PooledStack tiny(pool, 1, 0);
  EXPECT_EQ(tiny->usable_size(), kPage);
  EXPECT_EQ(tiny->guard_size, 0u);
  touch_usable_ends(*tiny);
}

// The fault is checked in a child process. Sanitizers catch SIGSEGV to
// print a report, so there the child exits with an error instead of dying
// of the signal; their report names the SEGV.
bool died_of_segv(int status) {
  if (WIFSIGNALED(status)) return WTERMSIG(status) == SIGSEGV;
  return kSanitized && WIFEXITED(status) && WEXITSTATUS(status) != 0;
}
const char* const kSegvReport = kSanitized ? "SEGV" : "";

void read_byte(const char* address) {
  volatile char value = *const_cast<volatile const char*>(address);
  (void)value;
}

TEST(StackPoolDeathTest, GuardRegionBelowTheStackFaults) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  StackPool pool;
  PooledStack stack(pool, kSmallStack, 2 * kPage);
  touch_usable_ends(*stack);
  // Just below the usable range: where a stack overflow lands first.
  EXPECT_EXIT(read_byte(stack->low() - 1), died_of_segv, kSegvReport);
  // And the bottom of the guard region.
  EXPECT_EXIT(read_byte(stack->mapping), died_of_segv, kSegvReport);
}

TEST(StackPoolTest, GuardedStackIsOneMappingWithGuardMarkers) {
  StackPool pool;
  PooledStack stack(pool, kSmallStack, kPage);
  int expected = pool.guard_markers_supported() ? 1 : 2;
  EXPECT_EQ(mappings_overlapping(stack->mapping, stack->mapping + stack->mapping_size), expected);
}

TEST(StackPoolTest, StackPastTheWarmLimitComesBackWithFreshPages) {
  StackPool pool;
  constexpr size_t kStacks = StackPool::kWarmStacks + 1;
  std::vector<Stack> stacks(kStacks);
  for (Stack& stack : stacks) {
    ASSERT_EQ(pool.allocate(kSmallStack, kPage, &stack), 0);
    stack.low()[0] = 'x';
  }
  // The first kWarmStacks releases stay warm; the last one is trimmed.
  for (const Stack& stack : stacks) pool.release(stack);
  // Warm stacks are handed out first and keep their contents...
  for (size_t i = 0; i < StackPool::kWarmStacks; ++i) {
    ASSERT_EQ(pool.allocate(kSmallStack, kPage, &stacks[i]), 0);
    EXPECT_EQ(stacks[i].low()[0], 'x') << "warm stack " << i;
  }
  // ...then the trimmed one: the same mapping, its low pages zero again.
  Stack trimmed;
  ASSERT_EQ(pool.allocate(kSmallStack, kPage, &trimmed), 0);
  EXPECT_EQ(trimmed.mapping, stacks[kStacks - 1].mapping);
  EXPECT_EQ(trimmed.low()[0], 0);
  touch_usable_ends(trimmed);
  pool.release(trimmed);
  for (size_t i = 0; i < StackPool::kWarmStacks; ++i) pool.release(stacks[i]);
}

TEST(StackPoolTest, MoreSizeClassesThanThePoolTracksStillWork) {
  StackPool pool;
  constexpr int kSizes = StackPool::kSizeClasses + 4;
  for (int round = 0; round < 3; ++round) {
    std::vector<Stack> stacks(kSizes);
    for (int i = 0; i < kSizes; ++i) {
      size_t usable = kSmallStack + static_cast<size_t>(i) * kPage;
      ASSERT_EQ(pool.allocate(usable, kPage, &stacks[i]), 0) << "size " << usable;
      EXPECT_GE(stacks[i].usable_size(), usable);
      touch_usable_ends(stacks[i]);
    }
    for (const Stack& stack : stacks) pool.release(stack);
  }
}

TEST(StackPoolTest, ManyDefaultSizedStacksDoNotRunOutOfMemory) {
  // 8 MiB is the runtime's default stack size: reserved, not committed, so
  // a thousand of them must not make the pool report EAGAIN.
  StackPool pool;
  constexpr size_t kDefaultStack = 8u << 20;
  std::vector<Stack> stacks(1000);
  for (Stack& stack : stacks) {
    ASSERT_EQ(pool.allocate(kDefaultStack, kPage, &stack), 0);
    stack.low()[stack.usable_size() - 1] = 1;  // a stack's first touch is its top
  }
  for (const Stack& stack : stacks) pool.release(stack);
}

TEST(StackPoolTest, AbsurdSizesFailInsteadOfGivingAShortStack) {
  StackPool pool;
  Stack stack;
  // Rounding these up to pages must not wrap around to a tiny size.
  EXPECT_EQ(pool.allocate(SIZE_MAX - 100, kPage, &stack), EINVAL);
  EXPECT_EQ(pool.allocate(kSmallStack, SIZE_MAX - 100, &stack), EINVAL);
  EXPECT_EQ(pool.allocate(SIZE_MAX / 2, SIZE_MAX / 2 + kPage, &stack), EINVAL);
  // Larger than the address space can hold: the kernel refuses the mapping.
  EXPECT_EQ(pool.allocate(size_t{1} << 62, kPage, &stack), EAGAIN);
  EXPECT_EQ(stack.mapping, nullptr);
}

}  // namespace
}  // namespace greenshim
