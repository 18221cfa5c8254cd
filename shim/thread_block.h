// Glibc's thread control block, one per green thread (GREENSHIM_TLS=task).
//
// The runtime switches %fs per task (runtime/task_tls.h); this file builds
// what %fs points at, the way glibc builds a new thread's: ld.so's own TLS
// allocator (_dl_allocate_tls) lays out the static TLS below the TCB,
// copies each module's .tdata and zeroes its .tbss, and gives the block a
// DTV of its own, so dynamic TLS (__tls_get_addr) is per task too.
//
// The TCB above that starts as a copy of the main thread's struct pthread,
// taken before any thread exists, with these fields made the task's own:
//   header.tcb, header.self (offsets 0 and 16): the block itself. THREAD_SELF
//     is read from here: glibc's recursive stdio and loader locks are owned
//     per task, and __tls_get_addr finds static TLS from it.
//   header.dtv: the block's own DTV, from _dl_allocate_tls.
//   header.stack_guard, header.pointer_guard (0x28, 0x30): kept from the copy,
//     so -fstack-protector code and setjmp/longjmp's mangled pointers work
//     across tasks, as they do across threads.
//   tid (_thread_db_pthread_tid): the runtime writes the running kernel
//     thread's id at every switch in, so raise() signals the right thread.
//   list (_thread_db_pthread_list): linked to itself. The block is on none
//     of glibc's thread lists (fork and setxid walk them, and a copied link
//     would corrupt them); fork runs on the worker's own block (below).
//   rseq_area.cpu_id (__rseq_offset): RSEQ_CPU_ID_REGISTRATION_FAILED. The
//     kernel updates only the area registered by the kernel thread, so a
//     copied cpu id would go stale; this way sched_getcpu asks the vDSO.
// Everything else (multiple_threads, stackblock_size for the alloca cutoff,
// the CET words) is the main thread's value, which is what glibc reads.
//
// What glibc does for the threads on its lists is redone here:
//   - fork: glibc's child keeps THREAD_SELF and frees the stacks of every
//     other listed thread. The fork handlers below put the worker's
//     scheduler block in %fs from the last prepare handler to the first
//     child and parent handler. That is the kernel thread's own, except on
//     worker 0, whose fresh block the child's glibc then lists as its one
//     thread (the main thread's block may be running the main task on
//     another kernel thread meanwhile, so fork does not borrow it).
//   - dlopen of a library with initial-exec TLS: glibc initializes its static
//     TLS only in listed threads; initialize_static_tls_of_new_modules()
//     does it in every task (shim/dlopen.cc calls it).
//   - thread exit: C++ thread_local destructors (__call_tls_dtors) run on the
//     exiting task, before the pthread key destructors.
//   - set*id: glibc signals every listed thread and waits for a flag in the
//     block its handler sees; shim/setxid_signal.h runs that handler on the
//     listed block.
//
// Blocks are pooled: a freed block keeps its memory, gives back its DTV.
#pragma once

namespace greenshim::shim {

// Reads glibc's layout, takes the main thread's TCB as the template and
// hands the runtime its supplier. Before the runtime starts; false (with a
// `greenshim:` line) when this glibc does not offer what is needed.
bool use_thread_blocks_per_task();

// After a dlopen that succeeded: the static TLS of modules loaded since the
// last call is initialized in every task's block.
void initialize_static_tls_of_new_modules();

}  // namespace greenshim::shim
