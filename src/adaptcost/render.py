"""Recommendation → JSON (versioned schema) and Markdown, for reports. No timestamps inside:
the same inputs give byte-identical output."""

from __future__ import annotations

import json
import math

from typing import TYPE_CHECKING

from .money import money
from .notices import STALE_AFTER_DAYS

if TYPE_CHECKING:  # the serializer reads these objects; it never imports the modules that build them
    from .costmodel import StrategyCost
    from .decision import Recommendation
    from .estimation import Estimate

JSON_SCHEMA_ID = "adaptcost-recommendation/1"
KINDS = ("one_time", "per_refresh", "per_query", "per_hour")


def _num(x: float | None, digits: int = 6) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), digits)


def _strategy_dict(e: Estimate, s: StrategyCost, rec: Recommendation | None) -> dict:
    band = e.tco_bands.get(s.strategy)
    quality = rec.quality.get(s.strategy) if rec else None
    return {
        "name": s.strategy,
        "feasible": s.feasible,
        "reason": s.reason or None,
        "one_time_usd": _num(s.one_time),
        "per_refresh_usd": _num(s.per_refresh),
        "refreshes": e.scenario.refreshes,
        "per_query_usd": _num(s.per_query, 9),
        "per_hour_usd": _num(s.per_hour),
        "tco_usd": _num(s.tco) if s.feasible else None,
        "tco_low_usd": _num(band[0]) if band else None,
        "tco_high_usd": _num(band[1]) if band else None,
        "amortized_per_query_usd": _num(s.amortized_per_query, 9) if s.feasible else None,
        "components": [
            {"label": c.label, "kind": c.kind, "usd": _num(c.usd, 9), "formula": c.formula,
             "prices": [p.to_dict() for p in c.prices]}
            for c in s.components
        ],
        "notes": s.notes,
        "expected_accuracy": None if quality is None else
        {"mean": _num(quality.mean, 4), "low": _num(quality.low, 4), "high": _num(quality.high, 4)},
    }


def _models_dict(e: Estimate) -> dict:
    out = {}
    for role, m in e.model_roles():
        tokens = e.stats.tokens_for(m)
        out[role] = {
            "name": m.name, "provider": m.provider, "tokenizer": m.tokenizer.describe(), "exact_tokens": m.tokenizer.exact,
            "corpus_tokens": round(tokens), "corpus_tokens_low": None if m.tokenizer.exact else round(e.stats.tokens_for(m, -1)),
            "corpus_tokens_high": None if m.tokenizer.exact else round(e.stats.tokens_for(m, +1)),
            "context_window_tokens": m.context_window_tokens, "pricing_file": m.file, "source": m.source,
            "as_of": m.as_of.isoformat(), "verified": m.verified, "note": m.note or None,
            "lifecycle": _lifecycle_dict(m, e.models.day),
        }
        if role == "finetune" and m.finetune is not None:
            out[role]["finetune_offer"] = _offer_dict(m)
    return out


def _lifecycle_dict(m, day) -> dict:
    life = m.lifecycle
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {"status_on_decision_date": life.status_on(day), "status": life.status, "deprecation_date": iso(life.deprecation_date),
            "shutdown_date": iso(life.shutdown_date), "successor": life.successor, "source": life.source or None,
            "as_of": iso(life.as_of)}


def _offer_dict(m) -> dict:
    ft = m.finetune
    life = ft.lifecycle
    return {"serving": ft.serving, "source": ft.source, "as_of": ft.as_of.isoformat(), "verified": ft.verified,
            "note": ft.note or None,
            "training_stops": [{"date": t.date.isoformat(), "for": t.audience} for t in life.training_stops],
            "serving_stops": life.serving_stops.isoformat() if life.serving_stops else None,
            "lifecycle_source": life.source or None}


