// Named semaphores (sem_open, as Python's multiprocessing uses) shared by
// a parent and its forked child: 1,000 strict turns handed over with two
// of them. glibc's sem_open writes the semaphore itself, marking it
// process-shared its own way; greenshim once read that mark backwards and
// parked the waiter in-process, so the other process's post never reached
// it. A watchdog alarm ends a lost wake-up after 30 s.
#define _GNU_SOURCE
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks.h"

#define TURNS 1000

static sem_t* open_fresh(const char* name) {
  sem_unlink(name);
  sem_t* semaphore = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
  sem_unlink(name);  // the mappings keep it alive
  return semaphore;
}

int main(void) {
  alarm(30);
  char parent_name[64], child_name[64];
  snprintf(parent_name, sizeof parent_name, "/greenshim-parent-%d", (int)getpid());
  snprintf(child_name, sizeof child_name, "/greenshim-child-%d", (int)getpid());
  sem_t* parent_turn = open_fresh(parent_name);
  sem_t* child_turn = open_fresh(child_name);
  expect_yes("sem_open twice", parent_turn != SEM_FAILED && child_turn != SEM_FAILED);
  if (parent_turn == SEM_FAILED || child_turn == SEM_FAILED) return 1;

  pid_t child = fork();
  if (child == 0) {
    for (int turn = 0; turn < TURNS; ++turn) {
      if (sem_wait(child_turn) != 0 || sem_post(parent_turn) != 0) _exit(2);
    }
    _exit(0);
  }
  int completed = 0;
  for (int turn = 0; turn < TURNS; ++turn) {
    if (sem_post(child_turn) != 0 || sem_wait(parent_turn) != 0) break;
    ++completed;
  }
  expect_yes("1,000 turns each way", completed == TURNS);
  int status = 0;
  expect_yes("waitpid", waitpid(child, &status, 0) == child);
  expect_yes("the child took its turns and exited 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return failures != 0;
}
