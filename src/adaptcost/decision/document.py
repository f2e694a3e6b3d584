"""The adaptcost-recommendation/1 document: an estimate and its recommendation as plain data
(what `Estimate.to_dict()`, `Recommendation.to_dict()` and `recommend --format json` give). No
timestamps inside: the same inputs give the same document. The functions read an `Estimate`
(:mod:`.estimate`) and a `Recommendation` (:mod:`.recommend`) by their fields; both modules call
them, so this one imports neither. Text renderings of the document live in
:mod:`adaptcost.outputs.serialise`."""

from __future__ import annotations

import math

from ..prices.notices import STALE_AFTER_DAYS

JSON_SCHEMA_ID = "adaptcost-recommendation/1"


def _num(x: float | None, digits: int = 6) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), digits)


def _strategy_dict(e, s, rec) -> dict:
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
        "components": [_component_dict(c) for c in s.components],
        "notes": s.notes,
        **({"possible_until": s.possible_until.isoformat()} if s.possible_until else {}),
        "expected_accuracy": None if quality is None else
        {"mean": _num(quality.mean, 4), "low": _num(quality.low, 4), "high": _num(quality.high, 4)},
    }


def _component_dict(c) -> dict:
    """A component; where prices change inside the horizon, the days after the decision it bills in."""
    d = {"label": c.label, "kind": c.kind, "usd": _num(c.usd, 9), "formula": c.formula,
         "prices": [p.to_dict() for p in c.prices]}
    if c.windowed:
        d |= {"from_day": c.start_day, "until_day": c.end_day}
    return d


def _models_dict(e) -> dict:
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


def _retrieval_dict(e) -> dict | None:
    """RAG's priced rows by role, with the corpus as chunks (None without an embedding model)."""
    if e.models.embedding is None:
        return None
    from ..costing.rag import chunks_of, index_gb

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


def estimate_dict(e, rec=None) -> dict:
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


def recommendation_dict(rec) -> dict:
    """The whole document: the estimate's, then the curves and the recommendation."""
    d = estimate_dict(rec.estimate, rec)
    warnings = d.pop("warnings")
    return d | {
        "curves": {"name": rec.curves.name, "kind": rec.curves.kind, "path": rec.curves.path, "citation": rec.curves.citation,
                   **({"accuracy_from": rec.curves.accuracy_from} if rec.curves.accuracy_from else {}),
                   **({"fallbacks": list(rec.curves.fallbacks)} if rec.curves.fallbacks else {}),
                   **({"measured_accuracy": {"question_types": list(rec.curves.probed_used), "with": rec.curves.probed_with,
                                             "strategies": sorted(s for s, c in rec.curves.probed.items()
                                                                  if any(t in c for t in rec.curves.probed_used))}}
                      if rec.curves.probed_used else {}),
                   **({"retrieval_recall": rec.recall} if rec.recall else {})},
        "recommendation": {
            "pick": rec.pick, "meets_target": rec.meets_target, "target": _num(rec.target, 4),
            "target_basis": rec.target_basis, "budget_usd": rec.budget, "mix": rec.mix,
            "reasons": rec.reasons, "flips": rec.flips,
        },
        "warnings": warnings,
    }
