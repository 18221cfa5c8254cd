// Checks: a dlopen'ed library whose constructor computes for a while,
// loaded by 8 threads at once while 50 others compute and sleep. Every
// loader gets the one value the constructor computed, and everything
// finishes. Under greenshim the constructor runs under ld.so's loader lock
// (keyed to the kernel thread): preemption must leave it alone.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/programs/checks.h"

#define LOADERS 8
#define OTHERS 50

static char library_path[PATH_MAX];
static atomic_ulong first_value;
static atomic_int agreeing_loaders;

static void* load(void* unused) {
  (void)unused;
  void* library = dlopen(library_path, RTLD_NOW);
  if (library == NULL) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return NULL;
  }
  unsigned long (*value)(void) = (unsigned long (*)(void))dlsym(library, "slow_constructor_value");
  unsigned long expected = 0;
  unsigned long got = value != NULL ? value() : 0;
  atomic_compare_exchange_strong(&first_value, &expected, got);
  if (got != 0 && got == atomic_load(&first_value)) atomic_fetch_add(&agreeing_loaders, 1);
  return NULL;
}

static void* other(void* unused) {
  (void)unused;
  volatile unsigned long work = 0;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 100000; ++i) work += i;
    usleep(1000);
  }
  return NULL;
}

int main(void) {
  if (!beside_this_program("libslow_constructor.so", library_path, sizeof library_path)) return 2;
  pthread_t loaders[LOADERS], others[OTHERS];
  for (int i = 0; i < OTHERS; ++i) pthread_create(&others[i], NULL, other, NULL);
  for (int i = 0; i < LOADERS; ++i) pthread_create(&loaders[i], NULL, load, NULL);
  for (int i = 0; i < LOADERS; ++i) pthread_join(loaders[i], NULL);
  for (int i = 0; i < OTHERS; ++i) pthread_join(others[i], NULL);
  printf("loaders that saw the constructor's value: %d of %d\n", atomic_load(&agreeing_loaders),
         LOADERS);
  return atomic_load(&agreeing_loaders) == LOADERS ? 0 : 1;
}
