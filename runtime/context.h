// A suspended execution context (a stack and the registers saved on it) and
// the one operation on it: switch from the running context to another.
//
// The assembly lives in arch/<isa>/context_switch.S; this header adds what the
// C++ side needs around it: building the first frame of a new context, and
// telling AddressSanitizer and ThreadSanitizer that the stack changed (they
// track one stack per kernel thread otherwise and report nonsense).
#pragma once

#include <cstddef>

namespace greenshim {

struct Context {
  void* sp = nullptr;         // saved stack pointer while suspended
  void* stack_low = nullptr;  // stack bounds, for the sanitizers only
  size_t stack_size = 0;
  void* asan_fake_stack = nullptr;
  void* tsan_fiber = nullptr;
  // The %fs base to load when this context is switched to; nullptr leaves
  // it as it is (task_tls.h).
  void* thread_pointer = nullptr;
};

// Prepares `context` so that switching to it calls entry(arg) on the stack
// [stack_low, stack_low + stack_size). `entry` must never return.
void make_context(Context* context, void* stack_low, size_t stack_size,
                  void (*entry)(void*), void* arg);

// Describes the context the calling kernel thread is already running on (its
// own stack and, when tasks have thread blocks, its own thread pointer), so
// that it can be switched away from and back to.
void adopt_current_context(Context* context);

// Saves the running context into `from` and resumes `to`, with `to`'s thread
// pointer. Returns when some other context switches back to `from`.
void switch_context(Context* from, Context* to);

// Called first thing by an entry function started by make_context.
void finish_first_switch();

// Releases sanitizer state of a context that will never run again.
void destroy_context(Context* context);

}  // namespace greenshim
