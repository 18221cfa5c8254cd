// Checks: threads blocked in calls greenshim does not route do not freeze
// the others. Four threads block in the kernel -- a raw read system call
// on a pipe, fread on another pipe (glibc's internal read), waitpid on a
// child that waits for its own pipe, flock on a file a child process holds
// locked -- and then 300 threads are started that each do a little work,
// take a mutex, sleep 1 ms and finish; all must finish while the four are
// still blocked. Then main releases the four.
// Run preloaded with one worker (compare_test), where without hand-off the
// first blocked thread would stop everything.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define QUICK_THREADS 300

#define BLOCKED 4

static int raw_pipe[2], stdio_pipe[2], child_pipe[2], lock_holder_pipe[2];
static char lock_path[] = "/tmp/greenshim-blocked-in-kernel-XXXXXX";
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

// A child holds the file locked until main writes to its pipe.
static void* lock_waiter(void* unused) {
  (void)unused;
  int ready[2];
  if (pipe(ready) != 0) return NULL;
  pid_t holder = fork();
  if (holder == 0) {
    int fd = open(lock_path, O_RDWR);
    char byte;
    if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(ready[1], "h", 1) != 1) _exit(1);
    _exit(read(lock_holder_pipe[0], &byte, 1) == 1 ? 0 : 1);
  }
  char byte;
  if (read(ready[0], &byte, 1) != 1) return NULL;
  int fd = open(lock_path, O_RDWR);
  atomic_fetch_add(&blocked_started, 1);
  int locked = flock(fd, LOCK_EX);
  close(fd);
  int status = 0;
  waitpid(holder, &status, 0);
  return (void*)(intptr_t)(locked == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
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
  if (pipe(raw_pipe) || pipe(stdio_pipe) || pipe(child_pipe) || pipe(lock_holder_pipe)) return 2;
  int lock_file = mkstemp(lock_path);
  if (lock_file < 0) return 2;
  close(lock_file);
  pthread_t blocked[BLOCKED];
  pthread_create(&blocked[0], NULL, raw_reader, NULL);
  pthread_create(&blocked[1], NULL, stdio_reader, NULL);
  pthread_create(&blocked[2], NULL, child_waiter, NULL);
  pthread_create(&blocked[3], NULL, lock_waiter, NULL);
  while (atomic_load(&blocked_started) < BLOCKED) usleep(1000);
  usleep(20000);  // let all four reach their blocking calls
  pthread_t threads[QUICK_THREADS];
  for (int i = 0; i < QUICK_THREADS; ++i) pthread_create(&threads[i], NULL, quick, NULL);
  for (int i = 0; i < QUICK_THREADS; ++i) pthread_join(threads[i], NULL);
  printf("quick threads finished while four were blocked: %d of %d (counter %ld)\n",
         atomic_load(&quick_done), QUICK_THREADS, counter);
  if (write(raw_pipe[1], "r", 1) != 1 || write(stdio_pipe[1], "s", 1) != 1 ||
      write(child_pipe[1], "c", 1) != 1 || write(lock_holder_pipe[1], "l", 1) != 1)
    return 2;
  int released = 0;
  for (int i = 0; i < BLOCKED; ++i) {
    void* ok = NULL;
    pthread_join(blocked[i], &ok);
    released += ok != NULL;
  }
  unlink(lock_path);
  printf("blocked threads released with the right results: %d of %d\n", released, BLOCKED);
  return released == BLOCKED && counter == QUICK_THREADS ? 0 : 1;
}
