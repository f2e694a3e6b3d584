"""The house in numbers: modules, the largest module, class and function, import cycles (lazy
imports inside functions and imports for type checkers included), and the imports between the
parts. `python scripts/house_metrics.py [src/adaptcost]`.

The parts and the one direction of their imports (tests/test_architecture.py holds the code to
it): a part may import itself and the parts listed after it, nothing else.

    cli → api → outputs → decision → costing → prices → corpus → ground
                evalkit → outputs
    inside evalkit: api → results → scoring → backends, datasets, stats; probes → scoring, backends, stats
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST, typing: bool = False):
    """Every node that can run: all of them but the bodies of `if TYPE_CHECKING:` blocks (those
    too with `typing`)."""
    skipped = set()
    for node in ast.walk(tree):
        if not typing and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    return [node for node in ast.walk(tree) if id(node) not in skipped]


def imports(tree: ast.AST, name: str, is_package: bool, typing: bool = False) -> set[str]:
    """Every adaptcost module this module imports at run time, at any depth (lazy imports
    included; imports for type checkers only with `typing`)."""
    found = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in _runtime_nodes(tree, typing):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("adaptcost")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            if base.startswith("adaptcost"):
                found.add(base)
                found |= {f"{base}.{a.name}" for a in node.names}
    return found


def graph(root: Path, typing: bool = False) -> tuple[dict[str, set[str]], dict[str, ast.AST], dict[str, int]]:
    """Each module's imports of other modules of the package (`typing`: those for type checkers
    too), its syntax tree and its line count."""
    trees, lines, edges = {}, {}, {}
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        text = path.read_text(encoding="utf-8")
        trees[name], lines[name] = ast.parse(text), len(text.splitlines())
    for name, tree in trees.items():
        is_package = (root.parent / Path(*name.split("."))).is_dir()
        edges[name] = {m for m in imports(tree, name, is_package, typing) if m in trees and m != name}
    return edges, trees, lines


# Each part: the modules it holds (a package, or single modules of the ground floor) and the parts
# it may import. The ground floor is what every part shares: the package's own __init__ (lazy
# exports only), errors, defaults, paths, suggest, fileio, money and the version.
GROUND = {"adaptcost", "adaptcost._version", "adaptcost.errors", "adaptcost.defaults", "adaptcost.paths",
          "adaptcost.suggest", "adaptcost.fileio", "adaptcost.money", "adaptcost.limits"}
BELOW = {
    "cli": ("api", "evalkit", "outputs", "decision", "costing", "prices", "corpus", "ground"),
    "api": ("outputs", "decision", "costing", "prices", "corpus", "ground"),
    "outputs": ("decision", "costing", "prices", "corpus", "ground"),
    "evalkit": ("outputs", "decision", "costing", "prices", "corpus", "ground"),  # outputs: the one CSV writer
    "decision": ("costing", "prices", "corpus", "ground"),
    "costing": ("prices", "corpus", "ground"),
    "prices": ("corpus", "ground"),
    "corpus": ("ground",),
    "ground": (),
}
EVALKIT_BELOW = {
    "evalkit.api": ("evalkit.results", "evalkit.scoring", "evalkit.backends", "evalkit.datasets", "evalkit.stats"),
    "evalkit.probes": ("evalkit.scoring", "evalkit.backends", "evalkit.stats"),  # quality measured on the buyer's corpus
    "evalkit.results": ("evalkit.scoring", "evalkit.stats"),
    "evalkit.scoring": ("evalkit.backends", "evalkit.datasets", "evalkit.stats"),
    "evalkit.backends": (),
    "evalkit.datasets": ("evalkit.stats",),  # the claim bar a split is measured against
    "evalkit.stats": (),
    "evalkit": (),  # the package's __init__: a docstring
}


def part_of(module: str) -> str:
    """The part a module belongs to: `cli`, `api` (with __main__), a core package, or `ground`."""
    if module in GROUND:
        return "ground"
    top = module.split(".")[1]
    return {"__main__": "cli"}.get(top, top)


def evalkit_part_of(module: str) -> str:
    return ".".join(module.split(".")[1:3])


def wrong_way(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Every import that runs against the parts' direction: (importer, imported)."""
    out = []
    for a, targets in sorted(edges.items()):
        for b in sorted(targets):
            pa, pb = part_of(a), part_of(b)
            if pa != pb and pb not in BELOW[pa]:
                out.append((a, b))
            elif pa == pb == "evalkit":
                ea, eb = evalkit_part_of(a), evalkit_part_of(b)
                if ea != eb and eb not in EVALKIT_BELOW[ea]:
                    out.append((a, b))
    return out


def part_graph(edges: dict[str, set[str]]) -> dict[tuple[str, str], int]:
    """Imports between parts, counted: {(importer part, imported part): modules pairs}."""
    out: dict[tuple[str, str], int] = {}
    for a, targets in edges.items():
        for b in targets:
            if part_of(a) != part_of(b):
                key = (part_of(a), part_of(b))
                out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:  # the old limit back after: other code (and tests in the same process) count on it
        for v in edges:
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return out


def largest(trees: dict[str, ast.AST], kind) -> tuple[int, str]:
    best = (0, "")
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, kind):
                size = node.end_lineno - node.lineno + 1
                best = max(best, (size, f"{name}.{node.name}"))
    return best


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "src" / "adaptcost")
    edges, trees, lines = graph(root, typing=True)
    big = max(lines.items(), key=lambda kv: kv[1])
    print(f"modules: {len(trees)}, lines: {sum(lines.values())}")
    print(f"largest module: {big[0]} ({big[1]} lines)")
    print("largest class: {1} ({0} lines)".format(*largest(trees, ast.ClassDef)))
    print("largest function: {1} ({0} lines)".format(*largest(trees, (ast.FunctionDef, ast.AsyncFunctionDef))))
    found = cycles(edges)
    print(f"import cycles (lazy and type-checking imports included): {len(found)}")
    for comp in found:
        print("  " + " ⇄ ".join(comp))
    print("imports between the parts (module pairs):")
    for (a, b), n in part_graph(edges).items():
        print(f"  {a} → {b}: {n}")
    against = wrong_way(edges)
    print(f"imports against the parts' direction: {len(against)}")
    for a, b in against:
        print(f"  {a} → {b}")


if __name__ == "__main__":
    main()
