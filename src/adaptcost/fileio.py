"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import AdaptcostError


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise AdaptcostError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        os.chmod(tmp, _mode_for(path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise AdaptcostError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0o666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


# ---------------------------------------------------------------- reading (one ladder of errors)


def read_bytes(path: Path, what: str, error: type[AdaptcostError] = AdaptcostError, shown: Path | None = None) -> bytes:
    """A file's bytes; a missing file, a folder or an OS error is one line naming it (as `shown`)."""
    shown = shown or path
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise error(f"{shown}: {what} not found") from None
    except IsADirectoryError:
        raise error(f"{shown}: is a folder, not a {what}") from None
    except OSError as exc:
        raise error(f"{shown}: cannot read {what} ({exc.strerror or exc})") from None


def decode_text(raw: bytes, path: Path, what: str, error: type[AdaptcostError] = AdaptcostError) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"{path}: {what} is not UTF-8 text") from None


def parse_yaml(text: str, path: Path, error: type[AdaptcostError] = AdaptcostError) -> object:
    """yaml.safe_load's rules (no Python objects), with libyaml's C parser where it is installed
    (PyYAML's own wheels ship it; several times faster); errors name the line."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise error(f"{path}: malformed YAML{where}: {problem}") from None
    except ValueError as exc:  # an unquoted impossible date (as_of: 2025-13-45) fails in the loader
        raise error(f"{path}: malformed YAML: invalid value ({exc})") from None


def read_yaml(path: Path, what: str, error: type[AdaptcostError] = AdaptcostError) -> object:
    """Read, decode and parse a YAML file, each failure one line naming the file."""
    return parse_yaml(decode_text(read_bytes(path, what, error), path, what, error), path, error)


# ---------------------------------------------------------------- validation, remembered


def _validated_marker(schema: str, digest: str) -> Path:
    from ._version import __version__
    from .paths import cache_dir

    return cache_dir() / "validated" / f"{schema.replace('/', '-')}-{__version__}-{digest}"


def known_valid(schema: str, digest: str) -> bool:
    """Whether a file with this sha256 passed `schema` before (with this adaptcost version): a
    later run skips jsonschema, whose import and walk cost a fifth of a second."""
    return _validated_marker(schema, digest).is_file()


def remember_valid(schema: str, digest: str) -> None:
    try:
        atomic_write_bytes(_validated_marker(schema, digest), b"")
    except (OSError, AdaptcostError):
        pass  # a read-only cache: validate again next time
