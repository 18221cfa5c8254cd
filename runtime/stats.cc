// The GREENSHIM_STATS report, as aligned tables (one row per worker, then
// totals) or as JSON, and the counting helpers of stats.h.
//
// Both formats are generated from one list of columns (kColumns), so a
// counter added to WorkerStats needs one line here to appear in both.
#include "runtime/stats.h"

#include <array>
#include <cstdarg>
#include <cstdio>
#include <vector>

#include "runtime/raw_syscall.h"
#include "runtime/scheduler.h"
#include "runtime/worker.h"

namespace greenshim {
namespace {

WorkerStats g_outside_stats;
std::atomic<uint64_t> g_kernel_threads{0};
std::atomic<uint64_t> g_peak_kernel_threads{0};

struct Column {
  const char* heading;    // table heading, at most 13 characters
  const char* json_name;  // key in the JSON report
  Counter WorkerStats::*counter;
  bool is_largest;  // the total is the largest value, not the sum
};

// The tables, in order; a null heading ends a table.
constexpr Column kColumns[] = {
    {"tasks created", "tasks_created", &WorkerStats::tasks_created, false},
    {"tasks run", "tasks_run", &WorkerStats::tasks_run, false},
    {"switches", "switches", &WorkerStats::switches, false},
    {"task parks", "task_parks", &WorkerStats::task_parks, false},
    {"task wake-ups", "task_wakeups", &WorkerStats::task_wakeups, false},
    {"timers fired", "timers_fired", &WorkerStats::timers_fired, false},
    {nullptr, nullptr, nullptr, false},
    {"steals tried", "steals_tried", &WorkerStats::steals_tried, false},
    {"steals won", "steals_won", &WorkerStats::steals_won, false},
    {"worker parks", "worker_parks", &WorkerStats::parks, false},
    {"worker wakes", "worker_wakeups", &WorkerStats::wakeups, false},
    {"preemptions", "preemptions", &WorkerStats::preemptions, false},
    {"hand-offs", "handoffs", &WorkerStats::handoffs, false},
    {nullptr, nullptr, nullptr, false},
    {"io submitted", "io_submissions", &WorkerStats::io_submissions, false},
    {"io batches", "io_submit_batches", &WorkerStats::io_submit_batches, false},
    {"largest batch", "io_largest_batch", &WorkerStats::io_largest_batch, true},
    {"io completed", "io_completions", &WorkerStats::io_completions, false},
    {nullptr, nullptr, nullptr, false},
    {"worker rests", "worker_rests", &WorkerStats::rests, false},
    {"rests ended", "rests_ended", &WorkerStats::rest_ends, false},
};
constexpr size_t kColumnCount = sizeof kColumns / sizeof kColumns[0];

// Collects a report in a fixed buffer and writes it with raw write(2)s:
// at exit the interposed write() and stdio may not be usable.
class Output {
 public:
  explicit Output(int fd) : fd_(fd) {}
  ~Output() { flush(); }

  void append(const char* format, ...) __attribute__((format(printf, 2, 3))) {
    va_list arguments;
    va_start(arguments, format);
    size_t room = sizeof buffer_ - length_;
    int written = vsnprintf(buffer_ + length_, room, format, arguments);
    va_end(arguments);
    if (written < 0) return;
    if (static_cast<size_t>(written) >= room) {
      // Did not fit: flush and format again into the empty buffer.
      flush();
      va_start(arguments, format);
      written = vsnprintf(buffer_, sizeof buffer_, format, arguments);
      va_end(arguments);
      if (written < 0) return;
      room = sizeof buffer_;
    }
    length_ += static_cast<size_t>(written) < room ? static_cast<size_t>(written) : room - 1;
  }

 private:
  void flush() {
    const char* text = buffer_;
    while (length_ > 0) {
      long written = raw::syscall6(SYS_write, fd_, reinterpret_cast<long>(text),
                                   static_cast<long>(length_));
      if (written <= 0) break;
      text += written;
      length_ -= static_cast<size_t>(written);
    }
    length_ = 0;
  }

  int fd_;
  char buffer_[4096];
  size_t length_ = 0;
};

bool any_counted(const WorkerStats& stats) {
  for (const Column& column : kColumns) {
    if (column.counter != nullptr && (stats.*column.counter).get() != 0) return true;
  }
  return false;
}

// The rows of the report: one per worker (the spares the monitor started
// included), then the outside set when it counted anything. Every counter
// is read once, when the report starts, so that totals are the sums of the
// rows even while workers are still counting.
class Rows {
 public:
  explicit Rows(const Scheduler& scheduler) {
    for (size_t slot = 0; slot < scheduler.worker_slots(); ++slot) {
      const Worker* worker = scheduler.worker_at(slot);
      add(worker->stats, worker->index);
    }
    if (any_counted(g_outside_stats)) add(g_outside_stats, kOutside);
  }

