"""Token-counting throughput: adaptcost against a plain single-threaded tiktoken loop, same run.

    python bench/count_throughput.py [--mb 200] [--encoding o200k_base] [--keep DIR] [--big-gb 3]

Generates a corpus of at least --mb megabytes of text files (varied English-like prose, markdown,
numbers, code and non-Latin text, built from the bundled example corpus), then measures:

1. baseline: tiktoken's encode_ordinary over each file, one thread (the obvious implementation);
2. adaptcost's counter (the verified quicktok fast path, spread over all cores) on the same texts;
3. `adaptcost count` end to end (discovery, reading, hashing, sentence splitting, counting,
   writing the count cache), first run on an empty cache;
4. the same command again, now served by the cache (a file scan).

Counts must be identical between 1, 2 and 3; the script exits non-zero otherwise.

With --big-gb N it then writes a folder of N GB (every file distinct, one of them 40 MB) and runs
`adaptcost count` on it in a child process, twice (empty cache, then cached), printing throughput
and the child's peak resident memory: it should follow the largest file, not the folder.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seed_texts() -> list[str]:
    from adaptcost.corpus.extract import extract

    texts = []
    for path in sorted((ROOT / "examples" / "corpus").rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            try:
                texts.append(extract(path, path.read_bytes()).text)
            except Exception:
                continue
    texts.append("def count(xs):\n    return sum(1 for x in xs if x % 3 == 0)  # 日本語 コメント\n")
    texts.append("Привет, мир! Это тестовый документ. Σημείωση: η τιμή είναι 12,50 €.\n")
    return texts


def generate(folder: Path, megabytes: int, seed: int = 7) -> list[Path]:
    """Files of ~100 kB each, mixing shuffled paragraphs so no two files are identical."""
    rng = random.Random(seed)
    paragraphs = [p for t in seed_texts() for p in t.split("\n\n") if p.strip()]
    target, written, paths = megabytes * 1_000_000, 0, []
    while written < target:
        parts, size = [], 0
        while size < 100_000:
            p = rng.choice(paragraphs)
            if rng.random() < 0.3:  # vary the words so the texts are not all cache-friendly repeats
                words = p.split(" ")
                rng.shuffle(words)
                p = " ".join(words) + f" {rng.randint(0, 10**6)}"
            parts.append(p)
            size += len(p) + 2
        text = "\n\n".join(parts)
        path = folder / f"part{len(paths) // 100:03d}" / f"doc{len(paths):05d}.{rng.choice(['md', 'txt'])}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written += len(text.encode("utf-8"))
        paths.append(path)
    return paths


def generate_big(folder: Path, gigabytes: float, seed_folder: Path) -> tuple[int, int, int]:
    """Write `gigabytes` of distinct text files (each a seed file with its own first line), plus
    one 40 MB file; return (files, bytes, largest file's bytes)."""
    seeds = [p.read_bytes() for p in sorted(seed_folder.rglob("*.*"))]
    target, written, n = int(gigabytes * 1e9), 0, 0
    big = b"".join(seeds[:400])[:40_000_000]
    (folder / "big").mkdir(parents=True, exist_ok=True)
    (folder / "big" / "large.md").write_bytes(big)
    written += len(big)
    while written < target:
        data = f"Document {n}: generated for the memory bench.\n\n".encode() + seeds[n % len(seeds)]
        path = folder / f"part{n // 1000:04d}" / f"doc{n:06d}.md"
        if n % 1000 == 0:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written += len(data)
        n += 1
    return n + 1, written, len(big)


def count_in_child(folder: Path, cache: Path, encoding: str) -> tuple[float, float]:
    """`adaptcost count` in a child process: (seconds, the child's peak RSS in MB)."""
    env = {**os.environ, "ADAPTCOST_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT / "src")}
    # VmHWM, not ru_maxrss: a child's ru_maxrss starts from the (large) parent's at fork
    code = ("import sys; from adaptcost.cli import app\n"
            "try: app(sys.argv[1:])\n"
            "except SystemExit: pass\n"
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
            "print(hwm, file=sys.stderr)")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, "count", str(folder), "-e", encoding, "--format", "csv",
                           "--output", str(cache / "counts.csv")], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"adaptcost count failed: {done.stderr}")
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024


