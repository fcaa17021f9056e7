"""The HIL UART drivers QEMU cannot model (firmware/hil/uart/stm32.c, stm32f1.c, nrf_uart.c; also
sifive.c, which QEMU's sifive_e runs too), each compiled for the host target against a
register-level fake: the UART's register block is a plain array (`fake_uart`, MF_HIL_UART_BASE is
its address), so a wrong register offset, status bit or polarity in a driver fails a test here
instead of on a board.

How the fake catches mistakes without modelling the peripheral:

* Before each call the block is filled with a pattern (all ones, or all zeros), then the registers
  the step is about are set. Every word that differs after the call is a write the driver made; the
  test compares that set (offset -> value) exactly with the reference manual's, so a write to a
  wrong offset, or a wrong value, fails.
* "Waits until ready": the status word starts with only the awaited bit clear and every other bit
  and word of the block set (all-ones fill). A driver polling a wrong offset or a wrong bit, or with
  the polarity reversed, sees "ready" at once. The correct driver spins; a virtual-time timer
  (setitimer ITIMER_VIRTUAL, SIGVTALRM, after 20 ms of the spinning process's CPU time) snapshots
  the block, to show that nothing (data register, event clears) was written before ready, and then
  sets the awaited bit, which ends the driver's loop. The step must have seen that timer fire (it
  waited) and must write the data only after it. The complementary step starts with only the ready
  bit set and everything else zero, so a driver waiting on an extra or a wrong bit never leaves its
  loop: alarm(3) then kills the program and the test fails naming the step.
* "Nothing received": with the receive-ready bit clear and everything else set, getc must return -1;
  with it set, the byte from the receive register (given a 9th bit, which must be masked). The
  SiFive UART's status bits are "busy" bits (full/empty), so there the fills are reversed.

Register maps (offsets from the UART's base) checked here, from the register-map tables of:

* STM32 USART/LPUART, ISR layout: RM0432 (STM32L4+, LPUART1 on nucleo_l4r5zi), RM0438 (STM32L5,
  LPUART1 on nucleo_l552ze_q), RM0385 (STM32F75x/F74x, USART1 on disco_f746ng). CR1 0x00 (UE bit 0,
  RE bit 2, TE bit 3, M0 bit 12, OVER8 bit 15, M1 bit 28, PCE bit 10), BRR 0x0C, ISR 0x1C (ORE bit
  3, RXNE bit 5, TC bit 6, TXE bit 7), ICR 0x20 (ORECF bit 3), RDR 0x24, TDR 0x28.
* STM32F1 USART layout, as on the GD32VF103: RM0008 (STM32F1) and the GD32VF103 user manual (USART0
  on sipeed-longan-nano; its names: USART_STAT 0x00, USART_DATA 0x04, USART_BAUD 0x08, USART_CTL0
  0x0C): SR 0x00 (RXNE bit 5, TC bit 6, TXE bit 7), DR 0x04, BRR 0x08, CR1 0x0C (RE bit 2, TE bit 3,
  PCE bit 10, M bit 12, UE bit 13).
* SiFive UART (optional here: QEMU's sifive_e models it too), FE310-G002 manual: txdata 0x00 (bit 31
  full), rxdata 0x04 (bit 31 empty; one read pops), txctrl 0x08 (txen bit 0), rxctrl 0x0C (rxen bit
  0), div 0x18 (baud = clock / (div + 1)).
* nRF52840 UART (legacy, non-DMA; UART0 on nrf52840_dk), nRF52840 Product Specification:
  TASKS_STARTRX 0x000, TASKS_STARTTX 0x008, EVENTS_RXDRDY 0x108, EVENTS_TXDRDY 0x11C, ENABLE 0x500
  (4 = UART; 8 would be UARTE), PSEL.TXD 0x50C, PSEL.RXD 0x514, RXD 0x518, TXD 0x51C, BAUDRATE
  0x524. Events are whole registers (non-zero = generated) that software clears: getc must clear
  RXDRDY, putc TXDRDY before the next byte. BAUDRATE takes the PS's table values (0x01D7E000 =
  115200).

The divisor each init must write is the board's own (Target.hil.uart_divisor, from its board file),
so these tests follow the boards that use each driver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mcuforge.build import build_program
from mcuforge.hil.firmware import HIL_DIR
from mcuforge.sim import run_program
from mcuforge.target import load_board, load_target

DRIVER_DIR = HIL_DIR / "uart"
ONES = 0xFFFFFFFF
WORDS = 1024  # 4 KiB: the nRF UART's block reaches 0x524

# STM32 ISR layout (RM0432, RM0438, RM0385)
CR1, BRR, ISR, ICR, RDR, TDR = 0x00, 0x0C, 0x1C, 0x20, 0x24, 0x28
UE, RE, TE, M0, PCE, OVER8, M1 = 1 << 0, 1 << 2, 1 << 3, 1 << 12, 1 << 10, 1 << 15, 1 << 28
ORE, RXNE, TC, TXE = 1 << 3, 1 << 5, 1 << 6, 1 << 7
# STM32F1 / GD32VF103 layout (RM0008, GD32VF103 UM)
F1_SR, F1_DR, F1_BRR, F1_CR1 = 0x00, 0x04, 0x08, 0x0C
F1_RE, F1_TE, F1_PCE, F1_M, F1_UE = 1 << 2, 1 << 3, 1 << 10, 1 << 12, 1 << 13
# SiFive UART (FE310-G002 manual)
S_TXDATA, S_RXDATA, S_TXCTRL, S_RXCTRL, S_DIV = 0x00, 0x04, 0x08, 0x0C, 0x18
S_FULL = S_EMPTY = 1 << 31
# nRF52840 UART, legacy (nRF52840 Product Specification)
N_STARTRX, N_STARTTX, N_RXDRDY, N_TXDRDY = 0x000, 0x008, 0x108, 0x11C
N_ENABLE, N_PSEL_TXD, N_PSEL_RXD, N_RXD, N_TXD, N_BAUDRATE = 0x500, 0x50C, 0x514, 0x518, 0x51C, 0x524

HARNESS = r"""
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

