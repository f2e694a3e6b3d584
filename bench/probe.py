"""`adaptcost probe` on a documentation folder of about 200k tokens, generated here.

    python bench/probe.py build [--tokens 200000] [--seed 0] [--keep FOLDER]

build: writes a seeded documentation folder (product pages with key: value lines and spec
tables, policies, tool pages, a glossary, a CSV price list, a family table; ~200k cl100k tokens),
then times `build_probes` on it (no count cache: every document read, extracted and chunked) and
prints the probes per type, the guessable share and the seconds. The target (issue 17): ≤ 30 s
and ≥ 300 probes on 2 cores.

    python bench/probe.py run [--corpus examples/corpus] [--limit 200] [--arms base,icl,rag] [--retrievers bm25]
                              [--precision fp32|bf16]

run: `adaptcost probe build` then `adaptcost probe run --arms ... --limit N` with the local model,
as a user runs them, from an empty cache (a temporary cache folder), and prints each command's
wall time and the seconds each arm's stage took (from the progress lines). The target (issue 17):
200 probes, base + icl + rag, ≤ 10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
import time
from pathlib import Path

SYLLABLES = "ka lo mi ra ne tu vo si da pe lu zo ri fa no be ta ki mo su ve la go pi".split()
CATEGORIES = ["air quality monitor", "water meter", "noise sensor", "gateway", "calibrator", "data logger", "thermostat",
              "occupancy sensor", "weather station", "energy meter"]
USES = ["schools", "hospitals", "offices", "warehouses", "laboratories", "municipalities", "ports", "data centres"]
ROLES = ["ticketing", "paging", "continuous integration", "secrets vault", "data warehouse", "expense", "HR portal",
         "release", "monitoring", "documentation"]
FIRST = ["Ana", "Marc", "Els", "Nadia", "Owen", "Chloé", "Rafał", "Tiago", "Ines", "Lukas", "Joana", "Pieter", "Dana", "Katrien"]
LAST = ["Sousa", "Dubois", "Peeters", "Haddad", "Gallagher", "Lefèvre", "Nowak", "Carvalho", "Moreau", "Brenner", "Maes"]
CITIES = ["Ghent", "Porto", "Austin", "Lyon", "Kraków", "Leeds", "Utrecht", "Bilbao"]
UNITS = [("days", 1, 90), ("hours", 1, 48), ("months", 1, 36), ("%", 1, 60), ("km", 1, 500), ("minutes", 1, 120)]


def _name(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _quantity(rng: random.Random) -> str:
    unit, low, high = rng.choice(UNITS)
    return f"{rng.randint(low, high)} {unit}" if unit != "%" else f"{rng.randint(low, high)} %"


class World:
    """The fictional company the folder describes: families, products, tools, teams."""

    def __init__(self, rng: random.Random, products: int):
        names = set()
        while len(names) < products // 4 + 12:
            names.add(_name(rng, 3))
        names = sorted(names)
        self.families = {f: rng.choice(CATEGORIES) for f in names[: products // 4]}
        self.tools = {t: rng.choice(ROLES) for t in names[products // 4:]}
        self.products = []
        for i in range(products):
            family = rng.choice(sorted(self.families))
            self.products.append({"name": f"{family} {100 + 10 * i}", "family": family, "sku": f"SKU-{family[:3].upper()}-{100 + 10 * i}",
                                  "eur": rng.randint(19, 2999), "manager": _person(rng), "firmware": f"{rng.randint(1, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
                                  "city": rng.choice(CITIES), "use": rng.choice(USES), "weight": f"{rng.randint(80, 2400)} g"})


def _product_page(rng: random.Random, world: World, p: dict) -> str:
    older = rng.choice(world.products)
    tool = rng.choice(sorted(world.tools))
    lines = [f"# {p['name']}", "",
             f"**Product manager:** {p['manager']} · **Current firmware:** {p['firmware']} · **Assembled in:** {p['city']}", "",
             f"The {p['name']} is a {world.families[p['family']]} for {p['use']}.",
             f"The {p['name']} replaces the {older['name']}." if older is not p else "",
             f"The {p['name']} requires {tool} {rng.randint(1, 4)}.{rng.randint(0, 9)} or later.", ""]
    for _ in range(rng.randint(4, 8)):
        lines.append(f"Customers in {rng.choice(USES)} report readings every {_quantity(rng)}, and a battery lasts about "
                     f"{rng.randint(2, 40)} months under normal use. The warranty covers {rng.randint(1, 5)} years of service, "
                     f"and support answers within {rng.randint(1, 72)} hours.")
    lines += ["", "## Specifications", "", "| Property | Value |", "|---|---|",
              f"| Weight | {p['weight']} |", f"| Operating range | 0–{rng.randint(35, 60)} °C |",
              f"| Reporting interval | {rng.randint(1, 15)} minutes |", f"| Radio | {rng.choice(['LoRaWAN', 'Wi-Fi', 'LTE-M', 'Zigbee'])} |", ""]
    return "\n".join(lines)


def _tool_page(rng: random.Random, world: World, tool: str) -> str:
    other = rng.choice(sorted(world.tools))
    lines = [f"# {tool}", "", f"Owner: {_person(rng)}", f"Hosted in: {rng.choice(CITIES)}", "",
             f"{tool} is the {world.tools[tool]} system of the company.", f"{tool} uses {other} for sign-in." if other != tool else "", ""]
    for _ in range(rng.randint(6, 12)):
        lines.append(f"Requests to {tool} are answered within {_quantity(rng)}; access reviews happen every {rng.randint(1, 12)} months, "
                     f"and logs are kept for {rng.randint(7, 400)} days before deletion.")
    return "\n".join(lines)


def _policy(rng: random.Random, n: int) -> str:
    lines = [f"# Policy {n}: {rng.choice(['travel', 'leave', 'expenses', 'security', 'retention', 'procurement'])}", "",
             "| Rule | Limit | Approver |", "|---|---|---|"]
    for i in range(rng.randint(4, 9)):
        lines.append(f"| Rule {n}.{i} | {_quantity(rng)} | {_person(rng)} |")
    lines.append("")
    for _ in range(rng.randint(10, 20)):
        lines.append(f"Claims older than {rng.randint(10, 120)} days are rejected unless Finance grants an exception. "
                     f"Hotel costs up to €{rng.randint(90, 260)} per night are reimbursed in {rng.choice(CITIES)}. "
                     f"Trips under {rng.randint(100, 800)} km go by rail.")
    return "\n".join(lines)


def write_folder(root: Path, tokens: int, seed: int) -> Path:
    """A documentation folder of about `tokens` cl100k tokens (≈ 4.2 characters a token here)."""
    rng = random.Random(seed)
    world = World(rng, max(40, tokens // 1500))
    root.mkdir(parents=True, exist_ok=True)
    budget, written, n = tokens * 4.2, 0, 0
    for p in world.products:
        text = _product_page(rng, world, p)
        (root / "products").mkdir(exist_ok=True)
        (root / "products" / f"{p['sku'].lower()}.md").write_text(text, encoding="utf-8")
        written += len(text)
    for tool in sorted(world.tools):
        text = _tool_page(rng, world, tool)
        (root / "tools").mkdir(exist_ok=True)
        (root / "tools" / f"{tool.lower()}.md").write_text(text, encoding="utf-8")
        written += len(text)
    glossary = ["# Glossary", ""] + [f"**{f}** — the {c} family." for f, c in sorted(world.families.items())] + \
               [f"**{t}** — the {r} system." for t, r in sorted(world.tools.items())]
    (root / "glossary.md").write_text("\n".join(glossary) + "\n", encoding="utf-8")
    out = io.StringIO()
    table = csv.writer(out, lineterminator="\n")
    table.writerow(["sku", "product", "family", "price_eur", "status"])
    for p in world.products:
        table.writerow([p["sku"], p["name"], p["family"], f"{p['eur']}.00", rng.choice(["active", "end-of-sale", "preview"])])
    (root / "price-list.csv").write_text(out.getvalue(), encoding="utf-8")
    while written < budget:
        n += 1
        text = _policy(rng, n)
        (root / "policies").mkdir(exist_ok=True)
        (root / "policies" / f"policy-{n:03d}.md").write_text(text, encoding="utf-8")
        written += len(text)
    return root


def build(args) -> None:
    from adaptcost.corpus.discover import CorpusOptions
    from adaptcost.evalkit.probes.build import BuildRequest, build_probes
    from adaptcost.corpus.encodings import get_counter

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_folder(Path(args.keep or tmp) / "docs", args.tokens, args.seed)
        text_tokens = sum(get_counter("cl100k_base").count(p.read_text(encoding="utf-8")) for p in folder.rglob("*") if p.is_file())
        start = time.perf_counter()
        result = build_probes(BuildRequest((str(folder),), Path(tmp) / "probes.jsonl", seed=args.seed,
                                           corpus_options=CorpusOptions(use_cache=False)))
        seconds = time.perf_counter() - start
    probes = result.probes
    guessable = sum(any(p["guessable"].values()) for p in probes)
    print(f"folder: {result.header['corpus']['documents']} documents, {text_tokens} cl100k tokens")
    print(f"probe build: {seconds:.1f} s, {len(probes)} probes ({', '.join(f'{t} {n}' for t, n in result.header['types'].items())})")
    print(f"guessable: {guessable} ({guessable / max(len(probes), 1):.1%}; options-only {result.header['guessable']['options_only']}, "
          f"question-only {result.header['guessable']['question_only']})")
    print(f"target: <= 30 s and >= 300 probes: {'met' if seconds <= 30 and len(probes) >= 300 else 'NOT met'}")


def run(args) -> None:
    import os
    import re
    import subprocess
    import sys

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ADAPTCOST_CACHE_DIR": str(Path(tmp) / "cache")}
        command = [sys.executable, "-m", "adaptcost", "probe"]
        probes, curves = Path(tmp) / "probes.jsonl", Path(tmp) / "curves.yaml"
        timed = []
        for argv in (["build", "--corpus", args.corpus, "--output", str(probes)],
                     ["run", str(probes), "--corpus", args.corpus, "--output", str(curves), "--arms", args.arms,
                      "--retrievers", args.retrievers, "--limit", str(args.limit), "--precision", args.precision]):
            start = time.perf_counter()
            done = subprocess.run(command + argv, env=env, capture_output=True, text=True)
            timed.append((argv[0], time.perf_counter() - start))
            if done.returncode:
                sys.exit(f"probe {argv[0]} failed: {done.stderr.strip()[-500:]}")
            stages = {}
            for line in done.stderr.splitlines():  # "stage: done/total (elapsed 12 s)" off a terminal
                found = re.match(r"\s*(.+?): (\d+)/(\d+) \(elapsed ([\d.]+) s\)", line)
                if found:
                    stages.setdefault(found[1], []).append(float(found[4]))
            for stage, elapsed in stages.items():
                print(f"  {argv[0]} · {stage}: {max(elapsed) - min(elapsed):.0f} s")
    for name, seconds in timed:
        print(f"probe {name}: {seconds:.0f} s")
    minutes = timed[-1][1] / 60
    print(f"target: {args.limit} probes ({args.arms}) <= 10 min: {minutes:.1f} min, {'met' if minutes <= 10 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="time probe build on a generated ~200k-token documentation folder")
    b.add_argument("--tokens", type=int, default=200_000)
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--keep", help="write the folder here (kept) instead of a temporary folder")
    b.set_defaults(run=build)
    r = commands.add_parser("run", help="time probe build + probe run with the local model on a corpus")
    r.add_argument("--corpus", default=str(Path(__file__).resolve().parents[1] / "examples" / "corpus"))
    r.add_argument("--limit", type=int, default=200)
    r.add_argument("--arms", default="base,icl,rag")
    r.add_argument("--retrievers", default="bm25")
    r.add_argument("--precision", default="fp32", choices=("fp32", "bf16"))
    r.set_defaults(run=run)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