def big_run(gigabytes: float, seed_folder: Path, work: Path, encoding: str, baseline_mb_s: float) -> None:
    folder = work / "big"
    (files, size, largest), gen_s = timed(lambda: generate_big(folder, gigabytes, seed_folder))
    mb = size / 1e6
    print(f"\nbig folder: {files:,} files, {mb / 1000:.2f} GB, largest file {largest / 1e6:.0f} MB (written in {gen_s:.0f} s)")
    first_s, first_rss = count_in_child(folder, work / "big-cache", encoding)
    again_s, again_rss = count_in_child(folder, work / "big-cache", encoding)
    print(f"{'adaptcost count, end to end':34s} {first_s:7.1f} s {mb / first_s:8.1f} MB/s {mb / first_s / baseline_mb_s:5.2f}×  peak RSS {first_rss:,.0f} MB")
    print(f"{'adaptcost count, cached re-run':34s} {again_s:7.1f} s  {again_s / first_s:6.1%} of the first run     peak RSS {again_rss:,.0f} MB")
    shutil.rmtree(folder, ignore_errors=True)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--encoding", default="o200k_base")
    parser.add_argument("--keep", type=Path, help="generate into (and keep) this folder")
    parser.add_argument("--big-gb", type=float, help="also count a folder of this many GB in a child process, printing peak RSS")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="adaptcost-bench-"))
    os.environ["ADAPTCOST_CACHE_DIR"] = str(work / "cache")
    corpus = args.keep or work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    from adaptcost.corpus.discover import CorpusOptions, profile_corpus
    from adaptcost.corpus.encodings import get_counter

    paths, gen_s = timed(lambda: sorted(corpus.rglob("*.*")) or generate(corpus, args.mb))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    total_mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"corpus: {len(paths)} files, {total_mb:.1f} MB (generated in {gen_s:.1f} s); {os.cpu_count()} cores")

    reference = get_counter(args.encoding, fast=False)  # plain tiktoken
    fast = get_counter(args.encoding)
    print(f"baseline: {reference.describe()}\nadaptcost: {fast.describe()}")

    enc = reference._tiktoken
    base_counts, base_s = timed(lambda: [len(enc.encode_ordinary(t)) for t in texts])
    fast_counts, fast_s = timed(lambda: fast.count_many(texts))
    options = CorpusOptions(fast=True)
    profile, first_s = timed(lambda: profile_corpus([str(corpus)], [args.encoding], options))
    again, cached_s = timed(lambda: profile_corpus([str(corpus)], [args.encoding], options))

    by_path = {d.path: d.tokens[args.encoding] for d in profile.documents}
    pipeline_counts = [by_path[os.path.join(str(corpus), str(p.relative_to(corpus)))] for p in paths]
    identical = base_counts == list(fast_counts) == pipeline_counts
    tokens = sum(base_counts)
    print(f"tokens: {tokens:,}; identical counts: {identical}")
    print(f"{'plain tiktoken, 1 thread':34s} {base_s:7.2f} s {total_mb / base_s:8.1f} MB/s  1.00×")
    print(f"{'adaptcost counter':34s} {fast_s:7.2f} s {total_mb / fast_s:8.1f} MB/s {base_s / fast_s:5.2f}×")
    print(f"{'adaptcost count, end to end':34s} {first_s:7.2f} s {total_mb / first_s:8.1f} MB/s {base_s / first_s:5.2f}×")
    print(f"{'adaptcost count, cached re-run':34s} {cached_s:7.2f} s  {cached_s / first_s:6.1%} of the first run "
          f"({again.cache_hits}/{again.n_documents} from cache)")
    if args.big_gb:
        big_run(args.big_gb, corpus, work, args.encoding, total_mb / base_s)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
