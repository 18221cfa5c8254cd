// USDT probes (systemtap's <sys/sdt.h>, Debian package systemtap-sdt-dev):
// static tracepoints that perf, bpftrace and systemtap can attach to by
// name, e.g.
//
//   bpftrace -e 'usdt:/path/libgreenshim.so:greenshim:task_park
//                { @[str(arg1)] = count(); }' -p PID
//   perf probe -x libgreenshim.so sdt_greenshim:task_switch
//
// A probe compiles to one nop plus a note in the ELF file (`readelf -n`
// lists them); a tracer that attaches rewrites the nop into a breakpoint.
// So a probe costs nothing measurable while nobody listens, and its
// arguments are only computed when they are not already at hand in
// registers. Build with -DGREENSHIM_NO_PROBES (or without the header) to
// leave them out altogether.
//
// Probes and their arguments (task ids are Task::id, as gdb shows them):
//   task_create   (task id, creating task id or 0)
//   task_switch   (worker index, task id)          a worker resumes a task
//   task_park     (task id, reason string)         "mutex", "sleep", "join"...
//   task_unpark   (task id)                         made runnable by a waker
//   task_exit     (task id)
//   steal         (thief worker, victim worker, first task id taken)
//   io_submit     (worker index, operations in this submit call)
//   io_complete   (task id, result)
#pragma once

#if !defined(GREENSHIM_NO_PROBES) && __has_include(<sys/sdt.h>)
#include <sys/sdt.h>
#define GREENSHIM_PROBE1(name, a) DTRACE_PROBE1(greenshim, name, a)
#define GREENSHIM_PROBE2(name, a, b) DTRACE_PROBE2(greenshim, name, a, b)
#define GREENSHIM_PROBE3(name, a, b, c) DTRACE_PROBE3(greenshim, name, a, b, c)
#else
#define GREENSHIM_PROBE1(name, a) ((void)0)
#define GREENSHIM_PROBE2(name, a, b) ((void)0)
#define GREENSHIM_PROBE3(name, a, b, c) ((void)0)
#endif

#define GREENSHIM_PROBE_TASK_CREATE(task_id, creator_id) \
  GREENSHIM_PROBE2(task_create, task_id, creator_id)
#define GREENSHIM_PROBE_TASK_SWITCH(worker_index, task_id) \
  GREENSHIM_PROBE2(task_switch, worker_index, task_id)
#define GREENSHIM_PROBE_TASK_PARK(task_id, reason) GREENSHIM_PROBE2(task_park, task_id, reason)
#define GREENSHIM_PROBE_TASK_UNPARK(task_id) GREENSHIM_PROBE1(task_unpark, task_id)
#define GREENSHIM_PROBE_TASK_EXIT(task_id) GREENSHIM_PROBE1(task_exit, task_id)
#define GREENSHIM_PROBE_STEAL(thief_index, victim_index, task_id) \
  GREENSHIM_PROBE3(steal, thief_index, victim_index, task_id)
#define GREENSHIM_PROBE_IO_SUBMIT(worker_index, operations) \
  GREENSHIM_PROBE2(io_submit, worker_index, operations)
#define GREENSHIM_PROBE_IO_COMPLETE(task_id, result) GREENSHIM_PROBE2(io_complete, task_id, result)
