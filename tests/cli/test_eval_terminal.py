"""`adaptcost eval` at the terminal and off it: progress lines in a log, --device, `eval show` at
80 and 120 columns, the --cache help."""

from __future__ import annotations

import io
import re

import pytest
import yaml
from rich.console import Console

from builders import assert_clean_error, invoke

BUNDLED = ("smollm2-135m-default", "smollm2-135m-quick", "paper-reference")


# ------------------------------------------------------------------ progress lines off a terminal


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def log(monkeypatch):
    """What _Progress prints to stderr, as a log file gets it (not a terminal)."""
    from adaptcost.cli import terminal

    stream = io.StringIO()
    monkeypatch.setattr(terminal, "_err", lambda: Console(file=stream, highlight=False, width=200))
    return stream


def _lines(stream) -> list[str]:
    return stream.getvalue().splitlines()


def test_progress_lines_are_throttled_by_time_with_elapsed(log):
    from adaptcost.cli.terminal import _Progress

    clock = Clock()
    with _Progress(lines=True, clock=clock, heartbeat=False) as bar:
        bar("training", 0, 100)  # a stage's start: a line
        for done in range(1, 100):
            clock.now += 0.5  # a step every half second: a line every 5 s (10 steps), not every tenth
            bar("training", done, 100)
        bar("training", 100, 100)  # its end: a line
        bar("scoring", 0, 1)
        bar("scoring", 1, 1)
    assert _lines(log) == [
        "training: 0/100 (elapsed 0 s)",
        *(f"training: {k}/100 (elapsed {k // 2} s)" for k in range(10, 100, 10)),
        "training: 100/100 (elapsed 50 s)",
        "scoring: 0/1 (elapsed 50 s)",
        "scoring: 1/1 (elapsed 50 s)",
    ]


def test_heartbeat_repeats_the_stage_in_progress_when_its_work_is_silent(log):
    # a long scoring call reports nothing between its start and end: the heartbeat says it still runs
    from adaptcost.cli.terminal import _Progress

    clock = Clock()
    with _Progress(lines=True, clock=clock, heartbeat=False) as bar:
        bar("reversal · icl", 0, 1)
        bar("reversal · icl · training", 0, 2)
        bar("reversal · icl · training", 2, 2)  # an inner stage ends: the outer one is still open
        for _ in range(3):
            clock.now += 2.0
            bar.tick()  # 2 s, 4 s: quiet; 6 s: a line
        clock.now += 6.0
        bar.tick()
        bar("reversal · icl", 1, 1)
        clock.now += 60.0
        bar.tick()  # nothing open: nothing to repeat
    assert _lines(log) == [
        "reversal · icl: 0/1 (elapsed 0 s)",
        "reversal · icl · training: 0/2 (elapsed 0 s)",
        "reversal · icl · training: 2/2 (elapsed 0 s)",
        "reversal · icl: 0/1 (elapsed 6 s)",
        "reversal · icl: 0/1 (elapsed 12 s)",
        "reversal · icl: 1/1 (elapsed 12 s)",
    ]


def test_heartbeat_thread_prints_on_its_own_and_stops(log):
    import threading
    import time

    from adaptcost.cli.terminal import _Progress

    with _Progress(lines=True, every=0.05) as bar:
        bar("loading the model", 0, 1)
        deadline = time.monotonic() + 10
        while len(_lines(log)) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        bar("loading the model", 1, 1)
    assert len(_lines(log)) >= 4 and _lines(log)[-1].startswith("loading the model: 1/1")
    assert not any(t.name == "adaptcost-progress" for t in threading.enumerate())


def test_no_lines_without_lines_or_on_a_terminal(monkeypatch):
    from adaptcost.cli import terminal

    stream = io.StringIO()
    monkeypatch.setattr(terminal, "_err", lambda: Console(file=stream, highlight=False, width=200))
    with terminal._Progress("counting tokens") as bar:  # a corpus scan off a terminal: silent
        bar(1, 2)
        bar(2, 2)
    assert stream.getvalue() == ""


# ------------------------------------------------------------------ --device and --cache


