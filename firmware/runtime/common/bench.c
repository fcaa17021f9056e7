/* Benchmark markers. The QEMU plugin (toolchain/mcuforge/sim/plugin) finds these two functions
 * by their symbols and counts the instructions executed from the first instruction of
 * mf_bench_start up to, not including, the first instruction of mf_bench_stop. */
#include "mf_runtime.h"

__attribute__((noinline, used)) void mf_bench_start(void) { __asm__ volatile("" ::: "memory"); }

__attribute__((noinline, used)) void mf_bench_stop(void) { __asm__ volatile("" ::: "memory"); }
