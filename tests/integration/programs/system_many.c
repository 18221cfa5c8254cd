// Checks: system() from 50 threads at once, and popen() read by several
// threads at once. Every system("exit N") returns N's exit status; every
// popen reads its child's whole output and pclose returns 0.
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define SYSTEM_THREADS 50
#define POPEN_THREADS 8

static atomic_int right_status;
static atomic_int right_output;

static void* run_system(void* argument) {
  int code = (int)(uintptr_t)argument % 4;
  char command[32];
  snprintf(command, sizeof command, "exit %d", code);
  int status = system(command);
  if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code)
    atomic_fetch_add(&right_status, 1);
  return NULL;
}

static void* run_popen(void* argument) {
  (void)argument;
  FILE* child = popen("seq 1 2000", "r");
  if (child == NULL) return NULL;
  long sum = 0, lines = 0;
  char line[32];
  while (fgets(line, sizeof line, child) != NULL) {
    sum += atol(line);
    ++lines;
  }
  int status = pclose(child);
  if (lines == 2000 && sum == 2000L * 2001 / 2 && status == 0) atomic_fetch_add(&right_output, 1);
  return NULL;
}

int main(void) {
  pthread_t system_threads[SYSTEM_THREADS], popen_threads[POPEN_THREADS];
  for (uintptr_t i = 0; i < SYSTEM_THREADS; ++i)
    pthread_create(&system_threads[i], NULL, run_system, (void*)i);
  for (int i = 0; i < POPEN_THREADS; ++i) pthread_create(&popen_threads[i], NULL, run_popen, NULL);
  for (int i = 0; i < SYSTEM_THREADS; ++i) pthread_join(system_threads[i], NULL);
  for (int i = 0; i < POPEN_THREADS; ++i) pthread_join(popen_threads[i], NULL);
  printf("system() calls that returned their command's status: %d/%d\n", atomic_load(&right_status),
         SYSTEM_THREADS);
  printf("popen() readers that got all output and status 0: %d/%d\n", atomic_load(&right_output),
         POPEN_THREADS);
  return atomic_load(&right_status) == SYSTEM_THREADS && atomic_load(&right_output) == POPEN_THREADS
             ? 0
             : 1;
}
