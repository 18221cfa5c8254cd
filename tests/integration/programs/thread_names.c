// Checks: pthread_setname_np / pthread_getname_np.
//  - main names itself and reads the name back;
//  - a thread names itself and main reads that name through the handle;
//    main renames the (running) thread and the thread sees the new name;
//  - 15 characters round-trip; 16 or more -> ERANGE and the name is kept;
//    the empty name round-trips;
//  - pthread_getname_np with a buffer too small for the name -> ERANGE.
// The name a thread starts with (inherited from its creator natively) is
// thread_name_inherited's subject.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static int failures;
static atomic_int step;
static char after_rename[32];

static void wait_step(int value) {
  while (atomic_load(&step) != value) sched_yield();
}

static void* body(void* argument) {
  (void)argument;
  pthread_setname_np(pthread_self(), "worker-1");
  atomic_store(&step, 1);
  wait_step(2);  // main reads and renames us
  pthread_getname_np(pthread_self(), after_rename, sizeof after_rename);
  atomic_store(&step, 3);
  return NULL;
}

static void show(const char* what, int error, const char* name) {
  printf("%-52s %-7s \"%s\"\n", what, error == 0 ? "0" : strerrorname_np(error), name);
}

static void expect_error(const char* what, int error, int expected) {
  printf("%-52s %s\n", what, error == 0 ? "0" : strerrorname_np(error));
  if (error != expected) ++failures;
}

int main(void) {
  char name[32];
  int error = pthread_setname_np(pthread_self(), "gs-main");
  memset(name, 0, sizeof name);
  int get_error = pthread_getname_np(pthread_self(), name, sizeof name);
  show("main: setname(\"gs-main\"), getname", error | get_error, name);
  if (error || get_error || strcmp(name, "gs-main") != 0) ++failures;

  pthread_t thread;
  pthread_create(&thread, NULL, body, NULL);
  wait_step(1);
  get_error = pthread_getname_np(thread, name, sizeof name);
  show("main: getname(thread) after it named itself", get_error, name);
  if (get_error || strcmp(name, "worker-1") != 0) ++failures;

  error = pthread_setname_np(thread, "renamed-by-main");
  printf("%-52s %s\n", "main: setname(thread, \"renamed-by-main\")",
         error ? strerrorname_np(error) : "0");
  atomic_store(&step, 2);
  wait_step(3);
  show("thread: its name after main renamed it", 0, after_rename);
  if (error || strcmp(after_rename, "renamed-by-main") != 0) ++failures;
  pthread_join(thread, NULL);

  const char* fifteen = "abcdefghijklmno";
  error = pthread_setname_np(pthread_self(), fifteen);
  get_error = pthread_getname_np(pthread_self(), name, 16);
  show("15 characters, buffer of 16", error | get_error, name);
  if (error || get_error || strcmp(name, fifteen) != 0) ++failures;

  expect_error("setname(16 characters)", pthread_setname_np(pthread_self(), "abcdefghijklmnop"),
               ERANGE);
  expect_error("setname(40 characters)",
               pthread_setname_np(pthread_self(), "abcdefghijklmnopqrstuvwxyz0123456789ABCD"),
               ERANGE);
  get_error = pthread_getname_np(pthread_self(), name, sizeof name);
  show("name after the failed setnames", get_error, name);
  if (get_error || strcmp(name, fifteen) != 0) ++failures;

  expect_error("getname with a 4-byte buffer", pthread_getname_np(pthread_self(), name, 4), ERANGE);

  error = pthread_setname_np(pthread_self(), "");
  get_error = pthread_getname_np(pthread_self(), name, sizeof name);
  show("empty name", error | get_error, name);
  if (error || get_error || name[0] != '\0') ++failures;

  printf("failures: %d\n", failures);
  return failures == 0 ? 0 : 1;
}
