"""Reading the YAML inputs (--pricing, pricing validate, --scenario, curves): bounded in size, in
what aliases may expand to, and in depth (issue 20)."""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest

from adaptcost.errors import AdaptcostError
from adaptcost.fileio import MAX_INPUT_BYTES, YAML_ALIAS_EXTRA_NODES, parse_yaml, read_bytes
from builders import EXAMPLES, assert_clean_error, invoke


def alias_bomb(levels: int) -> str:
    """The "billion laughs" in YAML: anchor a0 lists nine strings, each next anchor nine aliases of
    the one before; a{levels-1} expands to 9**levels strings (10 levels: 3,486,784,401)."""
    lines = ["schema: adaptcost-pricing/2", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_fast_with_small_memory():
    """Before: the parsed-YAML cache expanded the shared lists into a tree and grew past 2.7 GB.
    Now the composed node graph is measured (9**10 nodes written in ~500 bytes) and refused."""
    text = alias_bomb(10)
    assert len(text) < 600
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(AdaptcostError) as caught:
            parse_yaml(text, Path("bomb.yaml"))
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(caught.value) == ("bomb.yaml: YAML aliases expand the document past 1,000,000 extra nodes "
                                 "(an alias bomb?); not loaded")
    assert peak < 10 << 20 and elapsed < 5


def test_a_small_alias_bomb_is_refused_too():
    """9**7 = 4,782,969 strings from seven anchors: 4.78 million nodes more than the ~70 written,
    past the 1,000,000 allowed (before: parsed and cached, a few hundred MB)."""
    with pytest.raises(AdaptcostError, match="alias bomb"):
        parse_yaml(alias_bomb(7), Path("seven.yaml"))


def test_aliases_that_add_little_still_load():
    """Anchors for shared settings are ordinary YAML: 9**6 = 531,441 expanded strings (six anchors)
    add fewer than YAML_ALIAS_EXTRA_NODES nodes and load, shared."""
    assert 9 ** 6 < YAML_ALIAS_EXTRA_NODES
    data = parse_yaml(alias_bomb(6), Path("six.yaml"))
    assert data["a5"][0] is data["a4"]
    text = "base: &b {input: 1.0, output: 2.0}\nmodels:\n  - {name: x, usd_per_mtok: *b}\n  - {name: y, usd_per_mtok: *b}\n"
    assert parse_yaml(text, Path("shared.yaml"))["models"][1]["usd_per_mtok"] == {"input": 1.0, "output": 2.0}


def test_an_alias_inside_its_own_anchor_is_refused():
    with pytest.raises(AdaptcostError, match="^loop.yaml: a YAML alias refers to a node that contains it; not loaded$"):
        parse_yaml("a: &x [1, *x]\n", Path("loop.yaml"))


def test_yaml_nested_too_deep_is_one_line_without_libyaml(monkeypatch):
    """PyYAML's pure-Python composer recurses per level (RecursionError, a traceback, before);
    libyaml stops at depth 1,000 itself. Either way: one line naming the file."""
    import yaml

    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    with pytest.raises(AdaptcostError, match="^deep.yaml: (YAML nested too deeply to read|malformed YAML)"):
        parse_yaml("[" * 5000 + "]" * 5000, Path("deep.yaml"))


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="POSIX /dev/zero")
def test_an_endless_input_is_read_no_further_than_the_limit(tmp_path):
    """--pricing pointing at /dev/zero: before, read until memory ran out. Now at most
    MAX_INPUT_BYTES + 1 bytes are read and the file is refused in one line."""
    link = tmp_path / "prices.yaml"
    os.symlink("/dev/zero", link)
    with pytest.raises(AdaptcostError, match=rf"^{link}: pricing file larger than the {MAX_INPUT_BYTES >> 20} MiB"):
        read_bytes(link, "pricing file")
    with pytest.raises(AdaptcostError, match="larger than"):
        read_bytes(link, "pricing file", limit=10)


@pytest.mark.parametrize("command", [
    ("pricing", "validate", "{bomb}"),
    ("recommend", "--corpus", EXAMPLES, "--queries-per-day", "10", "--pricing", "{bomb}"),
    ("recommend", "--corpus", EXAMPLES, "--scenario", "{bomb}"),
])
def test_alias_bomb_in_each_yaml_input_is_one_line(tmp_path, command):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(10))
    result = invoke(*[str(part).replace("{bomb}", str(bomb)) for part in command])
    assert_clean_error(result, f"{bomb}: YAML aliases expand the document", "alias bomb")
