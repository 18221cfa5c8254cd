// See thread_pointer.h.
#include "runtime/thread_pointer.h"

#include <asm/prctl.h>
#include <sys/auxv.h>
#include <sys/syscall.h>

#include "runtime/raw_syscall.h"

namespace greenshim {
namespace internal {

bool g_wrfsbase_allowed = false;

void set_thread_pointer_by_system_call(void* thread_pointer) {
  raw::syscall6(SYS_arch_prctl, ARCH_SET_FS, reinterpret_cast<long>(thread_pointer));
}

}  // namespace internal

bool choose_thread_pointer_writer() {
  // HWCAP2_FSGSBASE (bit 1): the kernel has set CR4.FSGSBASE, so the
  // instructions do not fault in user mode.
  constexpr unsigned long kFsGsBase = 1ul << 1;
  internal::g_wrfsbase_allowed = (getauxval(AT_HWCAP2) & kFsGsBase) != 0;
  return internal::g_wrfsbase_allowed;
}

}  // namespace greenshim
