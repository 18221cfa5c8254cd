// Scheduling attributes aimed at one thread: policy, priority, CPU
// affinity, CPU-time clock. glibc's versions would read a kernel thread id
// out of the handle, which for a green thread is not a glibc thread.
//
// Green threads share their workers' kernel scheduling, so per-thread
// policy and affinity are recorded and reported back but do not change
// where or how the thread runs (documented in the README). Per-thread CPU
// clocks are not available: ENOENT, POSIX's answer for "not supported".
#include <pthread.h>
#include <sched.h>

#include <cerrno>

#include "runtime/runtime.h"
#include "shim/thread_handle.h"

using namespace greenshim;

namespace {

bool valid_policy(int policy, const sched_param* parameters) {
  int low = sched_get_priority_min(policy);
  int high = sched_get_priority_max(policy);
  return low >= 0 && parameters != nullptr && parameters->sched_priority >= low &&
         parameters->sched_priority <= high;
}

}  // namespace

extern "C" int pthread_setschedparam(pthread_t thread, int policy, const sched_param* parameters) {
  Task* task = shim::task_of(thread);
  if (!is_task(task)) return ESRCH;
  if (!valid_policy(policy, parameters)) return EINVAL;
  task->sched_policy = policy;
  task->sched_priority = parameters->sched_priority;
  return 0;
}

extern "C" int pthread_getschedparam(pthread_t thread, int* policy, sched_param* parameters) {
  Task* task = shim::task_of(thread);
  if (!is_task(task)) return ESRCH;
  *policy = task->sched_policy;
  parameters->sched_priority = task->sched_priority;
  return 0;
}

extern "C" int pthread_setschedprio(pthread_t thread, int priority) {
  Task* task = shim::task_of(thread);
  if (!is_task(task)) return ESRCH;
  sched_param parameters{priority};
  if (!valid_policy(task->sched_policy, &parameters)) return EINVAL;
  task->sched_priority = priority;
  return 0;
}

extern "C" int pthread_setaffinity_np(pthread_t thread, size_t size, const cpu_set_t* cpus) {
  if (!is_task(shim::task_of(thread))) return ESRCH;
  if (CPU_COUNT_S(size, cpus) == 0) return EINVAL;
  return 0;
}

extern "C" int pthread_getaffinity_np(pthread_t thread, size_t size, cpu_set_t* cpus) {
  if (!is_task(shim::task_of(thread))) return ESRCH;
  return sched_getaffinity(0, size, cpus) == 0 ? 0 : errno;
}

extern "C" int pthread_getcpuclockid(pthread_t thread, clockid_t*) {
  return is_task(shim::task_of(thread)) ? ENOENT : ESRCH;
}
