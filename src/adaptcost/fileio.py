"""Writing and reading files: outputs that a reader sees whole or not at all, one ladder of read
errors, YAML parsed once and remembered."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from .errors import AdaptcostError, CacheWarning

# ---------------------------------------------------------------- writing


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path`, whatever `path` names, without destroying what it should not:

    - a new path or a regular file: a temporary file beside it, then a rename, so that a reader
      sees the old file or the new one, never half of one (the file's permissions are kept);
    - a symbolic link to a regular file (or to a new path): its target, the same way, beside the
      target; the link stays;
    - a character device, a FIFO or a socket (/dev/null, a named pipe, a terminal): in place, as
      the shell's `>` writes it, never replaced by a regular file;
    - /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N: this process's open descriptor, as
      bash reads those names.

    A temporary file that a killed write left beside it is removed first (`_clear_stale_temps`)."""
    path = Path(path)
    descriptor = _own_descriptor(path)
    if descriptor is not None:
        return _write_descriptor(descriptor, data, path)
    how, target = write_mode(path)
    if how == "in place":
        return _write_in_place(target, data, path)
    _write_replacing(target, data, path)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


_OWN_DESCRIPTOR = re.compile(r"/dev/(?:stdin|stdout|stderr|fd/\d+)|/proc/self/fd/\d+")
_STANDARD = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


def _own_descriptor(path: Path) -> int | None:
    """The descriptor that /dev/stdout, /dev/fd/3 or /proc/self/fd/3 names, else None. Opened
    anew, /proc/self/fd/1 would truncate a file that the shell opened with `>>`."""
    text = str(path)
    if os.name != "posix" or not _OWN_DESCRIPTOR.fullmatch(text):
        return None
    return _STANDARD[text] if text in _STANDARD else int(text.rsplit("/", 1)[-1])


