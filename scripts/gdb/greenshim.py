# gdb extension for programs running under greenshim: lists green threads and
# shows the backtrace of any of them, in a live process or in a core file.
#
#   (gdb) source scripts/gdb/greenshim.py
#   (gdb) info green-threads            every live green thread and its state
#   (gdb) green-thread 7 bt             backtrace of green thread 7
#   (gdb) green-thread apply all bt     backtraces of all of them
#   (gdb) green-thread 7                make thread 7's stack the one that
#                                       bt, frame, up, info locals look at
#   (gdb) green-thread none             back to the kernel threads' own stacks
#   (gdb) gcore FILE                    as ever; the extension hooks it so the
#                                       green threads' stacks are all saved
#
# Where the data comes from: the runtime keeps every live Task on a list
# whose head is the exported global greenshim_task_registry_head
# (runtime/task_registry.h); Task::state, park_reason, name and worker say
# what each is doing (runtime/task.h). The Task layout is read from the
# library's debug info, so the library must be built with -g (the default).
#
# How a parked task's stack is shown: a suspended task's registers sit on
# its own stack, pushed by greenshim_context_switch
# (arch/x86_64/context_switch.S), with Task::context.sp pointing at them:
#   [sp+0]  MXCSR and x87 control word   [sp+8..48] r15 r14 r13 r12 rbx rbp
#   [sp+56] return address               after the return: rsp = sp + 64
# gdb cannot be told to start a backtrace from arbitrary registers, and it
# refuses to write the registers of a core file, so instead a Python frame
# unwinder claims the innermost frame of the selected kernel thread and
# reports those saved registers as its caller's. The kernel thread's own
# frame #0 stays; a frame filter hides it while a green thread is selected,
# so `bt` shows the task's frames only, numbered from #1.
import os

import gdb
import gdb.unwinder

LIBRARY_NAME = "libgreenshim.so"
SAVED_FRAME_SIZE = 64
# Offsets in the saved frame, in the order context_switch.S pushes them.
SAVED_REGISTER_OFFSETS = (("r15", 8), ("r14", 16), ("r13", 24), ("r12", 32), ("rbx", 40), ("rbp", 48))
RETURN_ADDRESS_OFFSET = 56


class GreenshimError(gdb.GdbError):
    pass


def _underlying(atomic_value, value_type):
    """std::atomic<T> has T's layout: read it as a plain T."""
    return atomic_value.address.cast(value_type.pointer()).dereference()


def _read_u64(address):
    memory = gdb.selected_inferior().read_memory(address, 8)
    return int.from_bytes(bytes(memory), "little")


def _types():
    try:
        task_type = gdb.lookup_type("greenshim::Task")
        state_type = gdb.lookup_type("greenshim::TaskState")
        worker_type = gdb.lookup_type("greenshim::Worker")
    except gdb.error:
        raise GreenshimError(
            "greenshim: no debug info for greenshim::Task; build " + LIBRARY_NAME + " with -g")
    return task_type, state_type, worker_type


class GreenThread:
    """One Task, decoded."""

    def __init__(self, task, state_type, worker_type):
        self.address = int(task.address)
        self.id = int(task["id"])
        self.name = task["name"].string(length=16).split("\0", 1)[0]
        self.state = str(_underlying(task["state"], state_type)).rsplit("::", 1)[-1]
        reason = task["park_reason"]
        self.park_reason = reason.string() if int(reason) != 0 else None
        self.saved_sp = int(task["context"]["sp"])
        worker = _underlying(task["worker"], worker_type.pointer())
        self.worker_index = None
        self.kernel_tid = None
        # A task that has just marked itself parked may still be on its
        # worker's CPU until the switch completes (Worker::current is
        # cleared only then): its saved registers are not written yet.
        self.on_cpu = self.state == "kRunning"
        if int(worker) != 0:
            worker = worker.dereference()
            if int(worker["current"]) == self.address:
                self.on_cpu = True
            if self.on_cpu:
                self.worker_index = int(worker["index"])
                self.kernel_tid = int(_underlying(worker["kernel_tid"], gdb.lookup_type("int")))

    def describe_state(self):
        if self.on_cpu:
            where = "worker %d" % self.worker_index if self.worker_index is not None else "a worker"
            return "running on " + where
        if self.state == "kParked":
            return "parked on " + (self.park_reason or "?")
        return {"kRunnable": "runnable", "kFinished": "finished"}.get(self.state, self.state)


