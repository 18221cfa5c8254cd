// See log.h. Uses a raw write so that a message from inside the scheduler
// never goes through an interposed write() that might park.
#include "runtime/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>

#include "runtime/raw_syscall.h"

namespace greenshim {
namespace {

std::atomic<bool> g_debug{false};

void write_line(const char* format, va_list args) {
  char line[512];
  int prefix = snprintf(line, sizeof line, "greenshim: ");
  int body = vsnprintf(line + prefix, sizeof line - prefix - 1, format, args);
  size_t length = static_cast<size_t>(prefix) + (body < 0 ? 0 : static_cast<size_t>(body));
  if (length > sizeof line - 2) length = sizeof line - 2;
  line[length++] = '\n';
  raw::syscall6(SYS_write, STDERR_FILENO, reinterpret_cast<long>(line), static_cast<long>(length));
}

}  // namespace

void set_debug_logging(bool enabled) { g_debug.store(enabled, std::memory_order_relaxed); }
bool debug_logging() { return g_debug.load(std::memory_order_relaxed); }

void warn(const char* format, ...) {
  va_list args;
  va_start(args, format);
  write_line(format, args);
  va_end(args);
}

void debug_log(const char* format, ...) {
  if (!debug_logging()) return;
  va_list args;
  va_start(args, format);
  write_line(format, args);
  va_end(args);
}

}  // namespace greenshim
