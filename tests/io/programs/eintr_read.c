// Checks: a signal interrupts a blocked read as natively. A thread blocked
// in read on an empty pipe, signalled (pthread_kill, SIGUSR1) with a
// handler installed without SA_RESTART, returns -1 EINTR; the signal is
// sent repeatedly until it does, so it cannot be lost by arriving before
// the read began. The same for recv on a socketpair. With SA_RESTART the
// read survives several signals, each handled, and returns the data
// written afterwards.
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "tests/io/programs/io_checks.h"

static volatile sig_atomic_t handled;
static atomic_int returned;
static int fds[2];

static void note_signal(int signal_number) {
  (void)signal_number;
  handled = handled + 1;
}

static void install_handler(int flags) {
  struct sigaction action = {.sa_handler = note_signal, .sa_flags = flags};
  sigemptyset(&action.sa_mask);
  must(sigaction(SIGUSR1, &action, NULL), "sigaction");
}

static void* blocked_read(void* use_recv) {
  char buffer[16];
  ssize_t result =
      use_recv ? recv(fds[0], buffer, sizeof buffer, 0) : read(fds[0], buffer, sizeof buffer);
  intptr_t outcome = result < 0 ? -error_of(result) : result;
  atomic_store(&returned, 1);
  return (void*)outcome;
}

// Signals `thread` every 20 ms until it has returned from its call; the
// call's result: a byte count, or minus the errno.
static intptr_t interrupt_until_returned(pthread_t thread) {
  while (!atomic_load(&returned)) {
    must_pthread(pthread_kill(thread, SIGUSR1), "pthread_kill");
    pause_ms(20);
  }
  return (intptr_t)join_thread(thread);
}

static void expect_interrupted(const char* what, int use_recv) {
  atomic_store(&returned, 0);
  pthread_t reader = start_thread(blocked_read, (void*)(intptr_t)use_recv);
  pause_ms(20);
  intptr_t outcome = interrupt_until_returned(reader);
  expect_errno(what, outcome < 0 ? (int)-outcome : 0, EINTR);
  expect_true("the handler ran", handled > 0);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  install_handler(0);
  must(pipe(fds), "pipe");
  expect_interrupted("read blocked on an empty pipe, signalled (no SA_RESTART)", 0);
  close(fds[0]);
  close(fds[1]);

  handled = 0;
  must(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), "socketpair");
  expect_interrupted("recv blocked on an empty socketpair, signalled (no SA_RESTART)", 1);
  close(fds[0]);
  close(fds[1]);

  handled = 0;
  install_handler(SA_RESTART);
  must(pipe(fds), "pipe");
  atomic_store(&returned, 0);
  pthread_t reader = start_thread(blocked_read, NULL);
  pause_ms(20);
  for (int i = 0; i < 3; ++i) {
    must_pthread(pthread_kill(reader, SIGUSR1), "pthread_kill");
    pause_ms(20);
  }
  expect_true("with SA_RESTART the read is still blocked after 3 signals", !atomic_load(&returned));
  write_all(fds[1], "after", 5);
  expect_value("then it returns what was written", (intptr_t)join_thread(reader), 5);
  expect_true("the handler ran 3 times", handled == 3);
  close(fds[0]);
  close(fds[1]);
  return finish();
}
