// Checks: a program that handles SIGURG -- the signal greenshim borrows
// for preemption by default -- keeps it. Its handler is installed before
// any thread exists (greenshim then leaves the signal alone) and runs for
// a SIGURG raised in a thread and one sent to the process.
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static atomic_int handled;

static void on_urgent(int signal_number) {
  (void)signal_number;
  atomic_fetch_add(&handled, 1);
}

static void* raise_in_thread(void* unused) {
  (void)unused;
  raise(SIGURG);
  return NULL;
}

int main(void) {
  struct sigaction action = {.sa_handler = on_urgent};
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGURG, &action, NULL) != 0) return 2;
  pthread_t thread;
  pthread_create(&thread, NULL, raise_in_thread, NULL);
  pthread_join(thread, NULL);
  kill(getpid(), SIGURG);
  for (int i = 0; i < 1000 && atomic_load(&handled) < 2; ++i) usleep(1000);
  printf("the program's SIGURG handler ran %d times\n", atomic_load(&handled));
  return atomic_load(&handled) == 2 ? 0 : 1;
}
