// The x86-64 thread pointer (the %fs base), read and written.
//
// Every __thread variable, errno, the stack-protector canary and the C
// library's idea of "this thread" are found through %fs. The runtime moves
// it when it switches a task that has thread-local storage of its own
// (task_tls.h). Writing it is a single instruction, wrfsbase, where the
// kernel allows it (Linux 5.9+ on CPUs with FSGSBASE, announced in
// AT_HWCAP2); elsewhere it takes the arch_prctl(ARCH_SET_FS) system call,
// about 15 times slower.
#pragma once

namespace greenshim {

namespace internal {
extern bool g_wrfsbase_allowed;  // decided once by choose_thread_pointer_writer()
void set_thread_pointer_by_system_call(void* thread_pointer);
}  // namespace internal

// Decides between wrfsbase and arch_prctl; call before the first write.
// Returns true when wrfsbase is used.
bool choose_thread_pointer_writer();

// Glibc keeps the thread pointer at offset 0 of the block it points to (the
// TCB's first word points to itself), so reading it needs no privilege.
inline void* current_thread_pointer() {
  void* thread_pointer;
  asm volatile("mov %%fs:0, %0" : "=r"(thread_pointer));
  return thread_pointer;
}

// The "memory" clobbers: no load through the old %fs may move below the
// write, and none through the new one above it.
inline void set_thread_pointer(void* thread_pointer) {
  if (internal::g_wrfsbase_allowed) {
    asm volatile("wrfsbase %0" : : "r"(thread_pointer) : "memory");
  } else {
    internal::set_thread_pointer_by_system_call(thread_pointer);
  }
}

}  // namespace greenshim
