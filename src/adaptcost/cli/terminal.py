"""The terminal side of every command: consoles, one-line errors, progress bars, writing results."""

from __future__ import annotations

import functools
import sys
import warnings
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import AdaptcostError, CacheWarning
from ..fileio import atomic_write_text
from ..outputs.escaping import visible
from .options import in_cli_terms


def inert(text: object) -> str:
    """Text from inputs (a file name, a model name, a message that quotes them) as the terminal
    gets it: control characters as visible symbols (escaping.visible: no escape sequence reaches
    the terminal, piped or not), rich markup escaped (a name "[/]" is printed, not parsed)."""
    return escape(visible(text))


# ---------------------------------------------------------------- typer's help without Markdown

# typer formats help and errors in typer.rich_utils, which imports rich.markdown (markdown-it,
# pygments) and rich.traceback (attrs) at its top, a third of `adaptcost --help`, for what only
# the Markdown markup mode (not used here) and a crash's traceback need. While typer.rich_utils
# is imported, those two names are stand-ins that import the real class when first called; the
# stand-in modules are then dropped, so any other import of rich.markdown gets the real module.


class _Markdown:
    def __new__(cls, *args, **kwargs):
        from rich.markdown import Markdown

        return Markdown(*args, **kwargs)


class _Traceback:
    def __new__(cls, *args, **kwargs):
        from rich.traceback import Traceback

        return Traceback(*args, **kwargs)

    @classmethod
    def from_exception(cls, *args, **kwargs):
        from rich.traceback import Traceback

        return Traceback.from_exception(*args, **kwargs)


_STAND_INS = {"rich.markdown": ("Markdown", _Markdown), "rich.traceback": ("Traceback", _Traceback)}


class _RichUtilsLoader:
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        import types

        placed = {}
        for name, (attribute, stand_in) in _STAND_INS.items():
            if name not in sys.modules:
                placed[name] = sys.modules[name] = types.ModuleType(name)
                setattr(placed[name], attribute, stand_in)
        try:
            self.loader.exec_module(module)
        finally:
            for name, stand_in in placed.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]


class _RichUtilsFinder:
    """Hands typer.rich_utils to _RichUtilsLoader, once."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "typer.rich_utils":
            return None
        sys.meta_path.remove(cls)
        from importlib.util import find_spec

        spec = find_spec(name)
        if spec is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _RichUtilsLoader(spec.loader)
        return spec


if "typer.rich_utils" not in sys.modules and _RichUtilsFinder not in sys.meta_path:
    sys.meta_path.insert(0, _RichUtilsFinder)


# ---------------------------------------------------------------- warnings from the core

_python_format = warnings.formatwarning


def _warning_line(message, category, filename, lineno, line=None) -> str:
    """A CacheWarning as one `warning:` line, as the command's other warnings are; any other
    warning as Python shows it."""
    if issubclass(category, CacheWarning):
        return f"warning: {message}\n"
    return _python_format(message, category, filename, lineno, line)


warnings.formatwarning = _warning_line


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
            _err().print(f"[bold red]error:[/] {inert(in_cli_terms(exc))}", soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            _err().print("[yellow]interrupted[/]")
            raise typer.Exit(130) from None

    return wrapper


class _Progress:
    """A rich progress bar on a terminal: called as (done, total) for one task named `label` (corpus
    scans, which vanish when done), or as (stage, done, total) for one bar per stage (eval stages,
    which stay). With `lines`, off a terminal (a log, a pipe, CI) it prints plain lines instead,
    "stage: done/total (elapsed 12 s)": at each stage's start and end, and otherwise at most every
    `every` seconds, the stage in progress repeated by a heartbeat when its work reports nothing
    for that long (a long scoring call): never minutes of silence. `clock` (seconds) is for tests."""

    EVERY = 5.0  # seconds between lines within a stage, off a terminal

    def __init__(self, label: str = "", transient: bool = True, lines: bool = False, *,
                 every: float | None = None, clock=None, heartbeat: bool = True):
        import threading
        import time

        console = _err()
        self.label = label
        self.console = console if lines and not console.is_terminal else None
        self.every = self.EVERY if every is None else every
        self.clock = clock or time.monotonic
        self.started = self.clock()
        self.last_line = self.started  # when a line was last printed
        self.current: str | None = None  # the stage reported last
        self.open: dict[str, tuple[int, int]] = {}  # stages started and not done: (done, total), the latest last
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.beat = None
        if self.console is not None and heartbeat:
            self.beat = threading.Thread(target=self._heartbeat, name="adaptcost-progress", daemon=True)
        self.progress = None  # off the terminal rich would draw nothing: skip it (and its import)
        if console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                     console=console, transient=transient)
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        if self.progress is not None:
            self.progress.__enter__()
        if self.beat is not None:
            self.beat.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        if self.beat is not None and self.beat.is_alive():
            self.beat.join()
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def __call__(self, *args) -> None:
        stage, done, total = args if len(args) == 3 else (self.label, *args)
        if self.console is not None:
            self._line(stage, done, total)
        if self.progress is None:
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)

    def _line(self, stage: str, done: int, total: int) -> None:
        """A line at a stage's start and end, else when `every` seconds passed since the last line."""
        with self.lock:
            new = stage != self.current and stage not in self.open
            self.current = stage
            self.open.pop(stage, None)
            if done < total:
                self.open[stage] = (done, total)
            if new or done >= total or self.clock() - self.last_line >= self.every:
                self._print(stage, done, total)

    def tick(self) -> None:
        """The heartbeat: the latest stage still in progress again when nothing was printed for `every`
        seconds (a stage whose work reports nothing for a while: a long scoring call, a model loading)."""
        with self.lock:
            if self.open and self.clock() - self.last_line >= self.every:
                stage = next(reversed(self.open))
                self._print(stage, *self.open[stage])

    def _heartbeat(self) -> None:
        while not self.stop.wait(min(self.every, 1.0)):
            self.tick()

    def _print(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        self.last_line = now
        self.console.print(f"{inert(stage)}: {done}/{total} (elapsed {now - self.started:.0f} s)", soft_wrap=True, highlight=False)


def _emit(text: str, output: Optional[Path], wrote: str = "") -> None:
    """`text` to standard output (no --output, or --output -), else into the file, a device or a
    pipe that --output names (fileio.atomic_write_bytes), saying so on stderr: "wrote PATH", or
    `wrote` ("12 models to PATH") where given."""
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    atomic_write_text(output, text)
    _err().print(f"wrote {inert(wrote or output)}", soft_wrap=True)


