// Checks: the name a thread starts with. On Linux a thread's name is the
// kernel's "comm" of its task: the main thread starts with the executable's
// file name (at most 15 characters), and a new thread starts with its
// creator's name at the time of pthread_create.
#define _GNU_SOURCE
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static char seen[32];
static void* body(void* argument) {
  (void)argument;
  pthread_getname_np(pthread_self(), seen, sizeof seen);
  return NULL;
}

static int started_with(const char* expected) {
  pthread_t thread;
  memset(seen, 0, sizeof seen);
  pthread_create(&thread, NULL, body, NULL);
  pthread_join(thread, NULL);
  printf("new thread starts with name \"%s\"\n", seen);
  return strcmp(seen, expected) == 0;
}

int main(int argc, char** argv) {
  (void)argc;
  char executable[16];
  snprintf(executable, sizeof executable, "%s", basename(argv[0]));
  char name[32] = "";
  pthread_getname_np(pthread_self(), name, sizeof name);
  int ok = strcmp(name, executable) == 0;
  printf("main starts with its executable's name (15 characters at most): %s\n", ok ? "yes" : "no");
  ok = started_with(executable) && ok;
  pthread_setname_np(pthread_self(), "renamed-main");
  printf("main renamed itself \"renamed-main\"\n");
  ok = started_with("renamed-main") && ok;
  return ok ? 0 : 1;
}
