"""The terminal side of every command: consoles, one-line errors, progress bars, writing results."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import AdaptcostError
from ..fileio import atomic_write_text
from .options import in_cli_terms


def _out() -> Console:
    return Console(highlight=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False)


def handled(fn):
    """Turn an AdaptcostError into one red line on stderr and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except AdaptcostError as exc:
            _err().print(f"[bold red]error:[/] {escape(in_cli_terms(exc))}", soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            _err().print("[yellow]interrupted[/]")
            raise typer.Exit(130) from None

    return wrapper


class _Progress:
    """A rich progress bar on a terminal (nothing elsewhere): called as (done, total) for one task
    named `label` (corpus scans, which vanish when done), or as (stage, done, total) for one bar per
    stage (eval stages, which stay)."""

    def __init__(self, label: str = "", transient: bool = True):
        console = _err()
        self.label = label
        self.progress = None  # off the terminal rich would draw nothing: skip it (and its import)
        if console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                     console=console, transient=transient)
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        if self.progress is not None:
            self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def __call__(self, *args) -> None:
        if self.progress is None:
            return
        stage, done, total = args if len(args) == 3 else (self.label, *args)
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def _emit(text: str, output: Optional[Path]) -> None:
    if output:
        atomic_write_text(output, text)
        _err().print(f"wrote {output}")
    else:
        sys.stdout.write(text)


