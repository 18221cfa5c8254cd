// __libc_start_main, interposed only to call main through a frame of our
// own, which records where main's frames begin: the preemption handler
// scans the main green thread's stack from the interrupted frame up to
// there, and the frames above (glibc's start-up code) must not count
// (runtime/preemption.h).
#include <dlfcn.h>

#include <cstdint>

#include "runtime/preemption.h"

namespace {

using Main = int (*)(int, char**, char**);
using LibcStartMain = int (*)(Main, int, char**, void (*)(), void (*)(), void (*)(), void*);

Main g_program_main = nullptr;

__attribute__((noinline)) int call_program_main(int argc, char** argv, char** envp) {
  // The call below pushes main's return address into the slot just under
  // the stack pointer as it is here.
  uintptr_t stack_pointer;
  asm volatile("mov %%rsp, %0" : "=r"(stack_pointer));
  greenshim::set_task_stack_scan_top(stack_pointer - sizeof(void*));
  int status = g_program_main(argc, argv, envp);
  asm volatile("" ::: "memory");  // not a tail call: this frame must stay
  return status;
}

}  // namespace

extern "C" int __libc_start_main(Main main, int argc, char** argv, void (*init)(),
                                 void (*fini)(), void (*rtld_fini)(), void* stack_end) {
  auto real = reinterpret_cast<LibcStartMain>(dlsym(RTLD_NEXT, "__libc_start_main"));
  g_program_main = main;
  return real(call_program_main, argc, argv, init, fini, rtld_fini, stack_end);
}