def green_threads():
    """Every live green thread, oldest first."""
    task_type, state_type, worker_type = _types()
    head_symbol = gdb.lookup_global_symbol("greenshim_task_registry_head")
    if head_symbol is None:
        try:
            head = gdb.parse_and_eval("greenshim_task_registry_head")
        except gdb.error:
            raise GreenshimError("greenshim: greenshim_task_registry_head not found; "
                                 "is the program running under greenshim?")
    else:
        head = head_symbol.value()
    task_pointer = head.cast(task_type.pointer())
    threads = []
    seen = set()
    while int(task_pointer) != 0 and int(task_pointer) not in seen:
        seen.add(int(task_pointer))
        task = task_pointer.dereference()
        threads.append(GreenThread(task, state_type, worker_type))
        task_pointer = task["registry_next"]
    threads.reverse()  # the registry pushes new tasks at the head
    return threads


def find_green_thread(task_id):
    for thread in green_threads():
        if thread.id == task_id:
            return thread
    raise GreenshimError("greenshim: no live green thread %d" % task_id)


class _FrameId:
    def __init__(self, sp, pc):
        self.sp = sp
        self.pc = pc


class SavedContextUnwinder(gdb.unwinder.Unwinder):
    """While a suspended task is selected, makes its saved registers the
    caller of the selected kernel thread's innermost real frame."""

    def __init__(self):
        super().__init__("greenshim-saved-context")
        self.saved_sp = None
        # Registers of the kernel thread's innermost frame, which carries
        # the task's frames: the frame to claim, and the ones to hide.
        self.carrier_sp = None
        self.carrier_pc = None

    def is_carrier(self, sp, pc):
        return self.saved_sp is not None and sp == self.carrier_sp and pc == self.carrier_pc

    def show(self, saved_sp):
        """From now on the selected kernel thread's stack continues with
        the registers saved at `saved_sp`."""
        self.forget()
        carrier = gdb.newest_frame()
        self.carrier_sp = int(carrier.read_register("rsp"))
        self.carrier_pc = carrier.pc()
        self.saved_sp = saved_sp
        gdb.invalidate_cached_frames()

    def forget(self):
        self.saved_sp = self.carrier_sp = self.carrier_pc = None
        gdb.invalidate_cached_frames()

    def state(self):
        return (self.saved_sp, self.carrier_sp, self.carrier_pc)

    def restore(self, state):
        self.saved_sp, self.carrier_sp, self.carrier_pc = state
        gdb.invalidate_cached_frames()

    def __call__(self, pending_frame):
        # Inline frames are unwound before Python unwinders run, so the
        # innermost real frame is not always level 0: recognise it by its
        # registers instead.
        sp = pending_frame.read_register("rsp")
        pc = pending_frame.read_register("rip")
        if not self.is_carrier(int(sp), int(pc)):
            return None
        # The claimed frame's id says it lies just below the task's frames
        # (at the saved registers), whatever stack the kernel thread is
        # really on: gdb stops a backtrace at a caller whose frame is
        # inner to its callee's, and a task's stack may be anywhere.
        frame_sp = gdb.Value(self.saved_sp).cast(sp.type)
        info = pending_frame.create_unwind_info(_FrameId(frame_sp, pc))
        register_type = gdb.lookup_type("unsigned long")

        def save(register, value):
            info.add_saved_register(register, gdb.Value(value).cast(register_type))

        for register, offset in SAVED_REGISTER_OFFSETS:
            save(register, _read_u64(self.saved_sp + offset))
        save("rip", _read_u64(self.saved_sp + RETURN_ADDRESS_OFFSET))
        save("rsp", self.saved_sp + SAVED_FRAME_SIZE)
        return info


def _is_carrier_frame(frame):
    return UNWINDER.is_carrier(int(frame.read_register("rsp")), frame.pc())


class HideCarrierFrames:
    """Frame filter: while a suspended task is selected, `bt` starts at its
    frames, not at the kernel thread's frame(s) that carry them."""

    def __init__(self):
        self.name = "greenshim-hide-carrier-frames"
        self.priority = 100
        self.enabled = True
        gdb.frame_filters[self.name] = self

    def filter(self, frames):
        if UNWINDER.saved_sp is None:
            return frames
        return (frame for frame in frames if not _is_carrier_frame(frame.inferior_frame()))


