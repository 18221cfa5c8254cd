// Checks: the program's own signal handlers see every signal while
// preemption is busy. Two threads compute without blocking (so, under
// greenshim, they are preempted over and over) while main sends itself
// SIGUSR1 500 times and arms a one-shot 1 ms SIGALRM timer 100 times, each
// time waiting until the handler has counted it before the next; the
// counts must be exactly 500 and 100.
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

#define USR1_SIGNALS 500
#define ALARMS 100

static atomic_int usr1_count, alarm_count, stop;

static void on_usr1(int signal_number) {
  (void)signal_number;
  atomic_fetch_add(&usr1_count, 1);
}

static void on_alarm(int signal_number) {
  (void)signal_number;
  atomic_fetch_add(&alarm_count, 1);
}

static void* compute(void* unused) {
  (void)unused;
  volatile double value = 1.0;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) value = value * 1.0000001 + 1e-9;
  return NULL;
}

static void wait_for(atomic_int* count, int target) {
  while (atomic_load(count) < target) sched_yield();
}

int main(void) {
  struct sigaction action = {.sa_handler = on_usr1};
  sigemptyset(&action.sa_mask);
  sigaction(SIGUSR1, &action, NULL);
  action.sa_handler = on_alarm;
  sigaction(SIGALRM, &action, NULL);
  pthread_t computers[2];
  for (int i = 0; i < 2; ++i) pthread_create(&computers[i], NULL, compute, NULL);
  for (int i = 1; i <= USR1_SIGNALS; ++i) {
    kill(getpid(), SIGUSR1);
    wait_for(&usr1_count, i);
  }
  for (int i = 1; i <= ALARMS; ++i) {
    struct itimerval once = {.it_value = {.tv_sec = 0, .tv_usec = 1000}};
    setitimer(ITIMER_REAL, &once, NULL);
    wait_for(&alarm_count, i);
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < 2; ++i) pthread_join(computers[i], NULL);
  printf("SIGUSR1 handled %d times, SIGALRM %d times\n", atomic_load(&usr1_count),
         atomic_load(&alarm_count));
  return atomic_load(&usr1_count) == USR1_SIGNALS && atomic_load(&alarm_count) == ALARMS ? 0 : 1;
}