def _retrieval_dict(e: Estimate) -> dict | None:
    """RAG's priced rows by role, with the corpus as chunks (None without an embedding model)."""
    if e.models.embedding is None:
        return None
    from .retrieval import chunks_of, index_gb

    chunks = chunks_of(e.stats, e.models, e.scenario)
    out = {"chunks": round(chunks.count), "chunk_tokens_embedded": round(chunks.tokens),
           "index_gb": _num(index_gb(e.models, chunks.count)) if e.models.vector_store else None,
           "index": e.models.vector_store.name if e.models.vector_store else "self-hosted"}
    for role, row in e.retrieval_rows():
        out[role] = {"name": row.name, "provider": row.provider, "pricing_file": row.file, "source": row.source,
                     "as_of": row.as_of.isoformat(), "verified": row.verified, "note": row.note or None,
                     "lifecycle": _lifecycle_dict(row, e.models.day)}
        if role == "embedding":
            out[role] |= {"tokenizer": row.tokenizer.describe(), "corpus_tokens": round(e.stats.tokens_for(row)),
                          "dimensions": row.dimensions}
    return out


def grouped_models(d: dict) -> list[tuple[str, dict]]:
    """Roles that share a model, joined: [("icl, finetune, augment", model dict), ...]."""
    groups: dict[str, list] = {}
    for role, m in d["models"].items():
        groups.setdefault(m["name"], [[], m])[0].append(role)
    return [(", ".join(roles), m) for roles, m in groups.values()]


def estimate_dict(e: Estimate, rec: Recommendation | None = None) -> dict:
    """The cost part of the document: corpus, models, scenario, prices, strategies, break-evens."""
    c = e.corpus
    return {
        "schema": JSON_SCHEMA_ID,
        "tool": {"name": "adaptcost", "version": e.tool_version},
        "corpus": {
            "inputs": c.inputs, "documents": c.n_documents, "chunks": c.n_chunks, "bytes": c.size_bytes,
            "extraction": c.extraction,
            "tokens": {enc: c.tokens(enc) for enc in c.encodings}, "tokenizers": c.counters,
            "skipped": [{"path": s.path, "reason": s.reason} for s in c.skipped],
        },
        "models": _models_dict(e),
        "retrieval": _retrieval_dict(e),
        "scenario": e.scenario.to_dict(),
        "pricing": {"files": [{"path": p, "sha256": h} for p, h in e.pricing_files], "stale_after_days": STALE_AFTER_DAYS,
                    "decision_date": e.models.day.isoformat()},
        "strategies": [_strategy_dict(e, s, rec) for s in e.strategies],
        "breakevens": [b.to_dict() for b in e.breakevens],
        "warnings": e.warnings,
    }


def to_dict(rec: Recommendation) -> dict:
    d = estimate_dict(rec.estimate, rec)
    warnings = d.pop("warnings")
    return d | {
        "curves": {"name": rec.curves.name, "kind": rec.curves.kind, "path": rec.curves.path, "citation": rec.curves.citation},
        "recommendation": {
            "pick": rec.pick, "meets_target": rec.meets_target, "target": _num(rec.target, 4),
            "target_basis": rec.target_basis, "budget_usd": rec.budget, "mix": rec.mix,
            "reasons": rec.reasons, "flips": rec.flips,
        },
        "warnings": warnings,
    }


def to_json(rec: Recommendation) -> str:
    return json.dumps(to_dict(rec), indent=2, ensure_ascii=False) + "\n"


