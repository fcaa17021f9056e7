"""Targets: one TOML file per simulated core or board in targets/, loaded into frozen dataclasses.

A target says how to compile for a core (clang triple, -mcpu/-march flags, the libgcc multilib),
what the core can do (its feature set and the peak MACs per instruction of its widest MAC
instruction), where memory is (flash and RAM regions, stack size), how QEMU simulates it, and in
which order kernel variants are tried. `Target.__post_init__` rejects impossible combinations
(Helium on a Cortex-M4, a feature the -march string does not enable, a kernel variant whose
extension is missing) with an error that names the file and the field.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from .errors import TargetError
from .paths import KERNELS_DIR, TARGETS_DIR

ARCHES = ("arm", "riscv", "host")
FEATURES = {
    "arm": ("dsp", "fpu", "fpu-dp", "fp16", "mve", "mve-fp"),
    "riscv": ("fpu", "fpu-dp", "fp16", "rvv", "rvv-fp", "rvv-fp16"),
    "host": ("fpu", "fpu-dp", "fp16"),  # the host compiler's _Float16, in hardware or emulated
}
QEMU_SYSTEMS = {"arm": "qemu-system-arm", "riscv": "qemu-system-riscv32"}
DTYPES = ("int8", "fp16", "fp32")
# A kernel variant folder in firmware/kernels and the feature it needs.
VARIANT_NEEDS = {"ref": None, "arm_dsp": "dsp", "arm_mve": "mve", "rvv": "rvv", "rv32": None}
VARIANT_ARCH = {"rv32": "riscv"}  # variants for any core of one architecture (rv32: RV32IM and up)

# What each Cortex-M core offers at most; -mfpu and +no<ext> modifiers can take away.
_ARM_CPUS = {
    "cortex-m0": set(),
    "cortex-m0plus": set(),
    "cortex-m3": set(),
    "cortex-m4": {"dsp", "fpu"},
    "cortex-m7": {"dsp", "fpu", "fpu-dp"},
    "cortex-m33": {"dsp", "fpu"},
    "cortex-m55": {"dsp", "fpu", "fpu-dp", "fp16", "mve", "mve-fp"},
    "cortex-m85": {"dsp", "fpu", "fpu-dp", "fp16", "mve", "mve-fp"},
}
_ARM_NO = {  # -mcpu=cortex-m55+nomve and friends
    "nodsp": {"dsp", "mve", "mve-fp"},
    "nofp": {"fpu", "fpu-dp", "fp16", "mve-fp"},
    "nofp.dp": {"fpu-dp"},
    "nomve": {"mve", "mve-fp"},
    "nomve.fp": {"mve-fp"},
}
_ARM_FPU = {  # -mfpu=... limits the FPU of cores that have one
    "none": set(),
    "fpv4-sp-d16": {"fpu"},
    "fpv5-sp-d16": {"fpu"},
    "fpv5-d16": {"fpu", "fpu-dp"},
}
_RISCV_EXT = {  # -march extension -> features it enables
    "f": {"fpu"},
    "d": {"fpu", "fpu-dp"},
    "zfh": {"fp16"},
    "zve32x": {"rvv"},
    "zve32f": {"rvv", "rvv-fp"},
    "v": {"rvv", "rvv-fp"},
    "zvfh": {"rvv-fp16"},
}


@dataclass(frozen=True)
class Region:
    origin: int
    length: int

    @property
    def end(self) -> int:
        return self.origin + self.length


@dataclass(frozen=True)
class Memory:
    flash: Region
    ram: Region
    stack: int  # bytes reserved for the stack at the top of RAM


@dataclass(frozen=True)
class Compiler:
    triple: str  # clang --target
    cflags: tuple[str, ...]  # -mcpu/-march/-mabi/-mfpu/-mfloat-abi
    libgcc: tuple[str, ...]  # GNU driver + multilib flags that locate libgcc.a


@dataclass(frozen=True)
class Qemu:
    system: str  # qemu-system-arm / qemu-system-riscv32
    machine: str  # -M
    cpu: str | None  # -cpu (with properties on RISC-V)
    extra: tuple[str, ...] = ()


@dataclass(frozen=True)
class Emulation:
    """A board's SoC as QEMU models it (`[emulation]` in a board file): the board's own deployed
    firmware (`mcuforge deploy`'s project, unchanged) runs there with its HIL UART on a socket
    (`mcuforge hil --board B --emulate`). boot: where QEMU's reset path (boot ROM) jumps, so the
    firmware's entry must be there; None when the machine starts at the ELF's entry."""

    system: str  # qemu-system-riscv32 / qemu-system-arm
    machine: str  # -M, with its properties (e.g. sifive_e,revb=on)
    cpu: str | None = None
    extra: tuple[str, ...] = ()
    boot: int | None = None

    def as_qemu(self) -> "Qemu":
        return Qemu(self.system, self.machine, self.cpu, self.extra)


@dataclass(frozen=True)
class PlatformIO:
    """How PlatformIO knows a real board (`mcuforge deploy`)."""

    platform: str  # e.g. ststm32, nordicnrf52, sifive, gd32v
    board: str  # PlatformIO board id, e.g. nucleo_l4r5zi
    upload_protocol: str | None = None


@dataclass(frozen=True)
class RegWrite:
    """A read-modify-write of a 32-bit register: *addr = (*addr & ~mask) | value."""

    addr: int
    mask: int
    value: int


# UART drivers (firmware/hil/uart/<file>.c) and how each turns clock and baud into its divisor.
UART_DRIVERS = {
    "cmsdk": ("cmsdk", lambda clock, baud: max(16, clock // baud)),
    "ns16550": ("ns16550", lambda clock, baud: max(1, round(clock / (16 * baud)))),
    "stm32": ("stm32", lambda clock, baud: round(clock / baud)),  # USART, 16x oversampling
    "stm32-lpuart": ("stm32", lambda clock, baud: round(256 * clock / baud)),
    "stm32f1": ("stm32f1", lambda clock, baud: round(clock / baud)),  # F1 register layout (GD32VF103)
    "nrf-uart": ("nrf_uart", lambda clock, baud: {9600: 0x00275000, 115200: 0x01D7E000,
                                                  230400: 0x03AFB000, 1000000: 0x10000000}[baud]),
    "sifive": ("sifive", lambda clock, baud: round(clock / baud) - 1),
}
TIMERS = {"arm": ("dwt", "none"), "riscv": ("mcycle", "none")}
RESETS = {"arm": ("aircr",), "riscv": ("sifive-test", "jump")}


@dataclass(frozen=True)
class Hil:
    """What the HIL firmware (firmware/hil) needs to know of a board: its UART (driver, base
    address, input clock at reset, baud rate), the register writes that clock and route it, the
    cycle counter and how to reset the core."""

    uart: str
    uart_base: int
    clock_hz: int
    baud: int
    timer: str
    reset: str
    setup: tuple[RegWrite, ...] = ()

    @property
    def uart_divisor(self) -> int:
        return UART_DRIVERS[self.uart][1](self.clock_hz, self.baud)


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    arch: str
    features: frozenset[str]
    compiler: Compiler
    memory: Memory
    qemu: Qemu | None  # None: a real board without a simulator
    peak_macs_per_insn: Mapping[str, float]
    kernel_variants: tuple[str, ...]
    vlen: int | None = None
    source: Path = Path("<memory>")
    platformio: PlatformIO | None = None
    hil: Hil | None = None
    emulation: Emulation | None = None  # a board whose SoC QEMU models

    @property
    def is_host(self) -> bool:
        """The native host target: the same C built with the host compiler, run as a process
        (wall time, no instruction counts)."""
        return self.arch == "host"

    @property
    def is_board(self) -> bool:
        """A real board (PlatformIO), not a simulated core."""
        return self.platformio is not None

    def __post_init__(self) -> None:
        _validate(self)

    def has(self, feature: str) -> bool:
        """Whether the core has a feature, e.g. target.has("mve"). Unknown names are a bug."""
        if feature not in _all_features():
            raise ValueError(f"unknown feature {feature!r}")
        return feature in self.features

    def peak(self, dtype: str) -> float | None:
        """Peak MACs per instruction for int8/fp16/fp32, or None without hardware for it."""
        return self.peak_macs_per_insn.get(dtype)

    def fail(self, field: str, message: str) -> TargetError:
        return TargetError(f"{self.source}: {field}: {message}")


def _all_features() -> set[str]:
    return {f for fs in FEATURES.values() for f in fs}


def _flag(cflags: tuple[str, ...], name: str) -> str | None:
    """The value of the last -name=value flag (clang takes the last one)."""
    value = None
    for flag in cflags:
        if flag.startswith(f"-{name}="):
            value = flag.split("=", 1)[1]
    return value


def _arm_features(t: Target) -> set[str]:
    mcpu = _flag(t.compiler.cflags, "mcpu")
    if mcpu is None:
        raise t.fail("compiler.cflags", "an Arm target needs -mcpu=<core>")
    core, *mods = mcpu.split("+")
    if core not in _ARM_CPUS:
        raise t.fail("compiler.cflags", f"unknown core -mcpu={core}; known: {', '.join(_ARM_CPUS)}")
    feats = set(_ARM_CPUS[core])
    for mod in mods:
        if mod not in _ARM_NO:
            raise t.fail("compiler.cflags", f"unknown -mcpu modifier +{mod}")
        feats -= _ARM_NO[mod]
    mfpu = _flag(t.compiler.cflags, "mfpu")
    if mfpu is not None:
        if mfpu not in _ARM_FPU:
            raise t.fail("compiler.cflags", f"unknown -mfpu={mfpu}; known: {', '.join(_ARM_FPU)}")
        keep = _ARM_FPU[mfpu]
        feats -= {"fpu", "fpu-dp"} - keep
        if "fpu" not in keep:
            feats -= {"fp16", "mve-fp"}
    if _flag(t.compiler.cflags, "mfloat-abi") == "soft":
        feats -= {"fpu", "fpu-dp", "fp16", "mve-fp"}
    return feats


def _riscv_extensions(march: str) -> tuple[str, set[str]]:
    """Split rv32imafc_zicsr_zfh into ("rv32", {"i","m","a","f","c","zicsr","zfh"})."""
    base, _, rest = march.partition("_")
    xlen, singles = base[:4], base[4:]
    exts = set(singles) | {e for e in rest.split("_") if e}
    if "g" in exts:
        exts |= {"i", "m", "a", "f", "d"}
    return xlen, exts


def _riscv_features(t: Target) -> set[str]:
    march = _flag(t.compiler.cflags, "march")
    if march is None or not march.startswith("rv32"):
        raise t.fail("compiler.cflags", "a RISC-V target needs -march=rv32...")
    _, exts = _riscv_extensions(march)
    feats: set[str] = set()
    for ext, gives in _RISCV_EXT.items():
        if ext in exts:
            feats |= gives
    zvl = [int(e[3:-1]) for e in exts if e.startswith("zvl") and e.endswith("b")]
    if "rvv" in feats and t.vlen is not None and zvl and max(zvl) != t.vlen:
        raise t.fail("vlen", f"vlen = {t.vlen} but -march says zvl{max(zvl)}b")
    return feats


def _validate(t: Target) -> None:
    if t.arch not in ARCHES:
        raise t.fail("arch", f"{t.arch!r} is not one of {', '.join(ARCHES)}")
    unknown = t.features - set(FEATURES[t.arch])
    if unknown:
        raise t.fail(
            "features",
            f"unknown for {t.arch}: {', '.join(sorted(unknown))}; known: {', '.join(FEATURES[t.arch])}",
        )
    flags = " ".join(t.compiler.cflags)
    if t.is_host:
        _validate_host(t)
        return
    derived = _arm_features(t) if t.arch == "arm" else _riscv_features(t)
    for feat in sorted(t.features - derived):
        raise t.fail("features", f"lists {feat!r}, but the compiler flags ({flags}) do not enable it")
    for feat in sorted(derived - t.features):
        raise t.fail("features", f"the compiler flags ({flags}) enable {feat!r}; list it")
    if ("rvv" in t.features) != (t.vlen is not None):
        raise t.fail("vlen", "give vlen (bits) exactly when the target has vectors ('rvv')")
    if t.vlen is not None and (t.vlen < 32 or t.vlen & (t.vlen - 1)):
        raise t.fail("vlen", f"{t.vlen} is not a power of two >= 32")
    if t.qemu is None and t.platformio is None:
        raise t.fail("qemu", "a simulated target needs [qemu]; a real board needs [platformio]")
    if t.qemu is not None and t.qemu.system != QEMU_SYSTEMS[t.arch]:
        raise t.fail("qemu.system", f"an {t.arch} target runs on {QEMU_SYSTEMS[t.arch]}, not {t.qemu.system}")
    if t.hil is not None:
        _validate_hil(t)
    if t.emulation is not None:
        if t.platformio is None:
            raise t.fail("emulation", "only a board (with [platformio]) has [emulation]; a simulated target has [qemu]")
        if t.emulation.system != QEMU_SYSTEMS[t.arch]:
            raise t.fail("emulation.system",
                         f"an {t.arch} board runs on {QEMU_SYSTEMS[t.arch]}, not {t.emulation.system}")
        if t.hil is None:
            raise t.fail("emulation", "an emulated board runs the HIL firmware: it needs [hil]")
    _validate_memory(t)
    _validate_peaks(t)
    _validate_variants(t)


def _validate_host(t: Target) -> None:
    """The host target: the native compiler (triple "native"), no simulator, no peaks (it is
    measured in wall time), the portable kernels only."""
    if t.compiler.triple != "native":
        raise t.fail("compiler.triple", "the host target compiles with the native compiler: 'native'")
    if t.qemu is not None or t.platformio is not None or t.hil is not None:
        raise t.fail("qemu", "the host target runs as a process: no [qemu], [platformio] or [hil]")
    if t.peak_macs_per_insn:
        raise t.fail("peak_macs_per_insn", "the host target reports wall time, not instructions: leave it empty")
    if t.kernel_variants != ("ref",):
        raise t.fail("kernels.variants", "the host target builds the portable kernels: ['ref']")
    _validate_memory(t)


def _validate_memory(t: Target) -> None:
    for name in ("flash", "ram"):
        region: Region = getattr(t.memory, name)
        if region.length <= 0 or region.origin % 4 or region.length % 4:
            raise t.fail(f"memory.{name}", "origin and length must be 4-byte aligned, length > 0")
        if region.end > 1 << 32:
            raise t.fail(f"memory.{name}", "reaches past the 32-bit address space")
    f, r = t.memory.flash, t.memory.ram
    if f.origin < r.end and r.origin < f.end:
        raise t.fail("memory", "flash and ram overlap")
    if not 0 < t.memory.stack < r.length or t.memory.stack % 16:
        raise t.fail("memory.stack", "must be a multiple of 16, > 0 and smaller than ram")


def _validate_peaks(t: Target) -> None:
    peaks = t.peak_macs_per_insn
    for dtype, value in peaks.items():
        if dtype not in DTYPES:
            raise t.fail("peak_macs_per_insn", f"unknown dtype {dtype!r}; known: {', '.join(DTYPES)}")
        if not isinstance(value, (int, float)) or value <= 0:
            raise t.fail(f"peak_macs_per_insn.{dtype}", "must be a positive number")
    needs = {"int8": True, "fp16": "fp16" in t.features, "fp32": "fpu" in t.features}
    for dtype, present in needs.items():
        if present and dtype not in peaks:
            raise t.fail("peak_macs_per_insn", f"missing {dtype}: the target has {dtype} arithmetic")
        if not present and dtype in peaks:
            raise t.fail(f"peak_macs_per_insn.{dtype}", f"the target has no {dtype} arithmetic")


def _validate_hil(t: Target) -> None:
    h = t.hil
    if h.uart not in UART_DRIVERS:
        raise t.fail("hil.uart", f"unknown UART {h.uart!r}; known: {', '.join(UART_DRIVERS)}")
    if h.timer not in TIMERS[t.arch]:
        raise t.fail("hil.timer", f"{h.timer!r} on {t.arch}; use one of {', '.join(TIMERS[t.arch])}")
    if h.timer == "dwt" and "dsp" not in t.features:  # Armv6-M/v7-M baseline cores lack the DWT counter
        raise t.fail("hil.timer", "DWT CYCCNT needs an Armv7E-M/Armv8-M mainline core")
    if h.reset not in RESETS[t.arch]:
        raise t.fail("hil.reset", f"{h.reset!r} on {t.arch}; use one of {', '.join(RESETS[t.arch])}")
    if h.clock_hz <= 0 or h.baud <= 0:
        raise t.fail("hil", "clock_hz and baud must be positive")
    try:
        divisor = h.uart_divisor
    except KeyError:
        raise t.fail("hil.baud", f"{h.baud} is not a baud rate the {h.uart} UART supports") from None
    if divisor <= 0:
        raise t.fail("hil.baud", f"{h.baud} baud is too fast for a {h.clock_hz} Hz UART clock")


def _validate_variants(t: Target) -> None:
    variants = t.kernel_variants
    if not variants or variants[-1] != "ref":
        raise t.fail("kernels.variants", "must end with 'ref', the portable fallback")
    if len(set(variants)) != len(variants):
        raise t.fail("kernels.variants", "lists a variant twice")
    for variant in variants:
        if variant not in VARIANT_NEEDS:
            raise t.fail("kernels.variants", f"unknown variant {variant!r}; known: {', '.join(VARIANT_NEEDS)}")
        need = VARIANT_NEEDS[variant]
        if need is not None and need not in t.features:
            raise t.fail("kernels.variants", f"{variant!r} needs the {need!r} feature, which the target lacks")
        if VARIANT_ARCH.get(variant, t.arch) != t.arch:
            raise t.fail("kernels.variants", f"{variant!r} is for {VARIANT_ARCH[variant]} cores, not {t.arch}")
        if not (KERNELS_DIR / variant).is_dir():
            raise t.fail("kernels.variants", f"{variant!r}: no folder {KERNELS_DIR / variant}")


# ---------------------------------------------------------------------------------------------
# Loading

_TOP_KEYS = {"name", "description", "arch", "features", "vlen", "compiler", "memory", "qemu",
             "peak_macs_per_insn", "kernels", "platformio", "hil", "emulation"}


class _Reader:
    """Reads typed fields from a parsed TOML table and names the file and field on error."""

    def __init__(self, path: Path, data: dict):
        self.path, self.data = path, data

    def fail(self, field: str, message: str) -> TargetError:
        return TargetError(f"{self.path}: {field}: {message}")

    def get(self, dotted: str, kind: type | tuple[type, ...], default=...):
        node = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is not ...:
                    return default
                raise self.fail(dotted, "missing")
            node = node[part]
        if not isinstance(node, kind) or (kind is int and isinstance(node, bool)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(dotted, f"must be {names}, got {type(node).__name__} {node!r}")
        return node

    def strings(self, dotted: str, default=...) -> tuple[str, ...]:
        items = self.get(dotted, list, default)
        if any(not isinstance(s, str) for s in items):
            raise self.fail(dotted, "must be a list of strings")
        return tuple(items)

    def region(self, dotted: str) -> Region:
        table = self.get(dotted, dict)
        extra = set(table) - {"origin", "length"}
        if extra:
            raise self.fail(dotted, f"unknown key(s) {', '.join(sorted(extra))}")
        return Region(self.get(f"{dotted}.origin", int), self.get(f"{dotted}.length", int))

    def only(self, dotted: str, keys: set[str]) -> None:
        table = self.get(dotted, dict) if dotted else self.data
        extra = set(table) - keys
        if extra:
            where = f"{dotted}." if dotted else ""
            raise self.fail(f"{where}{sorted(extra)[0]}", f"unknown key; expected one of {', '.join(sorted(keys))}")


def load_target_file(path: Path) -> Target:
    """Load and validate one target file."""
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise TargetError(f"{path}: cannot read: {exc.strerror}") from None
    r = _Reader(path, data)
    r.only("", _TOP_KEYS)
    r.only("compiler", {"triple", "cflags", "libgcc"})
    r.only("memory", {"flash", "ram", "stack"})
    for table, keys in (("qemu", {"system", "machine", "cpu", "extra"}),
                        ("platformio", {"platform", "board", "upload_protocol"}),
                        ("hil", {"uart", "uart_base", "clock_hz", "baud", "timer", "reset", "setup"}),
                        ("emulation", {"system", "machine", "cpu", "extra", "boot"})):
        if table in data:
            r.only(table, keys)
    r.only("kernels", {"variants"})
    name = r.get("name", str)
    if name != path.stem:
        raise r.fail("name", f"{name!r} must match the file name {path.stem!r}")
    features = r.strings("features")
    peaks = r.get("peak_macs_per_insn", dict)
    return Target(
        name=name,
        description=r.get("description", str),
        arch=r.get("arch", str),
        features=frozenset(features),
        compiler=Compiler(
            triple=r.get("compiler.triple", str),
            cflags=r.strings("compiler.cflags"),
            libgcc=r.strings("compiler.libgcc"),
        ),
        memory=Memory(
            flash=r.region("memory.flash"),
            ram=r.region("memory.ram"),
            stack=r.get("memory.stack", int),
        ),
        qemu=Qemu(
            system=r.get("qemu.system", str),
            machine=r.get("qemu.machine", str),
            cpu=r.get("qemu.cpu", str, None),
            extra=r.strings("qemu.extra", []),
        ) if "qemu" in data else None,
        peak_macs_per_insn=MappingProxyType(dict(peaks)),
        kernel_variants=r.strings("kernels.variants"),
        vlen=r.get("vlen", int, None),
        source=path,
        platformio=PlatformIO(
            platform=r.get("platformio.platform", str),
            board=r.get("platformio.board", str),
            upload_protocol=r.get("platformio.upload_protocol", str, None),
        ) if "platformio" in data else None,
        hil=_read_hil(r) if "hil" in data else None,
        emulation=Emulation(
            system=r.get("emulation.system", str),
            machine=r.get("emulation.machine", str),
            cpu=r.get("emulation.cpu", str, None),
            extra=r.strings("emulation.extra", []),
            boot=r.get("emulation.boot", int, None),
        ) if "emulation" in data else None,
    )


def _read_hil(r: _Reader) -> Hil:
    setup = []
    for n, item in enumerate(r.get("hil.setup", list, [])):
        if not isinstance(item, list) or len(item) != 3 or not all(isinstance(v, int) for v in item):
            raise r.fail(f"hil.setup[{n}]", "must be [address, mask, value] (integers)")
        setup.append(RegWrite(*item))
    return Hil(uart=r.get("hil.uart", str), uart_base=r.get("hil.uart_base", int),
               clock_hz=r.get("hil.clock_hz", int), baud=r.get("hil.baud", int, 115200),
               timer=r.get("hil.timer", str), reset=r.get("hil.reset", str), setup=tuple(setup))


DEFAULT_TARGET = "qemu-cortex-m55"


def target_names(directory: Path = TARGETS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.toml"))


def load_target(name: str, directory: Path = TARGETS_DIR) -> Target:
    """Load a target by name (targets/<name>.toml) or by path to a .toml file."""
    path = Path(name)
    if path.suffix != ".toml":
        path = directory / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(target_names(directory))
        raise TargetError(f"unknown target {name!r}", hint=f"known targets: {known} (see `mcuforge targets`)")
    return load_target_file(path)


def all_targets(directory: Path = TARGETS_DIR, host: bool = False) -> list[Target]:
    """The simulated targets (targets/*.toml), and the host target with host=True."""
    targets = [load_target(name, directory) for name in target_names(directory)]
    return [t for t in targets if host or not t.is_host]


BOARDS_DIR = TARGETS_DIR / "boards"


def board_names(directory: Path = BOARDS_DIR) -> list[str]:
    return target_names(directory)


def load_board(name: str, directory: Path = BOARDS_DIR) -> Target:
    """A real board (targets/boards/<name>.toml), by its name or PlatformIO board id."""
    path = Path(name)
    if path.suffix != ".toml":
        path = directory / f"{name}.toml"
    if not path.is_file():
        raise TargetError(f"unknown board {name!r}",
                          hint=f"known boards: {', '.join(board_names(directory))} (see `mcuforge boards`)")
    board = load_target_file(path)
    if not board.is_board:
        raise board.fail("platformio", "a board file needs [platformio] (platform and board id)")
    return board


def all_boards(directory: Path = BOARDS_DIR) -> list[Target]:
    return [load_board(name, directory) for name in board_names(directory)]


def with_core_of(board: Target, core: Target) -> Target:
    """`board`'s memory map and simulator, compiled for `core`'s ISA: runs code that uses
    extensions the board's core may lack (how the tests show that a missing extension faults).
    Build with build_program(..., runtime_from=board) so that start-up is the board's own."""
    return dataclasses.replace(
        board,
        name=f"{core.name}-code-on-{board.name}",
        compiler=core.compiler,
        features=core.features,
        peak_macs_per_insn=core.peak_macs_per_insn,
        kernel_variants=core.kernel_variants,
        vlen=core.vlen,
    )
