"""Corpus discovery, extraction, exact counting and the token-count cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adaptcost.corpus.discover import CorpusOptions, discover, profile_corpus
from adaptcost.corpus.countcache import CountCache
from adaptcost.corpus.encodings import get_counter
from adaptcost.errors import CorpusError
from adaptcost.corpus.extract import ExtractOptions, extract

ENCS = ["cl100k_base", "o200k_base"]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "corpus"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """Each test gets its own count cache, so hits come only from what the test did."""
    folder = tmp_path / "adaptcost-cache"
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(folder))
    # vocabularies: reuse the session cache's verified copies instead of rebuilding them
    return folder


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def reference_count(text: str, encoding: str) -> int:
    return len(get_counter(encoding, fast=False).encode(text))


def names(found) -> list[str]:
    return sorted(Path(f.display).name for f in found)


def reasons(profile_or_skipped) -> dict[str, str]:
    skipped = getattr(profile_or_skipped, "skipped", profile_or_skipped)
    return {Path(s.path).name: s.reason for s in skipped}


# ---------------------------------------------------------------- inputs


def test_folder_counts_equal_tiktoken(tmp_path):
    a = write(tmp_path / "c" / "a.md", "# Title\n\nHello world. Second sentence!\n")
    b = write(tmp_path / "c" / "sub" / "b.txt", "Ünïcode text, 日本語 🚀\nline two\n")
    h = write(tmp_path / "c" / "page.html", "<p>Fish &amp; chips</p><script>x()</script>")
    profile = profile_corpus([str(tmp_path / "c")], ENCS)
    assert profile.n_documents == 3
    by_name = {Path(d.path).name: d for d in profile.documents}
    for path in (a, b, h):
        text = extract(path, path.read_bytes()).text
        doc = by_name[path.name]
        for e in ENCS:
            assert doc.tokens[e] == reference_count(text, e)
        assert doc.chars == len(text)
        assert doc.size_bytes == path.stat().st_size
    assert by_name["page.html"].tokens["cl100k_base"] == reference_count("Fish & chips", "cl100k_base")
    assert by_name["a.md"].chunks == 3
    assert profile.tokens("o200k_base") == sum(d.tokens["o200k_base"] for d in profile.documents)
    assert profile.max_document_tokens("o200k_base") == max(d.tokens["o200k_base"] for d in profile.documents)
    assert profile.size_bytes == sum(p.stat().st_size for p in (a, b, h))
    assert set(profile.counters) == set(ENCS)
    # display paths are the input joined with the relative path, sorted
    assert [d.path for d in profile.documents] == sorted(d.path for d in profile.documents)
    assert os.path.join(str(tmp_path / "c"), "sub", "b.txt") in [d.path for d in profile.documents]


def test_fast_and_reference_counting_agree_on_examples():
    fast = profile_corpus([str(EXAMPLES)], ENCS, CorpusOptions(use_cache=False))
    slow = profile_corpus([str(EXAMPLES)], ENCS, CorpusOptions(use_cache=False, fast=False))
    assert fast.n_documents == slow.n_documents > 20
    assert [d.tokens for d in fast.documents] == [d.tokens for d in slow.documents]
    assert "quicktok" in fast.counters["o200k_base"] and "tiktoken" in slow.counters["o200k_base"]


def test_long_document_split_counts_equal_whole(tmp_path):
    text = "".join(f"Line {i}: some words here, and more words; numbers {i * 7919}.\n" for i in range(30000))
    assert len(text) > (1 << 20)  # long enough to be split for counting
    write(tmp_path / "long.txt", text)
    profile = profile_corpus([str(tmp_path / "long.txt")], ENCS, CorpusOptions(use_cache=False))
    for e in ENCS:
        assert profile.documents[0].tokens[e] == reference_count(text, e)


def test_single_file(tmp_path):
    f = write(tmp_path / "one.txt", "just one file\n")
    profile = profile_corpus([str(f)], ["cl100k_base"])
    assert [d.path for d in profile.documents] == [str(f)]
    assert profile.documents[0].tokens["cl100k_base"] == reference_count("just one file\n", "cl100k_base")


def test_glob(tmp_path):
    write(tmp_path / "a.md", "alpha\n")
    write(tmp_path / "b.md", "beta\n")
    write(tmp_path / "c.txt", "gamma\n")
    write(tmp_path / "deep" / "d.md", "delta\n")
    profile = profile_corpus([str(tmp_path / "*.md")], ["cl100k_base"])
    assert sorted(Path(d.path).name for d in profile.documents) == ["a.md", "b.md"]
    profile = profile_corpus([str(tmp_path / "**" / "*.md")], ["cl100k_base"])
    assert sorted(Path(d.path).name for d in profile.documents) == ["a.md", "b.md", "d.md"]


def test_glob_matching_nothing(tmp_path):
    with pytest.raises(CorpusError, match="matches no file"):
        profile_corpus([str(tmp_path / "*.nothing")], ["cl100k_base"])


def test_missing_path(tmp_path):
    with pytest.raises(CorpusError, match="not found") as info:
        profile_corpus([str(tmp_path / "nope")], ["cl100k_base"])
    assert "nope" in str(info.value)


def test_no_inputs():
    with pytest.raises(CorpusError, match="no corpus given"):
        profile_corpus([], ["cl100k_base"])


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no readable text documents"):
        profile_corpus([str(tmp_path / "empty")], ["cl100k_base"])


def test_folder_with_only_binary_file(tmp_path):
    write(tmp_path / "bin" / "blob.dat", b"\x00\x01\x02binary")
    with pytest.raises(CorpusError) as info:
        profile_corpus([str(tmp_path / "bin")], ["cl100k_base"])
    assert "blob.dat" in str(info.value)
    assert "binary file" in str(info.value)
    assert "1 file(s) skipped" in str(info.value)


def test_several_inputs_and_duplicates_counted_once(tmp_path):
    f = write(tmp_path / "c" / "a.txt", "alpha beta\n")
    write(tmp_path / "c" / "b.txt", "gamma\n")
    profile = profile_corpus([str(f), str(tmp_path / "c"), str(tmp_path / "c" / "*.txt")], ["cl100k_base"])
    assert sorted(Path(d.path).name for d in profile.documents) == ["a.txt", "b.txt"]
    assert profile.n_documents == 2


def test_hardlink_and_symlink_to_same_file_counted_once(tmp_path):
    f = write(tmp_path / "c" / "a.txt", "alpha beta\n")
    os.link(f, tmp_path / "c" / "hard.txt")
    os.symlink(f, tmp_path / "c" / "soft.txt")
    profile = profile_corpus([str(tmp_path / "c")], ["cl100k_base"])
    assert profile.n_documents == 1


def test_copies_with_same_content_are_separate_documents(tmp_path):
    write(tmp_path / "c" / "a.txt", "same text\n")
    write(tmp_path / "c" / "b.txt", "same text\n")
    profile = profile_corpus([str(tmp_path / "c")], ["cl100k_base"])
    assert profile.n_documents == 2
    assert profile.documents[0].sha256 == profile.documents[1].sha256


# ---------------------------------------------------------------- filters


def make_tree(root: Path) -> Path:
    write(root / "keep.md", "keep\n")
    write(root / "notes.log", "log\n")
    write(root / "build" / "out.md", "built\n")
    write(root / "sub" / "inner.md", "inner\n")
    write(root / "sub" / "secret.md", "secret\n")
    write(root / "sub" / "deeper" / "x.tmp", "tmp\n")
    write(root / ".gitignore", "*.log\nbuild/\n")
    write(root / "sub" / ".gitignore", "secret.md\n*.tmp\n")
    return root


def test_gitignore_honoured_nested(tmp_path):
    root = make_tree(tmp_path / "c")
    found, skipped = discover([str(root)], CorpusOptions())
    assert names(found) == ["inner.md", "keep.md"]
    assert skipped == []


def test_gitignore_off(tmp_path):
    root = make_tree(tmp_path / "c")
    found, _ = discover([str(root)], CorpusOptions(gitignore=False))
    assert names(found) == ["inner.md", "keep.md", "notes.log", "out.md", "secret.md", "x.tmp"]


def test_nested_gitignore_negation_reincludes(tmp_path):
    root = tmp_path / "c"
    write(root / ".gitignore", "*.log\n")
    write(root / "sub" / ".gitignore", "!keep.log\n")
    write(root / "sub" / "keep.log", "kept\n")
    write(root / "sub" / "drop.log", "dropped\n")
    write(root / "top.log", "dropped\n")
    found, _ = discover([str(root)], CorpusOptions())
    assert names(found) == ["keep.log"]


def test_gitignore_anchored_pattern_in_subfolder(tmp_path):
    root = tmp_path / "c"
    write(root / "sub" / ".gitignore", "/only_here.md\n")
    write(root / "sub" / "only_here.md", "ignored\n")
    write(root / "sub" / "deeper" / "only_here.md", "kept\n")
    write(root / "only_here.md", "kept too\n")
    found, _ = discover([str(root)], CorpusOptions())
    assert sorted(f.display for f in found) == sorted(
        [os.path.join(str(root), "only_here.md"), os.path.join(str(root), "sub", "deeper", "only_here.md")]
    )


def test_include_and_exclude(tmp_path):
    root = tmp_path / "c"
    write(root / "a.md", "a\n")
    write(root / "b.txt", "b\n")
    write(root / "drafts" / "c.md", "c\n")
    write(root / "x.draft.md", "x\n")
    found, _ = discover([str(root)], CorpusOptions(include=("*.md",)))
    assert names(found) == ["a.md", "c.md", "x.draft.md"]
    found, _ = discover([str(root)], CorpusOptions(exclude=("drafts/", "*.draft.md")))
    assert names(found) == ["a.md", "b.txt"]
    found, _ = discover([str(root)], CorpusOptions(include=("*.md",), exclude=("drafts/",)))
    assert names(found) == ["a.md", "x.draft.md"]
    profile = profile_corpus([str(root)], ["cl100k_base"], CorpusOptions(include=("*.txt",)))
    assert [Path(d.path).name for d in profile.documents] == ["b.txt"]


def test_hidden_and_vcs_folders_skipped(tmp_path):
    root = tmp_path / "c"
    write(root / "a.md", "a\n")
    write(root / ".hidden.md", "hidden\n")
    write(root / ".cache" / "b.md", "hidden folder\n")
    write(root / ".git" / "HEAD", "ref: refs/heads/main\n")
    write(root / "CVS" / "Entries", "cvs\n")
    write(root / "sub" / ".git" / "config", "[core]\n")
    found, skipped = discover([str(root)], CorpusOptions())
    assert names(found) == ["a.md"]
    assert skipped == []


def test_hidden_file_named_directly_is_used(tmp_path):
    f = write(tmp_path / ".env.txt", "named on purpose\n")
    profile = profile_corpus([str(f)], ["cl100k_base"])
    assert profile.n_documents == 1


# ---------------------------------------------------------------- skipped files


def test_symlink_loop_listed_not_followed(tmp_path):
    root = tmp_path / "c"
    write(root / "a.md", "a\n")
    (root / "sub").mkdir()
    os.symlink(root, root / "sub" / "loop")
    profile = profile_corpus([str(root)], ["cl100k_base"])
    assert profile.n_documents == 1
    assert "symlink loop" in reasons(profile)["loop"]


def test_self_referencing_symlink(tmp_path):
    root = tmp_path / "c"
    write(root / "a.md", "a\n")
    os.symlink(root / "self", root / "self")
    profile = profile_corpus([str(root)], ["cl100k_base"])
    assert profile.n_documents == 1
    assert reasons(profile)["self"] == "symlink loop"


def test_broken_symlink_listed(tmp_path):
    root = tmp_path / "c"
    write(root / "a.md", "a\n")
    os.symlink(root / "missing.md", root / "broken.md")
    profile = profile_corpus([str(root)], ["cl100k_base"])
    assert profile.n_documents == 1
    assert reasons(profile)["broken.md"] == "broken symlink"
    # named directly, too
    profile = profile_corpus([str(root / "broken.md"), str(root / "a.md")], ["cl100k_base"])
    assert reasons(profile)["broken.md"] == "broken symlink"


def test_empty_and_whitespace_files_skipped(tmp_path):
    root = tmp_path / "c"
    write(root / "a.md", "a\n")
    write(root / "empty.txt", "")
    write(root / "blank.txt", " \n\t\n")
    write(root / "empty.html", "<script>only code</script>")
    profile = profile_corpus([str(root)], ["cl100k_base"])
    assert profile.n_documents == 1
    r = reasons(profile)
    assert "empty" in r["empty.txt"] and "empty" in r["blank.txt"] and "empty" in r["empty.html"]


def test_too_large_file_skipped(tmp_path):
    root = tmp_path / "c"
    write(root / "a.md", "a\n")
    write(root / "big.txt", "word " * 60_000)  # 300 kB
    profile = profile_corpus([str(root)], ["cl100k_base"], CorpusOptions(max_file_mb=0.1))
    assert profile.n_documents == 1
    reason = reasons(profile)["big.txt"]
    assert "larger than" in reason and "0.1 MB" in reason and "--max-file-mb" in reason
    profile = profile_corpus([str(root)], ["cl100k_base"], CorpusOptions(max_file_mb=1))
    assert profile.n_documents == 2


def test_unreadable_file_skipped(tmp_path, monkeypatch):
    root = tmp_path / "c"
    write(root / "a.md", "a\n")
    locked = write(root / "locked.txt", "secret\n")
    real = os.open

    def os_open(path, flags, *args, **kwargs):
        if Path(path).name == locked.name:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    profile = profile_corpus([str(root)], ["cl100k_base"])
    assert profile.n_documents == 1
    assert "permission denied" in reasons(profile)["locked.txt"]


def test_unreadable_folder_skipped(tmp_path, monkeypatch):
    root = tmp_path / "c"
    write(root / "a.md", "a\n")
    write(root / "private" / "b.md", "b\n")
    real = os.scandir

    def scandir(path):
        if Path(path).name == "private":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    profile = profile_corpus([str(root)], ["cl100k_base"])
    assert profile.n_documents == 1
    assert "permission denied" in reasons(profile)["private"]


def test_binary_and_corrupt_documents_skipped_with_reason(tmp_path):
    root = tmp_path / "c"
    write(root / "a.md", "a\n")
    write(root / "image.png", b"\x89PNG\r\n")
    write(root / "nul.txt", b"text\x00text")
    write(root / "bad.pdf", b"not a pdf")
    write(root / "bad.docx", b"not a docx")
    profile = profile_corpus([str(root)], ["cl100k_base"])
    r = reasons(profile)
    assert profile.n_documents == 1
    assert r["image.png"] == "binary file" and r["nul.txt"] == "binary file"
    assert "unreadable PDF" in r["bad.pdf"] and "unreadable DOCX" in r["bad.docx"]


def test_non_utf8_counted_with_warning(tmp_path):
    root = tmp_path / "c"
    f = write(root / "latin1.txt", "café crème brûlée".encode("latin-1"))
    profile = profile_corpus([str(root)], ["cl100k_base"])
    doc = profile.documents[0]
    assert doc.replaced_bytes == 4
    assert doc.tokens["cl100k_base"] == reference_count(extract(f, f.read_bytes()).text, "cl100k_base")
    assert len(profile.warnings) == 1
    assert "latin1.txt" in profile.warnings[0] and "not valid UTF-8" in profile.warnings[0]
    # the warning survives a cached re-run
    again = profile_corpus([str(root)], ["cl100k_base"])
    assert again.cache_hits == 1 and again.warnings == profile.warnings


def test_pdf_and_docx_in_corpus(tmp_path):
    from test_extract import make_docx, make_pdf

    root = tmp_path / "c"
    write(root / "a.pdf", make_pdf("Hello from a PDF"))
    write(root / "b.docx", make_docx(["Hello from a DOCX"]))
    profile = profile_corpus([str(root)], ["o200k_base"])
    by_name = {Path(d.path).name: d for d in profile.documents}
    assert by_name["b.docx"].tokens["o200k_base"] == reference_count("Hello from a DOCX", "o200k_base")
    pdf_text = extract(root / "a.pdf", (root / "a.pdf").read_bytes()).text
    assert "Hello from a PDF" in pdf_text
    assert by_name["a.pdf"].tokens["o200k_base"] == reference_count(pdf_text, "o200k_base")


def test_progress_reported(tmp_path):
    for i in range(3):
        write(tmp_path / "c" / f"{i}.txt", f"file {i}\n")
    calls = []
    profile_corpus([str(tmp_path / "c")], ["cl100k_base"], progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (3, 3)


# ---------------------------------------------------------------- cache


def test_second_run_hits_cache(tmp_path):
    root = tmp_path / "c"
    write(root / "a.md", "alpha beta gamma\n")
    write(root / "b.md", "delta epsilon\n")
    first = profile_corpus([str(root)], ENCS)
    assert first.cache_hits == 0
    second = profile_corpus([str(root)], ENCS)
    assert second.cache_hits == second.n_documents == 2
    assert [(d.path, d.tokens, d.chars, d.chunks, d.sha256) for d in second.documents] == [
        (d.path, d.tokens, d.chars, d.chunks, d.sha256) for d in first.documents
    ]


def test_cache_hit_needs_every_encoding(tmp_path):
    root = tmp_path / "c"
    write(root / "a.md", "alpha beta gamma\n")
    profile_corpus([str(root)], ["cl100k_base"])
    both = profile_corpus([str(root)], ENCS)
    assert both.cache_hits == 0
    assert both.documents[0].tokens == {e: reference_count("alpha beta gamma\n", e) for e in ENCS}
    assert profile_corpus([str(root)], ["o200k_base"]).cache_hits == 1


def test_modified_file_is_recounted(tmp_path):
    root = tmp_path / "c"
    f = write(root / "a.md", "hello\n")
    profile_corpus([str(root)], ENCS)
    write(f, "hello world, this text is longer now\n")
    second = profile_corpus([str(root)], ENCS)
    assert second.cache_hits == 0
    assert second.documents[0].tokens == {e: reference_count("hello world, this text is longer now\n", e) for e in ENCS}


def test_same_size_same_mtime_rewrite_is_recounted(tmp_path):
    """A rewrite within the filesystem's timestamp granularity keeps size and mtime: racy."""
    root = tmp_path / "c"
    old, new = "hello world hello world\n", "xqzjvbnwkpxqzjvbnwkpxqz\n"
    assert len(old) == len(new) and reference_count(old, "cl100k_base") != reference_count(new, "cl100k_base")
    f = write(root / "a.md", old)
    stat = f.stat()
    profile_corpus([str(root)], ["cl100k_base"])
    f.write_text(new)  # in place: same inode
    os.utime(f, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert f.stat().st_ino == stat.st_ino and f.stat().st_mtime_ns == stat.st_mtime_ns
    second = profile_corpus([str(root)], ["cl100k_base"])
    assert second.documents[0].tokens["cl100k_base"] == reference_count(new, "cl100k_base")


def test_touched_file_rehashed_and_hits(tmp_path):
    root = tmp_path / "c"
    f = write(root / "a.md", "unchanged content\n")
    profile_corpus([str(root)], ENCS)
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns - 10**12))
    second = profile_corpus([str(root)], ENCS)
    assert second.cache_hits == 1  # same bytes: found by content hash
    assert second.documents[0].tokens == {e: reference_count("unchanged content\n", e) for e in ENCS}


