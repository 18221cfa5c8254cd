// See kernel_thread.h.
#include "runtime/kernel_thread.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>

#include "runtime/raw_syscall.h"

namespace greenshim {
namespace {

struct GlibcThreads {
  int (*create)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  int (*join)(pthread_t, void**);
  int (*getattr)(pthread_t, pthread_attr_t*);
  pthread_t (*self)();
};

const GlibcThreads& glibc() {
  static const GlibcThreads functions = {
      reinterpret_cast<decltype(GlibcThreads::create)>(dlsym(RTLD_NEXT, "pthread_create")),
      reinterpret_cast<decltype(GlibcThreads::join)>(dlsym(RTLD_NEXT, "pthread_join")),
      reinterpret_cast<decltype(GlibcThreads::getattr)>(dlsym(RTLD_NEXT, "pthread_getattr_np")),
      reinterpret_cast<decltype(GlibcThreads::self)>(dlsym(RTLD_NEXT, "pthread_self")),
  };
  return functions;
}

struct Start {
  void (*body)(void*);
  void* argument;
};

void* thread_main(void* raw_start) {
  Start start = *static_cast<Start*>(raw_start);
  delete static_cast<Start*>(raw_start);
  start.body(start.argument);
  return nullptr;
}

}  // namespace

int start_kernel_thread(void (*body)(void*), void* argument, pthread_t* thread,
                        size_t stack_size) {
  if (glibc().create == nullptr) return ENOSYS;
  // glibc's own attr functions: the shim does not interpose pthread_attr_*.
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  if (stack_size != 0) pthread_attr_setstacksize(&attributes, stack_size);
  auto* start = new Start{body, argument};
  int error = glibc().create(thread, &attributes, thread_main, start);
  pthread_attr_destroy(&attributes);
  if (error != 0) delete start;
  return error;
}

void join_kernel_thread(pthread_t thread) { glibc().join(thread, nullptr); }

void current_kernel_thread_stack(void** low, size_t* size) {
  *low = nullptr;
  *size = 0;
  pthread_attr_t attributes;
  if (glibc().getattr == nullptr || glibc().getattr(glibc().self(), &attributes) != 0) return;
  pthread_attr_getstack(&attributes, low, size);
  pthread_attr_destroy(&attributes);
}

void block_program_signals() {
  sigset_t signals;
  sigfillset(&signals);
  raw::syscall6(SYS_rt_sigprocmask, SIG_BLOCK, reinterpret_cast<long>(&signals), 0,
                sizeof(long));
}

bool read_proc_file(const char* path, char* text, size_t size) {
  long fd = raw::syscall6(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  long length = raw::syscall6(SYS_read, fd, reinterpret_cast<long>(text), static_cast<long>(size) - 1);
  raw::syscall6(SYS_close, fd);
  if (length <= 0) return false;
  text[length] = '\0';
  return true;
}

bool read_kernel_thread_file(int tid, const char* file, char* text, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/%s", tid, file);
  return read_proc_file(path, text, size);
}

}  // namespace greenshim
