// Checks: with SIGPIPE at its default disposition, a thread other than
// main that writes to a pipe with no reader kills its whole process with
// SIGPIPE, as natively: nothing after the write runs. The dying process is
// a forked child, so that this program itself ends normally and reports
// how the child ended (killed by SIGPIPE, having printed only its first
// line).
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "tests/io/programs/io_checks.h"

static int pipe_fds[2];

static void* write_without_reader(void* unused) {
  (void)unused;
  printf("child: writing to a pipe with no reader\n");
  ssize_t result = write(pipe_fds[1], "x", 1);
  printf("child: FAIL: still alive after the write, which returned %zd (%s)\n", result,
         name_of(error_of(result)));
  exit(1);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  pid_t child = (pid_t)must(fork(), "fork");
  if (child == 0) {
    signal(SIGPIPE, SIG_DFL);
    must(pipe(pipe_fds), "pipe");
    close(pipe_fds[0]);
    join_thread(start_thread(write_without_reader, NULL));
    printf("child: FAIL: the writing thread returned\n");
    _exit(1);
  }
  int status;
  must(waitpid(child, &status, 0), "waitpid");
  expect_true("the child was killed by SIGPIPE",
              WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE);
  return finish();
}