def test_old_file_recognised_by_stat(tmp_path, monkeypatch):
    """An unchanged file whose stat the cache knows is not read again."""
    root = tmp_path / "c"
    f = write(root / "a.md", "settled content\n")
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns - 3600 * 10**9))  # modified an hour ago
    profile_corpus([str(root)], ["cl100k_base"])
    real = os.open

    def os_open(path, flags, *args, **kwargs):
        if Path(path).name == "a.md":
            raise AssertionError("re-read an unchanged file")
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    second = profile_corpus([str(root)], ["cl100k_base"])
    assert second.cache_hits == 1
    assert second.documents[0].tokens["cl100k_base"] == reference_count("settled content\n", "cl100k_base")


def test_renamed_file_hits_by_content(tmp_path):
    root = tmp_path / "c"
    f = write(root / "a.md", "content that moves\n")
    profile_corpus([str(root)], ["cl100k_base"])
    f.rename(root / "b.md")
    second = profile_corpus([str(root)], ["cl100k_base"])
    assert second.cache_hits == 1
    assert Path(second.documents[0].path).name == "b.md"


def test_use_cache_false(tmp_path, own_cache):
    root = tmp_path / "c"
    write(root / "a.md", "alpha\n")
    profile_corpus([str(root)], ENCS)
    off = profile_corpus([str(root)], ENCS, CorpusOptions(use_cache=False))
    assert off.cache_hits == 0
    assert off.documents[0].tokens == {e: reference_count("alpha\n", e) for e in ENCS}


