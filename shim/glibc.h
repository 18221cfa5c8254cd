// glibc's own versions of the functions the shim replaces, for the few
// cases where the shim hands a call back to glibc: a thread the runtime does
// not manage (created before the shim loaded, or by glibc itself), the
// main thread's real stack bounds, and the stdio closes the shim watches.
#pragma once

#include <pthread.h>
#include <stdio.h>

namespace greenshim::shim {

struct GlibcFunctions {
  pthread_t (*pthread_self)();
  int (*pthread_getattr_np)(pthread_t, pthread_attr_t*);
  [[noreturn]] void (*pthread_exit)(void*);
  int (*pthread_setname_np)(pthread_t, const char*);
  // Interposed only to keep the descriptor cache right (close.cc).
  int (*fclose)(FILE*);
  int (*pclose)(FILE*);
  void (*closefrom)(int);
};

// Resolved once, with dlsym(RTLD_NEXT), on first use.
const GlibcFunctions& glibc();

}  // namespace greenshim::shim
