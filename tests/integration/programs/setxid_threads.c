// Checks: setuid() and setgid() in a process with threads. glibc makes every
// thread take the new credentials by signalling each one and waiting for
// all to answer; that must finish while threads run, sleep and wait, and
// every thread must then report the new ids (the same ones here, so that
// the program needs no privileges).
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#define THREADS 12

static atomic_int changed;
static atomic_int agreeing;

static void* body(void* argument) {
  int kind = (int)(uintptr_t)argument % 3;
  while (!atomic_load(&changed)) {
    if (kind == 0) sched_yield();
    if (kind == 1) usleep(100);
    if (kind == 2)
      for (volatile int i = 0; i < 10000; ++i) {
      }
  }
  if (getuid() == geteuid() && getgid() == getegid()) atomic_fetch_add(&agreeing, 1);
  return NULL;
}

static void* changer(void* argument) {
  (void)argument;
  usleep(5000);
  int results = 0;
  for (int round = 0; round < 20; ++round) {
    results |= setuid(getuid());
    results |= setgid(getgid());
    results |= setresuid(-1, -1, -1);
  }
  atomic_store(&changed, 1);
  return (void*)(intptr_t)(results == 0);
}

int main(void) {
  pthread_t threads[THREADS], changing;
  for (uintptr_t i = 0; i < THREADS; ++i) pthread_create(&threads[i], NULL, body, (void*)i);
  pthread_create(&changing, NULL, changer, NULL);
  void* ok;
  pthread_join(changing, &ok);
  for (int i = 0; i < THREADS; ++i) pthread_join(threads[i], NULL);
  printf("20 rounds of setuid, setgid, setresuid returned 0: %s\n", ok ? "yes" : "no");
  printf("threads that see consistent ids afterwards: %d/%d\n", atomic_load(&agreeing), THREADS);
  return ok && atomic_load(&agreeing) == THREADS ? 0 : 1;
}