#include "mf_hil.h"
#include "mf_hil_board.h"

#define WORDS %(words)d
volatile uint32_t fake_uart[WORDS];
static volatile uint32_t before[WORDS], at_ready[WORDS], after_flip[WORDS];
static volatile sig_atomic_t armed, fired;
static volatile unsigned flip_word;
static volatile uint32_t flip_set, flip_clear;

/* The peripheral becoming ready: snapshot, then set the awaited bit (see the test's docstring). */
static void on_tick(int sig) {
    (void)sig;
    if (!armed) return;
    for (int i = 0; i < WORDS; i++) at_ready[i] = fake_uart[i];
    fake_uart[flip_word] = (fake_uart[flip_word] & ~flip_clear) | flip_set;
    for (int i = 0; i < WORDS; i++) after_flip[i] = fake_uart[i];
    armed = 0;
    fired = 1;
}

static void fill(uint32_t v) { for (int i = 0; i < WORDS; i++) fake_uart[i] = v; }
static void poke(unsigned off, uint32_t v) { fake_uart[off / 4] = v; }

static void begin(const char *name) {
    printf("begin %%s\n", name);
    fflush(stdout);
    for (int i = 0; i < WORDS; i++) before[i] = fake_uart[i];
    fired = 0;
    alarm(3); /* a driver that never sees "ready" is killed (SIGALRM) */
}

static void arm(unsigned off, uint32_t set, uint32_t clear) {
    flip_word = off / 4;
    flip_set = set;
    flip_clear = clear;
    armed = 1;
    struct itimerval t = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_VIRTUAL, &t, 0);
}

