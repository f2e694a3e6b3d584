"""The command line when a cache fails or a file name is not UTF-8 (issue 20): the run goes on,
its numbers are right, and each fault is one warning line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from builders import AS_OF, EXAMPLES, ROOT, invoke

BAD_NAME = os.fsdecode(b"notes-caf\xe9-\xff.md")  # Latin-1 bytes, not UTF-8
SHOWN = "notes-caf\\xe9-\\xff.md"


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    """The example corpus plus a file whose name is not UTF-8, with the cache on (its own folder)."""
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "corpus"
    shutil.copytree(EXAMPLES, root)
    (root / BAD_NAME).write_text("A note saved by an old archiver, its name in Latin-1.\n")
    return root


@pytest.mark.parametrize("run", [1, 2], ids=["cold", "warm"])
def test_count_non_utf8_name_with_the_cache(corpus, run):
    """Before: `UnicodeEncodeError: surrogates not allowed` from the cache on every format."""
    for _ in range(run):
        result = invoke("count", corpus, "--format", "json")
    assert result.exit_code == 0, result.output
    documents = {Path(d["path"]).name: d for d in json.loads(result.stdout)["documents"]}
    assert SHOWN in documents and documents[SHOWN]["tokens"]["o200k_base"] > 0
    csv = invoke("count", corpus, "--format", "csv")
    assert csv.exit_code == 0 and f"{SHOWN}," in csv.stdout
    table = invoke("count", corpus)
    assert table.exit_code == 0 and SHOWN in table.stdout


def test_recommend_and_report_non_utf8_name_with_the_cache(corpus, tmp_path):
    result = invoke("recommend", "--corpus", corpus, "--queries-per-day", 100, "--format", "json", *AS_OF)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["corpus"]["documents"] >= 20
    report = invoke("report", "--corpus", corpus, "--output", tmp_path / "report", "--queries-per-day", 100,
                    "--format", "md,json,csv", "--draws", 2000, *AS_OF)
    assert report.exit_code == 0, report.output


def test_non_utf8_name_on_a_strict_terminal(corpus):
    """A terminal whose encoding refuses what is not UTF-8 (PYTHONIOENCODING=utf-8:strict, as an
    en_US.UTF-8 locale gives): before, rich's table write failed on the name's lone surrogates."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "adaptcost", "count", str(corpus), "--no-cache"],
                          capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert SHOWN.encode() in done.stdout and b"Traceback" not in done.stderr


def test_cache_folder_that_is_a_file(tmp_path):
    """Nothing of the cache usable (a file where the folder should be, as a read-only or full
    disk refuses too): before, `count` failed with "cannot write .../tiktoken/...: Not a
    directory"; now the counts are right (a temporary copy of each vocabulary), with one warning
    for the folder on stderr and one for the count cache in the result."""
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "ADAPTCOST_CACHE_DIR": str(blocker)}
    done = subprocess.run([sys.executable, "-m", "adaptcost", "count", EXAMPLES, "--encoding", "o200k_base",
                           "--encoding", "cl100k_base", "--format", "json"], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("warning:")] == [
        f"warning: the cache folder {blocker / 'tiktoken'} is not usable (Not a directory); what it would hold is worked out "
        "again each time"]
    result = json.loads(done.stdout)
    assert [w for w in result["warnings"] if "cache" in w] == [
        f"token-count cache unavailable ([Errno 17] File exists: '{blocker}'); counting without it"]
    expected = invoke("count", EXAMPLES, "--encoding", "o200k_base", "--encoding", "cl100k_base", "--format", "json")
    assert result["total"] == json.loads(expected.stdout)["total"]
