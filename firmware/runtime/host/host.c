/* The mcuforge runtime as a native process on the host (the host target): the same API as on
 * a core, over the C library. Output goes to stdout; a program's exit status is the process's.
 * Benchmark regions are timed with the monotonic clock and reported one per line as
 * "@mf region_ns=N": wall time in nanoseconds, not instructions. */
#define _POSIX_C_SOURCE 199309L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mf_runtime.h"

void mf_puts(const char *s) { fputs(s, stdout); }

int mf_printf(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    int n = vprintf(fmt, args);
    va_end(args);
    return n;
}

/* The stack is the operating system's: nothing is painted, nothing measured. */
size_t mf_stack_used(void) { return 0; }

_Noreturn void mf_exit(int status) {
    fflush(stdout);
    exit(status);
}

static struct timespec region_start;

static long long nanoseconds(const struct timespec *t) { return (long long)t->tv_sec * 1000000000LL + t->tv_nsec; }

void mf_bench_start(void) { clock_gettime(CLOCK_MONOTONIC, &region_start); }

void mf_bench_stop(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    printf("@mf region_ns=%lld\n", nanoseconds(&now) - nanoseconds(&region_start));
}