def test_use_cache_false_writes_nothing(tmp_path, own_cache):
    write(tmp_path / "c" / "a.md", "alpha\n")
    profile_corpus([str(tmp_path / "c")], ["cl100k_base"], CorpusOptions(use_cache=False))
    assert not list(own_cache.glob("counts*"))


def test_unusable_cache_degrades_with_warning(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("ADAPTCOST_CACHE_DIR", str(blocker))
    warnings: list[str] = []
    cache = CountCache.open(warnings=warnings)
    assert cache.db is None
    assert len(warnings) == 1 and "cache unavailable" in warnings[0]


def test_corrupt_cache_file_is_moved_aside_and_rebuilt(tmp_path, own_cache):
    from adaptcost.corpus.countcache import CACHE_FILE

    own_cache.mkdir(parents=True, exist_ok=True)
    (own_cache / CACHE_FILE).write_bytes(b"this is not sqlite" * 100)
    warnings: list[str] = []
    cache = CountCache.open(warnings=warnings)
    try:
        assert cache.db is not None and len(warnings) == 1 and "damaged" in warnings[0]
    finally:
        cache.close()
    assert (own_cache / f"{CACHE_FILE}.bad").read_bytes() == b"this is not sqlite" * 100


def test_extractor_version_and_options_separate_entries(tmp_path):
    root = tmp_path / "c"
    write(root / "a.md", "alpha beta\n")
    profile = profile_corpus([str(root)], ["cl100k_base"])
    sha = profile.documents[0].sha256
    tag = ExtractOptions().cache_tag()
    other = ExtractOptions(svg="skip").cache_tag()
    assert other != tag
    cache = CountCache.open()
    try:
        assert cache.lookup_hash(sha, ["cl100k_base"], tag) is not None
        assert cache.lookup_hash(sha, ["cl100k_base"], other) is None
        assert cache.lookup_hash(sha, ["cl100k_base", "o200k_base"], tag) is None
    finally:
        cache.close()


# ---------------------------------------------------------------- a documentation folder (issue 12)

import io  # noqa: E402
import sys  # noqa: E402

from adaptcost.corpus.discover import STDIN, Skipped, _Counting, summarize_skipped  # noqa: E402
from adaptcost.corpus.encodings import split_for_counting  # noqa: E402

from docfolder import BILLION_LAUGHS, data_uri, drawio_svg, notebook, png  # noqa: E402


def test_doc_folder_counts_what_a_reader_reads(tmp_path):
    root = tmp_path / "docs"
    prose = "# Deployment\n\nPut a TLS proxy in front of the app. It renews certificates.\n"
    write(root / "index.md", prose + f"\n![https]({data_uri(png())})\n")
    write(root / "img" / "https.drawio.svg", drawio_svg(["DNS Servers", "TLS Termination Proxy"], images=4))
    for i in range(5):
        write(root / "img" / f"shot{i}.png", png(seed=i))
    write(root / "tutorial.ipynb", notebook([("markdown", "## Try it"), ("code", "print(6 * 7)")]))
    write(root / "bomb.svg", BILLION_LAUGHS)
    write(root / "package-lock.json", '{"lockfileVersion": 3, "packages": {}}\n')
    profile = profile_corpus([str(root)], ["o200k_base"])
    texts = {"index.md": prose + "\n![https]()\n", "https.drawio.svg": "DNS Servers\nTLS Termination Proxy",
             "tutorial.ipynb": "## Try it\n\nprint(6 * 7)"}
    got = {Path(d.path).name: d.tokens["o200k_base"] for d in profile.documents}
    assert got == {name: reference_count(text, "o200k_base") for name, text in texts.items()}
    # by hand, o200k_base: DNS| Servers|\n|TLS| Term|ination| Proxy = 7 tokens, for a 4,000+ byte file
    assert got["https.drawio.svg"] == 7
    kinds = {g.kind: (g.file_type, g.count) for g in summarize_skipped(profile.skipped)}
    assert kinds == {"binary file": (".png", 5), "SVG refused: EntitiesForbidden": (".svg", 1),
                     "generated file: lock file": (".json", 1)}
    assert profile.extraction == "svg=text, notebook=source, blobs=strip, generated=skip"
    by_type = {t.file_type: t.tokens for t in profile.by_type("o200k_base")}
    assert by_type == {".md": got["index.md"], ".svg": got["https.drawio.svg"], ".ipynb": got["tutorial.ipynb"]}
    assert [Path(d.path).name for d in profile.top(1, "o200k_base")] == [max(got, key=got.get)]


def test_extraction_options_change_the_count_and_the_cache_key(tmp_path):
    root = tmp_path / "docs"
    write(root / "d.svg", drawio_svg(["Hello"]))
    write(root / "a.md", "Words.\n")
    first = profile_corpus([str(root)], ["o200k_base"])
    assert {Path(d.path).name: d.tokens["o200k_base"] for d in first.documents} == {"d.svg": 1, "a.md": 2}  # Hello | Words|.\n
    skip_svg = CorpusOptions(extract=ExtractOptions(svg="skip"))
    second = profile_corpus([str(root)], ["o200k_base"], skip_svg)
    assert second.cache_hits == 0 and reasons(second)["d.svg"].startswith("SVG drawing")
    with pytest.raises(CorpusError, match="SVG drawing"):
        profile_corpus([str(root / "d.svg")], ["o200k_base"], skip_svg)


def test_two_gigabyte_single_line_file_skipped_without_reading(tmp_path):
    root = tmp_path / "c"
    write(root / "ok.md", "fine\n")
    with open(root / "huge.txt", "wb") as f:  # sparse: 2 GB on paper, nothing on disk
        f.truncate(2 * 1024**3)
    profile = profile_corpus([str(root)], ["o200k_base"])
    assert reasons(profile)["huge.txt"].startswith("larger than the 50 MB limit (2147.5 MB")


def test_stdin_is_a_document(tmp_path, monkeypatch):
    text = "Piped text. Counted as ttok would.\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    profile = profile_corpus([STDIN], ENCS)
    doc = profile.documents[0]
    assert doc.path == "-" and doc.tokens == {e: reference_count(text, e) for e in ENCS} and doc.chunks == 2


def test_counting_budget_keeps_counts_exact(tmp_path):
    """A budget of one byte collects each text before the next is queued: same counts."""
    texts = ["alpha beta.\n" * 5000, "γράμμα and 日本語\n" * 3000, "x"]
    counters = {e: get_counter(e) for e in ENCS}
    results = {}
    for budget in (1, 1 << 30):
        counting = _Counting(counters, budget)
        docs = [type("D", (), {"tokens": {}})() for _ in texts]
        for doc, text in zip(docs, texts):
            counting.submit(doc, None, text.encode() if budget == 1 else text)
        done = counting.drain()
        counting.close()
        assert len(done) == len(texts) and not counting.pending
        results[budget] = [doc.tokens for doc in docs]
    assert results[1] == results[1 << 30] == [{e: reference_count(t, e) for e in ENCS} for t in texts]


def test_bytes_split_at_safe_points_and_counts_add_up():
    text = ("Ünïcödé line one.\nsecond line\n" * 40000)
    pieces = split_for_counting(text, 1000)
    byte_pieces = split_for_counting(text.encode(), 1000)
    assert len(pieces) > 10 and len(byte_pieces) > 10 and b"".join(byte_pieces) == text.encode()
    # every cut is a safe point: after a newline, before an ASCII letter (the text's "second" lines)
    assert all(a.endswith(b"\n") and b.startswith(b"second") for a, b in zip(byte_pieces, byte_pieces[1:]))
    counter = get_counter("o200k_base")
    assert sum(counter.count_piece(p) for p in byte_pieces) == reference_count(text, "o200k_base")


def test_skipped_summary_groups_by_reason_and_type():
    skipped = [Skipped(f"img/s{i}.png", "binary file") for i in range(183)]
    skipped += [Skipped("a.txt", "larger than the 50 MB limit (61.0 MB; raise --max-file-mb)"),
                Skipped("b.txt", "larger than the 50 MB limit (70.2 MB; raise --max-file-mb)")]
    groups = summarize_skipped(skipped, examples=2)
    assert [(g.kind, g.file_type, g.count, g.examples) for g in groups] == [
        ("binary file", ".png", 183, ("img/s0.png", "img/s1.png")),
        ("larger than the 50 MB limit", ".txt", 2, ("a.txt", "b.txt")),
    ]


# ---------------------------------------------------------------- special files and bounds (issue 20)

needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                                 reason="FIFOs and /dev/zero are POSIX")


