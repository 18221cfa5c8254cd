// See glibc.h.
#include "shim/glibc.h"

#include <dlfcn.h>

namespace greenshim::shim {

template <typename Function>
static Function lookup(const char* name) {
  return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

const GlibcFunctions& glibc() {
  static const GlibcFunctions functions = {
      lookup<decltype(GlibcFunctions::pthread_self)>("pthread_self"),
      lookup<decltype(GlibcFunctions::pthread_getattr_np)>("pthread_getattr_np"),
      lookup<decltype(GlibcFunctions::pthread_exit)>("pthread_exit"),
      lookup<decltype(GlibcFunctions::pthread_setname_np)>("pthread_setname_np"),
      lookup<decltype(GlibcFunctions::fclose)>("fclose"),
      lookup<decltype(GlibcFunctions::pclose)>("pclose"),
      lookup<decltype(GlibcFunctions::closefrom)>("closefrom"),
  };
  return functions;
}

}  // namespace greenshim::shim