static void end(int ret) {
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_VIRTUAL, &off, 0);
    armed = 0;
    alarm(0);
    printf("ret %%d fired %%d\n", ret, (int)fired);
    for (int i = 0; i < WORDS; i++) {
        if (fired && at_ready[i] != before[i])
            printf("early %%03x %%08x\n", (unsigned)i * 4, (unsigned)at_ready[i]);
        uint32_t base = fired ? after_flip[i] : before[i];
        if (fake_uart[i] != base) printf("write %%03x %%08x\n", (unsigned)i * 4, (unsigned)fake_uart[i]);
    }
    fflush(stdout);
}

int main(void) {
    signal(SIGVTALRM, on_tick);
%(steps)s
    printf("done\n");
    return 0;
}
"""

BOARD_HEADER = """#ifndef MF_HIL_BOARD_H
#define MF_HIL_BOARD_H
#include <stdint.h>
extern volatile uint32_t fake_uart[{words}];
#define MF_HIL_BOARD "{board} (fake UART)"
#define MF_HIL_UART_BASE ((uintptr_t)fake_uart)
#define MF_HIL_UART_DIVISOR {divisor}u
#endif
"""


@dataclass
class Step:
    """One driver call on a prepared register block. `flip`: (offset, set, clear) applied by the
    timer once the call has spun for 20 ms: the peripheral becoming ready."""

    name: str
    call: str  # "init", "putc(0x5A)", "getc", "flush"
    fill: int = ONES
    regs: dict[int, int] = field(default_factory=dict)
    flip: tuple[int, int, int] | None = None


@dataclass
class Outcome:
    ret: int
    fired: bool
    early: dict[int, int]  # words changed before the peripheral was ready
    writes: dict[int, int]  # words changed after it (or during the call, without a flip)
    hung: str | None = None  # the call never returned: how the program ended


def run_fake(tmp_path: Path, board: str, driver: str, steps: list[Step]) -> dict[str, Outcome]:
    """Build `driver`.c for the host with a fake register block and run `steps` in order."""
    target = load_board(board)
    (tmp_path / "mf_hil_board.h").write_text(
        BOARD_HEADER.format(words=WORDS, board=board, divisor=target.hil.uart_divisor))
    lines = []
    for s in steps:
        lines.append(f"    fill(0x{s.fill:08x}u);")
        lines += [f"    poke(0x{off:03x}, 0x{v:08x}u);" for off, v in s.regs.items()]
        lines.append(f'    begin("{s.name}");')
        if s.flip:
            off, set_, clear = s.flip
            lines.append(f"    arm(0x{off:03x}, 0x{set_:08x}u, 0x{clear:08x}u);")
        call = {"init": "(mf_uart_init(), 0)", "getc": "mf_uart_getc()", "flush": "(mf_uart_flush(), 0)"}.get(
            s.call, f"(mf_uart_{s.call}, 0)")
        lines.append(f"    end({call});")
    test = tmp_path / "fake_test.c"
    test.write_text(HARNESS % {"words": WORDS, "steps": "\n".join(lines)})
    program = build_program(load_target("host"), [test, DRIVER_DIR / f"{driver}.c"], tmp_path / "build",
                            name=f"fake_{driver}", include_dirs=[HIL_DIR, tmp_path])
    result = run_program(program, timeout=30)
    outcomes: dict[str, Outcome] = {}
    current = None
    for line in result.output.splitlines():
        parts = line.split()
        if parts[:1] == ["begin"]:
            current = parts[1]
        elif parts[:1] == ["ret"]:
            outcomes[current] = Outcome(int(parts[1]), parts[3] == "1", {}, {})
        elif parts[:1] in (["early"], ["write"]):
            o = outcomes[current]
            (o.early if parts[0] == "early" else o.writes)[int(parts[1], 16)] = int(parts[2], 16)
    if result.exit_code != 0 or "done" not in result.output.split():  # reported by check(), in step order
        outcomes[current] = Outcome(0, False, {}, {}, hung=f"exit {result.exit_code}, {result.fault}")
    return outcomes


def check(outcomes: dict[str, Outcome], name: str, ret: int = 0, waited: bool = False,
          writes: dict[int, int] | None = None) -> Outcome:
    """The step's outcome against the manual: waited (or not) for ready, wrote nothing before
    ready, returned `ret`, wrote exactly `writes` (when given)."""
    assert name in outcomes, f"{name}: not run (an earlier step never returned)"
    o = outcomes[name]
    assert o.hung is None, (f"{name}: never returned, killed after 3 s ({o.hung}): the driver waits on a "
                            f"status the fake set (wrong offset, bit or polarity?)")
    assert o.fired == waited, f"{name}: {'did not wait for' if waited else 'waited, though'} the ready status"
    assert o.early == {}, f"{name}: wrote {fmt(o.early)} before the peripheral was ready"
    assert o.ret == ret, f"{name}: returned {o.ret}, expected {ret}"
    if writes is not None:
        assert o.writes == writes, f"{name}: wrote {fmt(o.writes)}, expected {fmt(writes)}"
    return o


def fmt(regs: dict[int, int]) -> str:
    return "{" + ", ".join(f"0x{k:03x}: 0x{v:x}" for k, v in sorted(regs.items())) + "}" if regs else "nothing"


# --- STM32 USART/LPUART with ISR/RDR/TDR (stm32.c) ---------------------------------------------

STM32_BOARDS = ["nucleo_l4r5zi", "disco_f746ng", "nucleo_l552ze_q"]


@pytest.mark.parametrize("board", STM32_BOARDS)
def test_stm32_usart_against_fake(tmp_path, board):
    assert load_board(board).hil.uart in ("stm32", "stm32-lpuart")
    divisor = load_board(board).hil.uart_divisor
    steps = [
        Step("init", "init"),
        Step("getc_empty", "getc", ONES, {ISR: ONES & ~RXNE}),
        Step("getc_empty_zero", "getc", 0),
        Step("getc_byte", "getc", 0, {ISR: RXNE, RDR: 0x1A5}),
        Step("getc_byte_ones", "getc", ONES, {RDR: 0x13C}),
        Step("putc_wait", "putc(0x5A)", ONES, {ISR: ONES & ~TXE}, flip=(ISR, TXE, 0)),
        Step("putc_ready", "putc(0xA5)", 0, {ISR: TXE}),
        Step("flush_wait", "flush", ONES, {ISR: ONES & ~TC}, flip=(ISR, TC, 0)),
        Step("flush_ready", "flush", 0, {ISR: TC}),
    ]
    out = run_fake(tmp_path, board, "stm32", steps)
    init = check(out, "init")
    assert set(init.writes) == {CR1, BRR}, f"init wrote {fmt(init.writes)}: only CR1 (0x00) and BRR (0x0C)"
    assert init.writes[BRR] == divisor, f"BRR = 0x{init.writes[BRR]:x}, the board's divisor is 0x{divisor:x}"
    cr1 = init.writes[CR1]
    assert cr1 & (UE | RE | TE) == UE | RE | TE, f"CR1 = 0x{cr1:x}: UE, RE and TE must be set"
    assert cr1 & (M0 | M1 | PCE | OVER8) == 0, f"CR1 = 0x{cr1:x}: 8N1 with 16x oversampling (the divisor's)"
    # An overrun (ORE, set in the all-ones ISR) is cleared through ICR.ORECF, else RXNE stalls.
    check(out, "getc_empty", ret=-1, writes={ICR: ORE})
    check(out, "getc_empty_zero", ret=-1, writes={})
    check(out, "getc_byte", ret=0xA5, writes={})
    check(out, "getc_byte_ones", ret=0x3C, writes={ICR: ORE})
    check(out, "putc_wait", waited=True, writes={TDR: 0x5A})
    check(out, "putc_ready", writes={TDR: 0xA5})
    check(out, "flush_wait", waited=True, writes={})
    check(out, "flush_ready", writes={})


# --- STM32F1 layout: GD32VF103 (stm32f1.c) -----------------------------------------------------

@pytest.mark.parametrize("board", ["sipeed-longan-nano"])
def test_stm32f1_usart_against_fake(tmp_path, board):
    assert load_board(board).hil.uart == "stm32f1"
    divisor = load_board(board).hil.uart_divisor
    steps = [
        Step("init", "init"),
        Step("getc_empty", "getc", ONES, {F1_SR: ONES & ~RXNE}),
        Step("getc_empty_zero", "getc", 0),
        Step("getc_byte", "getc", 0, {F1_SR: RXNE, F1_DR: 0x1A5}),
        Step("putc_wait", "putc(0x5A)", ONES, {F1_SR: ONES & ~TXE}, flip=(F1_SR, TXE, 0)),
        Step("putc_ready", "putc(0xA5)", 0, {F1_SR: TXE}),
        Step("flush_wait", "flush", ONES, {F1_SR: ONES & ~TC}, flip=(F1_SR, TC, 0)),
        Step("flush_ready", "flush", 0, {F1_SR: TC}),
    ]
    out = run_fake(tmp_path, board, "stm32f1", steps)
    init = check(out, "init")
    assert set(init.writes) == {F1_CR1, F1_BRR}, f"init wrote {fmt(init.writes)}: only BRR (0x08) and CR1 (0x0C)"
    assert init.writes[F1_BRR] == divisor, f"BRR = 0x{init.writes[F1_BRR]:x}, the board's divisor is 0x{divisor:x}"
    cr1 = init.writes[F1_CR1]
    assert cr1 & (F1_UE | F1_TE | F1_RE) == F1_UE | F1_TE | F1_RE, f"CR1 = 0x{cr1:x}: UE, TE and RE must be set"
    assert cr1 & (F1_M | F1_PCE) == 0, f"CR1 = 0x{cr1:x}: 8N1"
    check(out, "getc_empty", ret=-1, writes={})
    check(out, "getc_empty_zero", ret=-1, writes={})
    check(out, "getc_byte", ret=0xA5, writes={})
    check(out, "putc_wait", waited=True, writes={F1_DR: 0x5A})
    check(out, "putc_ready", writes={F1_DR: 0xA5})
    check(out, "flush_wait", waited=True, writes={})
    check(out, "flush_ready", writes={})


# --- nRF52 UART, legacy (nrf_uart.c) -----------------------------------------------------------

NRF_BAUDRATE = {9600: 0x00275000, 115200: 0x01D7E000, 230400: 0x03AFB000, 1000000: 0x10000000}  # PS: BAUDRATE


@pytest.mark.parametrize("board", ["nrf52840_dk"])
def test_nrf_uart_against_fake(tmp_path, board):
    hil = load_board(board).hil
    assert hil.uart == "nrf-uart" and hil.uart_divisor == NRF_BAUDRATE[hil.baud]
    steps = [  # in this order: the driver starts TX on its first putc
        Step("init", "init"),
        Step("getc_empty", "getc", ONES, {N_RXDRDY: 0}),
        Step("getc_empty_zero", "getc", 0),
        Step("getc_byte", "getc", 0, {N_RXDRDY: 1, N_RXD: 0x1A5}),
        Step("flush_idle", "flush", 0),  # nothing sent yet: TXDRDY never comes, must not wait
        Step("putc_first", "putc(0x5A)", ONES, {N_TXDRDY: 0}),
        Step("putc_wait", "putc(0xA5)", ONES, {N_TXDRDY: 0}, flip=(N_TXDRDY, 1, ONES)),
        Step("putc_ready", "putc(0x3C)", 0, {N_TXDRDY: 1}),
        Step("flush_wait", "flush", ONES, {N_TXDRDY: 0}, flip=(N_TXDRDY, 1, ONES)),
        Step("flush_ready", "flush", 0, {N_TXDRDY: 1}),
    ]
    out = run_fake(tmp_path, board, "nrf_uart", steps)
    # Init: BAUDRATE, ENABLE = 4 (UART, not UARTE), a stale RXDRDY cleared, STARTRX triggered.
    check(out, "init", writes={N_BAUDRATE: hil.uart_divisor, N_ENABLE: 4, N_RXDRDY: 0, N_STARTRX: 1})
    check(out, "getc_empty", ret=-1, writes={})
    check(out, "getc_empty_zero", ret=-1, writes={})
    check(out, "getc_byte", ret=0xA5, writes={N_RXDRDY: 0})  # the event cleared
    check(out, "flush_idle", writes={})
    # The first byte: STARTTX, then TXD; there is no TXDRDY to wait for before it.
    check(out, "putc_first", writes={N_STARTTX: 1, N_TXD: 0x5A})
    # Later bytes: wait for TXDRDY (the previous byte gone), clear it, write TXD; no second STARTTX.
    check(out, "putc_wait", waited=True, writes={N_TXDRDY: 0, N_TXD: 0xA5})
    check(out, "putc_ready", writes={N_TXDRDY: 0, N_TXD: 0x3C})
    check(out, "flush_wait", waited=True, writes={})
    check(out, "flush_ready", writes={})


def test_nrf_board_setup_routes_the_uart_pins():
    """nrf_uart.c leaves the pins to the board file's setup writes: they must land on PSEL.TXD
    (0x50C) and PSEL.RXD (0x514) of the board's UART, the only registers of its block they touch."""
    hil = load_board("nrf52840_dk").hil
    in_block = {w.addr - hil.uart_base: w for w in hil.setup if 0 <= w.addr - hil.uart_base < 0x1000}
    assert set(in_block) == {N_PSEL_TXD, N_PSEL_RXD}, [hex(k) for k in in_block]
    for w in in_block.values():
        assert w.mask == ONES and w.value < 0x40, f"PSEL 0x{w.addr:x}: a pin number with CONNECT (bit 31) clear"


