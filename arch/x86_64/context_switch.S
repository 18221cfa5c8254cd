// x86-64 (System V) context switch and first-entry trampoline for green threads.
//
// A suspended context is nothing but a stack pointer: everything else the
// System V ABI says survives a call (rbx, rbp, r12-r15, the MXCSR control
// bits and the x87 control word) is pushed on the suspended stack itself.
// Caller-saved registers need no saving because the switch is an ordinary
// call from the compiler's point of view.
//
// Saved frame, from the lowest address (the saved stack pointer) upwards:
//   [sp+0]  MXCSR (4 bytes), x87 control word (2 bytes), padding
//   [sp+8]  r15, r14, r13, r12, rbx, rbp
//   [sp+56] return address
// runtime/context.cc builds the same frame by hand for a task that has never
// run, with the return address pointing at greenshim_context_trampoline.

    .text

// void greenshim_context_switch(void** save_sp, void* load_sp)
    .globl  greenshim_context_switch
    .hidden greenshim_context_switch
    .type   greenshim_context_switch, @function
    .p2align 4
greenshim_context_switch:
    .cfi_startproc
    pushq   %rbp
    .cfi_adjust_cfa_offset 8
    pushq   %rbx
    .cfi_adjust_cfa_offset 8
    pushq   %r12
    .cfi_adjust_cfa_offset 8
    pushq   %r13
    .cfi_adjust_cfa_offset 8
    pushq   %r14
    .cfi_adjust_cfa_offset 8
    pushq   %r15
    .cfi_adjust_cfa_offset 8
    subq    $8, %rsp
    .cfi_adjust_cfa_offset 8
    stmxcsr (%rsp)
    fnstcw  4(%rsp)

    movq    %rsp, (%rdi)
    movq    %rsi, %rsp

    ldmxcsr (%rsp)
    fldcw   4(%rsp)
    addq    $8, %rsp
    .cfi_adjust_cfa_offset -8
    popq    %r15
    .cfi_adjust_cfa_offset -8
    popq    %r14
    .cfi_adjust_cfa_offset -8
    popq    %r13
    .cfi_adjust_cfa_offset -8
    popq    %r12
    .cfi_adjust_cfa_offset -8
    popq    %rbx
    .cfi_adjust_cfa_offset -8
    popq    %rbp
    .cfi_adjust_cfa_offset -8
    ret
    .cfi_endproc
    .size   greenshim_context_switch, .-greenshim_context_switch

// First code a new context runs: the initial frame left the entry function
// in r12 and its argument in r13. The stack pointer is 16-byte aligned here,
// so the call below gives the entry function the ABI's alignment. The entry
// function never returns (a task ends by switching away for good), so a
// return is a runtime bug and traps at once.
    .globl  greenshim_context_trampoline
    .hidden greenshim_context_trampoline
    .type   greenshim_context_trampoline, @function
    .p2align 4
greenshim_context_trampoline:
    .cfi_startproc
    // No caller: tell unwinders (gdb, libgcc, backtrace()) the chain ends here.
    .cfi_undefined rip
    xorl    %ebp, %ebp
    movq    %r13, %rdi
    callq   *%r12
    ud2
    .cfi_endproc
    .size   greenshim_context_trampoline, .-greenshim_context_trampoline

    .section .note.GNU-stack,"",@progbits
