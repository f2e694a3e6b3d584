"""The shape of the house: no import cycles (lazy imports included), a core that imports neither
the command line nor its rendering, and a command line that starts without the heavy libraries."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "adaptcost"
spec = importlib.util.spec_from_file_location("house_metrics", ROOT / "scripts" / "house_metrics.py")
house = importlib.util.module_from_spec(spec)
spec.loader.exec_module(house)

# The presentation layer: the CLI and what renders for a terminal. Everything else is the core.
PRESENTATION = {"adaptcost.cli", "adaptcost.cli.app", "adaptcost.cli.options", "adaptcost.cli.terminal", "adaptcost.cli.views",
                "adaptcost.__main__"}


def test_no_import_cycles():
    edges, _, _ = house.graph(PACKAGE)
    assert house.cycles(edges) == []


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
        if name in PRESENTATION:
            continue
        assert not edges[name] & PRESENTATION, (name, edges[name] & PRESENTATION)
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
    from adaptcost.defaults import ENCODING_NAMES
    from adaptcost.encodings import ENCODINGS

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
