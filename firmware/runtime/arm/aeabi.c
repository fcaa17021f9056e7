/* The Arm EABI memory helpers (RTABI 4.3.4) that clang calls on Arm targets; a C library
 * would provide them, this runtime has none. Note __aeabi_memset's argument order. */
#include <stddef.h>

#include "mf_runtime_port.h"

/* runtime/common/libc.c */
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);

/* MF_NO_BUILTIN: or the compiler turns memcpy() into __aeabi_memcpy() */
#define MF_AEABI __attribute__((weak, MF_NO_BUILTIN))

MF_AEABI void __aeabi_memcpy(void *d, const void *s, size_t n) { memcpy(d, s, n); }
MF_AEABI void __aeabi_memcpy4(void *d, const void *s, size_t n) { memcpy(d, s, n); }
MF_AEABI void __aeabi_memcpy8(void *d, const void *s, size_t n) { memcpy(d, s, n); }
MF_AEABI void __aeabi_memmove(void *d, const void *s, size_t n) { memmove(d, s, n); }
MF_AEABI void __aeabi_memmove4(void *d, const void *s, size_t n) { memmove(d, s, n); }
MF_AEABI void __aeabi_memmove8(void *d, const void *s, size_t n) { memmove(d, s, n); }
MF_AEABI void __aeabi_memset(void *d, size_t n, int c) { memset(d, c, n); }
MF_AEABI void __aeabi_memset4(void *d, size_t n, int c) { memset(d, c, n); }
MF_AEABI void __aeabi_memset8(void *d, size_t n, int c) { memset(d, c, n); }
MF_AEABI void __aeabi_memclr(void *d, size_t n) { memset(d, 0, n); }
MF_AEABI void __aeabi_memclr4(void *d, size_t n) { memset(d, 0, n); }
MF_AEABI void __aeabi_memclr8(void *d, size_t n) { memset(d, 0, n); }
