// Green-thread stacks: reserved with mmap, committed lazily by the kernel as
// they are touched, a guard region below each, recycled through a pool so
// that creating and ending a thread does not mmap and munmap every time.
//
// Guard regions: Linux 6.13+ can mark pages inside a mapping as guards
// (madvise MADV_GUARD_INSTALL), which keeps a stack to one memory mapping.
// mprotect'ed guards split the mapping in two, and vm.max_map_count (65,530
// by default) then caps a process at ~32,000 threads -- the limit native
// glibc hits. Where the kernel lacks guard markers we fall back to mprotect
// and say so once under GREENSHIM_DEBUG.
//
// Pool policy: per size class, up to kWarmStacks released stacks are kept as
// they are (their touched pages stay resident, so reuse costs nothing); past
// that a released stack has its pages returned to the kernel (MADV_DONTNEED)
// before it is pooled, and past kColdStacks it is unmapped. So a burst of
// threads does not keep its memory forever, and steady create/exit stays
// free of system calls.
#pragma once

#include <cstddef>

#include "runtime/spin_lock.h"

namespace greenshim {

struct Stack {
  char* mapping = nullptr;  // whole mapping, guard region at its low end
  size_t mapping_size = 0;
  size_t guard_size = 0;
  bool owned = false;  // false: the program's own memory, never pooled or unmapped

  char* low() const { return mapping + guard_size; }
  size_t usable_size() const { return mapping_size - guard_size; }
};

class StackPool {
 public:
  static constexpr size_t kWarmStacks = 32;
  static constexpr size_t kColdStacks = 1024;
  static constexpr int kSizeClasses = 8;

  StackPool();
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // A stack with at least `usable_size` bytes above a guard of `guard_size`
  // (both rounded up to pages). Returns 0, or EAGAIN when memory is refused.
  int allocate(size_t usable_size, size_t guard_size, Stack* stack);
  void release(const Stack& stack);
  void lock_for_fork() { lock_.lock(); }
  void unlock_after_fork() { lock_.unlock(); }
  void reset_after_fork() { lock_.reset_after_fork(); }

  bool guard_markers_supported() const { return guard_markers_; }

 private:
  // A pooled stack remembers its neighbour in the free list in its own top
  // bytes, which the pool never returns to the kernel.
  struct FreeStack {
    FreeStack* next;
    Stack stack;
  };
  struct SizeClass {
    size_t mapping_size = 0;
    size_t guard_size = 0;
    FreeStack* warm = nullptr;
    FreeStack* cold = nullptr;
    size_t warm_count = 0;
    size_t cold_count = 0;
  };

  static FreeStack* header_of(const Stack& stack);
  SizeClass* find_class(size_t mapping_size, size_t guard_size, bool create);
  int map_new(size_t mapping_size, size_t guard_size, Stack* stack);

  SpinLock lock_;
  SizeClass classes_[kSizeClasses];
  bool guard_markers_ = false;
};

}  // namespace greenshim
