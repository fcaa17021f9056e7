"""Upload a generated project with PlatformIO (`pio run -t upload`), saying exactly what to
install when PlatformIO or the board's platform is missing (platforms are downloaded by
PlatformIO on first use, which needs the network)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ..errors import McuforgeError
from .project import Project, pio_env, pio_executable


def platformio_core_dir() -> Path:
    return Path(os.environ.get("PLATFORMIO_CORE_DIR") or Path.home() / ".platformio")


def platform_installed(platform: str) -> bool:
    return (platformio_core_dir() / "platforms" / platform).is_dir()


def upload(project: Project, port: str | None = None, timeout: float = 600) -> None:
    pio = project.board.platformio
    where = project.path
    if not platform_installed(pio.platform):
        raise McuforgeError(
            f"PlatformIO's '{pio.platform}' platform (compiler and upload tools for {project.board.name}) is "
            f"not installed; the project in {where} is complete and its sources build",
            hint=f"with network access: {pio_executable()} pkg install -g -p {pio.platform}, then "
                 f"{pio_executable()} run -d {where} -t upload")
    cmd = [pio_executable(), "run", "-d", str(where), "-t", "upload"]
    if port:
        cmd += ["--upload-port", port]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=pio_env(), timeout=timeout)
    except subprocess.TimeoutExpired:
        raise McuforgeError(f"`pio run -t upload` did not finish within {timeout:g} s") from None
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise McuforgeError(f"`pio run -t upload` failed for {project.board.name}:\n{tail}",
                            hint="is the board connected (and its debugger's driver installed)?")