@needs_posix
def test_symlink_to_dev_zero_is_skipped_never_read(tmp_path, monkeypatch):
    """Before: /dev/zero's size is 0, so the size check passed and read_bytes read 3 GB in 2 s
    (MemoryError). It is a character device: skipped at discovery, never opened."""
    root = tmp_path / "c"
    write(root / "a.md", "alpha\n")
    os.symlink("/dev/zero", root / "z.txt")
    opened = []
    real = os.open
    monkeypatch.setattr(os, "open", lambda path, *a, **k: opened.append(str(path)) or real(path, *a, **k))
    profile = profile_corpus([str(root)], ["cl100k_base"], CorpusOptions(max_file_mb=1))
    assert profile.n_documents == 1
    assert reasons(profile)["z.txt"] == "not a regular file (character device; not read)"
    assert not [p for p in opened if p.endswith("z.txt")]


def within(seconds: float, fifo: Path, work):
    """work()'s result, or a failure if it is still blocked on `fifo` after `seconds` (a writer
    then opens and closes the FIFO, so the blocked reader returns and the test ends)."""
    import threading

    result = {}
    worker = threading.Thread(target=lambda: result.update(value=work()), daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(5)
        pytest.fail(f"blocked on the FIFO {fifo.name} for {seconds} s")
    return result["value"]


@needs_posix
def test_fifo_in_the_corpus_is_skipped_and_never_hangs(tmp_path):
    """Before: opening the FIFO waited for a writer forever. Now it is skipped with the reason."""
    root = tmp_path / "c"
    write(root / "a.md", "alpha\n")
    fifo = root / "p.txt"
    os.mkfifo(fifo)
    profile = within(20, fifo, lambda: profile_corpus([str(root)], ["cl100k_base"]))
    assert profile.n_documents == 1
    assert reasons(profile)["p.txt"] == "not a regular file (FIFO; not read)"


@needs_posix
def test_fifo_swapped_in_after_discovery_is_not_read(tmp_path):
    """The opened descriptor is checked again (fstat): a file replaced by a FIFO between discovery
    and reading is skipped, and the open does not wait (O_NONBLOCK)."""
    from adaptcost.corpus.discover import _Found, _read

    fifo = tmp_path / "p.txt"
    os.mkfifo(fifo)
    raw, reason = within(20, fifo, lambda: _read(_Found(fifo, "p.txt"), 1e6))
    assert raw is None and reason == "not a regular file (FIFO; not read)"


def test_socket_in_the_corpus_is_skipped_with_the_reason(tmp_path):
    socket = pytest.importorskip("socket")
    if not hasattr(socket, "AF_UNIX"):
        pytest.skip("no Unix sockets")
    root = tmp_path / "c"
    write(root / "a.md", "alpha\n")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "s.txt"))
    try:
        profile = profile_corpus([str(root)], ["cl100k_base"])
    finally:
        server.close()
    assert profile.n_documents == 1
    assert reasons(profile)["s.txt"] == "not a regular file (socket; not read)"


