"""The house in numbers: modules, the largest module, class and function, and import cycles
(lazy imports inside functions included). `python scripts/house_metrics.py [src/adaptcost]`."""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST):
    """Every node that can run: all of them but the bodies of `if TYPE_CHECKING:` blocks."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    return [node for node in ast.walk(tree) if id(node) not in skipped]


def imports(tree: ast.AST, name: str, is_package: bool) -> set[str]:
    """Every adaptcost module this module imports at run time, at any depth (lazy imports
    included; imports for type checkers only are not imports)."""
    found = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in _runtime_nodes(tree):
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


def graph(root: Path) -> tuple[dict[str, set[str]], dict[str, ast.AST], dict[str, int]]:
    trees, lines, edges = {}, {}, {}
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        text = path.read_text(encoding="utf-8")
        trees[name], lines[name] = ast.parse(text), len(text.splitlines())
    for name, tree in trees.items():
        is_package = (root.parent / Path(*name.split("."))).is_dir()
        edges[name] = {m for m in imports(tree, name, is_package) if m in trees and m != name}
    return edges, trees, lines


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

    sys.setrecursionlimit(10_000)
    for v in edges:
        if v not in index:
            visit(v)
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
    edges, trees, lines = graph(root)
    big = max(lines.items(), key=lambda kv: kv[1])
    print(f"modules: {len(trees)}")
    print(f"largest module: {big[0]} ({big[1]} lines)")
    print("largest class: {1} ({0} lines)".format(*largest(trees, ast.ClassDef)))
    print("largest function: {1} ({0} lines)".format(*largest(trees, (ast.FunctionDef, ast.AsyncFunctionDef))))
    found = cycles(edges)
    print(f"import cycles (lazy imports included): {len(found)}")
    for comp in found:
        print("  " + " ⇄ ".join(comp))


if __name__ == "__main__":
    main()