UNWINDER = SavedContextUnwinder()
gdb.unwinder.register_unwinder(None, UNWINDER, replace=True)
HideCarrierFrames()


def _kernel_thread(tid):
    for thread in gdb.selected_inferior().threads():
        if thread.ptid[1] == tid:
            return thread
    return None


class SelectedGreenThread:
    """Context manager: show `thread`'s stack while inside, then restore
    what was selected before."""

    def __init__(self, thread):
        self.thread = thread
        self.previous_kernel_thread = gdb.selected_thread()
        self.previous_unwinder_state = UNWINDER.state()

    def __enter__(self):
        select_green_thread(self.thread)
        return self

    def __exit__(self, *exception):
        if self.previous_kernel_thread is not None and self.previous_kernel_thread.is_valid():
            self.previous_kernel_thread.switch()
        UNWINDER.restore(self.previous_unwinder_state)
        return False


def select_green_thread(thread):
    """Points bt & co. at `thread`: its worker's kernel thread when it is on
    a CPU, its saved registers otherwise."""
    if thread.on_cpu:
        kernel_thread = _kernel_thread(thread.kernel_tid) if thread.kernel_tid else None
        if kernel_thread is None:
            raise GreenshimError("greenshim: green thread %d is running, but its kernel thread "
                                 "is unknown" % thread.id)
        UNWINDER.forget()
        kernel_thread.switch()
        return
    if thread.saved_sp == 0:
        raise GreenshimError("greenshim: green thread %d has no saved context" % thread.id)
    UNWINDER.show(thread.saved_sp)


def _task_frames():
    """The selected green thread's frames, innermost first."""
    frame = gdb.newest_frame()
    while frame is not None and _is_carrier_frame(frame):
        frame = frame.older()
    while frame is not None:
        yield frame
        frame = frame.older()


def _in_greenshim(pc):
    name = gdb.solib_name(pc)
    return name is not None and name.endswith(LIBRARY_NAME)


def parked_at(thread):
    """Where the program called into greenshim: the innermost frame outside
    the library, as "function at file:line"."""
    try:
        with SelectedGreenThread(thread):
            for frame in _task_frames():
                pc = frame.pc()
                if _in_greenshim(pc):
                    continue
                function = frame.name() or "0x%x" % pc
                sal = frame.find_sal()
                if sal.symtab is not None:
                    return "%s at %s:%d" % (function, sal.symtab.filename, sal.line)
                library = gdb.solib_name(pc)
                return function + (" in " + library if library else "")
    except (gdb.error, gdb.MemoryError):
        return "?"
    return ""


class InfoGreenThreads(gdb.Command):
    """List greenshim's green threads: id, name, state, where it is parked.
Usage: info green-threads"""

    def __init__(self):
        super().__init__("info green-threads", gdb.COMMAND_STATUS)

    def invoke(self, argument, from_tty):
        threads = green_threads()
        rows = [(str(t.id), t.name, t.describe_state(), "" if t.on_cpu else parked_at(t))
                for t in threads]
        header = ("Id", "Name", "State", "Location")
        widths = [max(len(row[column]) for row in rows + [header]) for column in range(3)]
        for row in [header] + rows:
            gdb.write("%-*s  %-*s  %-*s  %s\n" % (widths[0], row[0], widths[1], row[1],
                                                 widths[2], row[2], row[3]))
        gdb.write("%d green threads\n" % len(threads))


def _print_backtrace(thread, command):
    gdb.write("\nGreen thread %d \"%s\" (%s):\n" % (thread.id, thread.name, thread.describe_state()))
    with SelectedGreenThread(thread):
        gdb.execute(command, to_string=False)


class GreenThreadCommand(gdb.Command):
    """Look at one green thread's stack, or run a command on each of them.
Usage: green-thread ID [COMMAND]   e.g. green-thread 7 bt
       green-thread apply all COMMAND
       green-thread ID             select it for bt, frame, up, info locals...
       green-thread none           back to the kernel threads' own stacks"""

    def __init__(self):
        super().__init__("green-thread", gdb.COMMAND_STACK)

    def invoke(self, argument, from_tty):
        words = argument.split(None, 1)
        if not words:
            raise GreenshimError("usage: green-thread ID [COMMAND] | apply all COMMAND | none")
        if words[0] == "none":
            UNWINDER.forget()
            return
        if words[0] == "apply":
            rest = words[1].split(None, 1) if len(words) > 1 else []
            if len(rest) != 2 or rest[0] != "all":
                raise GreenshimError("usage: green-thread apply all COMMAND")
            for thread in green_threads():
                _print_backtrace(thread, rest[1])
            return
        try:
            task_id = int(words[0], 0)
        except ValueError:
            raise GreenshimError("greenshim: %r is not a green thread id" % words[0])
        thread = find_green_thread(task_id)
        if len(words) == 2:
            _print_backtrace(thread, words[1])
            return
        select_green_thread(thread)
        gdb.write("[Switching to green thread %d \"%s\" (%s)]\n"
                  % (thread.id, thread.name, thread.describe_state()))
        innermost = next(_task_frames(), None)
        if innermost is not None:
            innermost.select()