def test_symlink_to_a_regular_file_is_still_followed(tmp_path):
    root = tmp_path / "c"
    target = write(tmp_path / "elsewhere" / "t.md", "linked text\n")
    os.symlink(target, root.mkdir() or root / "link.md")
    profile = profile_corpus([str(root)], ["cl100k_base"])
    assert [Path(d.path).name for d in profile.documents] == ["link.md"]


def test_file_growing_while_read_is_bounded_by_bytes_read(tmp_path, monkeypatch):
    """--max-file-mb bounds the bytes read, not the size first seen. The file holds 300 kB but
    every stat of it says 10 bytes (as a file that grows after its stat would): before, it was
    read whole and counted; now at most limit + 1 = 100,001 bytes are read and it is skipped."""
    root = tmp_path / "c"
    write(root / "a.md", "alpha\n")
    big = write(root / "growing.txt", "word " * 60_000)  # 300,000 bytes
    inode = big.stat().st_ino

    def shrunk(real):
        def fake(*args, **kwargs):
            st = real(*args, **kwargs)
            if st.st_ino != inode:
                return st
            values = list(st)
            values[6] = 10  # st_size
            return os.stat_result(values)
        return fake

    read_from_big = []
    real_read, real_fstat = os.read, os.fstat

    def counting_read(fd, n):
        data = real_read(fd, n)
        if real_fstat(fd).st_ino == inode:
            read_from_big.append(len(data))
        return data

    monkeypatch.setattr(os, "stat", shrunk(os.stat))
    monkeypatch.setattr(os, "fstat", shrunk(os.fstat))
    monkeypatch.setattr(os, "read", counting_read)
    profile = profile_corpus([str(root)], ["cl100k_base"], CorpusOptions(max_file_mb=0.1, use_cache=False))
    assert [Path(d.path).name for d in profile.documents] == ["a.md"]
    assert reasons(profile)["growing.txt"] == "larger than the 0.1 MB limit (0.1+ MB; raise --max-file-mb)"
    assert sum(read_from_big) <= 100_001


