// prctl, for the thread name only (PR_SET_NAME, PR_GET_NAME): natively the
// name of the calling kernel thread, which under greenshim is a worker's,
// shared by every green thread that runs there. For a green thread they
// set and read its own name, the one pthread_setname_np and
// pthread_getname_np use. Every other option is the kernel's.
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <cstdarg>
#include <cstring>

#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "runtime/task.h"
#include "shim/io_transfer.h"

using namespace greenshim;

extern "C" int prctl(int option, ...) {
  va_list arguments;
  va_start(arguments, option);
  unsigned long argument[4];
  for (unsigned long& value : argument) value = va_arg(arguments, unsigned long);
  va_end(arguments);
  Task* self = current_task();
  if (self != nullptr && (option == PR_SET_NAME || option == PR_GET_NAME)) {
    char* name = reinterpret_cast<char*>(argument[0]);
    // The kernel's rules: at most 15 bytes kept, and 16 bytes returned.
    if (option == PR_SET_NAME) {
      size_t length = strnlen(name, sizeof self->name - 1);
      memcpy(self->name, name, length);
      self->name[length] = '\0';
    } else {
      memcpy(name, self->name, sizeof self->name);
    }
    return 0;
  }
  return static_cast<int>(shim::libc_result(raw::syscall6(
      SYS_prctl, option, static_cast<long>(argument[0]), static_cast<long>(argument[1]),
      static_cast<long>(argument[2]), static_cast<long>(argument[3]))));
}
