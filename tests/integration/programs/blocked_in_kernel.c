// Checks: threads blocked in calls greenshim does not route do not freeze
// the others. Three threads block in the kernel -- a raw read system call
// on a pipe, fread on another pipe (glibc's internal read), waitpid on a
// child that waits for its own pipe -- and then 300 threads are started
// that each do a little work, take a mutex, sleep 1 ms and finish; all must
// finish while the three are still blocked. Then main releases the three.
// Run preloaded with one worker (compare_test), where without hand-off the
// first blocked thread would stop everything.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define QUICK_THREADS 300

static int raw_pipe[2], stdio_pipe[2], child_pipe[2];
static atomic_int blocked_started;
static atomic_int quick_done;
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void* raw_reader(void* unused) {
  (void)unused;
  char byte = 0;
  atomic_fetch_add(&blocked_started, 1);
  long got = syscall(SYS_read, raw_pipe[0], &byte, 1);
  return (void*)(intptr_t)(got == 1 && byte == 'r');
}

static void* stdio_reader(void* unused) {
  (void)unused;
  FILE* stream = fdopen(stdio_pipe[0], "r");
  char byte = 0;
  atomic_fetch_add(&blocked_started, 1);
  size_t got = fread(&byte, 1, 1, stream);
  fclose(stream);
  return (void*)(intptr_t)(got == 1 && byte == 's');
}

static void* child_waiter(void* unused) {
  (void)unused;
  pid_t child = fork();
  if (child == 0) {
    char byte;
    _exit(read(child_pipe[0], &byte, 1) == 1 ? 7 : 1);
  }
  int status = 0;
  atomic_fetch_add(&blocked_started, 1);
  pid_t waited = waitpid(child, &status, 0);
  return (void*)(intptr_t)(waited == child && WIFEXITED(status) && WEXITSTATUS(status) == 7);
}

static void* quick(void* unused) {
  (void)unused;
  volatile long work = 0;
  for (int i = 0; i < 10000; ++i) work += i;
  pthread_mutex_lock(&counter_lock);
  ++counter;
  pthread_mutex_unlock(&counter_lock);
  usleep(1000);
  atomic_fetch_add(&quick_done, 1);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (pipe(raw_pipe) || pipe(stdio_pipe) || pipe(child_pipe)) return 2;
  pthread_t blocked[3];
  pthread_create(&blocked[0], NULL, raw_reader, NULL);
  pthread_create(&blocked[1], NULL, stdio_reader, NULL);
  pthread_create(&blocked[2], NULL, child_waiter, NULL);
  while (atomic_load(&blocked_started) < 3) usleep(1000);
  usleep(20000);  // let all three reach their blocking calls
  pthread_t threads[QUICK_THREADS];
  for (int i = 0; i < QUICK_THREADS; ++i) pthread_create(&threads[i], NULL, quick, NULL);
  for (int i = 0; i < QUICK_THREADS; ++i) pthread_join(threads[i], NULL);
  printf("quick threads finished while three were blocked: %d of %d (counter %ld)\n",
         atomic_load(&quick_done), QUICK_THREADS, counter);
  if (write(raw_pipe[1], "r", 1) != 1 || write(stdio_pipe[1], "s", 1) != 1 ||
      write(child_pipe[1], "c", 1) != 1)
    return 2;
  int released = 0;
  for (int i = 0; i < 3; ++i) {
    void* ok = NULL;
    pthread_join(blocked[i], &ok);
    released += ok != NULL;
  }
  printf("blocked threads released with the right results: %d of 3\n", released);
  return released == 3 && counter == QUICK_THREADS ? 0 : 1;
}