  size_t count() const { return values_.size(); }
  uint64_t value(size_t row, const Column& column) const {
    return values_[row][static_cast<size_t>(&column - kColumns)];
  }
  // "0", "1", ... or "outside".
  const char* label(size_t row, char (&buffer)[16]) const {
    if (labels_[row] == kOutside) return "outside";
    snprintf(buffer, sizeof buffer, "%d", labels_[row]);
    return buffer;
  }
  uint64_t total(const Column& column) const {
    uint64_t result = 0;
    for (size_t row = 0; row < count(); ++row) {
      uint64_t value = this->value(row, column);
      result = column.is_largest ? (value > result ? value : result) : result + value;
    }
    return result;
  }

 private:
  static constexpr int kOutside = -1;

  void add(const WorkerStats& stats, int label) {
    std::array<uint64_t, kColumnCount> row{};
    for (size_t index = 0; index < kColumnCount; ++index) {
      if (kColumns[index].counter != nullptr) row[index] = (stats.*kColumns[index].counter).get();
    }
    values_.push_back(row);
    labels_.push_back(label);
  }

  std::vector<std::array<uint64_t, kColumnCount>> values_;
  std::vector<int> labels_;
};

void print_table(const Rows& rows, Output& out, const Column* first, const Column* end) {
  out.append("greenshim: %-7s", "worker");
  for (const Column* column = first; column != end; ++column) out.append(" %13s", column->heading);
  out.append("\n");
  for (size_t row = 0; row <= rows.count(); ++row) {
    bool is_total = row == rows.count();
    char label[16];
    out.append("greenshim: %-7s", is_total ? "total" : rows.label(row, label));
    for (const Column* column = first; column != end; ++column) {
      uint64_t value = is_total ? rows.total(*column) : rows.value(row, *column);
      out.append(" %13llu", static_cast<unsigned long long>(value));
    }
    out.append("\n");
  }
}

// One row's counters, or the totals when `row` is rows.count().
void print_json_object(Output& out, const Rows& rows, size_t row) {
  const char* separator = "";
  for (const Column& column : kColumns) {
    if (column.counter == nullptr) continue;
    uint64_t value = row < rows.count() ? rows.value(row, column) : rows.total(column);
    out.append("%s\"%s\": %llu", separator, column.json_name,
               static_cast<unsigned long long>(value));
    separator = ", ";
  }
}

}  // namespace

void print_stats(const Scheduler& scheduler, int fd, StatsFormat format) {
  Rows rows(scheduler);
  Output out(fd);
  uint64_t peak_tasks = scheduler.registry.peak_live_count();
  if (format == StatsFormat::kJson) {
    out.append("{\n  \"workers\": [\n");
    for (size_t row = 0; row < rows.count(); ++row) {
      char label[16];
      out.append("    {\"worker\": \"%s\", ", rows.label(row, label));
      print_json_object(out, rows, row);
      out.append("}%s\n", row + 1 < rows.count() ? "," : "");
    }
    out.append("  ],\n  \"total\": {");
    print_json_object(out, rows, rows.count());
    out.append("},\n  \"peak_tasks_alive\": %llu,\n  \"peak_kernel_threads\": %llu\n}\n",
               static_cast<unsigned long long>(peak_tasks),
               static_cast<unsigned long long>(peak_kernel_threads()));
    return;
  }
  const Column* table_start = kColumns;
  for (const Column* column = kColumns; column <= kColumns + kColumnCount; ++column) {
    if (column == kColumns + kColumnCount || column->heading == nullptr) {
      print_table(rows, out, table_start, column);
      table_start = column + 1;
    }
  }
  out.append("greenshim: peak tasks alive %llu, peak kernel threads %llu\n",
             static_cast<unsigned long long>(peak_tasks),
             static_cast<unsigned long long>(peak_kernel_threads()));
}

void count_event(Counter WorkerStats::*counter, uint64_t amount) {
  if (Worker* worker = current_worker()) {
    (worker->stats.*counter).add(amount);
  } else {
    (g_outside_stats.*counter).add_shared(amount);
  }
}

void count_io_submit_batch(uint64_t operations) {
  count_event(&WorkerStats::io_submissions, operations);
  count_event(&WorkerStats::io_submit_batches);
  Worker* worker = current_worker();
  (worker != nullptr ? worker->stats : g_outside_stats).io_largest_batch.raise_to(operations);
}

void count_io_completions(uint64_t completions) {
  count_event(&WorkerStats::io_completions, completions);
}

void count_preemption() { count_event(&WorkerStats::preemptions); }
void count_handoff() { count_event(&WorkerStats::handoffs); }

void count_kernel_thread_started() {
  uint64_t alive = g_kernel_threads.fetch_add(1, std::memory_order_relaxed) + 1;
  uint64_t peak = g_peak_kernel_threads.load(std::memory_order_relaxed);
  while (alive > peak &&
         !g_peak_kernel_threads.compare_exchange_weak(peak, alive, std::memory_order_relaxed)) {
  }
}

void count_kernel_thread_stopped() { g_kernel_threads.fetch_sub(1, std::memory_order_relaxed); }
uint64_t kernel_threads_alive() { return g_kernel_threads.load(std::memory_order_relaxed); }
uint64_t peak_kernel_threads() { return g_peak_kernel_threads.load(std::memory_order_relaxed); }

}  // namespace greenshim
