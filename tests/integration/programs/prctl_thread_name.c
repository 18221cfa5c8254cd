// prctl(PR_SET_NAME / PR_GET_NAME) names the calling thread through the
// kernel rather than through pthread. Under greenshim the calling kernel
// thread is a worker shared with other threads, so the name must be the
// green thread's alone:
//  - main starts with the program's name;
//  - a thread that names itself with prctl reads the name back with prctl
//    and with pthread_getname_np, and main's name does not change;
//  - 20 bytes given, 15 kept, as the kernel does.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "checks.h"

static int name_self(void* unused) {
  (void)unused;
  char name[16] = {0}, through_pthread[16] = {0};
  int set = prctl(PR_SET_NAME, "worker-x");
  int get = prctl(PR_GET_NAME, name);
  int pthread_get = pthread_getname_np(pthread_self(), through_pthread, sizeof through_pthread);
  return set == 0 && get == 0 && pthread_get == 0 && strcmp(name, "worker-x") == 0 &&
         strcmp(through_pthread, "worker-x") == 0;
}

int main(void) {
  char name[16] = {0};
  expect_errno("prctl(PR_GET_NAME) in main", prctl(PR_GET_NAME, name) ? errno : 0, 0);
  printf("main's name: %s\n", name);
  expect_yes("main starts with the program's name", strcmp(name, "prctl_thread_na") == 0);

  expect_yes("a thread names itself with prctl and reads it back both ways",
             in_other_thread(name_self, NULL));
  prctl(PR_GET_NAME, name);
  expect_yes("main's name is unchanged", strcmp(name, "prctl_thread_na") == 0);

  expect_errno("prctl(PR_SET_NAME, 20 bytes)", prctl(PR_SET_NAME, "twenty-bytes-of-name") ? errno : 0, 0);
  prctl(PR_GET_NAME, name);
  expect_yes("15 bytes kept", strcmp(name, "twenty-bytes-of") == 0);
  return failures != 0;
}
