// Checks: execv from a thread while others run replaces the whole process,
// as natively: the new program (this one again, told so by its argument)
// runs, prints, and its exit status is the process's; nothing of the old
// program runs after the exec.
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

static void say(const char* text) { write(STDOUT_FILENO, text, strlen(text)); }

static void* spin(void* argument) {
  (void)argument;
  for (;;) sched_yield();
  return NULL;
}

static void* replace(void* argument) {
  (void)argument;
  say("thread: calling execv\n");
  char* const arguments[] = {"exec_from_thread", "replaced", NULL};
  execv("/proc/self/exe", arguments);
  say("FAIL: execv returned\n");
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "replaced") == 0) {
    say("the new program runs and exits with 4\n");
    return 4;
  }
  pthread_t spinners[4], replacing;
  for (int i = 0; i < 4; ++i) pthread_create(&spinners[i], NULL, spin, NULL);
  pthread_create(&replacing, NULL, replace, NULL);
  pthread_join(replacing, NULL);
  say("FAIL: main went on\n");
  return 0;
}
