/* What each architecture port (runtime/arm, runtime/riscv) provides to runtime/common. */
#ifndef MF_RUNTIME_PORT_H
#define MF_RUNTIME_PORT_H

#include <stdint.h>

/* Keeps the compiler from turning a memory function's own loop back into a call to itself
 * (clang: no_builtin; GCC, which PlatformIO projects build with: no loop-to-call patterns). */
#if defined(__clang__)
#define MF_NO_BUILTIN no_builtin
#else
#define MF_NO_BUILTIN optimize("no-tree-loop-distribute-patterns")
#endif

/* Semihosting operations (Arm semihosting spec v2, also used on RISC-V). */
#define MF_SEMIHOST_SYS_WRITE0 0x04
#define MF_SEMIHOST_SYS_EXIT_EXTENDED 0x20
#define MF_SEMIHOST_APPLICATION_EXIT 0x20026

/* One semihosting call: op in the first argument register, arg in the second. */
long mf_semihost(long op, void *arg);

/* The console (runtime/common/io.c: semihosting by default; a program may define its own). */
void mf_console_write(const char *s);
void mf_console_exit(int status);

/* Symbols of the linker script (firmware/ld/mcu.ld.in). */
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[];

/* Called first by a port's fault report: returns if this is the first fault; on a fault inside
 * the fault report it writes a fixed line and exits at once with MF_EXIT_FAULT. */
void mf_fault_enter(void);

/* Common C start-up, called by the port's reset code once the stack and the FPU/vector unit
 * are set up: copies .data, clears .bss, paints the stack, runs main() and exits. */
_Noreturn void mf_c_start(void);

#endif
