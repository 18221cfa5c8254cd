// See deferred_wake.h.
#include "runtime/deferred_wake.h"

#include <climits>
#include <cstddef>
#include <cstdint>

#include "runtime/runtime.h"
#include "runtime/scheduler.h"

namespace greenshim {
namespace {

// Distinct addresses noted between two scheduling rounds: a handful of
// semaphores posted from handlers. An address already noted is not noted
// twice.
constexpr size_t kSlots = 256;
std::atomic<const void*> g_slots[kSlots];
std::atomic<bool> g_noted{false};

bool note(const void* address) {
  size_t start = (reinterpret_cast<uintptr_t>(address) >> 4) % kSlots;
  for (size_t probe = 0; probe < kSlots; ++probe) {
    std::atomic<const void*>& slot = g_slots[(start + probe) % kSlots];
    const void* held = slot.load(std::memory_order_acquire);
    if (held == address) return true;
    if (held == nullptr &&
        (slot.compare_exchange_strong(held, address, std::memory_order_acq_rel) || held == address))
      return true;
  }
  return false;
}

}  // namespace

void wake_all_later(const void* address) {
  Scheduler* scheduler = Scheduler::instance();
  if (scheduler == nullptr) return;
  if (!note(address)) {
    // Every slot holds another address that no worker has come round to:
    // wake directly, the one thing left (never seen; the table is there so
    // that this stays so).
    wake_address(address, INT_MAX);
    return;
  }
  g_noted.store(true, std::memory_order_seq_cst);
  for (int index = 0; index < scheduler->options.workers; ++index)
    scheduler->workers[index]->parker.unpark();
}

bool deferred_wakes_noted() { return g_noted.load(std::memory_order_relaxed); }

void run_deferred_wakes() {
  if (!g_noted.exchange(false, std::memory_order_seq_cst)) return;
  for (std::atomic<const void*>& slot : g_slots) {
    if (slot.load(std::memory_order_relaxed) == nullptr) continue;
    if (const void* address = slot.exchange(nullptr, std::memory_order_acq_rel))
      wake_address(address, INT_MAX);
  }
}

}  // namespace greenshim
