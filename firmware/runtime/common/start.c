/* Start-up shared by all ports: .data, .bss, stack painting, main(), exit. */
#include "mf_runtime.h"
#include "mf_runtime_port.h"

#define MF_STACK_PAINT 0xC5A5C5A5u

int main(void);

static void paint_stack(void) {
    /* Leave the frames below the current one alone. */
    uint32_t *limit = (uint32_t *)((uintptr_t)__builtin_frame_address(0) - 256u);
    for (volatile uint32_t *p = __stack_bottom; p < limit; p++) *p = MF_STACK_PAINT;
}

size_t mf_stack_used(void) {
    const uint32_t *p = __stack_bottom;
    while (p < __stack_top && *p == MF_STACK_PAINT) p++;
    return (size_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

_Noreturn void mf_c_start(void) {
    const uint32_t *src = __data_load;
    for (uint32_t *dst = __data_start; dst < __data_end;) *dst++ = *src++;
    for (uint32_t *dst = __bss_start; dst < __bss_end;) *dst++ = 0;
    paint_stack();
    mf_exit(main());
}
