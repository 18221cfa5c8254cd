// Checks: abort() from a thread while others run ends the process by
// SIGABRT, as natively (the shell sees the signal, not an exit status).
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void say(const char* text) { write(STDOUT_FILENO, text, strlen(text)); }

static void* spin(void* argument) {
  (void)argument;
  for (;;) sched_yield();
  return NULL;
}

static void* give_up(void* argument) {
  (void)argument;
  say("thread: calling abort()\n");
  abort();
}

int main(void) {
  pthread_t spinners[4], aborting;
  for (int i = 0; i < 4; ++i) pthread_create(&spinners[i], NULL, spin, NULL);
  pthread_create(&aborting, NULL, give_up, NULL);
  pthread_join(aborting, NULL);
  say("FAIL: main went on\n");
  return 0;
}
