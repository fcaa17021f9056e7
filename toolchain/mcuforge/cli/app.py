"""The Typer application and what every command shares: the consoles, the error guard, JSON
output and progress bars.

Every command that reports figures takes --json and then prints one JSON document on stdout.
Errors a user can cause are printed as one message with a hint, never as a traceback, and the
exit status is non-zero."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Callable, Iterator

import typer
from rich.console import Console

from ..errors import McuforgeError

app = typer.Typer(
    help="mcuforge: neural networks to Cortex-M and RISC-V microcontrollers, checked and "
    "measured on simulated cores.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Tables are wide: keep them whole when the output is a file or a pipe (CI logs, docs/results.md).
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def guard(fn: Callable[[], int | None]) -> None:
    """Run a command body; turn mcuforge errors into a message and exit status 2."""
    try:
        code = fn()
    except McuforgeError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False, markup=True)
        if exc.hint:
            err.print(f"[yellow]hint:[/] {exc.hint}", highlight=False)
        raise typer.Exit(2) from None
    raise typer.Exit(code or 0)


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


@contextlib.contextmanager
def progress(description: str, enabled: bool = True) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr while the block runs; yields update(done, total, **fields) (a
    `loss` field is shown). Off when not `enabled` (--json) or when stderr is not a terminal."""
    if not enabled or not err.is_terminal:
        yield lambda done, total, description=None, **fields: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[note]}"), console=err, transient=True) as bar:
        task = bar.add_task(description, total=None, note="")

        def update(done: int, total: int, description: str | None = None, **fields) -> None:
            note = " ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in fields.items())
            bar.update(task, completed=done, total=total, note=note,
                       **({"description": description} if description else {}))

        yield update
