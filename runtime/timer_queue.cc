// See timer_queue.h.
#include "runtime/timer_queue.h"

#include <utility>

namespace greenshim {

void TimerQueue::swap_entries(size_t a, size_t b) {
  std::swap(heap_[a], heap_[b]);
  heap_[a]->heap_index = a;
  heap_[b]->heap_index = b;
}

void TimerQueue::sift_up(size_t index) {
  while (index > 0) {
    size_t parent = (index - 1) / 2;
    if (heap_[parent]->deadline_ns <= heap_[index]->deadline_ns) break;
    swap_entries(parent, index);
    index = parent;
  }
}

void TimerQueue::sift_down(size_t index) {
  for (;;) {
    size_t smallest = index;
    for (size_t child = 2 * index + 1; child <= 2 * index + 2 && child < heap_.size(); ++child) {
      if (heap_[child]->deadline_ns < heap_[smallest]->deadline_ns) smallest = child;
    }
    if (smallest == index) return;
    swap_entries(index, smallest);
    index = smallest;
  }
}

void TimerQueue::remove_at(size_t index) {
  size_t last = heap_.size() - 1;
  heap_[index]->heap_index = Timer::kNotQueued;
  if (index != last) {
    heap_[index] = heap_[last];
    heap_[index]->heap_index = index;
  }
  heap_.pop_back();
  if (index < heap_.size()) {
    sift_down(index);
    sift_up(index);
  }
}

void TimerQueue::publish_earliest() {
  earliest_.store(heap_.empty() ? kNoDeadline : heap_[0]->deadline_ns, std::memory_order_release);
}

void TimerQueue::add(Timer* timer) {
  SpinLockGuard guard(lock_);
  timer->heap_index = heap_.size();
  heap_.push_back(timer);
  sift_up(timer->heap_index);
  publish_earliest();
}

bool TimerQueue::cancel(Timer* timer) {
  SpinLockGuard guard(lock_);
  if (timer->heap_index == Timer::kNotQueued) return false;
  remove_at(timer->heap_index);
  publish_earliest();
  return true;
}

size_t TimerQueue::fire_due(int64_t now_ns) {
  if (earliest_deadline() > now_ns) return 0;
  SpinLockGuard guard(lock_);
  size_t fired = 0;
  while (!heap_.empty() && heap_[0]->deadline_ns <= now_ns) {
    Timer* timer = heap_[0];
    remove_at(0);
    timer->fire(timer);
    ++fired;
  }
  publish_earliest();
  return fired;
}

size_t TimerQueue::size() {
  SpinLockGuard guard(lock_);
  return heap_.size();
}

void TimerQueue::reset_after_fork() {
  lock_.reset_after_fork();
  heap_.clear();
  publish_earliest();
}

}  // namespace greenshim
