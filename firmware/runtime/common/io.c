/* Console output and exit over semihosting. */
#include <stdarg.h>

#include "mf_runtime.h"
#include "mf_runtime_port.h"

/* The console: semihosting, unless the program brings its own (the HIL firmware's goes over
 * the board's UART). */
__attribute__((weak)) void mf_console_write(const char *s) { mf_semihost(MF_SEMIHOST_SYS_WRITE0, (void *)s); }

__attribute__((weak)) void mf_console_exit(int status) {
    uint32_t block[2] = {MF_SEMIHOST_APPLICATION_EXIT, (uint32_t)status};
    mf_semihost(MF_SEMIHOST_SYS_EXIT_EXTENDED, block);
}

void mf_puts(const char *s) { mf_console_write(s); }

static void exit_now(int status) { mf_console_exit(status); }

void mf_fault_enter(void) {
    static volatile int in_fault;
    if (in_fault) {
        mf_puts("\n*** fault: a second fault while reporting a fault\n@mf fault=nested\n");
        exit_now(MF_EXIT_FAULT);
    }
    in_fault = 1;
}

_Noreturn void mf_exit(int status) {
    mf_printf("@mf stack_used=%u\n", (unsigned)mf_stack_used());
    exit_now(status);
    for (;;) {
    }
}

/* Output is gathered in a buffer and written in one semihosting call per line or when full. */
struct out {
    char buf[128];
    unsigned len;
    int count;
};

static void flush(struct out *o) {
    if (o->len) {
        o->buf[o->len] = '\0';
        mf_puts(o->buf);
        o->len = 0;
    }
}

static void put(struct out *o, char c) {
    if (o->len == sizeof o->buf - 1) flush(o);
    o->buf[o->len++] = c;
    o->count++;
    if (c == '\n') flush(o);
}

static void put_padded(struct out *o, const char *s, unsigned n, unsigned width, int left, char pad) {
    if (!left)
        for (unsigned i = n; i < width; i++) put(o, pad);
    for (unsigned i = 0; i < n; i++) put(o, s[i]);
    if (left)
        for (unsigned i = n; i < width; i++) put(o, ' ');
}

static void put_number(struct out *o, unsigned long long v, int negative, unsigned base, int upper,
                       unsigned width, int left, char pad) {
    char tmp[24];
    unsigned n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        tmp[sizeof tmp - 1 - n++] = digits[v % base];
        v /= base;
    } while (v);
    if (negative) {
        if (pad == '0') {
            put(o, '-');
            width = width ? width - 1 : 0;
        } else {
            tmp[sizeof tmp - 1 - n++] = '-';
        }
    }
    put_padded(o, tmp + sizeof tmp - n, n, width, left, pad);
}

int mf_printf(const char *fmt, ...) {
    struct out o = {.len = 0, .count = 0};
    va_list ap;
    va_start(ap, fmt);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        int left = 0, longs = 0;
        char pad = ' ';
        unsigned width = 0;
        for (;; f++) {
            if (f[1] == '-') left = 1;
            else if (f[1] == '0') pad = '0';
            else break;
        }
        while (f[1] >= '0' && f[1] <= '9') width = width * 10 + (unsigned)(*++f - '0');
        while (f[1] == 'l' || f[1] == 'z') {
            longs += f[1] == 'l' ? 1 : (sizeof(size_t) > sizeof(int));
            f++;
        }
        char conv = *++f;
        switch (conv) {
        case 'd':
        case 'i': {
            long long v = longs >= 2 ? va_arg(ap, long long) : longs ? va_arg(ap, long) : va_arg(ap, int);
            unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            put_number(&o, mag, v < 0, 10, 0, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v = longs >= 2 ? va_arg(ap, unsigned long long)
                                   : longs  ? va_arg(ap, unsigned long)
                                            : va_arg(ap, unsigned);
            put_number(&o, v, 0, conv == 'u' ? 10 : 16, conv == 'X', width, left, pad);
            break;
        }
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_number(&o, (uintptr_t)va_arg(ap, void *), 0, 16, 0, 8, 0, '0');
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            unsigned n = 0;
            while (s[n]) n++;
            put_padded(&o, s, n, width, left, ' ');
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case '%':
            put(&o, '%');
            break;
        default: /* unsupported: print it as written */
            put(&o, '%');
            if (conv) put(&o, conv);
            else f--;
        }
    }
    va_end(ap);
    flush(&o);
    return o.count;
}