# --- SiFive UART (sifive.c; optional: QEMU's sifive_e runs it too) ----------------------------

@pytest.mark.parametrize("board", ["hifive1-revb", "sparkfun_redboard_v"])
def test_sifive_uart_against_fake(tmp_path, board):
    hil = load_board(board).hil
    assert hil.uart == "sifive"
    steps = [
        Step("init", "init"),
        Step("getc_empty", "getc", 0, {S_RXDATA: S_EMPTY}),
        Step("getc_empty_ones", "getc", ONES),
        Step("getc_byte", "getc", ONES, {S_RXDATA: 0x1A5}),
        Step("putc_wait", "putc(0x5A)", 0, {S_TXDATA: S_FULL | 0xFF}, flip=(S_TXDATA, 0, S_FULL)),
        Step("putc_ready", "putc(0xA5)", ONES, {S_TXDATA: 0}),
        Step("flush_wait", "flush", 0, {S_TXDATA: S_FULL}, flip=(S_TXDATA, 0, S_FULL)),
        Step("flush_ready", "flush", ONES, {S_TXDATA: 0}),
    ]
    out = run_fake(tmp_path, board, "sifive", steps)
    init = check(out, "init")
    assert set(init.writes) == {S_DIV, S_TXCTRL, S_RXCTRL}, f"init wrote {fmt(init.writes)}"
    assert init.writes[S_DIV] == hil.uart_divisor == round(hil.clock_hz / hil.baud) - 1
    assert init.writes[S_TXCTRL] & 1 and init.writes[S_RXCTRL] & 1, "txen and rxen (bit 0)"
    assert not init.writes[S_TXCTRL] & 2, "one stop bit (txctrl.nstop, bit 1, clear)"
    check(out, "getc_empty", ret=-1, writes={})
    check(out, "getc_empty_ones", ret=-1, writes={})
    check(out, "getc_byte", ret=0xA5, writes={})
    check(out, "putc_wait", waited=True, writes={S_TXDATA: 0x5A})
    check(out, "putc_ready", writes={S_TXDATA: 0xA5})
    check(out, "flush_wait", waited=True, writes={})
    check(out, "flush_ready", writes={})
