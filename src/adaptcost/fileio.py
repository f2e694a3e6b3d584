"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import AdaptcostError, CacheWarning


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    import tempfile  # here: the command line imports this module, and tempfile at every start

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
    (PyYAML's own wheels ship it; several times faster); errors name the line.

    What a text parses to is remembered by the text's sha256 (parsed_cache): the next run reads it
    back as JSON, without importing PyYAML or parsing, a twentieth of a second of each command that
    reads the price tables."""
    import hashlib

    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    remembered = _remembered_parse(digest, path)
    if remembered is not _NOTHING:
        return remembered
    data = _parse_yaml(text, path, error)
    _remember_parse(digest, data)
    return data


def _parse_yaml(text: str, path: Path, error: type[AdaptcostError]) -> object:
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


# The parsed-YAML cache: JSON, where a date is {"\u0000date": "YYYY-MM-DD"}. Only what JSON gives
# back exactly is kept: dicts with str keys (none starting with NUL), lists, str, int, float,
# bool, None and dates; anything else (a set, bytes, a timestamp, a number as a key) is parsed
# each time.
#
# An entry is a cache, not the file: it is used only when it is exactly what this adaptcost wrote
# for this text. Its first line is the sha256 of the text's sha256 and the JSON (a seal); an entry
# that is not sealed so (replaced by `null` or `{}`, truncated, flipped, another text's) is a
# fault of the cache, never of the file: one CacheWarning, the file itself is parsed, and the
# entry rewritten. Validation markers are sealed the same way.
_NOTHING = object()
_DATE = "\x00date"
_SEAL_FORMAT = "2"  # in the names: entries of the unsealed format 1 are never read as damaged


def _seal(digest: str, payload: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(digest.encode("ascii") + b"\n" + payload).hexdigest().encode("ascii")


def _cache_warning(message: str) -> None:
    import warnings

    warnings.warn(message, CacheWarning, stacklevel=1)


_UNUSABLE: set[str] = set()  # cache folders already warned about, in this process


def cache_unusable(path: Path, exc: Exception) -> None:
    """One warning per process for a cache folder that cannot be read or written (read-only,
    full, not a folder): every cached file after the first would say the same."""
    from .paths import cache_dir

    root = str(cache_dir())
    if root in _UNUSABLE:
        return
    _UNUSABLE.add(root)
    cause = exc.__cause__ or exc.__context__ or exc  # the OSError behind "cannot write PATH: ..." (raised from None)
    why = getattr(cause, "strerror", None) or getattr(exc, "strerror", None) or str(exc)
    _cache_warning(f"the cache folder {path.parent} is not usable ({why}); what it would hold is worked out again each time")


def _read_sealed(path: Path, digest: str, what: str, then: str) -> bytes | None:
    """The payload of a sealed cache file, or None: missing (quietly), or damaged (one warning)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        cache_unusable(path, exc)
        return None
    seal, newline, payload = raw.partition(b"\n")
    if not newline or seal != _seal(digest, payload):
        _cache_warning(f"{what} in the cache is damaged (it fails its checksum): {then}, and replaced it")
        return None
    return payload


def _write_sealed(path: Path, digest: str, payload: bytes) -> None:
    try:
        atomic_write_bytes(path, _seal(digest, payload) + b"\n" + payload)
    except (OSError, AdaptcostError) as exc:
        cache_unusable(path, exc)


def _parsed_path(digest: str) -> Path:
    from ._version import __version__
    from .paths import cache_dir

    return cache_dir() / "parsed" / f"yaml{_SEAL_FORMAT}-{__version__}-{digest}.json"


def _remembered_parse(digest: str, path: Path) -> object:
    """What the text with this sha256 parsed to, if the cache holds it sealed (`path`: the file)."""
    import json

    payload = _read_sealed(_parsed_path(digest), digest, f"the parse of {path}", "parsed the file itself")
    if payload is None:
        return _NOTHING
    try:
        return json.loads(payload, object_hook=_undate)
    except (ValueError, TypeError, RecursionError):  # sealed yet unreadable: only a bug of ours
        return _NOTHING


def _undate(node: dict) -> object:
    if len(node) == 1 and _DATE in node:
        import datetime as dt

        return dt.date.fromisoformat(node[_DATE])
    return node


def _remember_parse(digest: str, data: object) -> None:
    import json

    try:
        encoded = json.dumps(_jsonable(data), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError, RecursionError):
        return  # not JSON's to keep exactly: parsed again next time
    _write_sealed(_parsed_path(digest), digest, encoded)


def _jsonable(node: object) -> object:
    import datetime as dt

    if type(node) is dict:
        if not all(type(k) is str and not k.startswith("\x00") for k in node):
            raise TypeError("keys JSON would not give back")
        return {k: _jsonable(v) for k, v in node.items()}
    if type(node) is list:
        return [_jsonable(v) for v in node]
    if type(node) is dt.date:
        return {_DATE: node.isoformat()}
    if node is None or type(node) in (str, int, float, bool):
        return node
    raise TypeError(f"{type(node).__name__} is not kept")


def read_yaml(path: Path, what: str, error: type[AdaptcostError] = AdaptcostError) -> object:
    """Read, decode and parse a YAML file, each failure one line naming the file."""
    return parse_yaml(decode_text(read_bytes(path, what, error), path, what, error), path, error)


# ---------------------------------------------------------------- validation, remembered


def _validated_marker(schema: str, digest: str) -> Path:
    from ._version import __version__
    from .paths import cache_dir

    return cache_dir() / "validated" / f"{schema.replace('/', '-')}-{__version__}-{digest}.ok{_SEAL_FORMAT}"


def known_valid(schema: str, digest: str) -> bool:
    """Whether a file with this sha256 passed `schema` before (with this adaptcost version): a
    later run skips jsonschema, whose import and walk cost a fifth of a second. The marker holds
    the seal of the schema and the digest; any other content is not trusted (one warning)."""
    payload = _read_sealed(_validated_marker(schema, digest), digest, f"the {schema} validation mark of the file with "
                           f"sha256 {digest[:12]}…", "validated the file again")
    return payload == schema.encode("utf-8")


def remember_valid(schema: str, digest: str) -> None:
    _write_sealed(_validated_marker(schema, digest), digest, schema.encode("utf-8"))
