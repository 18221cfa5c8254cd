// Checks: a thread that writes through a null pointer ends the process by
// SIGSEGV, as natively, while other threads run.
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

static void* crash(void* nothing) {
  say("thread: writing through a null pointer\n");
  *(volatile int*)nothing = 1;
  return NULL;
}

int main(void) {
  pthread_t spinners[4], crashing;
  for (int i = 0; i < 4; ++i) pthread_create(&spinners[i], NULL, spin, NULL);
  pthread_create(&crashing, NULL, crash, NULL);
  pthread_join(crashing, NULL);
  say("FAIL: main went on\n");
  return 0;
}
