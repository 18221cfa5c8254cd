// dlopen, interposed so that a library with initial-exec TLS loaded while
// green threads exist gets its static TLS initialized in their blocks too
// (thread_block.h). Otherwise it is glibc's dlopen.
//
// glibc's dlopen looks a bare file name up along the RUNPATH of the object
// that called it, and it takes the caller from its return address, which
// is now this file. So a bare name that is not loaded yet is looked up here
// along the caller's own search path (dlinfo RTLD_DI_SERINFO lists it:
// LD_LIBRARY_PATH, RPATH/RUNPATH with $ORIGIN expanded, the system
// directories) and opened by its full path; what is not found there is left
// to glibc (its cache, /etc/ld.so.cache).
#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "shim/thread_block.h"

namespace {

using DlopenFunction = void* (*)(const char*, int);

DlopenFunction glibc_dlopen() {
  static const auto function = reinterpret_cast<DlopenFunction>(dlsym(RTLD_NEXT, "dlopen"));
  return function;
}

void* open_along_search_path_of(const void* caller, const char* file, int mode) {
  Dl_info info;
  link_map* caller_map = nullptr;
  if (dladdr1(caller, &info, reinterpret_cast<void**>(&caller_map), RTLD_DL_LINKMAP) == 0 ||
      caller_map == nullptr)
    return nullptr;
  Dl_serinfo size_query;
  if (dlinfo(caller_map, RTLD_DI_SERINFOSIZE, &size_query) != 0) return nullptr;
  std::vector<char> buffer(size_query.dls_size);
  auto* search_path = reinterpret_cast<Dl_serinfo*>(buffer.data());
  search_path->dls_size = size_query.dls_size;
  search_path->dls_cnt = size_query.dls_cnt;
  if (dlinfo(caller_map, RTLD_DI_SERINFO, search_path) != 0) return nullptr;
  for (unsigned index = 0; index < search_path->dls_cnt; ++index) {
    std::string path = std::string(search_path->dls_serpath[index].dls_name) + "/" + file;
    if (access(path.c_str(), F_OK) == 0) return glibc_dlopen()(path.c_str(), mode);
  }
  return nullptr;
}

void* open_as(const void* caller, const char* file, int mode) {
  if (file == nullptr || strchr(file, '/') != nullptr) return glibc_dlopen()(file, mode);
  // Already loaded: glibc matches the name without any search.
  if (void* handle = glibc_dlopen()(file, mode | RTLD_NOLOAD)) return handle;
  if (void* handle = open_along_search_path_of(caller, file, mode)) return handle;
  return glibc_dlopen()(file, mode);
}

}  // namespace

extern "C" void* dlopen(const char* file, int mode) {
  void* handle = open_as(__builtin_return_address(0), file, mode);
  if (handle != nullptr) greenshim::shim::initialize_static_tls_of_new_modules();
  return handle;
}