def test_eval_refuses_a_device_torch_cannot_use_before_any_work(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    from adaptcost.evalkit.backends import local

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)

    def loaded(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(local, "default_model_path", loaded)
    out = tmp_path / "curves.yaml"
    result = invoke("eval", "--profile", "tiny", "--device", "cuda", "--output", out)
    assert_clean_error(result, "--device 'cuda': torch", "(use cpu or auto)")
    assert not out.exists()


@pytest.mark.parametrize("device", ["gpu", "cuda:x"])
def test_eval_refuses_an_unknown_device_name(tmp_path, device):
    result = invoke("eval", "--profile", "tiny", "--device", device, "--output", tmp_path / "c.yaml")
    assert_clean_error(result, "--device must be one of auto, cpu, cuda, mps (or cuda:N)")


def test_api_backends_take_no_device(tmp_path):
    result = invoke("eval", "--backend", "openai", "--device", "cuda", "--output", tmp_path / "c.yaml")
    assert_clean_error(result, "--device 'cuda': the 'openai' backend runs its model elsewhere")


def test_probe_run_checks_the_device_before_measuring(tmp_path):
    result = invoke("probe", "run", tmp_path / "none.jsonl", "--corpus", tmp_path, "--arms", "base", "--device", "tpu",
                    "--output", tmp_path / "c.yaml")
    assert_clean_error(result, "--device must be one of auto, cpu, cuda, mps")


def _help(*command: str) -> str:
    result = invoke(*command, "--help", width=300)
    assert result.exit_code == 0, result.output
    return re.sub(r"\s+", " ", result.output)


def test_cache_help_says_what_each_command_reuses():
    eval_help = _help("eval")
    assert "Reuse model scores and tuned weights cached on disk by content" in eval_help
    assert "token counts" not in eval_help  # eval counts no corpus tokens
    assert "auto (a CUDA GPU where torch sees one" in eval_help  # --device
    probe_help = _help("probe", "run")
    assert "Reuse the corpus' token counts and, with --arms, the model's scores" in probe_help
    assert "Reuse token counts cached by content hash" in _help("count")  # corpus commands unchanged


# ------------------------------------------------------------------ eval show at 80 and 120 columns


def _show(document: dict, width: int) -> str:
    from adaptcost.cli.views import print_curves

    stream = io.StringIO()
    print_curves(Console(file=stream, width=width, highlight=False, color_system=None), document)
    return stream.getvalue()


def _bundled(name: str) -> dict:
    from adaptcost.decision.curves import read_curves_document, resolve_curves

    return read_curves_document(resolve_curves(name))


def _check_fits(text: str, width: int, document: dict) -> None:
    lines = text.splitlines()
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    assert "…" not in text  # no header, arm name or interval cut short
    for header in ("recall", "rephrasing", "reversal", "syllogism", "category", "accuracy (95%)", "a − b (95%)", "p Holm"):
        if header in ("accuracy (95%)",) and not document.get("splits"):
            continue
        if header in ("a − b (95%)", "p Holm") and not [r for r in document.get("paired", []) if r["b"] != "base"]:
            continue
        if header in ("recall", "rephrasing", "reversal", "syllogism", "category") and not any(
                header in cells for cells in document["accuracy"].values()):
            continue
        assert re.search(rf"(^|\s){re.escape(header)}(\s|$)", text, re.M), header
    for row in document.get("splits", []):  # every arm named in full, on a line of its own table
        for arm in row["arms"]:
            assert re.search(rf"^{re.escape(arm)}\s", text, re.M), arm
    for row in document.get("paired", []):
        if row["b"] != "base":
            assert re.search(rf"^{re.escape(row['a'])}\s", text, re.M) and f"vs {row['b']}" in text


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", BUNDLED)
def test_eval_show_fits_the_terminal(name, width):
    document = _bundled(name)
    _check_fits(_show(document, width), width, document)


@pytest.mark.parametrize("width", [80, 120])
def test_eval_show_command_at_80_and_120_columns(width):
    result = invoke("eval", "show", "smollm2-135m-default", width=width)
    assert result.exit_code == 0, result.output
    _check_fits(result.stdout, width, _bundled("smollm2-135m-default"))
    assert "Per split" in result.stdout and "Paired comparisons" in result.stdout
    # which file, once: a bundled one by its name (its own name "measured" is only its kind)
    assert result.stdout.startswith("smollm2-135m-default (bundled, measured) — model")


def test_eval_show_gives_per_arm_baselines_and_descriptive_splits():
    # a file with what the harness may add beside a cell (its arm's own shortcut baselines) and a
    # split that carries no claim: both shown, still within 80 columns
    document = _bundled("smollm2-135m-default")
    row = document["splits"][0]
    row["descriptive"] = "20 items from 1 seed, 4 clusters"
    arm = next(iter(row["arms"]))
    row["arms"][arm]["baselines"] = {"frequency": 0.7, "cooccurrence": 1.0}
    text = _show(document, 80)
    _check_fits(text, 80, document)
    flat = re.sub(r"\s+", " ", text)
    assert "descriptive only: 20 items from 1 seed, 4 clusters" in flat
    assert "best shortcut co-occurrence 100%" in flat  # the arm's highest shortcut, named


def test_eval_show_of_a_written_curves_file(tmp_path):
    # the command reads a file by path as well; settings.device (where it was measured) survives
    document = _bundled("smollm2-135m-quick")
    document["settings"]["device"] = {"type": "cuda", "name": "NVIDIA H200", "torch": "2.11.0+cu130"}
    path = tmp_path / "curves.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    result = invoke("eval", "show", path, width=80)
    assert result.exit_code == 0, result.output
    _check_fits(result.stdout, 80, document)
    assert "measured on cuda: NVIDIA H200, torch 2.11.0+cu130" in result.stdout
    assert " ".join(result.stdout.split()).startswith(f"{path} (measured) — model")


def test_the_budget_bench_reads_the_progress_lines(log):
    # bench/eval_budget.py times stages from the lines _Progress prints: one format for both
    import importlib.util

    from adaptcost.cli.terminal import _Progress
    from builders import ROOT

    spec = importlib.util.spec_from_file_location("eval_budget", ROOT / "bench" / "eval_budget.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    clock = Clock()
    with _Progress(lines=True, clock=clock, heartbeat=False) as bar:
        for seed in (0, 1):
            bar(f"reversal seed {seed} · training 5 models", 0, 10)
            clock.now += 30
            bar(f"reversal seed {seed} · training 5 models", 10, 10)
            bar(f"reversal seed {seed} · icl · 1", 0, 1)
            clock.now += 12
            bar(f"reversal seed {seed} · icl · 1", 1, 1)
    # 30 s of training and 12 s of icl per seed, summed over seeds by kind
    assert bench.by_kind(bench.stage_seconds(_lines(log))) == {"training N models (side by side)": 60.0, "icl": 24.0}
