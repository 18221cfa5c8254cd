// Checks (built with -fstack-protector-all): every function checks the
// stack canary at %fs:0x28 on return, and setjmp/longjmp mangle the saved
// stack and frame pointers with the pointer guard at %fs:0x30. Threads
// that switch and move between kernel threads inside such functions, and
// longjmp out of a deeper frame after switching, must find both as they
// left them: a wrong canary aborts the program, a wrong guard crashes it.
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define THREADS 32
#define ROUNDS 200

static atomic_int finished;

// A local array, so that even without -fstack-protector-all this frame
// would be protected. Jumps back with `value` from `depth` frames down.
__attribute__((noinline)) static int deep(jmp_buf* back, int depth, int value) {
  char buffer[64];
  memset(buffer, value, sizeof buffer);
  sched_yield();
  if (value == 0) return 0;  // longjmp cannot carry 0
  if (depth > 0) return deep(back, depth - 1, value) + buffer[depth % sizeof buffer];
  longjmp(*back, buffer[0]);
}

// setjmp, then a longjmp from a deeper frame after switches: the value the
// jump carried.
__attribute__((noinline)) static int jump_back(int depth, int value) {
  jmp_buf back;
  int got = setjmp(back);
  if (got == 0) deep(&back, depth, value);
  return got;
}

static void* body(void* argument) {
  int index = (int)(uintptr_t)argument;
  int jumps = 0;
  for (int round = 0; round < ROUNDS; ++round) {
    int value = 1 + (index + round) % 100;
    jumps += jump_back(3 + round % 4, value) == value;
    sched_yield();
  }
  if (jumps == ROUNDS) atomic_fetch_add(&finished, 1);
  return NULL;
}

int main(void) {
  pthread_t threads[THREADS];
  for (uintptr_t i = 0; i < THREADS; ++i) pthread_create(&threads[i], NULL, body, (void*)i);
  for (int i = 0; i < THREADS; ++i) pthread_join(threads[i], NULL);
  printf("threads whose longjmps all came back with their value: %d/%d\n", atomic_load(&finished),
         THREADS);
  return atomic_load(&finished) == THREADS ? 0 : 1;
}