def test_folder_tree_1500_deep_is_walked(tmp_path):
    """Before: the walk recursed once per folder and a 1,500-level tree raised RecursionError,
    failing the whole run. Now it is walked with a stack, and the deepest file is counted."""
    root = tmp_path / "c"
    write(root / "a.md", "alpha\n")
    folders = [str(root)]
    try:
        for _ in range(1500):
            folders.append(os.path.join(folders[-1], "d"))
            os.mkdir(folders[-1])
        with open(os.path.join(folders[-1], "deep.md"), "w") as handle:
            handle.write("deep text\n")
        profile = profile_corpus([str(root)], ["cl100k_base"])
        assert sorted(Path(d.path).name for d in profile.documents) == ["a.md", "deep.md"]
        deep = next(d for d in profile.documents if d.path.endswith("deep.md"))
        assert len(Path(deep.path).relative_to(root).parts) == 1501  # 1,500 folders and the file
        with pytest.raises(CorpusError, match="too deep for a glob; pass the folder itself"):
            profile_corpus([str(root / "**" / "*.md")], ["cl100k_base"])
    finally:  # pytest's own clean-up (shutil.rmtree) recurses per folder: take the tree down first
        Path(folders[-1], "deep.md").unlink(missing_ok=True)
        for folder in reversed(folders[1:]):
            if os.path.isdir(folder):
                os.rmdir(folder)


