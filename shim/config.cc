// See config.h.
#include "shim/config.h"

#include <limits.h>
#include <pthread.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "runtime/log.h"

namespace greenshim::shim {
namespace {

// glibc's rule (nptl-stack.c): the soft RLIMIT_STACK, or 8 MiB when it is
// unlimited or absurdly small. Programs tuned against native threads rely
// on getting the same.
size_t glibc_default_stack_size() {
  constexpr size_t kArchDefault = 8u << 20;
  rlimit limit;
  if (getrlimit(RLIMIT_STACK, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return kArchDefault;
  if (limit.rlim_cur < static_cast<rlim_t>(PTHREAD_STACK_MIN)) return PTHREAD_STACK_MIN;
  return limit.rlim_cur;
}

// Parses a whole non-negative number with an optional k/m/g suffix.
bool parse_size(const char* text, unsigned long long* value) {
  errno = 0;
  char* end = nullptr;
  if (*text == '-' || *text == '\0') return false;
  unsigned long long number = strtoull(text, &end, 10);
  if (errno != 0 || end == text) return false;
  unsigned shift = 0;
  switch (*end) {
    case 'k': case 'K': shift = 10; ++end; break;
    case 'm': case 'M': shift = 20; ++end; break;
    case 'g': case 'G': shift = 30; ++end; break;
    default: break;
  }
  if (*end != '\0' || number > (~0ull >> shift)) return false;
  *value = number << shift;
  return true;
}

bool flag(const char* name) {
  const char* text = getenv(name);
  return text != nullptr && *text != '\0' && strcmp(text, "0") != 0;
}

}  // namespace

RuntimeOptions options_from_environment() {
  RuntimeOptions options;
  set_debug_logging(flag("GREENSHIM_DEBUG"));
  options.default_stack_size = glibc_default_stack_size();

  unsigned long long value;
  if (const char* text = getenv("GREENSHIM_WORKERS")) {
    if (parse_size(text, &value) && value >= 1 && value <= 1024) {
      options.workers = static_cast<int>(value);
    } else {
      warn("GREENSHIM_WORKERS=%s is not a number from 1 to 1024; using one per CPU", text);
    }
  }
  if (const char* text = getenv("GREENSHIM_STACK_SIZE")) {
    if (parse_size(text, &value) && value >= static_cast<unsigned long long>(PTHREAD_STACK_MIN) &&
        value <= (1ull << 32)) {
      options.default_stack_size = value;
    } else {
      warn("GREENSHIM_STACK_SIZE=%s is not a size from %zu bytes to 4g; using %zu", text,
           static_cast<size_t>(PTHREAD_STACK_MIN), options.default_stack_size);
    }
  }
  if (const char* text = getenv("GREENSHIM_SPIN_US")) {
    if (parse_size(text, &value) && value <= 1000000) {
      options.spin_microseconds = static_cast<long>(value);
    } else {
      warn("GREENSHIM_SPIN_US=%s is not a number from 0 to 1000000; using %ld", text,
           options.spin_microseconds);
    }
  }
  if (const char* text = getenv("GREENSHIM_SCHEDTRACE")) {
    if (parse_size(text, &value) && value >= 1 && value <= 3600000) {
      options.schedtrace_ms = static_cast<long>(value);
    } else {
      warn("GREENSHIM_SCHEDTRACE=%s is not a number of milliseconds from 1 to 3600000; no trace",
           text);
    }
  }
  if (const char* text = getenv("GREENSHIM_IO")) {
    if (strcmp(text, "off") == 0) {
      options.io_mode = IoMode::kOff;
    } else if (strcmp(text, "uring") == 0) {
      options.io_mode = IoMode::kUring;
    } else if (*text != '\0') {
      warn("GREENSHIM_IO=%s is not 'uring' or 'off'; using io_uring where the kernel allows it",
           text);
    }
  }
  options.stats = flag("GREENSHIM_STATS");
  options.stats_file = getenv("GREENSHIM_STATS_FILE");
  if (options.stats_file != nullptr && *options.stats_file != '\0') options.stats = true;
  return options;
}

}  // namespace greenshim::shim
