/* On a real board there is no simulator to exit to: after the runtime's report (a fault, an
 * mf_exit), the firmware says so over the link and waits to be reset. */
#include "mf_hil.h"
#include "mf_runtime.h"

_Noreturn void mf_console_exit(int status) {
    mf_printf("@mf exit=%d\n", status);
    mf_uart_flush();
    for (;;) {
    }
}
