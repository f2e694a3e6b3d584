"""A recommendation as text: its JSON document (schema adaptcost-recommendation/1, built by
:mod:`adaptcost.decision.document`) and Markdown, for reports. No timestamps inside: the same
inputs give byte-identical output."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..money import money
from .caveats import unverified_pick
from .escaping import md

if TYPE_CHECKING:  # the serializer reads these objects; it never imports the modules that build them
    from ..decision.estimate import Estimate
    from ..decision.recommend import Recommendation


def grouped_models(d: dict) -> list[tuple[str, dict]]:
    """Roles that share a model, joined: [("icl, finetune, augment", model dict), ...]."""
    groups: dict[str, list] = {}
    for role, m in d["models"].items():
        groups.setdefault(m["name"], [[], m])[0].append(role)
    return [(", ".join(roles), m) for roles, m in groups.values()]


NO_BREAKEVEN = "None: fewer than two strategies are possible."  # a recommendation with no break-even to show


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """"1 document", "2 documents", "1,200 sentences/chunks": a count and its noun."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def curves_title(curves: dict) -> str:
    """Which curves file a recommendation's quality figures come from, in a few words: its path
    (a bundled file by its name), then "bundled" and its kind in brackets, and its own name where
    the path does not already show it ("smollm2-135m-default (bundled, measured)")."""
    path = curves.get("path") or curves["name"]
    bundled = path.endswith(" (bundled)")
    base = path.removesuffix(" (bundled)")
    named = curves["name"] != curves["kind"] and curves["name"] not in base
    if base == curves["kind"]:
        return base
    return (f"{curves['name']}: " if named else "") + f"{base} ({'bundled, ' if bundled else ''}{curves['kind']})"


def to_json(rec: Recommendation) -> str:
    return json.dumps(rec.to_dict(), indent=2, ensure_ascii=False) + "\n"


