// See stack_pool.h for the policy.
#include "runtime/stack_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <initializer_list>

#include "runtime/log.h"

namespace greenshim {
namespace {

// Missing from glibc 2.36's headers; the kernel has had it since 6.13.
constexpr int kMadvGuardInstall = 102;

size_t page_size() {
  static const size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

size_t round_to_pages(size_t bytes) {
  size_t page = page_size();
  return (bytes + page - 1) / page * page;
}

bool probe_guard_markers() {
  size_t page = page_size();
  void* probe = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (probe == MAP_FAILED) return false;
  bool supported = madvise(probe, page, kMadvGuardInstall) == 0;
  munmap(probe, 2 * page);
  return supported;
}

}  // namespace

StackPool::StackPool() : guard_markers_(probe_guard_markers()) {
  if (!guard_markers_)
    debug_log("kernel lacks MADV_GUARD_INSTALL; stack guards use mprotect "
              "(two memory mappings per thread)");
}

StackPool::~StackPool() {
  for (SizeClass& size_class : classes_) {
    for (FreeStack* list : {size_class.warm, size_class.cold}) {
      while (list != nullptr) {
        Stack stack = list->stack;
        list = list->next;
        munmap(stack.mapping, stack.mapping_size);
      }
    }
  }
}

StackPool::FreeStack* StackPool::header_of(const Stack& stack) {
  return reinterpret_cast<FreeStack*>(stack.mapping + stack.mapping_size) - 1;
}

StackPool::SizeClass* StackPool::find_class(size_t mapping_size, size_t guard_size,
                                            bool create) {
  for (SizeClass& size_class : classes_) {
    if (size_class.mapping_size == mapping_size && size_class.guard_size == guard_size)
      return &size_class;
  }
  if (!create) return nullptr;
  for (SizeClass& size_class : classes_) {
    if (size_class.mapping_size == 0) {
      size_class.mapping_size = mapping_size;
      size_class.guard_size = guard_size;
      return &size_class;
    }
  }
  return nullptr;  // too many distinct sizes: those stacks are not pooled
}

int StackPool::map_new(size_t mapping_size, size_t guard_size, Stack* stack) {
  void* mapping = mmap(nullptr, mapping_size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (mapping == MAP_FAILED) return EAGAIN;
  if (guard_size > 0) {
    int advice_result = guard_markers_ ? madvise(mapping, guard_size, kMadvGuardInstall)
                                       : mprotect(mapping, guard_size, PROT_NONE);
    if (advice_result != 0) {
      munmap(mapping, mapping_size);
      return EAGAIN;
    }
  }
  stack->mapping = static_cast<char*>(mapping);
  stack->mapping_size = mapping_size;
  stack->guard_size = guard_size;
  stack->owned = true;
  return 0;
}

int StackPool::allocate(size_t usable_size, size_t guard_size, Stack* stack) {
  // Rounding either size up to pages must not wrap around to a small one.
  if (usable_size > SIZE_MAX - page_size() || guard_size > SIZE_MAX - page_size()) return EINVAL;
  guard_size = round_to_pages(guard_size);
  size_t usable = round_to_pages(usable_size < page_size() ? page_size() : usable_size);
  if (usable > SIZE_MAX - guard_size) return EINVAL;
  size_t mapping_size = usable + guard_size;
  {
    SpinLockGuard guard(lock_);
    SizeClass* size_class = find_class(mapping_size, guard_size, false);
    if (size_class != nullptr) {
      FreeStack** list = size_class->warm != nullptr ? &size_class->warm : &size_class->cold;
      if (*list != nullptr) {
        FreeStack* free_stack = *list;
        *list = free_stack->next;
        (list == &size_class->warm ? size_class->warm_count : size_class->cold_count)--;
        *stack = free_stack->stack;
        return 0;
      }
    }
  }
  return map_new(mapping_size, guard_size, stack);
}

void StackPool::release(const Stack& stack) {
  if (!stack.owned) return;
  bool trim = false;
  {
    SpinLockGuard guard(lock_);
    SizeClass* size_class = find_class(stack.mapping_size, stack.guard_size, true);
    if (size_class != nullptr && size_class->warm_count < kWarmStacks) {
      FreeStack* header = header_of(stack);
      header->stack = stack;
      header->next = size_class->warm;
      size_class->warm = header;
      size_class->warm_count++;
      return;
    }
    trim = size_class != nullptr && size_class->cold_count < kColdStacks;
  }
  if (!trim) {
    munmap(stack.mapping, stack.mapping_size);
    return;
  }
  // Give the touched pages back, all but the top one that holds the header.
  size_t keep = page_size();
  if (stack.usable_size() > keep) madvise(stack.low(), stack.usable_size() - keep, MADV_DONTNEED);
  FreeStack* header = header_of(stack);
  header->stack = stack;
  SpinLockGuard guard(lock_);
  SizeClass* size_class = find_class(stack.mapping_size, stack.guard_size, false);
  header->next = size_class->cold;
  size_class->cold = header;
  size_class->cold_count++;
}

}  // namespace greenshim
