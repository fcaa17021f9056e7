"""Kernel variant selection: for each kernel the target's variant order (kernels.variants in the
target file) is searched, and the first folder of firmware/kernels that has it wins; `ref/`
is last and portable."""

from __future__ import annotations

from pathlib import Path

from ..errors import BuildError
from ..paths import KERNELS_DIR
from ..target import Target


def kernel_source(target: Target, name: str, root: Path = KERNELS_DIR) -> Path:
    """The source of kernel `name` (e.g. "mf_dot_s8") for `target`; root: firmware/kernels, or
    firmware/odl for the training primitives (the same variant folders)."""
    for variant in target.kernel_variants:
        path = root / variant / f"{name}.c"
        if path.is_file():
            return path
    raise BuildError(f"kernel {name} has no source for target {target.name} "
                     f"(looked in {', '.join(target.kernel_variants)})")


def kernel_variant(target: Target, name: str) -> str:
    return kernel_source(target, name).parent.name
