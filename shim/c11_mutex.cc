// C11 mtx_* and cnd_*. glibc implements them on its own pthread code,
// which a preload cannot reach, so they are interposed here. mtx_t and
// cnd_t have pthread_mutex_t's and pthread_cond_t's sizes, and glibc's
// objects are those very types underneath, so the shim's pthread entry
// points serve them directly.
#include <pthread.h>
#include <threads.h>

#include <cerrno>

#include "shim/c11_result.h"

static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t));
static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t));

using greenshim::shim::thrd_result;

namespace {

pthread_mutex_t* mutex_of(mtx_t* mutex) { return reinterpret_cast<pthread_mutex_t*>(mutex); }
pthread_cond_t* cond_of(cnd_t* cond) { return reinterpret_cast<pthread_cond_t*>(cond); }

}  // namespace

extern "C" int mtx_init(mtx_t* mutex, int type) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  if ((type & mtx_recursive) != 0) pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
  int error = pthread_mutex_init(mutex_of(mutex), &attributes);
  pthread_mutexattr_destroy(&attributes);
  return thrd_result(error);
}

extern "C" void mtx_destroy(mtx_t* mutex) { pthread_mutex_destroy(mutex_of(mutex)); }
extern "C" int mtx_lock(mtx_t* mutex) { return thrd_result(pthread_mutex_lock(mutex_of(mutex))); }
extern "C" int mtx_trylock(mtx_t* mutex) {
  return thrd_result(pthread_mutex_trylock(mutex_of(mutex)));
}
extern "C" int mtx_timedlock(mtx_t* mutex, const timespec* deadline) {
  return thrd_result(pthread_mutex_timedlock(mutex_of(mutex), deadline));
}
extern "C" int mtx_unlock(mtx_t* mutex) { return thrd_result(pthread_mutex_unlock(mutex_of(mutex))); }

extern "C" int cnd_init(cnd_t* cond) { return thrd_result(pthread_cond_init(cond_of(cond), nullptr)); }
extern "C" void cnd_destroy(cnd_t* cond) { pthread_cond_destroy(cond_of(cond)); }
extern "C" int cnd_signal(cnd_t* cond) { return thrd_result(pthread_cond_signal(cond_of(cond))); }
extern "C" int cnd_broadcast(cnd_t* cond) {
  return thrd_result(pthread_cond_broadcast(cond_of(cond)));
}
extern "C" int cnd_wait(cnd_t* cond, mtx_t* mutex) {
  return thrd_result(pthread_cond_wait(cond_of(cond), mutex_of(mutex)));
}
extern "C" int cnd_timedwait(cnd_t* cond, mtx_t* mutex, const timespec* deadline) {
  return thrd_result(pthread_cond_timedwait(cond_of(cond), mutex_of(mutex), deadline));
}
