"""The shape of the house: parts that import one way only (scripts/house_metrics.py names them), no
import cycles (lazy and type-checking imports included), a core that imports neither the command
line nor its rendering, and a command line that starts without the heavy libraries."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "adaptcost"
spec = importlib.util.spec_from_file_location("house_metrics", ROOT / "scripts" / "house_metrics.py")
house = importlib.util.module_from_spec(spec)
spec.loader.exec_module(house)



def presentation(module: str) -> bool:
    """The presentation layer: the CLI and what renders for a terminal. Everything else is the core."""
    return house.part_of(module) == "cli"


def test_no_import_cycles():
    edges, _, _ = house.graph(PACKAGE, typing=True)
    assert house.cycles(edges) == []


def test_every_import_runs_the_parts_direction():
    edges, trees, _ = house.graph(PACKAGE, typing=True)
    assert house.wrong_way(edges) == []
    # every module belongs to a declared part: a new package must say where it stands
    assert {house.part_of(m) for m in trees} <= set(house.BELOW)
    assert {house.evalkit_part_of(m) for m in trees if house.part_of(m) == "evalkit"} <= set(house.EVALKIT_BELOW)


def test_the_direction_check_finds_a_planted_import(tmp_path):
    pkg = tmp_path / "adaptcost"
    for folder in ("corpus", "prices", "evalkit/stats", "evalkit/scoring"):
        (pkg / folder).mkdir(parents=True)
        (pkg / folder / "__init__.py").write_text('"""A part."""\n')
    (pkg / "__init__.py").write_text("")
    (pkg / "corpus" / "discover.py").write_text("def f():\n    from ..prices.book import g\n")  # lazy, and upward
    (pkg / "prices" / "book.py").write_text("from ..corpus import discover\n")  # downward: allowed
    (pkg / "evalkit" / "stats" / "paired.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                                         "    from ..scoring.runner import Record\n")  # type-only, upward
    (pkg / "evalkit" / "scoring" / "runner.py").write_text("from ..stats import paired\n")
    edges, _, _ = house.graph(pkg, typing=True)
    assert house.wrong_way(edges) == [("adaptcost.corpus.discover", "adaptcost.prices.book"),
                                      ("adaptcost.evalkit.stats.paired", "adaptcost.evalkit.scoring.runner")]
    assert house.cycles(edges) == [["adaptcost.corpus.discover", "adaptcost.prices.book"],
                                   ["adaptcost.evalkit.scoring.runner", "adaptcost.evalkit.stats.paired"]]


def test_every_package_says_what_it_owns_and_may_import():
    for init in PACKAGE.rglob("__init__.py"):
        if init.parent == PACKAGE:
            continue
        tree = house.ast.parse(init.read_text(encoding="utf-8"))
        doc = house.ast.get_docstring(tree) or ""
        assert len(doc) > 80, init
        assert "import" in doc.lower(), (init, "say what the part may import")


def test_the_cycle_finder_finds_a_planted_cycle(tmp_path):
    pkg = tmp_path / "adaptcost"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from .b import g\n")  # a lazy import is still an import
    (pkg / "b.py").write_text("from . import a\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import f\n")
    edges, _, _ = house.graph(pkg)
    assert house.cycles(edges) == [["adaptcost.a", "adaptcost.b"]]


def test_core_imports_no_presentation():
    edges, trees, _ = house.graph(PACKAGE)
    for name, tree in trees.items():
        if presentation(name):
            continue
        assert not {m for m in edges[name] if presentation(m)}, name
        third_party = {n.names[0].name.split(".")[0] for n in house._runtime_nodes(tree) if isinstance(n, house.ast.Import)}
        third_party |= {(n.module or "").split(".")[0] for n in house._runtime_nodes(tree)
                        if isinstance(n, house.ast.ImportFrom) and not n.level}
        assert not third_party & {"typer", "rich", "click"}, name


def test_help_starts_without_the_heavy_libraries():
    probe = ("import sys, runpy\nsys.argv = ['adaptcost', '--help']\n"
             "try:\n    runpy.run_module('adaptcost', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in ('scipy', 'matplotlib', 'torch', 'numpy', 'yaml', 'jsonschema') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_help_text_names_every_encoding():
    from adaptcost.corpus.encodings import ENCODINGS
    from adaptcost.defaults import ENCODING_NAMES

    assert ENCODING_NAMES == ENCODINGS


def test_a_warm_recommend_starts_without_the_heavy_libraries(tmp_path):
    # bench/cli_latency.py's warm-cache recommend: once the count cache, the validated price
    # tables and their parse are remembered, a text recommendation needs none of these.
    probe = ("import sys, runpy\nsys.argv = ['adaptcost', 'recommend', '--corpus', 'examples/corpus', '--queries-per-day', '5000']\n"
             "try:\n    runpy.run_module('adaptcost', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "heavy = ('scipy.optimize', 'scipy.linalg', 'matplotlib', 'torch', 'yaml', 'jsonschema', 'tiktoken', 'pydantic',\n"
             "         'rich.markdown', 'rich.progress')\n"
             "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)")
    env = {**__import__("os").environ, "ADAPTCOST_CACHE_DIR": str(tmp_path)}
    for _ in range(2):  # the first run fills the caches
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
        assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"