def test_walk_order_and_loops_unchanged(tmp_path):
    """The stack walk keeps the recursive walk's order (depth first, names sorted) and its
    symlink-loop rule."""
    root = tmp_path / "c"
    for rel in ["b/z.md", "b/a/y.md", "a.md", "c/x.md"]:
        write(root / rel, f"{rel}\n")
    os.symlink(root / "b", root / "b" / "a" / "up")
    found, skipped = discover([str(root)], CorpusOptions())
    assert [Path(f.display).relative_to(root).as_posix() for f in found] == ["a.md", "b/a/y.md", "b/z.md", "c/x.md"]
    assert [(Path(s.path).relative_to(root).as_posix(), s.reason) for s in skipped] == [
        ("b/a/up", "symlink loop (folder links back to a parent)")]


def test_one_deeply_nested_file_is_skipped_never_the_run(tmp_path):
    """SVG, HTML and notebooks nested 50,000 deep: each is read or skipped with its reason, and
    the run goes on (before: the SVG raised RecursionError and failed the run)."""
    root = tmp_path / "c"
    write(root / "a.md", "alpha\n")
    write(root / "deep.svg", '<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 50_000 + "<text>hi</text>" + "</g>" * 50_000 + "</svg>")
    write(root / "deep.html", "<div>" * 50_000 + "hello" + "</div>" * 50_000)
    write(root / "deep.ipynb", '{"cells": [{"source": "x", "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}]}")
    profile = profile_corpus([str(root)], ["cl100k_base"])
    assert sorted(Path(d.path).name for d in profile.documents) == ["a.md", "deep.html", "deep.svg"]
    assert reasons(profile) == {"deep.ipynb": "notebook is not valid JSON (RecursionError)"}


@needs_posix
def test_a_pipe_named_on_the_command_line_is_read_like_stdin(tmp_path):
    """`adaptcost count <(...)`: a pipe the user names is read (bounded by --max-file-mb, as
    standard input is); only pipes met while walking a folder are skipped."""
    import threading

    fifo = tmp_path / "stream"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "w") as handle:  # waits for the reader
            handle.write("hello from a pipe\n")

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    profile = within(20, fifo, lambda: profile_corpus([str(fifo)], ["cl100k_base"]))
    writer.join(5)
    assert [(d.path, d.tokens["cl100k_base"]) for d in profile.documents] == [
        (str(fifo), reference_count("hello from a pipe\n", "cl100k_base"))]
