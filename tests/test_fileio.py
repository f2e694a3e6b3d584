"""fileio's writes: a regular file replaced whole, and nothing else destroyed: a device, a FIFO or a
descriptor is written in place, a symbolic link keeps pointing at its target, and a temporary file
that a killed write left behind is cleared by the next write to that folder (issue 20)."""

import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from adaptcost import fileio
from adaptcost.errors import AdaptcostError

ROOT = Path(__file__).resolve().parents[1]
DATA = b"new content\n" * 1000  # 12,000 bytes


def _kind(path: Path) -> str:
    mode = os.lstat(path).st_mode
    return {stat.S_IFREG: "file", stat.S_IFLNK: "link", stat.S_IFCHR: "char device", stat.S_IFIFO: "fifo",
            stat.S_IFDIR: "folder"}[stat.S_IFMT(mode)]


def test_a_regular_file_is_replaced_whole_with_its_permissions(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("old")
    out.chmod(0o640)
    fileio.atomic_write_bytes(out, DATA)
    assert out.read_bytes() == DATA and stat.S_IMODE(out.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_symlink_keeps_pointing_at_its_target_which_is_written(tmp_path):
    # before: os.replace put a regular file where the link was; the target kept its old content
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "target.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(Path("real") / "target.txt")
    fileio.atomic_write_bytes(link, DATA)
    assert _kind(link) == "link" and os.readlink(link) == str(Path("real") / "target.txt")
    assert target.read_bytes() == DATA
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real"]  # the temporary file went beside the target
    assert [p.name for p in (tmp_path / "real").iterdir()] == ["target.txt"]


def test_a_dangling_symlink_gets_its_target_created(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "new.txt")
    fileio.atomic_write_bytes(link, DATA)
    assert _kind(link) == "link" and (tmp_path / "new.txt").read_bytes() == DATA


def test_a_fifo_is_written_in_place(tmp_path):
    # before: the FIFO was replaced by a regular file, and its reader waited for ever
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    fileio.atomic_write_bytes(fifo, DATA)
    reader.join(timeout=30)
    assert _kind(fifo) == "fifo"
    assert received == [DATA]


def test_dev_null_is_written_in_place_and_stays_a_device():
    # the classification is checked first, so that a regression fails here instead of replacing /dev/null
    assert fileio.write_mode(Path("/dev/null")) == ("in place", Path("/dev/null"))
    fileio.atomic_write_bytes(Path("/dev/null"), DATA)
    assert _kind(Path("/dev/null")) == "char device"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod needs root")
def test_a_character_device_is_written_in_place(tmp_path):
    # before (as root): the copy of /dev/null became a regular file holding the output
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    fileio.atomic_write_bytes(null, DATA)
    assert _kind(null) == "char device"
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


def test_a_folder_is_refused_in_one_line(tmp_path):
    with pytest.raises(AdaptcostError, match="it is a folder"):
        fileio.atomic_write_bytes(tmp_path, DATA)


def _python(code: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, timeout=60, **kwargs)


def test_dev_stdout_writes_this_process_standard_output(tmp_path):
    # before: a temporary file in /dev: "Permission denied" for anyone but root (and, as root,
    # /dev/stdout replaced by a regular file). The name is checked first, so that a regression
    # fails here instead of writing into /dev.
    assert fileio._own_descriptor(Path("/dev/stdout")) == 1
    assert fileio._own_descriptor(Path("/proc/self/fd/7")) == 7
    assert fileio._own_descriptor(Path("/dev/stdout.txt")) is None
    out = tmp_path / "captured.txt"
    out.write_bytes(b"first\n")
    with open(out, "ab") as appended:  # as the shell's >>: the output follows, nothing is cut
        done = _python("""
            import sys
            from pathlib import Path
            from adaptcost.fileio import atomic_write_bytes
            print("printed first", flush=False)
            atomic_write_bytes(Path("/dev/stdout"), b"written\\n")
        """, stdout=appended, stderr=subprocess.PIPE)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == b"first\nprinted first\nwritten\n"
    assert _kind(Path("/dev/stdout")) == "link"


def test_a_killed_write_leaves_a_temporary_file_that_the_next_write_clears(tmp_path):
    # before: .out.txt.XXXXXXXX.tmp stayed for ever beside out.txt
    done = _python(f"""
        import os, signal
        from pathlib import Path
        from adaptcost import fileio
        os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)  # killed between the write and the rename
        fileio.atomic_write_bytes(Path({str(tmp_path / 'out.txt')!r}), b"half")
    """)
    assert done.returncode == -signal.SIGKILL
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".out.txt.") and left[0].endswith(".adaptcost.tmp")
    fileio.atomic_write_bytes(tmp_path / "other.txt", DATA)  # any write to that folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt"]


def test_a_write_in_progress_and_files_not_ours_are_left_alone(tmp_path):
    fcntl = pytest.importorskip("fcntl")

    busy = tmp_path / ".out.txt.abcd1234.adaptcost.tmp"  # another run's temporary file, locked while it is written
    busy.write_bytes(b"partial")
    user = [tmp_path / ".notes.txt.backup.adaptcost.tmp", tmp_path / "x.abcd1234.adaptcost.tmp",  # not mkstemp's names
            tmp_path / ".out.txt.abcd1234.tmp"]  # another program's
    for path in user:
        path.write_text("mine")
    (tmp_path / ".dir.abcd1234.adaptcost.tmp").mkdir()
    (tmp_path / ".link.abcd1234.adaptcost.tmp").symlink_to(tmp_path / "x.abcd1234.adaptcost.tmp")
    with open(busy, "rb+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        fileio.atomic_write_bytes(tmp_path / "out.txt", DATA)
        assert busy.exists()
    assert all(p.read_text() == "mine" for p in user)
    assert (tmp_path / ".dir.abcd1234.adaptcost.tmp").is_dir() and (tmp_path / ".link.abcd1234.adaptcost.tmp").is_symlink()
    fileio.atomic_write_bytes(tmp_path / "out.txt", DATA)  # its writer gone: cleared
    assert not busy.exists()