def write_mode(path: Path) -> tuple[str, Path]:
    """How `path` is written: ("replace", where) for a new path or a regular file, `where` being
    the file a symbolic link leads to; ("in place", path) for a device, a FIFO or a socket, and for
    a regular file reached through a link that does not resolve to it (/proc/PID/fd/N)."""
    try:
        st = os.stat(path)  # through links
    except FileNotFoundError:
        return "replace", _link_target(path)  # a new file (or a dangling link's target)
    except OSError as exc:
        raise AdaptcostError(f"cannot write {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise AdaptcostError(f"cannot write {path}: it is a folder")
    if not stat.S_ISREG(st.st_mode):
        return "in place", path
    target = _link_target(path)
    try:
        same = os.path.samestat(os.stat(target), st)
    except OSError:
        same = False
    return ("replace", target) if same else ("in place", path)


def _link_target(path: Path) -> Path:
    """`path` itself, or, where `path` is a symbolic link, the path it finally leads to."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else path


def _write_descriptor(descriptor: int, data: bytes, shown: Path) -> None:
    import sys

    for stream in (sys.stdout, sys.stderr):  # what Python buffered goes first
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    try:
        _write_all(descriptor, data)
    except OSError as exc:
        raise AdaptcostError(f"cannot write {shown}: {exc.strerror or exc}") from None


def _write_in_place(path: Path, data: bytes, shown: Path) -> None:
    """Open without creating (a device that vanished is an error, not a new regular file) and
    write; a regular file reached this way is cut to the new length first, as `>` does."""
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                os.ftruncate(fd, 0)
            _write_all(fd, data)
        finally:
            os.close(fd)
    except OSError as exc:
        raise AdaptcostError(f"cannot write {shown}: {exc.strerror or exc}") from None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _write_replacing(target: Path, data: bytes, shown: Path) -> None:
    """Through a temporary file `.NAME.XXXXXXXX.adaptcost.tmp` beside `target`, locked while it is written
    (so that `_clear_stale_temps` of another run leaves it alone), then renamed over `target`."""
    import tempfile  # here: the command line imports this module, and tempfile at every start

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _clear_stale_temps(target.parent)
        fd, tmp = _locked_temp(target, tempfile)
    except OSError as exc:
        raise AdaptcostError(f"cannot write {shown}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.chmod(tmp, _mode_for(target))
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            if _flock is not None:
                os.replace(tmp, target)  # before the close: the lock holds until the name is gone
        if _flock is None:
            os.replace(tmp, target)  # Windows renames only a closed file
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise AdaptcostError(f"cannot write {shown}: {exc.strerror or exc}") from None


def _locked_temp(target: Path, tempfile) -> tuple[int, str]:
    """A new temporary file beside `target`, open and locked. Another run's clearing may take a
    file in the instant between its creation and its lock: then it is unlinked, and made again."""
    while True:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
        if _flock is None:
            return fd, tmp
        try:
            _flock(fd, _LOCK_EX)
        except OSError:  # a file system without locks (an NFS mount with nolock): nobody clears it either
            return fd, tmp
        if os.fstat(fd).st_nlink:
            return fd, tmp
        os.close(fd)


try:  # POSIX: a lock that the kernel drops when its process dies, killed or not
    from fcntl import LOCK_EX as _LOCK_EX, LOCK_NB as _LOCK_NB, flock as _flock
except ImportError:  # Windows: an open file cannot be deleted, which protects it the same way
    _flock = None
    _LOCK_EX = _LOCK_NB = 0

# Our temporary files: mkstemp's names (the prefix, eight characters of [a-z0-9_], the suffix)
# with a suffix that says whose they are, so that another program's are never taken for ours
TEMP_SUFFIX = ".adaptcost.tmp"
_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX), re.DOTALL)


def _clear_stale_temps(folder: Path) -> list[str]:
    """Remove the temporary files that killed writes left in `folder` (`.NAME.XXXXXXXX.adaptcost.tmp`
    whose lock nobody holds); return their names. A write in progress holds its lock and is left
    alone; anything else (a folder, a link, another program's file) is never touched."""
    cleared = []
    try:
        names = [entry.name for entry in os.scandir(folder) if _TEMP.fullmatch(entry.name)]
    except OSError:
        return cleared
    for name in names:
        if _clear_if_stale(folder / name):
            cleared.append(name)
    return cleared


def _clear_if_stale(path: Path) -> bool:
    """Unlink `path` if it is a regular file whose lock nobody holds (its writer is dead)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        if _flock is None:
            os.unlink(path)  # Windows: refused while its writer has it open
            return True
    except OSError:
        return False
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return False  # gone, replaced by a link, or not ours to open
    try:
        _flock(fd, _LOCK_EX | _LOCK_NB)  # held: a write in progress
        if not os.path.samestat(os.stat(path, follow_symlinks=False), os.fstat(fd)):
            return False
        os.unlink(path)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0o666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# ---------------------------------------------------------------- reading (one ladder of errors)


MAX_INPUT_BYTES = 64 << 20  # a pricing, scenario or curves file is a few kB; 64 MiB is none of them
YAML_ALIAS_EXTRA_NODES = 1_000_000  # what aliases may add to a YAML document, in nodes (see _check_aliases)


class NotRegularFile(OSError):
    """A FIFO, device, socket or folder where a regular file was expected; it is never read."""


def special_kind(mode: int) -> str | None:
    """What a file of this st_mode is ("FIFO", "character device", ...), or None for a regular file."""
    import stat

    if stat.S_ISREG(mode):
        return None
    kinds = ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISCHR, "character device"),
             (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"))
    return next((name for test, name in kinds if test(mode)), "special file")


def open_regular(path: Path) -> tuple[int, os.stat_result]:
    """A read-only descriptor of `path` and its fstat, if it is a regular file (a symlink to one is
    followed); otherwise NotRegularFile. The kind is checked before opening (a device or FIFO is
    never opened) and again on the opened descriptor (it may have been swapped in between); the
    open never waits (O_NONBLOCK: a FIFO or a terminal would) nor takes a terminal (O_NOCTTY)."""
    kind = special_kind(os.stat(path).st_mode)
    if kind:
        raise NotRegularFile(kind)
    nonblock = getattr(os, "O_NONBLOCK", 0)
    flags = os.O_RDONLY | nonblock | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        kind = special_kind(st.st_mode)
        if kind:
            raise NotRegularFile(kind)
        if nonblock:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_at_most(fd: int, limit: int, size_hint: int = 0) -> bytes:
    """At most `limit` + 1 bytes of `fd`: more than `limit` means the file is larger than the limit,
    whatever size it showed first (a file growing while read is caught). `size_hint` (its size
    as first seen) lets a file that did not change come back from one read, without a copy."""
    limit = max(0, int(limit))
    first = os.read(fd, min(limit + 1, max(size_hint, 0) + 1, 1 << 30))
    if not first:
        return first
    chunks = [first]
    read = len(first)
    while read <= limit:
        chunk = os.read(fd, min(limit + 1 - read, 1 << 24))
        if not chunk:
            break
        chunks.append(chunk)
        read += len(chunk)
    return first if len(chunks) == 1 else b"".join(chunks)


def read_bytes(path: Path, what: str, error: type[AdaptcostError] = AdaptcostError, shown: Path | None = None,
               limit: int = MAX_INPUT_BYTES) -> bytes:
    """A file's bytes, at most `limit` of them; a missing file, a folder, a file larger than
    `limit` (/dev/zero) or an OS error is one line naming it (as `shown`). A pipe is read (a
    shell's <(...) gives one)."""
    shown = shown or path
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except FileNotFoundError:
        raise error(f"{shown}: {what} not found") from None
    except IsADirectoryError:
        raise error(f"{shown}: is a folder, not a {what}") from None
    except OSError as exc:
        raise error(f"{shown}: cannot read {what} ({exc.strerror or exc})") from None
    if len(raw) > limit:
        raise error(f"{shown}: {what} larger than the {limit >> 20} MiB a {what} may have; not read")
    return raw


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

    if len(text) > MAX_INPUT_BYTES:
        raise error(f"{path}: YAML larger than {MAX_INPUT_BYTES >> 20} MiB; not read")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_aliases(node, path, error)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise error(f"{path}: malformed YAML{where}: {problem}") from None
    except ValueError as exc:  # an unquoted impossible date (as_of: 2025-13-45) fails in the loader
        raise error(f"{path}: malformed YAML: invalid value ({exc})") from None
    except RecursionError:
        raise error(f"{path}: YAML nested too deeply to read") from None
    finally:
        loader.dispose()


def _check_aliases(root, path: Path, error: type[AdaptcostError]) -> None:
    """Refuse a document whose aliases expand it by more than YAML_ALIAS_EXTRA_NODES nodes (the
    "billion laughs": ten anchors of nine aliases each are 9**10 nodes written in 500 bytes) or
    that refers to itself. Walks the composed node graph once, without recursion: each node's
    expanded size is 1 + its children's, a shared node counted wherever it is used."""
    expanded: dict[int, int] = {}
    distinct = 0
    stack: list = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        children = _yaml_children(node)
        if children_done:
            open_nodes.discard(key)
            expanded[key] = 1 + sum(expanded[id(c)] for c in children)
            distinct += 1
            if expanded[key] - distinct > YAML_ALIAS_EXTRA_NODES:
                raise error(f"{path}: YAML aliases expand the document past {YAML_ALIAS_EXTRA_NODES:,} extra nodes "
                            f"(an alias bomb?); not loaded")
            continue
        if key in expanded:
            continue
        if key in open_nodes:
            raise error(f"{path}: a YAML alias refers to a node that contains it; not loaded")
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in expanded)


def _yaml_children(node) -> list:
    value = node.value
    if not isinstance(value, list):
        return []  # a scalar
    return [n for pair in value for n in pair] if value and isinstance(value[0], tuple) else value


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
