// See fd_kind.h.
#include "shim/fd_kind.h"

#include <sys/stat.h>
#include <sys/syscall.h>

#include <atomic>

#include "runtime/raw_syscall.h"

namespace greenshim::shim {
namespace {

// Numbers past this are not cached (they are asked about every time).
constexpr unsigned kCachedDescriptors = 1u << 16;
std::atomic<FdKind> g_kinds[kCachedDescriptors];
std::atomic<bool> g_read_waited[kCachedDescriptors];

bool cached(int fd) { return fd >= 0 && static_cast<unsigned>(fd) < kCachedDescriptors; }

}  // namespace

FdKind cached_fd_kind(int fd) {
  return cached(fd) ? g_kinds[fd].load(std::memory_order_relaxed) : FdKind::kUnknown;
}

FdKind fd_kind(int fd) {
  FdKind kind = cached_fd_kind(fd);
  if (kind != FdKind::kUnknown) return kind;
  struct stat status;
  if (raw::syscall6(SYS_fstat, fd, reinterpret_cast<long>(&status)) != 0) return FdKind::kUnknown;
  kind = S_ISREG(status.st_mode) || S_ISBLK(status.st_mode) ? FdKind::kFile : FdKind::kStream;
  if (cached(fd)) g_kinds[fd].store(kind, std::memory_order_relaxed);
  return kind;
}

bool read_waited_last_time(int fd) {
  return cached(fd) && g_read_waited[fd].load(std::memory_order_relaxed);
}

void remember_read_waited(int fd, bool waited) {
  if (cached(fd) && g_read_waited[fd].load(std::memory_order_relaxed) != waited)
    g_read_waited[fd].store(waited, std::memory_order_relaxed);
}

void forget_fd(int fd) {
  if (!cached(fd)) return;
  g_kinds[fd].store(FdKind::kUnknown, std::memory_order_relaxed);
  g_read_waited[fd].store(false, std::memory_order_relaxed);
}

void forget_fds(unsigned low, unsigned high) {
  for (unsigned fd = low; fd <= high && fd < kCachedDescriptors; ++fd) forget_fd(static_cast<int>(fd));
}

}  // namespace greenshim::shim
