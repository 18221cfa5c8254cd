// A pthread_t under greenshim is the address of the thread's Task. These
// two conversions are the only place that knows it.
#pragma once

#include <pthread.h>

#include "runtime/task.h"

namespace greenshim::shim {

inline Task* task_of(pthread_t thread) { return reinterpret_cast<Task*>(thread); }
inline pthread_t handle_of(Task* task) { return reinterpret_cast<pthread_t>(task); }

}  // namespace greenshim::shim
