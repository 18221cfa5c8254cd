// See config.h.
#include "shim/config.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
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

// A signal by number ("23"), name ("SIGURG", "URG") or real-time offset
// ("SIGRTMIN+3"); 0 when it is not one the preemption can borrow.
int signal_from_text(const char* text) {
  unsigned long long number;
  int signal = 0;
  if (parse_size(text, &number) && number < static_cast<unsigned long long>(NSIG)) {
    signal = static_cast<int>(number);
  } else {
    const char* name = strncmp(text, "SIG", 3) == 0 ? text + 3 : text;
    if (strncmp(name, "RTMIN+", 6) == 0 && parse_size(name + 6, &number) &&
        number <= static_cast<unsigned long long>(SIGRTMAX - SIGRTMIN)) {
      signal = SIGRTMIN + static_cast<int>(number);
    } else {
      for (int candidate = 1; candidate < SIGRTMIN; ++candidate) {
        const char* abbreviation = sigabbrev_np(candidate);
        if (abbreviation != nullptr && strcmp(abbreviation, name) == 0) signal = candidate;
      }
    }
  }
  switch (signal) {
    case SIGKILL: case SIGSTOP: case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE:
    case SIGABRT: case SIGTRAP: case SIGSYS:
      return 0;
    default:
      return signal;
  }
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
  options.preempt_microseconds = 10000;
  if (const char* text = getenv("GREENSHIM_PREEMPT_US")) {
    if (parse_size(text, &value) && value <= 10000000) {
      options.preempt_microseconds = static_cast<long>(value);
    } else {
      warn("GREENSHIM_PREEMPT_US=%s is not a number from 0 (off) to 10000000; using %ld", text,
           options.preempt_microseconds);
    }
  }
  if (const char* text = getenv("GREENSHIM_PREEMPT_SIGNAL")) {
    int signal = signal_from_text(text);
    if (signal > 0) {
      options.preempt_signal = signal;
    } else {
      warn("GREENSHIM_PREEMPT_SIGNAL=%s is not a signal greenshim can use (a number or name such "
           "as SIGURG or SIGRTMIN+3; not SIGKILL, SIGSTOP or a fault); using %s",
           text, strsignal(options.preempt_signal));
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
  if (const char* text = getenv("GREENSHIM_REST_WORKERS")) {
    if (strcmp(text, "0") == 0) {
      options.rest_workers = false;
    } else if (strcmp(text, "1") != 0) {
      warn("GREENSHIM_REST_WORKERS=%s is not 0 or 1; workers rest while the CPUs are "
           "oversubscribed",
           text);
    }
  }
  options.stats = flag("GREENSHIM_STATS");
  options.stats_file = getenv("GREENSHIM_STATS_FILE");
  if (options.stats_file != nullptr && *options.stats_file != '\0') options.stats = true;
  return options;
}

bool task_tls_from_environment() {
  const char* text = getenv("GREENSHIM_TLS");
  if (text == nullptr || *text == '\0' || strcmp(text, "task") == 0) return true;
  if (strcmp(text, "worker") == 0) return false;
  warn("GREENSHIM_TLS=%s is not 'task' or 'worker'; each green thread gets its own", text);
  return true;
}

}  // namespace greenshim::shim
