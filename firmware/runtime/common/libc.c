/* The four memory functions the compiler may call on its own. Weak, so that a real C library
 * linked later takes precedence. MF_NO_BUILTIN keeps the compiler from turning the loops back into calls
 * to themselves. */
#include <stddef.h>
#include <stdint.h>

#include "mf_runtime_port.h"

#define MF_LIBC __attribute__((weak, MF_NO_BUILTIN))

MF_LIBC void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
    return dst;
}

MF_LIBC void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--) *d++ = *s++;
    } else {
        while (n--) d[n] = s[n];
    }
    return dst;
}

MF_LIBC void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

MF_LIBC int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y) return *x < *y ? -1 : 1;
    return 0;
}
