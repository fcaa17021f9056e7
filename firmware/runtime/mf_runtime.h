/* mcuforge MCU runtime: console output, exit, benchmark markers.
 *
 * The same API on every target. Output and exit go through semihosting, so a program run in
 * QEMU prints to the host and QEMU exits with the program's status. Lines that start with "@mf "
 * are machine-readable key=value records for the host (stack use, faults, results).
 */
#ifndef MF_RUNTIME_H
#define MF_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

/* Exit status of a program stopped by a CPU fault (illegal instruction, bus error, ...). */
#define MF_EXIT_FAULT 134

/* Write a string to the host console (no newline added). */
void mf_puts(const char *s);

/* printf subset: %d %i %u %x %X %p %s %c %%, flags '0' and '-', width, and the l / ll / z
 * length modifiers. Returns the number of characters written. */
int mf_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Stop the program: reports stack use ("@mf stack_used=N") and exits the simulator with
 * `status`. Returning from main() calls this with main's return value. */
_Noreturn void mf_exit(int status);

/* Benchmark markers: the simulator counts the instructions executed between a call of
 * mf_bench_start() and the next call of mf_bench_stop(); each pair is one region. */
void mf_bench_start(void);
void mf_bench_stop(void);

/* Bytes of stack used so far (high-water mark of the painted stack). */
size_t mf_stack_used(void);

#endif
