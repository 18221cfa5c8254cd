// Dies of a fatal signal in a thread named "crasher", for the crash-report
// test (tests/observability/crash_test.cc). argv[1] picks how, and each way
// has a function of its own so a backtrace can be checked for it:
//   segv       writes through a null pointer
//   abort      calls abort()
//   overflow   recurses until the stack's guard page
//   bus        touches a mapping of a file truncated under it
//   own        installs its own SIGSEGV handler first, which exits with 3
// Built with -rdynamic so that the functions' names are visible to dladdr.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CRASH_FUNCTION __attribute__((noinline)) void

static const char* mode;

// Volatile, so the compiler cannot see the write is through null.
static int* volatile null_pointer;

CRASH_FUNCTION crash_by_null_pointer(void) { *null_pointer = 1; }

CRASH_FUNCTION crash_by_abort(void) { abort(); }

CRASH_FUNCTION crash_by_overflow(int depth) {
  volatile char frame[1024];
  frame[0] = (char)depth;
  crash_by_overflow(depth + 1);
  frame[1] = frame[0];  // not a tail call
}

CRASH_FUNCTION crash_by_bus_error(void) {
  FILE* file = tmpfile();
  if (file == NULL || ftruncate(fileno(file), 4096) != 0) exit(2);
  volatile char* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fileno(file), 0);
  if (page == MAP_FAILED || ftruncate(fileno(file), 0) != 0) exit(2);
  page[0] = 1;
}

static void own_handler(int signal) {
  (void)signal;
  static const char message[] = "own handler ran\n";
  write(STDOUT_FILENO, message, sizeof message - 1);
  _exit(3);
}

static void* crasher(void* unused) {
  (void)unused;
  pthread_setname_np(pthread_self(), "crasher");
  if (strcmp(mode, "segv") == 0) crash_by_null_pointer();
  if (strcmp(mode, "abort") == 0) crash_by_abort();
  if (strcmp(mode, "overflow") == 0) crash_by_overflow(0);
  if (strcmp(mode, "bus") == 0) crash_by_bus_error();
  if (strcmp(mode, "own") == 0) {
    signal(SIGSEGV, own_handler);
    crash_by_null_pointer();
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  mode = argv[1];
  pthread_t thread;
  if (pthread_create(&thread, NULL, crasher, NULL) != 0) return 2;
  pthread_join(thread, NULL);
  printf("survived\n");
  return 0;
}
