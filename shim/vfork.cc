// vfork, made a fork. A vfork child borrows its parent's memory until it
// execs or exits, and the calls it makes meanwhile -- Python's subprocess
// resets the signal mask and handlers there -- reach greenshim's versions,
// which keep their state in that shared memory: the child's pthread_sigmask
// rewrote what the parent's worker believed its kernel mask to be, and the
// parent then slept through SIGALRM. POSIX allows vfork to be fork; the
// difference is only speed. (glibc's posix_spawn and system() clone with
// CLONE_VFORK themselves and call only glibc's internal functions in the
// child, so they keep the fast path.)
#include <unistd.h>

extern "C" pid_t vfork() { return fork(); }
