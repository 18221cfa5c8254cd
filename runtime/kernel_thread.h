// The kernel threads that drive workers. They are ordinary glibc threads
// (so libc works on them), created with glibc's own pthread_create found by
// dlsym(RTLD_NEXT): under LD_PRELOAD the plain name would be the shim's
// interposed pthread_create, which makes green threads, not kernel threads.
#pragma once

#include <pthread.h>

#include <cstddef>

namespace greenshim {

// 0 or an errno value. `stack_size` 0 means glibc's default.
int start_kernel_thread(void (*body)(void*), void* argument, pthread_t* thread,
                        size_t stack_size = 0);
void join_kernel_thread(pthread_t thread);
// Bounds of the calling kernel thread's own stack.
void current_kernel_thread_stack(void** low, size_t* size);
// Blocks every signal the program could be sent on the calling kernel
// thread (all but glibc's internal ones, which sigfillset leaves out), for
// the runtime's threads that run no task: the monitor, and workers not
// running tasks (a free spare, a resting worker). A process-directed signal
// must not land on a thread where no task would see it.
void block_program_signals();
// Reads the start of file `path` (up to size - 1 bytes) into `text`,
// NUL-terminated, with raw system calls: the monitor must not enter the
// shim's wrappers. False if it could not.
bool read_proc_file(const char* path, char* text, size_t size);
// The same for /proc/self/task/TID/`file`.
bool read_kernel_thread_file(int tid, const char* file, char* text, size_t size);

}  // namespace greenshim
