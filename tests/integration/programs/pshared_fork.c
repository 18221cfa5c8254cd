// Checks: a process-shared mutex (pthread_mutexattr_setpshared) and
// process-shared semaphores (sem_init with pshared = 1) in MAP_SHARED
// anonymous memory, used by a parent and its forked child:
//  - turns: the parent and the child take 10,000 strict turns each, handed
//    over with two semaphores (parent_turn, child_turn); in its turn each
//    increments the shared counter under the mutex, and checks the counter
//    shows the other side's last increment (strict alternation);
//  - contention: then both increment the shared counter 10,000 times each
//    under the mutex at the same time (no semaphores); every 256th time a
//    process holds the mutex for 200 us (usleep), so the other one really
//    has to wait for it; increments are a read, maybe the sleep, a write,
//    so a mutex that let both in would lose some;
//  - the final counter is 40,000; the child's exit status 0.
// Each phase prints a line when both sides finished it. A watchdog alarm
// in each process ends a lost wake-up (which would otherwise leave both
// processes blocked forever) with SIGALRM after 30 s.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define TURNS 10000
#define CONTENDED 10000

struct shared {
  pthread_mutex_t mutex;
  sem_t parent_turn, child_turn;
  sem_t turns_done, contention_start, contended_done;
  long counter;
  int child_errors;
};

static int turns(struct shared* s, int is_child) {
  sem_t* mine = is_child ? &s->child_turn : &s->parent_turn;
  sem_t* theirs = is_child ? &s->parent_turn : &s->child_turn;
  int errors = 0;
  for (int i = 0; i < TURNS; ++i) {
    if (sem_wait(mine) != 0) ++errors;
    if (pthread_mutex_lock(&s->mutex) != 0) ++errors;
    // The parent goes first: before its i-th turn the counter is 2i, before
    // the child's it is 2i + 1.
    if (s->counter != 2L * i + is_child) ++errors;
    ++s->counter;
    if (pthread_mutex_unlock(&s->mutex) != 0) ++errors;
    if (sem_post(theirs) != 0) ++errors;
  }
  return errors;
}

static int contend(struct shared* s) {
  int errors = 0;
  for (int i = 0; i < CONTENDED; ++i) {
    if (pthread_mutex_lock(&s->mutex) != 0) ++errors;
    long value = s->counter;
    // Now and then hold the mutex for a while, so the other process finds
    // it taken and has to wait (not just spin).
    if (i % 256 == 0) usleep(200);
    s->counter = value + 1;
    if (pthread_mutex_unlock(&s->mutex) != 0) ++errors;
  }
  return errors;
}

int main(void) {
  struct shared* s =
      mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED) {
    printf("FAIL: mmap: %s\n", strerror(errno));
    return 1;
  }
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  int error = pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
  int pshared = -1;
  pthread_mutexattr_getpshared(&attributes, &pshared);
  printf("setpshared: %s, getpshared: %s\n", error == 0 ? "0" : strerrorname_np(error),
         pshared == PTHREAD_PROCESS_SHARED ? "PTHREAD_PROCESS_SHARED" : "other");
  pthread_mutex_init(&s->mutex, &attributes);
  pthread_mutexattr_destroy(&attributes);
  if (sem_init(&s->parent_turn, 1, 1) != 0 || sem_init(&s->child_turn, 1, 0) != 0 ||
      sem_init(&s->turns_done, 1, 0) != 0 || sem_init(&s->contention_start, 1, 0) != 0 ||
      sem_init(&s->contended_done, 1, 0) != 0) {
    printf("FAIL: sem_init: %s\n", strerror(errno));
    return 1;
  }
  fflush(stdout);

  alarm(30);
  pid_t child = fork();
  if (child < 0) {
    printf("FAIL: fork: %s\n", strerror(errno));
    return 1;
  }
  if (child == 0) {
    alarm(30);  // alarms are not inherited
    int errors = turns(s, 1);
    sem_post(&s->turns_done);
    sem_wait(&s->contention_start);
    errors += contend(s);
    sem_post(&s->contended_done);
    s->child_errors = errors;
    _exit(errors == 0 ? 0 : 1);
  }

  int errors = turns(s, 0);
  sem_wait(&s->turns_done);
  long after_turns = s->counter;
  printf("turns: %d each, counter %ld (expected %d), parent errors %d\n", TURNS, after_turns,
         2 * TURNS, errors);
  fflush(stdout);

  sem_post(&s->contention_start);
  int contended_errors = contend(s);
  sem_wait(&s->contended_done);
  printf("contended: %d each, counter %ld (expected %d), parent errors %d\n", CONTENDED, s->counter,
         2 * TURNS + 2 * CONTENDED, contended_errors);
  fflush(stdout);

  int status = 0;
  waitpid(child, &status, 0);
  int child_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  printf("child: %s, child errors %d\n", child_ok ? "exit 0" : "FAILED", s->child_errors);
  int ok = errors == 0 && contended_errors == 0 && child_ok && after_turns == 2 * TURNS &&
           s->counter == 2 * TURNS + 2 * CONTENDED && pthread_mutex_destroy(&s->mutex) == 0;
  printf("%s\n", ok ? "OK" : "FAIL");
  return ok ? 0 : 1;
}
