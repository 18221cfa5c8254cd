// Checks: stack attributes given to pthread_create are honoured.
//  - pthread_attr_setstacksize(256 KiB / 1 MiB / 64 MiB): pthread_getattr_np
//    in the thread reports a stack of at least that size, and the address
//    of a local variable lies inside the reported stack;
//  - with 64 MiB the thread really can use 48 MiB of stack (recursion with
//    a 64 KiB frame), more than any default stack;
//  - pthread_attr_setguardsize(64 KiB): getattr_np reports at least that;
//  - pthread_attr_setstack with a malloc'ed (posix_memalign) 1 MiB stack: a
//    local variable of the thread lies inside it, and getattr_np reports
//    exactly that stack.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

struct report {
  uintptr_t local;
  uintptr_t stack_low;
  size_t stack_size;
  size_t guard_size;
  int getattr_error;
  unsigned long recursion_result;
};

static void describe_self(struct report* report) {
  int local = 0;
  report->local = (uintptr_t)&local;
  pthread_attr_t attributes;
  report->getattr_error = pthread_getattr_np(pthread_self(), &attributes);
  if (report->getattr_error != 0) return;
  void* low = NULL;
  pthread_attr_getstack(&attributes, &low, &report->stack_size);
  report->stack_low = (uintptr_t)low;
  pthread_attr_getguardsize(&attributes, &report->guard_size);
  pthread_attr_destroy(&attributes);
}

static void* plain(void* argument) {
  describe_self(argument);
  return NULL;
}

// Uses about depth * 64 KiB of stack.
static unsigned long recurse(int depth) {
  volatile unsigned char frame[64 * 1024];
  memset((void*)frame, depth & 0xff, sizeof frame);
  unsigned long sum = frame[depth % sizeof frame];
  if (depth > 0) sum += recurse(depth - 1);
  return sum + frame[(depth * 7) % sizeof frame];
}

static void* deep(void* argument) {
  struct report* report = argument;
  describe_self(report);
  report->recursion_result = recurse(48 * 1024 / 64);  // 48 MiB
  return NULL;
}

static int inside(const struct report* report) {
  return report->local >= report->stack_low &&
         report->local < report->stack_low + report->stack_size;
}

static void check(const char* what, int condition) {
  printf("%-62s %s\n", what, condition ? "yes" : "no");
  if (!condition) ++failures;
}

static struct report run(size_t stack_size, size_t guard_size, void* stack, void* (*body)(void*)) {
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  if (stack != NULL) {
    if (pthread_attr_setstack(&attributes, stack, stack_size) != 0) printf("FAIL: setstack\n");
  } else if (stack_size != 0) {
    if (pthread_attr_setstacksize(&attributes, stack_size) != 0) printf("FAIL: setstacksize\n");
  }
  if (guard_size != 0 && pthread_attr_setguardsize(&attributes, guard_size) != 0)
    printf("FAIL: setguardsize\n");
  struct report report;
  memset(&report, 0, sizeof report);
  pthread_t thread;
  int error = pthread_create(&thread, &attributes, body, &report);
  if (error != 0) {
    printf("FAIL: pthread_create: %s\n", strerror(error));
    ++failures;
  } else {
    pthread_join(thread, NULL);
  }
  pthread_attr_destroy(&attributes);
  return report;
}

int main(void) {
  static const size_t sizes[] = {256 << 10, 1 << 20};
  static const char* const names[] = {"256 KiB", "1 MiB"};
  char what[128];
  for (int i = 0; i < 2; ++i) {
    struct report report = run(sizes[i], 0, NULL, plain);
    snprintf(what, sizeof what, "setstacksize(%s): getattr_np size >= requested", names[i]);
    check(what, report.getattr_error == 0 && report.stack_size >= sizes[i]);
    snprintf(what, sizeof what, "setstacksize(%s): local variable inside reported stack", names[i]);
    check(what, inside(&report));
  }

  struct report big = run(64 << 20, 0, NULL, deep);
  check("setstacksize(64 MiB): getattr_np size >= requested",
        big.getattr_error == 0 && big.stack_size >= (64u << 20));
  check("setstacksize(64 MiB): local variable inside reported stack", inside(&big));
  printf("%-62s %lu\n", "setstacksize(64 MiB): 48 MiB recursion result", big.recursion_result);

  struct report guarded = run(0, 64 << 10, NULL, plain);
  check("setguardsize(64 KiB): getattr_np guard size >= requested",
        guarded.getattr_error == 0 && guarded.guard_size >= (64u << 10));

  const size_t own_size = 1 << 20;
  void* own = NULL;
  if (posix_memalign(&own, 64 << 10, own_size) != 0) {
    printf("FAIL: posix_memalign\n");
    return 1;
  }
  struct report supplied = run(own_size, 0, own, plain);
  check("setstack(malloc'ed 1 MiB): local variable inside that memory",
        supplied.local >= (uintptr_t)own && supplied.local < (uintptr_t)own + own_size);
  check("setstack(malloc'ed 1 MiB): getattr_np reports that stack",
        supplied.getattr_error == 0 && supplied.stack_low == (uintptr_t)own &&
            supplied.stack_size == own_size);
  free(own);

  printf("failures: %d\n", failures);
  return failures == 0 ? 0 : 1;
}
