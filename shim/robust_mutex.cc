// Robust mutexes, within a process and across processes.
//
// The word has the kernel's robust-futex format: the holder's thread id in
// the low bits, FUTEX_WAITERS when someone may be blocked on it, and
// FUTEX_OWNER_DIED once a holder died. Every robust mutex held by any task
// of this process sits on one list, linked through MutexState::robust_next
// and registered with set_robust_list. A task owns the mutex (the owner
// field says which); the thread id in the word is always the process's main
// kernel thread's, because:
//  - the kernel walks a thread's list when that thread exits and marks the
//    mutexes carrying its id as owner-dead, waking a waiter. Tasks move
//    between kernel threads, so no task has a kernel thread of its own;
//    the main kernel thread runs a worker until the process ends, and when
//    the process dies (killed, or exiting with mutexes held) the kernel
//    frees them all, which the other process's next locker sees;
//  - a task that ends while holding robust mutexes is not a kernel thread
//    exit, so a task-local destructor does the kernel's part for it.
#include "shim/robust_mutex.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>

#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "runtime/spin_lock.h"
#include "runtime/task_local.h"
#include "shim/mutex.h"
#include "shim/word_wait.h"

namespace greenshim::shim {
namespace {

robust_list_head g_list = {
    {&g_list.list},
    static_cast<long>(offsetof(MutexState, word)) - static_cast<long>(offsetof(MutexState, robust_next)),
    nullptr,
};
SpinLock g_list_lock;
// The id the words carry: the main kernel thread's, which is the process id.
uint32_t g_keeper_tid;
// The task-local key whose destructor frees a finished task's mutexes,
// plus one (0: not created yet).
std::atomic<unsigned> g_exit_key_plus_one{0};

robust_list* entry_of(MutexState* mutex) { return reinterpret_cast<robust_list*>(&mutex->robust_next); }

MutexState* mutex_of(robust_list* entry) {
  return reinterpret_cast<MutexState*>(reinterpret_cast<char*>(entry) + g_list.futex_offset);
}

bool shared(const MutexState* mutex) { return (mutex->kind & kProcessSharedKind) != 0; }

// Under g_list_lock.
void link(MutexState* mutex) {
  entry_of(mutex)->next = g_list.list.next;
  g_list.list.next = entry_of(mutex);
}

// Under g_list_lock.
void unlink(MutexState* mutex) {
  for (robust_list** link = &g_list.list.next; *link != &g_list.list; link = &(*link)->next) {
    if (*link == entry_of(mutex)) {
      *link = entry_of(mutex)->next;
      return;
    }
  }
}

// On the main kernel thread: at load, and in a fork child (whose glibc
// re-registered its own, empty, list).
void register_list() {
  g_list.list.next = &g_list.list;
  g_list.list_op_pending = nullptr;
  g_keeper_tid = static_cast<uint32_t>(raw::syscall6(SYS_getpid));
  raw::syscall6(SYS_set_robust_list, reinterpret_cast<long>(&g_list), sizeof g_list);
}

__attribute__((constructor)) void register_list_at_load() {
  register_list();
  pthread_atfork(nullptr, nullptr, [] {
    g_list_lock.reset_after_fork();
    register_list();
  });
}

// What the kernel does for an exiting thread's list, for a task: every
// mutex the task holds is freed and marked owner-dead, and a waiter woken.
void release_held_by_finished_task(void*) {
  for (;;) {
    MutexState* held = nullptr;
    {
      SpinLockGuard guard(g_list_lock);
      for (robust_list* entry = g_list.list.next; entry != &g_list.list; entry = entry->next) {
        MutexState* mutex = mutex_of(entry);
        if (mutex->owner.load(std::memory_order_relaxed) == mutex_owner_id(mutex)) {
          held = mutex;
          break;
        }
      }
      if (held == nullptr) return;
      unlink(held);
      held->owner.store(0, std::memory_order_relaxed);
      held->recursion = 0;
    }
    uint32_t old = held->word.load(std::memory_order_relaxed);
    while (!held->word.compare_exchange_weak(old, (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED,
                                             std::memory_order_release)) {
    }
    if (old & FUTEX_WAITERS) wake_word(&held->word, 1, shared(held));
  }
}

// Arranges for the calling task's robust mutexes to be released when it
// ends. Kernel threads the runtime does not manage are left to the kernel.
void watch_for_exit() {
  Task* self = current_task();
  if (self == nullptr) return;
  unsigned key_plus_one = g_exit_key_plus_one.load(std::memory_order_acquire);
  if (key_plus_one == 0) {
    unsigned key;
    if (task_local_key_create(release_held_by_finished_task, &key) != 0) return;
    if (g_exit_key_plus_one.compare_exchange_strong(key_plus_one, key + 1,
                                                    std::memory_order_acq_rel)) {
      key_plus_one = key + 1;
    } else {
      task_local_key_delete(key);  // another task created it first
    }
  }
  if (task_local_get(self, key_plus_one - 1) == nullptr) task_local_set(self, key_plus_one - 1, self);
}

}  // namespace

int robust_acquire(MutexState* mutex, int64_t deadline_ns, bool try_only) {
  watch_for_exit();
  bool waited = false;
  for (;;) {
    if (mutex->robust_state.load(std::memory_order_acquire) == kRobustNotRecoverable)
      return ENOTRECOVERABLE;
    uint32_t old = mutex->word.load(std::memory_order_relaxed);
    if ((old & FUTEX_TID_MASK) == 0) {
      // Having waited, assume others wait too, so our unlock wakes one.
      uint32_t desired = g_keeper_tid | (old & FUTEX_WAITERS) | (waited ? FUTEX_WAITERS : 0);
      bool taken;
      {
        // Taken and listed as one step, as far as the kernel can tell: if
        // the process dies in between, list_op_pending covers it.
        SpinLockGuard guard(g_list_lock);
        g_list.list_op_pending = entry_of(mutex);
        taken = mutex->word.compare_exchange_strong(old, desired, std::memory_order_acquire);
        if (taken) link(mutex);
        g_list.list_op_pending = nullptr;
      }
      if (!taken) continue;
      if ((old & FUTEX_OWNER_DIED) == 0) return 0;
      mutex->robust_state.store(kRobustInconsistent, std::memory_order_relaxed);
      return EOWNERDEAD;
    }
    if (try_only) return EBUSY;
    if ((old & FUTEX_WAITERS) == 0 &&
        !mutex->word.compare_exchange_strong(old, old | FUTEX_WAITERS, std::memory_order_relaxed))
      continue;
    if (wait_on_word(&mutex->word, old | FUTEX_WAITERS, deadline_ns, shared(mutex),
                     "robust mutex") == ETIMEDOUT)
      return ETIMEDOUT;
    waited = true;
  }
}

void robust_release(MutexState* mutex) {
  uint32_t expected = kRobustInconsistent;
  // Unlocked without pthread_mutex_consistent: nobody may use it again.
  bool unusable = mutex->robust_state.compare_exchange_strong(expected, kRobustNotRecoverable,
                                                              std::memory_order_release);
  uint32_t old;
  {
    SpinLockGuard guard(g_list_lock);
    g_list.list_op_pending = entry_of(mutex);
    unlink(mutex);
    old = mutex->word.exchange(0, std::memory_order_release);
    g_list.list_op_pending = nullptr;
  }
  if (old & FUTEX_WAITERS) wake_word(&mutex->word, unusable ? INT_MAX : 1, shared(mutex));
}

}  // namespace greenshim::shim
