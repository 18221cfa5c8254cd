// What pthread_exit does before the green thread ends: run the cleanup
// handlers the program pushed and, in C++, the destructors of every frame,
// as glibc's forced unwind does -- but for the green thread's stack and its
// own handler chain, where glibc's would walk the worker's kernel thread.
//
// Two kinds of handler share the job:
// - C code without -fexceptions expands pthread_cleanup_push into a
//   setjmp buffer registered with __pthread_register_cancel. The shim keeps
//   those buffers in a chain per task (the buffer's private words hold the
//   link), and jumps into the innermost one; the macro then runs the handler
//   and calls __pthread_unwind_next, which continues with the next.
// - C++ frames (destructors, __pthread_cleanup_class) and C with
//   -fexceptions need the unwinder: _Unwind_ForcedUnwind walks the stack,
//   running their cleanups, and our stop function jumps into a setjmp
//   buffer when the walk reaches the frame that holds it. The walk ends at
//   the task's entry trampoline, whose unwind info says "no caller".
#include <pthread.h>
#include <setjmp.h>
#include <unwind.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "runtime/runtime.h"
#include "shim/glibc.h"

using namespace greenshim;

namespace {

// glibc's private half of __pthread_unwind_buf_t: the link to the next
// outer buffer.
__pthread_unwind_buf_t*& next_outer(__pthread_unwind_buf_t* buffer) {
  return reinterpret_cast<__pthread_unwind_buf_t*&>(buffer->__pad[0]);
}

[[noreturn]] void jump_into(__pthread_unwind_buf_t* buffer) {
  current_task()->cleanup_buffers = next_outer(buffer);
  longjmp(reinterpret_cast<__jmp_buf_tag*>(buffer->__cancel_jmp_buf), 1);
}

constexpr _Unwind_Exception_Class kExceptionClass = 0x47524e5348494d00;  // "GRNSHIM\0"

void release_exception(_Unwind_Reason_Code, _Unwind_Exception* exception) { free(exception); }

_Unwind_Reason_Code stop_at_buffer_or_end(int, _Unwind_Action actions, _Unwind_Exception_Class,
                                          _Unwind_Exception* exception, _Unwind_Context* context,
                                          void*) {
  Task* self = current_task();
  auto* buffer = static_cast<__pthread_unwind_buf_t*>(self->cleanup_buffers);
  bool at_end = (actions & _UA_END_OF_STACK) != 0;
  // The frame about to be unwound holds the buffer once its canonical frame
  // address lies above the buffer (stacks grow down).
  if (buffer != nullptr &&
      (at_end || _Unwind_GetCFA(context) >= reinterpret_cast<uintptr_t>(buffer))) {
    free(exception);
    jump_into(buffer);
  }
  if (at_end) {
    free(exception);
    exit_current_task(self->result);
  }
  return _URC_NO_REASON;
}

// Unwinds from the caller's frame, running cleanups up to the next setjmp
// buffer (or to the end of the stack, which ends the task).
[[noreturn]] void unwind_for_exit() {
  auto* exception = static_cast<_Unwind_Exception*>(calloc(1, sizeof(_Unwind_Exception)));
  if (exception == nullptr) exit_current_task(current_task()->result);
  exception->exception_class = kExceptionClass;
  exception->exception_cleanup = release_exception;
  _Unwind_ForcedUnwind(exception, stop_at_buffer_or_end, nullptr);
  // The unwinder could not walk the stack (no unwind info): run the
  // remaining C handlers directly, then end.
  if (auto* buffer = static_cast<__pthread_unwind_buf_t*>(current_task()->cleanup_buffers))
    jump_into(buffer);
  exit_current_task(current_task()->result);
}

}  // namespace

extern "C" void __pthread_register_cancel(__pthread_unwind_buf_t* buffer) {
  Task* self = current_task();
  if (self == nullptr) return;
  next_outer(buffer) = static_cast<__pthread_unwind_buf_t*>(self->cleanup_buffers);
  self->cleanup_buffers = buffer;
}

extern "C" void __pthread_unregister_cancel(__pthread_unwind_buf_t* buffer) {
  if (Task* self = current_task()) self->cleanup_buffers = next_outer(buffer);
}

// The _defer/_restore forms also save and restore the cancellation type,
// which matters only once cancellation exists; the chain is the same.
extern "C" void __pthread_register_cancel_defer(__pthread_unwind_buf_t* buffer) {
  __pthread_register_cancel(buffer);
}

extern "C" void __pthread_unregister_cancel_restore(__pthread_unwind_buf_t* buffer) {
  __pthread_unregister_cancel(buffer);
}

// Called by the pthread_cleanup_push macro after it ran a handler that
// pthread_exit jumped to: carry on outwards.
extern "C" [[noreturn]] void __pthread_unwind_next(__pthread_unwind_buf_t*) { unwind_for_exit(); }

extern "C" [[noreturn]] void pthread_exit(void* result) {
  Task* self = current_task();
  if (self == nullptr) shim::glibc().pthread_exit(result);
  self->result = result;
  unwind_for_exit();
}