def _forget_selection(event):
    """Registers change when the program runs: drop a stale selection."""
    if UNWINDER.saved_sp is not None:
        UNWINDER.forget()


MADV_GUARD_INSTALL = 102
MADV_GUARD_REMOVE = 103


def _stack_guards():
    """(address, size) of every stack guard the runtime placed with guard
    markers: live tasks' stacks, pooled stacks, worker 0's scheduler stack."""
    instance = gdb.parse_and_eval("greenshim::Scheduler::instance_")
    scheduler_type = gdb.lookup_type("greenshim::Scheduler")
    scheduler = _underlying(instance, scheduler_type.pointer())
    if int(scheduler) == 0:
        return []
    scheduler = scheduler.dereference()
    pool = scheduler["stacks"]
    if not bool(pool["guard_markers_"]):
        return []  # mprotect'ed guards are mappings of their own: gcore skips them

    stacks = [scheduler["adopted_scheduler_stack_"]]
    for size_class_index in range(pool["classes_"].type.range()[1] + 1):
        size_class = pool["classes_"][size_class_index]
        for list_name in ("warm", "cold"):
            free_stack = size_class[list_name]
            while int(free_stack) != 0:
                stacks.append(free_stack["stack"])
                free_stack = free_stack["next"]
    task_type = _types()[0]
    task_pointer = gdb.parse_and_eval("greenshim_task_registry_head").cast(task_type.pointer())
    while int(task_pointer) != 0:
        stacks.append(task_pointer["stack"])
        task_pointer = task_pointer["registry_next"]
    return [(int(stack["mapping"]), int(stack["guard_size"])) for stack in stacks
            if bool(stack["owned"]) and int(stack["guard_size"]) > 0]


def _madvise_all(ranges, advice):
    for address, size in ranges:
        gdb.parse_and_eval("((int (*)(void *, unsigned long, int)) madvise)((void *) %d, %d, %d)"
                           % (address, size, advice))


# gdb's own gcore loses green-thread stacks: they share one memory mapping
# whose guard pages are markers inside it (MADV_GUARD_INSTALL), gdb cannot
# read a guard page, and it stops copying a mapping at its first unreadable
# page. So the extension hooks gcore (generate-core-file): before it, the
# guards are lifted by running madvise in the stopped process with the
# other threads held; after it, they are put back.
_lifted = None  # (guard ranges, previous scheduler-locking) while gcore runs


def lift_guards_for_gcore():
    global _lifted
    if _lifted is not None or not gdb.selected_inferior().pid:
        return  # a core file, or already lifted
    try:
        guards = _stack_guards()
    except (GreenshimError, gdb.error):
        return  # not a greenshim process
    locking = gdb.parameter("scheduler-locking")
    gdb.execute("set scheduler-locking on", to_string=True)
    _madvise_all(guards, MADV_GUARD_REMOVE)
    _lifted = (guards, locking)


def restore_guards_after_gcore():
    global _lifted
    if _lifted is None:
        return
    guards, locking = _lifted
    _lifted = None
    _madvise_all(guards, MADV_GUARD_INSTALL)
    gdb.execute("set scheduler-locking " + locking, to_string=True)


def _install_gcore_hooks():
    # Hooks can only be defined in gdb's command language, read from a file.
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".gdb", delete=False) as script:
        script.write("define hook-generate-core-file\n"
                     "python lift_guards_for_gcore()\nend\n"
                     "define hookpost-generate-core-file\n"
                     "python restore_guards_after_gcore()\nend\n")
    try:
        gdb.execute("source " + script.name, to_string=True)
    finally:
        os.unlink(script.name)


InfoGreenThreads()
GreenThreadCommand()
_install_gcore_hooks()
gdb.events.cont.connect(_forget_selection)
