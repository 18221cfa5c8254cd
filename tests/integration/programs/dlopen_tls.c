// Checks: thread-local variables of libraries loaded with dlopen while
// threads exist. One thread loads two libraries that sit next to this
// program: libtls_dynamic.so (__thread in the general-dynamic model) and
// libtls_initial_exec.so (initial-exec: static TLS, which the loader must
// initialize in every existing thread). Then the threads that existed
// before the load, threads created after it, and main each find the
// variables' initial values and keep their own sums through many switches.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "tests/integration/programs/checks.h"

#define EARLY 24
#define LATE 24

static long (*dynamic_add)(long);
static long* (*dynamic_address)(void);
static long (*initial_exec_add)(long);
static long (*initial_exec_zeroed)(void);
static pthread_barrier_t loaded;
static atomic_int kept_initial_exec, kept_dynamic;
static long* dynamic_addresses[EARLY + LATE + 1];

static void* symbol(void* library, const char* name) {
  void* address = dlsym(library, name);
  if (address == NULL) fprintf(stderr, "dlsym %s: %s\n", name, dlerror());
  return address;
}

static int load_libraries(void) {
  char path[PATH_MAX];
  if (!beside_this_program("libtls_dynamic.so", path, sizeof path)) return 0;
  void* dynamic = dlopen(path, RTLD_NOW);
  if (!beside_this_program("libtls_initial_exec.so", path, sizeof path)) return 0;
  void* initial_exec = dlopen(path, RTLD_NOW);
  if (dynamic == NULL || initial_exec == NULL) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 0;
  }
  dynamic_add = (long (*)(long))symbol(dynamic, "dynamic_tls_add");
  dynamic_address = (long* (*)(void))symbol(dynamic, "dynamic_tls_address");
  initial_exec_add = (long (*)(long))symbol(initial_exec, "initial_exec_tls_add");
  initial_exec_zeroed = (long (*)(void))symbol(initial_exec, "initial_exec_tls_zeroed");
  return dynamic_add && dynamic_address && initial_exec_add && initial_exec_zeroed;
}

// Each caller adds `step` 300 times, switching in between.
static void use_libraries(int slot, long step) {
  int initial_exec_ok = initial_exec_add(0) == 4242 && initial_exec_zeroed() == 0;
  int dynamic_ok = dynamic_add(0) == 7;
  dynamic_addresses[slot] = dynamic_address();
  for (int round = 1; round <= 300; ++round) {
    initial_exec_ok &= initial_exec_add(step) == 4242 + step * round;
    dynamic_ok &= dynamic_add(step) == 7 + step * round;
    sched_yield();
  }
  initial_exec_ok &= initial_exec_zeroed() == step * 300;
  if (initial_exec_ok) atomic_fetch_add(&kept_initial_exec, 1);
  if (dynamic_ok) atomic_fetch_add(&kept_dynamic, 1);
}

static void* early(void* argument) {
  int slot = (int)(uintptr_t)argument;
  if (slot == 0 && !load_libraries()) _exit(2);
  pthread_barrier_wait(&loaded);  // slot 0 has loaded them
  use_libraries(slot, slot + 1);
  return NULL;
}

static void* late(void* argument) {
  int slot = (int)(uintptr_t)argument;
  use_libraries(slot, slot + 1);
  return NULL;
}

int main(void) {
  pthread_barrier_init(&loaded, NULL, EARLY);
  pthread_t threads[EARLY + LATE];
  for (uintptr_t i = 0; i < EARLY; ++i) pthread_create(&threads[i], NULL, early, (void*)i);
  for (int i = 0; i < EARLY; ++i) pthread_join(threads[i], NULL);
  for (uintptr_t i = EARLY; i < EARLY + LATE; ++i)
    pthread_create(&threads[i], NULL, late, (void*)i);
  use_libraries(EARLY + LATE, 1000);
  for (int i = EARLY; i < EARLY + LATE; ++i) pthread_join(threads[i], NULL);
  int shared = 0;
  for (int i = EARLY; i <= EARLY + LATE; ++i)
    for (int j = i + 1; j <= EARLY + LATE; ++j)
      shared += dynamic_addresses[i] == dynamic_addresses[j];
  printf("threads that kept their initial-exec variables: %d/%d\n", atomic_load(&kept_initial_exec),
         EARLY + LATE + 1);
  printf("threads that kept their dynamic variables: %d/%d\n", atomic_load(&kept_dynamic),
         EARLY + LATE + 1);
  printf("live threads sharing a dynamic variable's address: %d\n", shared);
  return atomic_load(&kept_initial_exec) == EARLY + LATE + 1 &&
                 atomic_load(&kept_dynamic) == EARLY + LATE + 1 && shared == 0
             ? 0
             : 1;
}
