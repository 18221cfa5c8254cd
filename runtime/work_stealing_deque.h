// The per-worker run queue: a Chase-Lev work-stealing deque of fixed
// capacity (Chase & Lev, SPAA 2005; memory orders after Le, Pop, Cohen and
// Zappa Nardelli, PPoPP 2013).
//
// The owning worker pushes and pops at the bottom without locks (LIFO, so a
// task it just made runnable runs while its data is still in cache); other
// workers steal from the top with one CAS each (FIFO, the oldest work). The
// array never grows: like Go's run queue, a full deque is the caller's cue
// to move half of it to the global queue, which bounds memory per worker and
// keeps the hot path free of allocation.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace greenshim {

template <typename T, size_t kCapacity>
class WorkStealingDeque {
  static_assert((kCapacity & (kCapacity - 1)) == 0, "capacity must be a power of two");

 public:
  static constexpr size_t capacity() { return kCapacity; }

  // Owner only. False when full.
  bool push(T* item) {
    int64_t bottom = bottom_.load(std::memory_order_relaxed);
    int64_t top = top_.load(std::memory_order_acquire);
    if (bottom - top >= static_cast<int64_t>(kCapacity)) return false;
    slots_[bottom & kMask].store(item, std::memory_order_relaxed);
    // Release: a thief that sees the new bottom sees the slot and the item.
    bottom_.store(bottom + 1, std::memory_order_release);
    return true;
  }

  // Owner only. The most recently pushed item, or nullptr when empty.
  T* pop() {
    int64_t bottom = bottom_.load(std::memory_order_relaxed) - 1;
    bottom_.store(bottom, std::memory_order_relaxed);
    // Orders the bottom store before the top load against a concurrent
    // thief doing the mirror image (top load, then bottom load).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    int64_t top = top_.load(std::memory_order_relaxed);
    if (top > bottom) {
      bottom_.store(bottom + 1, std::memory_order_relaxed);
      return nullptr;
    }
    T* item = slots_[bottom & kMask].load(std::memory_order_relaxed);
    if (top == bottom) {
      // The last item: race the thieves for it through top.
      if (!top_.compare_exchange_strong(top, top + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed))
        item = nullptr;
      bottom_.store(bottom + 1, std::memory_order_relaxed);
    }
    return item;
  }

  // Any thread. The oldest item, or nullptr when empty or when another
  // thief or the owner won the race for it.
  T* steal() {
    int64_t top = top_.load(std::memory_order_acquire);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    int64_t bottom = bottom_.load(std::memory_order_acquire);
    if (top >= bottom) return nullptr;
    T* item = slots_[top & kMask].load(std::memory_order_relaxed);
    if (!top_.compare_exchange_strong(top, top + 1, std::memory_order_seq_cst,
                                      std::memory_order_relaxed))
      return nullptr;
    return item;
  }

  // A racy size, good for heuristics (is there work to steal? how much?).
  size_t size_estimate() const {
    int64_t bottom = bottom_.load(std::memory_order_relaxed);
    int64_t top = top_.load(std::memory_order_relaxed);
    return bottom > top ? static_cast<size_t>(bottom - top) : 0;
  }

  // Racy: where the oldest item sits, or -1 when empty. The position only
  // moves on when that item is taken, so a position seen twice means the
  // same item waited in between.
  int64_t oldest_position() const {
    int64_t bottom = bottom_.load(std::memory_order_relaxed);
    int64_t top = top_.load(std::memory_order_relaxed);
    return bottom > top ? top : -1;
  }

  // After fork: whatever the deque held belongs to threads that no longer exist.
  void clear() {
    top_.store(0, std::memory_order_relaxed);
    bottom_.store(0, std::memory_order_relaxed);
  }

 private:
  static constexpr int64_t kMask = static_cast<int64_t>(kCapacity) - 1;

  alignas(64) std::atomic<int64_t> top_{0};
  alignas(64) std::atomic<int64_t> bottom_{0};
  alignas(64) std::atomic<T*> slots_[kCapacity] = {};
};

}  // namespace greenshim