def to_markdown(rec: Recommendation) -> str:
    d = to_dict(rec)
    e = rec.estimate
    s = e.scenario
    lines = ["# adaptcost recommendation", ""]
    pick = d["recommendation"]["pick"] or "none"
    lines += [f"**Recommended: `{pick}`**" + ("" if rec.meets_target else " (accuracy target not met)"), ""]
    lines += [f"- {r}" for r in rec.reasons] + [""]
    if rec.flips:
        lines += ["## What would change the answer", ""] + [f"- {f}" for f in rec.flips] + [""]
    lines += ["## Strategies", "",
              "| strategy | one-time | per refresh | per query | per hour | total over horizon | per query, amortized | expected accuracy |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for st in d["strategies"]:
        if not st["feasible"]:
            lines.append(f"| {st['name']} | not possible: {st['reason']} | | | | | | |")
            continue
        acc = st["expected_accuracy"]
        acc_text = f"{acc['mean']:.1%} ({acc['low']:.0%}–{acc['high']:.0%})" if acc else "—"
        band = f" ({money(st['tco_low_usd'])}–{money(st['tco_high_usd'])})" if st["tco_low_usd"] is not None else ""
        lines.append(f"| {st['name']} | {money(st['one_time_usd'])} | {money(st['per_refresh_usd'])} × {st['refreshes']} | "
                     f"{money(st['per_query_usd'])} | {money(st['per_hour_usd'])} | {money(st['tco_usd'])}{band} | "
                     f"{money(st['amortized_per_query_usd'])} | {acc_text} |")
    lines += ["", "## Cost components", ""]
    for st in d["strategies"]:
        if st["feasible"]:
            lines += [f"### {st['name']}", "", "| component | kind | USD | formula |", "|---|---|---:|---|"]
            lines += [f"| {c['label']} | {c['kind']} | {money(c['usd'])} | {c['formula']} |" for c in st["components"]]
            lines += [f"- {n}" for n in st["notes"]] + [""]
    lines += ["## Break-even volumes", ""] + [f"- {t}" for b in d["breakevens"] for t in b["text"]] + [""]
    lines += _assumptions_md(d, s) + _prices_md(e)
    if d["warnings"]:
        lines += ["## Warnings", ""] + [f"- {w}" for w in d["warnings"]] + [""]
    return "\n".join(lines)


def _assumptions_md(d: dict, s) -> list[str]:
    c = d["corpus"]
    lines = ["## Assumptions", "", f"- adaptcost {d['tool']['version']}",
             f"- decision date: {d['pricing']['decision_date']} (prices and lifecycle as known that day)",
             f"- corpus: {', '.join(c['inputs'])}: {c['documents']} documents, {c['chunks']:,} sentences/chunks, {c['bytes']:,} bytes, {len(c['skipped'])} skipped",
             f"- extraction: {c['extraction']}"]
    lines += [f"- tokens, {enc}: {n:,} — {c['tokenizers'][enc]}" for enc, n in c["tokens"].items()]
    for roles, m in grouped_models(d):
        band = f" (range {m['corpus_tokens_low']:,}–{m['corpus_tokens_high']:,})" if not m["exact_tokens"] else ""
        lines.append(f"- model for {roles}: {m['name']} ({m['provider']}), tokenizer {m['tokenizer']}: corpus = {m['corpus_tokens']:,} tokens{band}")
    lines += _retrieval_md(d["retrieval"])
    lines += [f"- {k.replace('_', ' ')}: {v}" for k, v in d["scenario"].items()]
    lines.append("- question mix: " + ", ".join(f"{k} {v:.0%}" for k, v in d["recommendation"]["mix"].items()))
    lines.append(f"- quality figures: {d['curves']['name']} ({d['curves']['kind']}) — {d['curves']['citation']}")
    lines += [f"- price snapshot: {f['path']} (sha256 {f['sha256'][:16]}…)" for f in d["pricing"]["files"]]
    return lines + [""]


def _retrieval_md(r: dict | None) -> list[str]:
    if r is None:
        return ["- retrieval: no embedding model priced, so RAG is not priced"]
    e = r["embedding"]
    size = f", {r['index_gb']:,.4f} GB" if r["index_gb"] is not None else ""
    lines = [f"- retrieval: {r['chunks']:,} chunks ({r['chunk_tokens_embedded']:,} tokens embedded) by {e['name']} "
             f"({e['provider']}), tokenizer {e['tokenizer']}; index: {r['index']}{size}"]
    if "reranker" in r:
        lines.append(f"- reranker: {r['reranker']['name']} ({r['reranker']['provider']})")
    return lines


def _prices_md(e: Estimate) -> list[str]:
    lines = ["## Prices used", "", "| model | field | price | as of | verified | source |", "|---|---|---:|---|---|---|"]
    seen = set()
    for s in e.feasible:
        for p in s.prices():
            if (p.model, p.field) not in seen:
                seen.add((p.model, p.field))
                lines.append(f"| {p.model} | {p.field} | {p.usd_per_unit:g} {p.unit} | {p.as_of} | {'yes' if p.verified else 'no'} | {p.source} |")
    return lines + [""]