def to_markdown(rec: Recommendation) -> str:
    d = rec.to_dict()
    e = rec.estimate
    s = e.scenario
    caveat = unverified_pick(d)
    lines = ([f"> **{md(caveat)}**", ""] if caveat else []) + ["# adaptcost recommendation", ""]
    pick = d["recommendation"]["pick"] or "none"
    lines += [f"**Recommended: `{md(pick)}`**" + ("" if rec.meets_target else " (accuracy target not met)"), ""]
    lines += _items(rec.reasons) + [""]
    if rec.flips:
        lines += ["## What would change the answer", ""] + _items(rec.flips) + [""]
    lines += ["## Strategies", "",
              "| strategy | one-time | per refresh | per query | per hour | total over horizon | per query, amortized | expected accuracy |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for st in d["strategies"]:
        if not st["feasible"]:
            lines.append(f"| {md(st['name'])} | not possible: {md(st['reason'])} | | | | | | |")
            continue
        acc = st["expected_accuracy"]
        acc_text = f"{acc['mean']:.1%} ({acc['low']:.0%}–{acc['high']:.0%})" if acc else "—"
        band = f" ({money(st['tco_low_usd'])}–{money(st['tco_high_usd'])})" if st["tco_low_usd"] is not None else ""
        lines.append(f"| {md(st['name'])} | {money(st['one_time_usd'])} | {money(st['per_refresh_usd'])} × {st['refreshes']} | "
                     f"{money(st['per_query_usd'])} | {money(st['per_hour_usd'])} | {money(st['tco_usd'])}{band} | "
                     f"{money(st['amortized_per_query_usd'])} | {acc_text} |")
    lines += ["", "## Cost components", ""]
    for st in d["strategies"]:
        if st["feasible"]:
            lines += [f"### {md(st['name'])}", "", "| component | kind | USD | formula |", "|---|---|---:|---|"]
            lines += [f"| {md(c['label'])} | {md(c['kind'])} | {money(c['usd'])} | {md(c['formula'])} |" for c in st["components"]]
            lines += _items(st["notes"]) + [""]
    lines += ["## Break-even volumes", ""] + (_items(t for b in d["breakevens"] for t in b["text"]) or [NO_BREAKEVEN]) + [""]
    lines += _assumptions_md(d, s) + _prices_md(e)
    if d["warnings"]:
        lines += ["## Warnings", ""] + _items(d["warnings"]) + [""]
    return "\n".join(lines)


def _items(texts) -> list[str]:
    """A Markdown list, each item's text inert (escaping.md)."""
    return [f"- {md(t, item=True)}" for t in texts]


def _assumptions_md(d: dict, s) -> list[str]:
    c = d["corpus"]
    lines = ["## Assumptions", "", f"- adaptcost {md(d['tool']['version'])}",
             f"- decision date: {d['pricing']['decision_date']} (prices and lifecycle as known that day)",
             f"- corpus: {md(', '.join(c['inputs']))}: {counted(c['documents'], 'document')}, {counted(c['chunks'], 'sentence/chunk', 'sentences/chunks')}, {c['bytes']:,} bytes, {len(c['skipped'])} skipped",
             f"- extraction: {md(c['extraction'])}"]
    lines += [f"- tokens, {md(enc)}: {n:,} — {md(c['tokenizers'][enc])}" for enc, n in c["tokens"].items()]
    for roles, m in grouped_models(d):
        band = f" (range {m['corpus_tokens_low']:,}–{m['corpus_tokens_high']:,})" if not m["exact_tokens"] else ""
        lines.append(f"- model for {md(roles)}: {md(m['name'])} ({md(m['provider'])}), tokenizer {md(m['tokenizer'])}: "
                     f"corpus = {m['corpus_tokens']:,} tokens{band}")
    lines += _retrieval_md(d["retrieval"])
    lines += [f"- {md(k.replace('_', ' '))}: {md(v)}" for k, v in d["scenario"].items()]
    lines.append("- question mix: " + ", ".join(f"{md(k)} {v:.0%}" for k, v in d["recommendation"]["mix"].items()))
    source = f"{md(curves_title(d['curves']))} — {md(d['curves']['citation'])}"
    if d["curves"].get("accuracy_from"):  # a file that measures retrieval only: accuracy from the reference
        source = f"accuracy from {md(d['curves']['accuracy_from'])}; retrieval recall from {source}"
    if d["curves"].get("measured_accuracy"):  # probe run: some question types measured on this corpus
        m = d["curves"]["measured_accuracy"]
        source = f"accuracy measured on this corpus for {md(', '.join(m['question_types']))} (probe run, {md(m['with'])}); other figures: {source}"
    lines.append(f"- quality figures: {source}")
    lines += [f"- price snapshot: {md(f['path'])} (sha256 {f['sha256'][:16]}…)" for f in d["pricing"]["files"]]
    return lines + [""]


def _retrieval_md(r: dict | None) -> list[str]:
    if r is None:
        return ["- retrieval: no embedding model priced, so RAG is not priced"]
    e = r["embedding"]
    size = f", {r['index_gb']:,.4f} GB" if r["index_gb"] is not None else ""
    lines = [f"- retrieval: {counted(r['chunks'], 'chunk')} ({r['chunk_tokens_embedded']:,} tokens embedded) by {md(e['name'])} "
             f"({md(e['provider'])}), tokenizer {md(e['tokenizer'])}; index: {md(r['index'])}{size}"]
    if "reranker" in r:
        lines.append(f"- reranker: {md(r['reranker']['name'])} ({md(r['reranker']['provider'])})")
    return lines


def _prices_md(e: Estimate) -> list[str]:
    lines = ["## Prices used", "", "| model | field | price | as of | verified | source |", "|---|---|---:|---|---|---|"]
    seen = set()
    for s in e.feasible:
        for p in s.prices():
            if (p.model, p.field) not in seen:
                seen.add((p.model, p.field))
                lines.append(f"| {md(p.model)} | {md(p.field)} | {p.usd_per_unit:g} {md(p.unit)} | {p.as_of} | "
                             f"{'yes' if p.verified else 'no'} | {md(p.source)} |")
    return lines + [""]
