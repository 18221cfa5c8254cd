// See schedtrace.h. A line looks like (one line, wrapped here):
//
//   greenshim: SCHED 40ms: workers=2 busy=1 spinning=0 idle=1 resting=0 threads=2
//     runqueue=0 [0 3] tasks=51 running=1 runnable=3 parked=47 (sleep=40 mutex=7)
//
// busy: workers running a task; spinning: looking for work; idle: asleep
// in their Parker; resting: not running tasks while other processes take
// the CPUs (active_workers.h). threads: kernel threads driving workers.
// runqueue: the global queue, then each worker's own queue. Everything is
// read racily from a running scheduler, so the figures of one line need
// not add up exactly.
#include "runtime/schedtrace.h"

#include <time.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "runtime/clock.h"
#include "runtime/kernel_thread.h"
#include "runtime/log.h"
#include "runtime/raw_syscall.h"
#include "runtime/scheduler.h"
#include "runtime/stats.h"

namespace greenshim {
namespace {

struct Tracer {
  Scheduler* scheduler;
  long interval_ms;
  int64_t start_ns;
};

// A line under construction; text past the end is dropped.
class Line {
 public:
  void append(const char* format, ...) __attribute__((format(printf, 2, 3))) {
    if (length_ >= sizeof text_) return;
    va_list arguments;
    va_start(arguments, format);
    int written = vsnprintf(text_ + length_, sizeof text_ - length_, format, arguments);
    va_end(arguments);
    if (written > 0) length_ += static_cast<size_t>(written);
    if (length_ >= sizeof text_) length_ = sizeof text_ - 1;
  }
  void write_to(int fd) {
    append("\n");
    raw::syscall6(SYS_write, fd, reinterpret_cast<long>(text_), static_cast<long>(length_));
  }

 private:
  char text_[1024];
  size_t length_ = 0;
};

// Parked tasks counted by reason; reasons are the runtime's string
// constants, and a handful of kinds at most, so a small table will do.
struct ParkReasons {
  static constexpr int kMaxReasons = 16;
  const char* names[kMaxReasons] = {};
  size_t counts[kMaxReasons] = {};
  size_t others = 0;

  void add(const char* reason) {
    if (reason == nullptr) reason = "?";
    for (int i = 0; i < kMaxReasons; ++i) {
      if (names[i] == nullptr) names[i] = reason;
      if (names[i] == reason || strcmp(names[i], reason) == 0) {
        ++counts[i];
        return;
      }
    }
    ++others;
  }
};

void trace_once(const Tracer& tracer) {
  Scheduler& scheduler = *tracer.scheduler;
  size_t busy = 0;
  size_t resting = 0;
  for (const auto& worker : scheduler.workers) {
    busy += worker->current != nullptr;
    resting += !worker->active.load(std::memory_order_relaxed);
  }
  size_t tasks = 0, running = 0, runnable = 0, parked = 0;
  ParkReasons reasons;
  scheduler.registry.for_each_live([&](Task* task) {
    ++tasks;
    switch (task->state.load(std::memory_order_relaxed)) {
      case TaskState::kRunning: ++running; break;
      case TaskState::kRunnable: ++runnable; break;
      case TaskState::kParked:
        ++parked;
        reasons.add(task->park_reason);
        break;
      default: break;
    }
  });

  Line line;
  line.append(
      "greenshim: SCHED %lldms: workers=%zu busy=%zu spinning=%d idle=%d resting=%zu threads=%llu",
      static_cast<long long>((monotonic_now_ns() - tracer.start_ns) / 1000000),
      scheduler.workers.size(), busy, scheduler.spinning_workers.load(std::memory_order_relaxed),
      scheduler.idle_workers.load(std::memory_order_relaxed), resting,
      static_cast<unsigned long long>(kernel_threads_alive()));
  line.append(" runqueue=%zu [", scheduler.global_queue.length());
  const char* separator = "";
  for (const auto& worker : scheduler.workers) {
    line.append("%s%zu", separator, worker->local_queue_length());
    separator = " ";
  }
  line.append("] tasks=%zu running=%zu runnable=%zu parked=%zu (", tasks, running, runnable,
              parked);
  separator = "";
  for (int i = 0; i < ParkReasons::kMaxReasons && reasons.names[i] != nullptr; ++i) {
    line.append("%s%s=%zu", separator, reasons.names[i], reasons.counts[i]);
    separator = " ";
  }
  if (reasons.others > 0) line.append("%sother=%zu", separator, reasons.others);
  line.append(")");
  line.write_to(STDERR_FILENO);
}

void trace_loop(void* raw_tracer) {
  const Tracer& tracer = *static_cast<Tracer*>(raw_tracer);
  timespec interval{tracer.interval_ms / 1000, (tracer.interval_ms % 1000) * 1000000};
  for (;;) {
    timespec remaining = interval;
    while (raw::syscall6(SYS_nanosleep, reinterpret_cast<long>(&remaining),
                         reinterpret_cast<long>(&remaining)) == -EINTR) {
    }
    trace_once(tracer);
  }
}

}  // namespace

bool start_schedtrace(Scheduler* scheduler, long interval_ms) {
  // Lives as long as the process, as the trace thread does.
  static Tracer tracer;
  tracer = Tracer{scheduler, interval_ms, monotonic_now_ns()};
  pthread_t thread;  // never joined: the thread runs until the process exits
  int error = start_kernel_thread(trace_loop, &tracer, &thread);
  if (error != 0) {
    warn("cannot start the GREENSHIM_SCHEDTRACE thread (%s); no trace", strerror(error));
    return false;
  }
  return true;
}

}  // namespace greenshim
