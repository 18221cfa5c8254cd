// Checks: quick_exit(5) from a thread while others run: the process ends
// with status 5, the at_quick_exit handler runs once and the atexit handler
// not at all. (Output is written unbuffered: quick_exit flushes nothing.)
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void say(const char* text) { write(STDOUT_FILENO, text, strlen(text)); }
static void on_quick_exit(void) { say("at_quick_exit handler ran\n"); }
static void on_exit_handler(void) { say("FAIL: atexit handler ran\n"); }

static void* spin(void* argument) {
  (void)argument;
  for (;;) sched_yield();
  return NULL;
}

static void* leave(void* argument) {
  (void)argument;
  say("thread: calling quick_exit(5)\n");
  quick_exit(5);
}

int main(void) {
  at_quick_exit(on_quick_exit);
  atexit(on_exit_handler);
  pthread_t spinners[4], leaver;
  for (int i = 0; i < 4; ++i) pthread_create(&spinners[i], NULL, spin, NULL);
  pthread_create(&leaver, NULL, leave, NULL);
  pthread_join(leaver, NULL);
  say("FAIL: main went on\n");
  return 0;
}
