// Context creation and switching around arch/<isa>/context_switch.S, with the
// sanitizer fiber annotations compiled in only when a sanitizer is.
#include "runtime/context.h"

#include "runtime/kernel_thread.h"
#include "runtime/task_tls.h"
#include "runtime/thread_pointer.h"

#include <cstdint>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

extern "C" void greenshim_context_switch(void** save_sp, void* load_sp);
extern "C" void greenshim_context_trampoline();

namespace greenshim {

void make_context(Context* context, void* stack_low, size_t stack_size,
                  void (*entry)(void*), void* arg) {
  auto top = reinterpret_cast<uintptr_t>(stack_low) + stack_size;
  top &= ~uintptr_t{15};
  // Layout documented in context_switch.S: control words, six callee-saved
  // registers, return address. After the final `ret` the stack pointer is
  // `top`, 16-byte aligned, as the trampoline's `call` requires.
  auto* frame = reinterpret_cast<uint64_t*>(top) - 8;
  uint32_t mxcsr = 0x1f80;  // all exceptions masked, round to nearest
  uint16_t x87_control = 0x037f;
  frame[0] = mxcsr | (uint64_t{x87_control} << 32);
  frame[1] = 0;                                     // r15
  frame[2] = 0;                                     // r14
  frame[3] = reinterpret_cast<uint64_t>(arg);       // r13
  frame[4] = reinterpret_cast<uint64_t>(entry);     // r12
  frame[5] = 0;                                     // rbx
  frame[6] = 0;                                     // rbp
  frame[7] = reinterpret_cast<uint64_t>(&greenshim_context_trampoline);
  context->sp = frame;
  context->stack_low = stack_low;
  context->stack_size = stack_size;
#if defined(__SANITIZE_THREAD__)
  context->tsan_fiber = __tsan_create_fiber(0);
#endif
}

void adopt_current_context(Context* context) {
  context->thread_pointer = task_thread_blocks_in_use() ? current_thread_pointer() : nullptr;
#if defined(__SANITIZE_ADDRESS__)
  // Reading a kernel thread's stack bounds can mean parsing /proc/self/maps:
  // only AddressSanitizer needs them.
  current_kernel_thread_stack(&context->stack_low, &context->stack_size);
#endif
#if defined(__SANITIZE_THREAD__)
  context->tsan_fiber = __tsan_get_current_fiber();
#endif
}

void switch_context(Context* from, Context* to) {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_start_switch_fiber(&from->asan_fake_stack, to->stack_low, to->stack_size);
#endif
#if defined(__SANITIZE_THREAD__)
  __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
  // Nothing between here and the stack switch touches thread-local data.
  if (to->thread_pointer != nullptr) set_thread_pointer(to->thread_pointer);
  greenshim_context_switch(&from->sp, to->sp);
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_finish_switch_fiber(from->asan_fake_stack, nullptr, nullptr);
#endif
}

void finish_first_switch() {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
#endif
}

void destroy_context(Context* context) {
#if defined(__SANITIZE_THREAD__)
  if (context->tsan_fiber != nullptr && context->tsan_fiber != __tsan_get_current_fiber())
    __tsan_destroy_fiber(context->tsan_fiber);
#endif
  context->tsan_fiber = nullptr;
}

}  // namespace greenshim
