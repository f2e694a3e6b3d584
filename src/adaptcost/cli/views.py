"""Rich rendering of results for the terminal (the only module besides cli.py that imports rich)."""

from __future__ import annotations

import os

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from ..corpus.discover import CorpusProfile, summarize_skipped
from ..decision.recommend import Recommendation
from ..money import money
from ..outputs.serialise import NO_BREAKEVEN, counted, curves_title, grouped_models
from ..prices.book import AUDIENCE_WORDS, ModelPrice, PricedRow, PriceBook
from ..prices.retrieval import SECTIONS, EmbeddingPrice, ReadUnits, RerankerPrice, RetrievalRow, VectorStorePrice
from .terminal import inert


def _quality_source(curves: dict) -> str:
    """Where the accuracy figures come from: the curves file, or, for a file that measures retrieval
    only, the reference it falls back to (and the file for the recall)."""
    source = inert(curves_title(curves))
    if curves.get("accuracy_from"):
        source = f"accuracy {inert(curves['accuracy_from'])}, retrieval recall {source}"
    if curves.get("measured_accuracy"):
        source = f"{', '.join(curves['measured_accuracy']['question_types'])} measured on this corpus; {source}"
    return source


def print_recommendation(console: Console, rec: Recommendation, detail: bool = False, verbose: bool = False) -> None:
    """About one screen that fits 80 columns: the pick and its reasons, the strategies, the
    break-evens, a short summary of the assumptions, the warnings. `detail` adds each strategy's
    cost components with their formulas and notes; `verbose` lists every skipped file."""
    from ..outputs.caveats import unverified_pick

    d = rec.to_dict()
    caveat = unverified_pick(d)
    if caveat:
        console.print(f"[bold yellow]{inert(caveat)}[/]")
    pick = rec.pick or "none"
    title = f"Recommended: [bold green]{pick}[/]" + ("" if rec.meets_target else " [yellow](accuracy target not met)[/]")
    body = "\n".join(f"• {inert(r)}" for r in rec.reasons)
    if rec.flips:
        body += "\n\n[bold]What would change the answer[/]\n" + "\n".join(f"• {inert(f)}" for f in rec.flips)
    console.print(Panel(body, title=title, title_align="left"))
    console.print(_strategy_table(d, detail))  # why a strategy is not possible: in the reasons above
    if detail:
        _print_bands(console, d)
        console.print(_components_table(d))
        for st in d["strategies"]:
            for note in st["notes"]:
                console.print(f"  [dim]{st['name']}: {inert(note)}[/]")
    _print_breakevens(console, d, detail)
    _print_assumptions(console, d, rec.estimate.corpus, detail, verbose)
    print_warnings(console, d["warnings"])
    if not detail:
        console.print("[dim]--detail: cost components and formulas; --format json or markdown: everything[/]")


def _strategy_table(d: dict, detail: bool) -> Table:
    """One row per strategy. By default five columns that fit 80 terminal columns (names, totals
    and accuracies never cut); with `detail` every cost column and the total's range."""
    s = d["scenario"]
    table = Table(title=f"Strategies over {s['horizon_days']:g} days at {s['queries_per_day']:,.0f} queries/day", title_justify="left")
    columns = ["strategy", "one-time", "per refresh", "per query", "per hour", "total", "amortized / query", "expected accuracy"] \
        if detail else ["strategy", "one-time", "total", "per query", "accuracy"]
    for col in columns:
        table.add_column(col, justify="left" if col == "strategy" else "right", no_wrap=True)
    for st in d["strategies"]:
        name = f"[bold green]{st['name']}[/]" if st["name"] == d["recommendation"]["pick"] else st["name"]
        if not st["feasible"]:
            table.add_row(name, "[dim]not possible[/]", *["[dim]—[/]"] * (len(columns) - 2))
            continue
        acc = st["expected_accuracy"]
        accuracy = f"{acc['mean']:.1%} [dim]({acc['low']:.0%}–{acc['high']:.0%})[/]" if acc else "—"
        if not detail:
            table.add_row(name, money(st["one_time_usd"]), money(st["tco_usd"]), money(st["per_query_usd"]), accuracy)
            continue
        table.add_row(
            name, money(st["one_time_usd"]), f"{money(st['per_refresh_usd'])} × {st['refreshes']}",
            money(st["per_query_usd"]), money(st["per_hour_usd"]), money(st["tco_usd"]),
            money(st["amortized_per_query_usd"]), accuracy,
        )
    return table


def _print_bands(console: Console, d: dict) -> None:
    """Totals at the ends of an estimated tokenizer's error band (Claude, Gemini, ...)."""
    bands = [f"{st['name']} {money(st['tco_low_usd'])}–{money(st['tco_high_usd'])}" for st in d["strategies"]
             if st["feasible"] and st["tco_low_usd"] is not None]
    if bands:
        console.print("  [dim]total if the estimated token counts are off by their band: " + "; ".join(bands) + "[/]")


def _components_table(d: dict) -> Table:
    table = Table(title="Cost components", title_justify="left")
    for col in ("strategy", "component", "kind", "USD", "formula"):
        table.add_column(col, justify="right" if col == "USD" else "left", overflow="fold")
    for st in d["strategies"]:
        for c in st["components"]:
            table.add_row(st["name"], inert(c["label"]), inert(c["kind"].replace("_", " ")), money(c["usd"]), inert(c["formula"]))
    return table


def _print_breakevens(console: Console, d: dict, detail: bool) -> None:
    """The volumes where two strategies' totals cross. Unless `detail`: the pick's crossings not
    already under "What would change the answer", and the rest counted in one line."""
    rec = d["recommendation"]
    if not d["breakevens"]:
        console.print(f"[bold]Break-even volumes[/]: {NO_BREAKEVEN[0].lower()}{NO_BREAKEVEN[1:]}")
        return
    shown, crossing, never = [], 0, 0
    for b in d["breakevens"]:
        for line in b["text"]:
            told = any(flip.startswith(line) for flip in rec["flips"])
            if detail or (rec["pick"] in (b["a"], b["b"]) and not told and not line.startswith("no crossing")):
                shown.append(line)
            elif line.startswith("no crossing"):
                never += 1
            elif not told:
                crossing += 1
    console.print("[bold]Break-even volumes[/] [dim](total costs over the horizon equal)[/]"
                  + ("" if detail or not rec["flips"] else ": the pick's are above"))
    for line in shown:
        console.print(f"  {inert(line)}")
    rest = ([f"{crossing} crossing(s) between other strategies"] if crossing else []) + \
           ([f"{never} pair(s) that never cross up to {d['breakevens'][0]['searched_up_to_queries_per_day']:,.0f} queries/day"]
            if never else [])
    if rest:
        console.print(f"  [dim]{'; '.join(rest)} (--detail)[/]")


SCENARIO_SHORT = ("queries_per_day", "prompt_tokens", "answer_tokens", "horizon_days", "refresh_days", "epochs")


def _print_assumptions(console: Console, d: dict, profile: CorpusProfile, detail: bool, verbose: bool) -> None:
    c = d["corpus"]
    console.print("[bold]Assumptions[/]")
    console.print(f"  adaptcost {d['tool']['version']}; decision date {d['pricing']['decision_date']}; corpus "
                  f"{inert(', '.join(c['inputs']))}: {counted(c['documents'], 'document')}, {counted(c['chunks'], 'sentence/chunk', 'sentences/chunks')}")
    console.print(f"  [dim]extraction: {inert(profile.extraction)} (--extract)[/]")
    for role, m in grouped_models(d):
        band = f" (range {m['corpus_tokens_low']:,}–{m['corpus_tokens_high']:,})" if not m["exact_tokens"] else ""
        tokenizer = m["tokenizer"] if detail or m["exact_tokens"] else m["tokenizer"].split(" (")[0]  # basis: --detail
        console.print(f"  {role}: {inert(m['name'])}, tokenizer {inert(tokenizer)}, corpus {m['corpus_tokens']:,} tokens{band}; "
                      f"prices as of {m['as_of']} ({inert(m['pricing_file'])}{'' if m['verified'] else ', unverified'})")
    _print_retrieval(console, d)
    s = d["scenario"]
    shown = s if detail else {k: s[k] for k in SCENARIO_SHORT if k in s}
    console.print("  " + ", ".join(f"{k.replace('_', ' ')} {v:g}" if isinstance(v, float) else f"{k.replace('_', ' ')} {v}"
                                   for k, v in shown.items()) + ("" if detail else " [dim](all: --detail)[/]"))
    console.print("  question mix: " + ", ".join(f"{k} {v:.0%}" for k, v in d["recommendation"]["mix"].items())
                  + f"; quality: {_quality_source(d['curves'])}")
    print_skipped(console, profile.skipped, verbose, indent="  ")


def _print_retrieval(console: Console, d: dict) -> None:
    """RAG's rows and chunks in one line (or why RAG is not priced)."""
    r, s = d["retrieval"], d["scenario"]
    if r is None:
        return
    e = r["embedding"]
    index = f"{inert(r['index'])}" if r["index_gb"] is None else f"{inert(r['index'])} ({r['index_gb']:,.4f} GB)"
    if r["index_gb"] is None:
        index += f" at ${s['index_usd_per_hour']:g}/h"
    rerank = f", reranker {inert(r['reranker']['name'])}" if "reranker" in r else ""
    console.print(f"  rag: {counted(r['chunks'], 'chunk')} of {s['chunk_tokens']:,} tokens ({s['chunk_overlap_tokens']:,} overlap), "
                  f"top {s['top_k']}; {inert(e['name'])} ({inert(e['tokenizer'])}), prices as of {e['as_of']}; "
                  f"index: {index}{rerank}")


def print_skipped(console: Console, skipped, verbose: bool, indent: str = "") -> None:
    """Skipped files: by reason and file type with a few examples, or every one with `verbose`."""
    if not skipped:
        return
    console.print(f"{indent}[bold]Skipped {len(skipped)} file(s)[/]" + ("" if verbose else " [dim](each one: --verbose)[/]"))
    if verbose:
        for s in skipped:
            console.print(f"{indent}  {inert(s.path)}: {inert(s.reason)}", soft_wrap=True)
        return
    for g in summarize_skipped(skipped):
        more = f", … {g.count - len(g.examples)} more" if g.count > len(g.examples) else ""
        names = ", ".join(inert(os.path.basename(p) or p) for p in g.examples)
        console.print(f"{indent}  {g.count} {inert(g.file_type)}: {inert(g.kind)} [dim]({names}{more})[/]")


def print_count(console: Console, profile: CorpusProfile, top: int | None = None, verbose: bool = False) -> None:
    """Every document's tokens (or, with `top`, the largest and their share), tokens by file
    type, the counters, skipped files by reason, warnings."""
    first = profile.encodings[0]
    total = profile.tokens(first) or 1
    docs = profile.top(top, first) if top else profile.documents
    table = Table(title=f"The {len(docs)} largest documents" if top else "Tokens per document", title_justify="left")
    table.add_column("path", overflow="fold")
    for col in ("bytes", "chunks", *profile.encodings, *(["share"] if top else [])):
        table.add_column(col, justify="right", no_wrap=True)
    for d in docs:
        share = [f"{d.tokens[first] / total:.1%}"] if top else []
        table.add_row(inert(d.path), f"{d.size_bytes:,}", f"{d.chunks:,}", *(f"{d.tokens[e]:,}" for e in profile.encodings), *share)
    rest = profile.n_documents - len(docs)
    if top and rest:
        shown = {id(d) for d in docs}
        others = [d for d in profile.documents if id(d) not in shown]
        table.add_row(f"[dim]{rest} other document(s)[/]", f"{sum(d.size_bytes for d in others):,}", f"{sum(d.chunks for d in others):,}",
                      *(f"{sum(d.tokens[e] for d in others):,}" for e in profile.encodings),
                      f"{sum(d.tokens[first] for d in others) / total:.1%}")
    table.add_section()
    table.add_row(f"[bold]TOTAL ({counted(profile.n_documents, 'document')})[/]", f"{profile.size_bytes:,}", f"{profile.n_chunks:,}",
                  *(f"[bold]{profile.tokens(e):,}[/]" for e in profile.encodings), *(["100%"] if top else []))
    console.print(table)
    types = profile.by_type(first)
    if len(types) > 1:
        by_type = Table(title=f"By file type ({first})", title_justify="left")
        for col in ("type", "documents", "bytes", "tokens", "share"):
            by_type.add_column(col, justify="left" if col == "type" else "right", no_wrap=True)
        for t in types:
            by_type.add_row(inert(t.file_type), f"{t.documents:,}", f"{t.bytes:,}", f"{t.tokens:,}", f"{t.tokens / total:.1%}")
        console.print(by_type)
    for enc, how in profile.counters.items():
        console.print(f"[dim]{inert(how)}[/]")
    console.print(f"[dim]extraction: {inert(profile.extraction)} (--extract)[/]")
    print_skipped(console, profile.skipped, verbose)
    for warning in profile.warnings:
        console.print(f"[yellow]warning:[/] {inert(warning)}")


def print_warnings(console: Console, warnings: list[str]) -> None:
    for warning in warnings:
        console.print(f"[yellow]warning:[/] {inert(warning)}")


def print_pricing_list(console: Console, book: PriceBook, provider: str | None, include_retired: bool = False) -> None:
    """The models table, then one table per kind of retrieval row (embedding models, vector
    stores, rerankers), each grouped by provider; retired rows hidden unless `include_retired`."""
    from ..prices.notices import lifecycle, stale

    tables = {"models": book.models, **{s.key: getattr(book, s.key) for s in SECTIONS}}
    chosen = {key: [r for r in rows.values() if provider is None or r.provider == provider] for key, rows in tables.items()}
    if not any(chosen.values()):
        from ..errors import PricingError
        from ..suggest import did_you_mean

        providers = sorted({r.provider for rows in tables.values() for r in rows.values()})
        raise PricingError(f"no models or retrieval rows for provider {provider!r}{did_you_mean(provider or '', providers)}")
    retired = [r for rows in chosen.values() for r in rows if r.status_on(book.day) == "retired"]
    shown = {key: [r for r in rows if include_retired or r not in retired] for key, rows in chosen.items()}
    if shown["models"]:
        console.print(_models_table(shown["models"], book.day))
    for section in SECTIONS:
        if shown[section.key]:
            console.print(_RETRIEVAL_TABLES[section.key](shown[section.key], book.day))
    counts = ", ".join(f"{len(rows)} {_COUNTED[key]}" for key, rows in shown.items() if rows)
    hidden = "" if include_retired or not retired else f"; {len(retired)} retired hidden (--all shows them)"
    flagged = any(m.finetune and m.finetune.lifecycle.closed_on(book.day) for m in shown["models"])
    offers = "; FT closed: no new fine-tuning jobs for anyone, †: for existing customers only" if flagged else ""
    console.print(f"[dim]{counts} from {len(book.files)} files{hidden}; * = unverified{offers}[/]")
    rows = [r for key in shown for r in shown[key]]
    old = [r for r in rows if stale(r, book.day)]
    if old:
        console.print(f"[yellow]warning:[/] {len(old)} of these rows have prices older than 90 days on {book.day} "
                      "(see 'adaptcost pricing show NAME'; pass --pricing with current figures)")
    print_warnings(console, [n for r in rows if r.status_on(book.day) == "deprecated" for n in lifecycle(r, book.day)])


_COUNTED = {"models": "models", "embeddings": "embedding models", "vector_stores": "vector stores", "rerankers": "rerankers"}


def _list_table(title: str, first: str, columns: tuple[str, ...], min_width: int = 16) -> Table:
    """A compact table of `pricing list`: a folding name column, then right-aligned figures, then
    the as-of date and the status (never cut)."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, padding=0, collapse_padding=True, pad_edge=False)
    table.add_column(first, overflow="fold", min_width=min_width, max_width=28)
    for col in columns:
        table.add_column(col, justify="left" if col in ("as of", "status") else "right", no_wrap=True)
    return table


def _add_grouped(table: Table, rows: list, day, cells) -> None:
    """One row per priced row, under its provider's name, sorted by provider then name."""
    current = None
    for r in sorted(rows, key=lambda r: (r.provider, r.name)):
        if r.provider != current:
            current = r.provider
            table.add_row(f"[bold]{inert(current)}[/]", end_section=False)
        as_of = r.as_of.isoformat() + ("" if r.verified else "[yellow]*[/]")
        table.add_row(" " + inert(r.name), *cells(r), as_of, _status_text(r, day))


def _models_table(models: list[ModelPrice], day) -> Table:
    table = _list_table(f"Priced models on {day}: USD per 1M tokens (FT: training)", "model",
                        ("in / out", "context", "FT", "as of", "status"), min_width=20)

    def cells(m: ModelPrice) -> tuple[str, ...]:
        ft = _finetune_text(m.finetune, day) if m.finetune else "—"
        return f"{m.rates.input:.3g} / {m.rates.output:.3g}", _tokens_text(m.context_window_tokens), ft

    _add_grouped(table, models, day, cells)
    return table


def _embeddings_table(rows: list[EmbeddingPrice], day) -> Table:
    table = _list_table(f"Embedding models on {day}: USD per 1M tokens", "embedding model",
                        ("USD", "batch", "dims", "max in", "as of", "status"))
    _add_grouped(table, rows, day, lambda e: (f"{e.usd_per_mtok:.3g}", f"-{e.batch_discount:.0%}" if e.batch_discount else "—",
                                               f"{e.dimensions:,}", _tokens_text(e.max_input_tokens)))
    return table


def _reads_text(v: VectorStorePrice) -> str:
    """$2.5/1k q for a fee per query; $16/M RU for read units."""
    if v.read_units == ReadUnits(fixed=1.0):
        return f"{v.usd_per_million_read_units / 1000:.3g}/1k q"
    return f"{v.usd_per_million_read_units:.3g}/M RU"


def _vector_stores_table(rows: list[VectorStorePrice], day) -> Table:
    table = _list_table(f"Vector stores on {day}: USD", "vector store", ("GB-month", "free GB", "reads", "min/mo", "as of", "status"))
    _add_grouped(table, rows, day, lambda v: (f"{v.storage_usd_per_gb_month:.3g}", f"{v.free_storage_gb:.3g}" if v.free_storage_gb else "—",
                                               _reads_text(v), f"{v.minimum_usd_per_month:g}" if v.minimum_usd_per_month else "—"))
    return table


def _reranker_price(r: RerankerPrice) -> str:
    return f"{r.usd_per_1k_searches:.3g}/1k searches" if r.billing == "per_search" else f"{r.usd_per_mtok:.3g}/1M tok"


def _rerankers_table(rows: list[RerankerPrice], day) -> Table:
    table = _list_table(f"Rerankers on {day}: USD", "reranker", ("price", "docs/search", "as of", "status"))
    _add_grouped(table, rows, day, lambda r: (_reranker_price(r), f"{r.documents_per_search:,}" if r.billing == "per_search" else "—"))
    return table


_RETRIEVAL_TABLES = {"embeddings": _embeddings_table, "vector_stores": _vector_stores_table, "rerankers": _rerankers_table}


def _finetune_text(ft, day) -> str:
    """The training price, flagged where the offer no longer trains for everyone on `day`:
    'closed' (no new jobs for anyone: the price is in 'pricing show'), or the price with a † where it
    still trains for existing customers only; a '?' where the stated dates are only the earliest."""
    closed = ft.lifecycle.closed_on(day)
    maybe = "?" if ft.lifecycle.dates_are_earliest else ""
    if closed is None:
        return f"{ft.training_usd_per_mtok:.3g}"
    if closed.audience == "everyone":
        return f"[yellow]closed{maybe}[/]"
    return f"{ft.training_usd_per_mtok:.3g}[yellow]†{maybe}[/]"


def _status_text(m: PricedRow, day) -> str:
    """active / deprecated / retired, or the shutdown date where one is known and still ahead."""
    status, end = m.status_on(day), m.lifecycle.shutdown_date
    if status == "retired":
        return "[red]retired[/]"
    if end and end >= day:
        return f"[yellow]ends {end}[/]"
    return "[yellow]deprecated[/]" if status == "deprecated" else status


def _tokens_text(n: int) -> str:
    """200k, 1.05M: a context window at a glance."""
    return f"{n / 1e6:.3g}M" if n >= 1_000_000 else f"{n / 1e3:.3g}k"


def print_row(console: Console, row: PricedRow, day) -> None:
    """`pricing show NAME`: every field of a model or of a retrieval row, then its notices."""
    if isinstance(row, ModelPrice):
        print_model(console, row, day)
    else:
        print_retrieval_row(console, row, day)


def print_retrieval_row(console: Console, r: RetrievalRow, day) -> None:
    from ..prices.notices import retrieval_notices

    kind = {EmbeddingPrice: "embedding model", VectorStorePrice: "vector store", RerankerPrice: "reranker"}[type(r)]
    rows = [("kind", kind), ("provider", r.provider), ("aliases", ", ".join(r.aliases) or "—"), ("file", r.file),
            ("source", r.source), ("as of", r.as_of.isoformat()), ("verified", "yes" if r.verified else "no"),
            *_RETRIEVAL_FIELDS[type(r)](r), ("lifecycle", _lifecycle_text(r, day))]
    if r.note:
        rows.append(("note", r.note))
    _print_fields(console, r.name, rows)
    print_warnings(console, retrieval_notices(r, day))


def _embedding_fields(e: EmbeddingPrice) -> list[tuple[str, str]]:
    return [("price", f"${e.usd_per_mtok:.4g} per 1M tokens embedded"),
            ("batch discount", f"{e.batch_discount:.0%} (batch API)" if e.batch_discount else "—"),
            ("dimensions", f"{e.dimensions:,} (default output)"), ("max input", f"{e.max_input_tokens:,} tokens per text"),
            ("tokenizer", e.tokenizer.describe())]


def _vector_store_fields(v: VectorStorePrice) -> list[tuple[str, str]]:
    u = v.read_units
    reads = (f"${v.usd_per_million_read_units / 1000:.4g} per 1k queries" if u == ReadUnits(fixed=1.0) else
             f"${v.usd_per_million_read_units:.4g} per 1M read units; a query takes max({u.minimum:g}, {u.fixed:g} + "
             f"{u.per_gb:g} × index GB) units")
    writes = [f"{v.write_units_per_vector:g} per vector"] * bool(v.write_units_per_vector) + \
        [f"{v.write_units_per_kb:g} per KB of record"] * bool(v.write_units_per_kb)
    return [
        ("storage", f"${v.storage_usd_per_gb_month:.4g} per GB-month (GB = 10^9 bytes)"
         + (f", first {v.free_storage_gb:.3g} GB free" if v.free_storage_gb else "")),
        ("reads", reads),
        ("writes", f"${v.usd_per_million_write_units:.4g} per 1M write units; {' + '.join(writes)}" if writes else "—"),
        ("record size", f"dimensions × {v.bytes_per_dimension} bytes + {v.overhead_bytes_per_vector:,} bytes per vector"),
        ("embedding", f"built in: {v.builtin_dimensions:,} dimensions, not billed" if v.builtin_dimensions else "an embedding model's"),
        ("monthly minimum", f"${v.minimum_usd_per_month:g}" if v.minimum_usd_per_month else "—"),
    ]


def _reranker_fields(r: RerankerPrice) -> list[tuple[str, str]]:
    price = (f"${r.usd_per_1k_searches:.4g} per 1k searches (a search: one query over up to {r.documents_per_search:,} documents)"
             if r.billing == "per_search" else f"${r.usd_per_mtok:.4g} per 1M tokens read")
    return [("price", price),
            ("max per document", f"{r.max_tokens_per_document:,} tokens" if r.max_tokens_per_document else "—"),
            ("tokenizer", r.tokenizer.describe() if r.tokenizer else "—")]


_RETRIEVAL_FIELDS = {EmbeddingPrice: _embedding_fields, VectorStorePrice: _vector_store_fields, RerankerPrice: _reranker_fields}


def _print_fields(console: Console, title: str, rows: list[tuple[str, str]]) -> None:
    table = Table(title=inert(title), show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for field, value in rows:
        table.add_row(field, inert(str(value)))
    console.print(table)


def print_model(console: Console, m: ModelPrice, day) -> None:
    from ..prices.notices import model_notices

    rows = [
        ("provider", m.provider), ("file", m.file), ("source", m.source), ("as of", m.as_of.isoformat()),
        ("verified", "yes" if m.verified else "no"), ("tokenizer", m.tokenizer.describe()),
        ("context window", f"{m.context_window_tokens:,} tokens"),
        ("input cap", f"{m.max_input_tokens:,} tokens" if m.max_input_tokens else "—"),
        ("max output", f"{m.max_output_tokens:,} tokens" if m.max_output_tokens else "—"),
        ("reasoning tokens", f"{m.reasoning_tokens_per_query:,} per query by default (billed as output)" if m.reasoning_tokens_per_query else "—"),
        ("input / cached / output", f"${m.rates.input:.4g} / ${m.rates.cached_input:.4g} / ${m.rates.output:.4g} per 1M tokens"),
        *[(f"from {c.starts}", _change_text(c)) for c in m.all_price_changes()],
        ("batch discount", f"{m.batch_discount:.0%}" if m.batch_discount else "—"),
        ("caching", _caching_text(m)),
        ("lifecycle", _lifecycle_text(m, day)),
    ]
    if m.gpu:
        g = m.gpu
        rows.append(("self-hosted", f"{g.count} × {g.name} at ${g.usd_per_hour:g}/GPU-hour ({g.source}, {g.as_of}); "
                     f"{g.input_tokens_per_second:,.0f} in / {g.output_tokens_per_second:,.0f} out tokens/s ({g.throughput_source}); "
                     f"{g.always_on_replicas} always-on replica(s)"))
    if m.long_context:
        lc = m.long_context
        rows.append(("long context", f"> {lc.threshold_tokens:,} tokens: whole request at ${lc.rates.input:g} in / ${lc.rates.output:g} out"))
    if m.finetune:
        rows += _finetune_rows(m)
    if m.note:
        rows.append(("note", m.note))
    _print_fields(console, m.name, rows)
    print_warnings(console, model_notices(m, day))


def _change_text(c) -> str:
    """A dated price of the row's schedule (price_changes), with its source."""
    prices = [f"training ${c.training_usd_per_mtok:.4g}"] if c.training_usd_per_mtok is not None else []
    if c.rates is not None:
        tuned = "tuned " if c.training_usd_per_mtok is not None else ""
        prices.append(f"{tuned}${c.rates.input:.4g} / ${c.rates.cached_input:.4g} / ${c.rates.output:.4g}")
    checked = "verified" if c.verified else "unverified"
    return f"{', '.join(prices)} per 1M tokens ({c.field}; {c.source}, as of {c.as_of}, {checked})"


def _finetune_rows(m: ModelPrice) -> list[tuple[str, str]]:
    ft = m.finetune
    life = ft.lifecycle
    stops = "; ".join(f"no new jobs for {AUDIENCE_WORDS[t.audience]} from {t.date}" for t in life.training_stops)
    serving = f"; tuned models stop serving {life.serving_stops}" if life.serving_stops else ""
    return [
        ("fine-tuning training", f"${ft.training_usd_per_mtok:.4g} per 1M tokens ({ft.billing})"),
        ("fine-tuned inference", f"${ft.rates.input:.4g} / ${ft.rates.cached_input:.4g} / ${ft.rates.output:.4g} per 1M tokens ({ft.serving})"),
        ("hosting", f"${ft.hosting_usd_per_hour:g}/hour" if ft.hosting_usd_per_hour
         else "capacity billed per hour required; hourly price not in the table" if ft.missing_hosting() else "—"),
        ("storage", f"${ft.storage_usd_per_month:g}/month" if ft.storage_usd_per_month else "—"),
        ("fine-tuning source", f"{ft.source} (as of {ft.as_of}, {'verified' if ft.verified else 'unverified'})"),
        ("fine-tuning lifecycle", (stops + serving).strip("; ") + (f" ({life.source}, as of {life.as_of})" if life.source else "")
         if stops or serving else (life.note or "no closing date known")),
    ]


def _lifecycle_text(m: PricedRow, day) -> str:
    life = m.lifecycle
    parts = [f"{life.status_on(day)} on {day}"]
    parts += [f"deprecated {life.deprecation_date}"] if life.deprecation_date else []
    parts += [f"shutdown {life.shutdown_date}"] if life.shutdown_date else []
    parts += [f"successor {life.successor}"] if life.successor else []
    parts += [f"source {life.source} (as of {life.as_of})"] if life.source else [life.note]
    return ", ".join(parts)


def _caching_text(m: ModelPrice) -> str:
    c = m.caching
    if not c.offered:
        return "none"
    parts = [f"min prefix {c.min_prefix_tokens:,} tokens"] + ([f"{c.increment_tokens}-token blocks"] if c.increment_tokens > 1 else [])
    return ", ".join(parts + [f"{o.name} ({o.kind}: {_option_text(o)})" for o in c.options])


def _option_text(o) -> str:
    if o.kind == "storage":
        return f"storage ${o.storage_usd_per_mtok_hour:g} per 1M tokens per hour"
    if o.kind == "implicit":
        return f"no guaranteed hit, TTL {o.ttl_minutes:g} min assumed"
    write = f"write ${o.write_usd_per_mtok:g}, " if o.write_usd_per_mtok is not None else ""
    return f"{write}TTL {o.ttl_minutes:g} min"


def print_sweep(console: Console, result) -> None:
    """The sweep grid: one row per y value, one column per x value, the winner and its total cost."""
    table = Table(title=f"Winner and its total cost: {inert(result.y)} (rows) × {inert(result.x)} (columns)", title_justify="left")
    table.add_column(inert(result.y), justify="right")
    for xv in result.xs:
        table.add_column(f"{xv:,.6g}", justify="right")
    for j, yv in enumerate(result.ys):
        cells = []
        for i in range(len(result.xs)):
            winner = result.winners[j][i]
            cells.append(f"{winner}\n{money(result.costs[winner][j][i])}" if winner else "[dim]none[/]")
        table.add_row(f"{yv:,.6g}", *cells)
    console.print(table)


def _r2(fit: dict) -> str:
    r2 = fit.get("r2")
    return "" if r2 is None else f", r²={r2:.2f}"


def print_curves(console: Console, document: dict, path: str | None = None) -> None:
    """A curves file (read from `path`, its label: a bundled one by name): the accuracy table, then
    each measured curve as a small bar chart."""
    title = curves_title({"name": str(document.get("name", "")), "kind": str(document.get("kind", "")), "path": path})
    console.print(f"[bold]{inert(title)}[/] — model {inert(str(document.get('model', '')))}")
    if document.get("basis"):
        console.print(f"[dim]{inert(document['basis'])}[/]")
    device = (document.get("settings") or {}).get("device")
    if isinstance(device, dict):  # where it was measured (eval --device)
        threads = f", {device['threads']} threads" if device.get("threads") else ""
        console.print(f"[dim]measured on {inert(device.get('type', '?'))}: {inert(device.get('name', '?'))}{threads}, "
                      f"torch {inert(device.get('torch', '?'))}[/]")
    if "retrieval" in document:
        print_probe_recall(console, document["retrieval"])
    if "accuracy" not in document:  # retrieval only (probe run)
        return
    types = [t for t in ("recall", "rephrasing", "reversal", "syllogism", "category")
             if any(t in cells for cells in document["accuracy"].values())]
    table = _narrow_table("Accuracy (95% interval)")
    table.add_column("strategy", no_wrap=True)  # names in full; the cells wrap
    for t in types:
        table.add_column(t, justify="right", min_width=len(t))  # headers in full at 80 columns
    for strategy, cells in document["accuracy"].items():
        table.add_row(inert(strategy), *(f"{cells[t]['mean']:.0%} [dim]({cells[t].get('low', cells[t]['mean']):.0%}–"
                                  f"{cells[t].get('high', cells[t]['mean']):.0%})[/]" if t in cells else "—" for t in types))
    chance = {t: cells[t]["chance"] for cells in document["accuracy"].values() for t in cells if "chance" in cells[t]}
    if chance:
        table.add_row("[dim]chance[/]", *(f"[dim]{chance[t]:.0%}[/]" if t in chance else "—" for t in types))
    console.print(table)
    _print_splits(console, document.get("splits", []))
    _print_paired(console, document.get("paired", []))
    for curve in document.get("curves", []):
        points = curve["points"]
        if len(points) < 2:
            continue
        fit = curve.get("fit")
        label = f"{curve.get('dataset', '')} · {curve['strategy']} · {curve['question_type']} vs {curve['x'].replace('_', ' ')}"
        console.print(f"[bold]{inert(label)}[/]" + (f" [dim]fit a={fit['a']:.2f}, b={fit['b']:.3g}{_r2(fit)}[/]" if fit else ""))
        recalls = curve.get("recall") or [None] * len(points)  # x: top_k: recall@k of each point
        width = max(10, min(40, console.width - 43))  # the bar, so that a point's line fits the terminal
        for (x, mean, low, high), recall in zip(points, recalls):
            bar = "█" * int(round(mean * width))
            console.print(f"  {x:>9.4g} │{bar:<{width}}│ {mean:.0%} [dim]({low:.0%}–{high:.0%})[/]"
                          + (f" [dim]recall@{x:g} {recall:.0%}[/]" if recall is not None else ""))


def print_probe_recall(console: Console, section: dict) -> None:
    """A curves file's retrieval section: recall@k per retriever (rows) and k (columns), overall, and
    the probes it counts."""
    probes, chunking = section["probes"], section["chunking"]
    console.print(f"[bold]Retrieval recall@k on {inert(', '.join(section['corpus']['inputs']))}[/] "
                  f"({probes['measured']} probes of {probes['total']}: {probes['guessable']} guessable left out, "
                  f"{probes['unservable']} with evidence no chunk holds; {chunking['chunks']} chunks of "
                  f"{chunking['chunk_tokens']} {inert(chunking['encoding'])} tokens, overlap {chunking['chunk_overlap_tokens']})")
    table = Table(title="recall@k: share of probes whose evidence chunks are all retrieved (95% interval)", title_justify="left")
    table.add_column("retriever", no_wrap=True)
    for k in section["ks"]:
        table.add_column(f"k={k}", justify="right")
    cells = {(c["retriever"], c["k"]): c for c in section["recall_at_k"]}
    for name in section["retrievers"]:
        table.add_row(inert(name) + (" [dim](headline)[/]" if name == section["headline"] else ""),
                      *(f"{c['mean']:.0%} [dim]({c['low']:.0%}–{c['high']:.0%})[/]" if (c := cells.get((name, k))) else "—"
                        for k in section["ks"]))
    console.print(table)
    for note in section.get("notes", []):
        console.print(f"[dim]{inert(note)}[/]")


def _narrow_table(title: str) -> Table:
    """A table of the curves views: a rule under the header and two spaces between columns, no
    frame, so that arm names, headers and intervals fit 80 columns in full."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))


def _pct(value) -> str:
    return "—" if value is None else f"{value:.0%}"


BASELINE_NAMES = {"frequency": "frequency", "cooccurrence": "co-occurrence", "atmosphere": "atmosphere"}


def _baselines_text(baselines: dict) -> str:
    """Shortcut baselines in a few words: the best shortcut ("best shortcut frequency 71%") and the
    model's uncalibrated preference ("prior 50%"); every baseline is in the file (`baselines`)."""
    cues = {name: value for name, value in baselines.items()
            if name != "prior" and isinstance(value, (int, float)) and not isinstance(value, bool)}
    out = []
    if cues:
        name = max(cues, key=lambda n: (cues[n], n))
        out.append(f"best shortcut {BASELINE_NAMES.get(name, name.replace('_', ' '))} {_pct(cues[name])}")
    if isinstance(baselines.get("prior"), (int, float)):
        out.append(f"prior {_pct(baselines['prior'])}")
    return ", ".join(out)


def _print_splits(console: Console, splits: list) -> None:
    """Per dataset and split, a table of its arms: accuracy (95% interval), n and clusters, and
    notes (recall@k of a rag arm, the arm's own shortcut baselines where the file has them); its
    title gives the split's chance, shortcut baselines and minimum detectable difference (MDD)."""
    if not splits:
        return
    console.print("[bold]Per split[/] (95% interval: Wilson ∪ cluster bootstrap; MDD: minimum detectable difference)")
    for row in splits:
        facts = [f"chance {_pct(row['chance'])}", _baselines_text(row.get("baselines") or {}),
                 f"MDD {_pct(row['minimum_detectable_difference'])}"]
        if row.get("descriptive"):
            facts.append(f"descriptive only: {row['descriptive']}")
        table = _narrow_table(inert(f"{row['dataset']} · {row['split']}: " + ", ".join(f for f in facts if f)))
        table.add_column("arm", no_wrap=True)
        table.add_column("accuracy (95%)", justify="right", no_wrap=True)
        table.add_column("n", justify="right", no_wrap=True)
        table.add_column("clusters", justify="right", no_wrap=True)
        table.add_column("notes", overflow="fold")
        for arm, c in row["arms"].items():
            notes = [f"recall@{c['k']} {c['recall']:.0%}" if c.get("recall") is not None else "",
                     _baselines_text(c["baselines"]) if isinstance(c.get("baselines"), dict) else "",
                     # the split's own reason is in the title: an arm shows only a reason of its own
                     f"descriptive only: {c['descriptive']}" if c.get("descriptive")
                     and not (row.get("descriptive") and row["descriptive"] in c["descriptive"]) else ""]
            table.add_row(inert(arm), f"{c['mean']:.0%} ({c['low']:.0%}–{c['high']:.0%})", str(c["n"]),
                          str(c.get("clusters", "")), inert("; ".join(n for n in notes if n)))
        console.print(table)


def _print_paired(console: Console, paired: list) -> None:
    """The paired comparisons between arms on the same items (Holm-adjusted p), per dataset and split."""
    rows = [row for row in paired if row["b"] != "base"]  # against chance: in the accuracy table's basis
    if not rows:
        return
    console.print("[bold]Paired comparisons on the same items[/] (permutation test by cluster, Holm-adjusted; "
                  "reads: a above or below b, n.s.: no significant difference)")
    splits: dict[str, list] = {}
    for row in rows:
        splits.setdefault(f"{row['dataset']} · {row['split']}", []).append(row)
    for split, group in splits.items():
        table = _narrow_table(inert(split))
        table.add_column("a vs b", no_wrap=True)
        for col in ("n", "a − b (95%)", "p", "p Holm"):
            table.add_column(col, justify="right", no_wrap=True)
        table.add_column("reads", overflow="fold")
        for row in group:
            low, high = row["difference_95"]
            reads = (("above" if row["difference"] > 0 else "below") if row.get("significant")
                     else "n.s." if "significant" in row else row["reads"])
            table.add_row(inert(row["a"]) + "\n" + inert(f"vs {row['b']}"), str(row["n"]),
                          f"{row['difference']:+.0%} ({low:+.0%} to {high:+.0%})", f"{row['p']:.3g}", f"{row['p_holm']:.3g}",
                          inert(reads), end_section=True)
        console.print(table)


def print_pricing_diff(console: Console, d: dict) -> None:
    """`pricing diff`: one row per disagreeing field, grouped by model; then one-sided models and notes."""
    other = "LiteLLM" if d["other"]["kind"] == "litellm" else "other"
    s = d["summary"]

    def value(row: dict, v: object) -> str:
        if v is None:
            return "—"
        if row["kind"] == "price" and isinstance(v, (int, float)):
            return f"${v:,.6g}"
        return f"{v:,}" if isinstance(v, int) else inert(str(v))

    def delta(row: dict) -> str:
        if row["status"] != "differs":
            return f"only {other}" if row["status"] == "only_other" else "only adaptcost"
        if row["relative"] is not None:
            return f"{row['relative']:+.1%}"
        return f"{row['days']:+,} d" if row["days"] is not None else "≠"

    where = inert(d["other"]["path"])
    if d["other"].get("package"):
        where = f"{inert(d['other']['package'])} at {where}"
    console.print(f"[bold]adaptcost vs {other}[/] {where} ({d['other']['entries']:,} entries; "
                  f"decision date {d['day']}): {s['compared']} models compared, {s['identical']} identical")
    if d["rows"]:
        table = Table(title="Differences (USD per 1M tokens; Δ = (other − adaptcost) / adaptcost)", title_justify="left")
        table.add_column("model", overflow="fold", ratio=3, min_width=14)
        table.add_column("field", overflow="fold", ratio=2, min_width=8)
        for col in ("adaptcost", other, "Δ"):
            table.add_column(col, justify="right", no_wrap=True)
        models = {m["model"]: m for m in d["models"]}
        current = None
        for row in d["rows"]:
            label = ""
            if row["model"] != current:
                current, m = row["model"], models[row["model"]]
                if table.row_count:
                    table.add_section()
                label = f"[bold]{inert(m['model'])}[/]\n[dim]as of {m['as_of']}[/]"
            warn = row["kind"] == "price" and row["status"] != "only_adaptcost"
            table.add_row(label, inert(row["field"].replace("_", " ")), value(row, row["adaptcost"]),
                          value(row, row["other"]), f"[yellow]{delta(row)}[/]" if warn else delta(row))
        console.print(table)
        for m in (m for m in d["models"] if m["differences"]):
            console.print(f"  [dim]{inert(m['model'])} ({inert(m['file'])}) = {other} {inert(m['other_key'])}[/]")
        for row in (r for r in d["rows"] if r["note"]):
            console.print(f"  [dim]{inert(row['model'])} {row['field'].replace('_', ' ')}: {inert(row['note'])}[/]")
    else:
        console.print("[green]No differences[/] in the compared models.")
    if d["only_adaptcost"]:
        names = ", ".join(m["model"] for m in d["only_adaptcost"])
        console.print(f"[bold]Only in adaptcost[/] ({len(d['only_adaptcost'])}): {inert(names)}")
    if d["only_other"]:
        what = "newer models of families adaptcost prices" if other == "LiteLLM" else "models the tables lack"
        console.print(f"[bold]Only in {other}[/], {what} ({len(d['only_other'])}):")
        for o in d["only_other"]:
            newer = f" (newer than {o['newer_than']})" if o.get("newer_than") else ""
            console.print(f"  {inert(o['key'])}{inert(newer)}: ${o['input']:g} in / ${o['output'] or 0:g} out")
    if s["only_other_omitted"]:
        console.print(f"[dim]{s['only_other_omitted']:,} other {other} entries match no adaptcost model and are not listed.[/]")
    for note in d["notes"]:
        console.print(f"[dim]{inert(note)}[/]")
    if s["price_differs"]:
        console.print(f"[yellow]{s['price_rows']} price difference(s)[/]: refresh the tables (or pass --pricing) before deciding.")
    else:
        console.print("[green]No price differences.[/]")


TYPE_HEADERS = {"rephrasing": "reph.", "reversal": "rev.", "multi-hop": "hop", "category": "cat."}  # 80 columns


def print_probe_arms(console: Console, section: dict) -> None:
    """A curves file's probes section: accuracy per arm (95% interval) overall and per probe type, how
    each arm's context was made, and the paired tests in words no stronger than the test."""
    probes = section["probes"]
    guessed = probes.get("model_guessable", {})
    model = (f"; the model answered {guessed['either']} without the corpus ("
             + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in guessed.items() if k != "either") + "), left out"
             if guessed.get("either") else "")
    console.print(f"[bold]Accuracy on {probes.get('headline', probes['measured'])} of {probes['measured']} probes[/] "
                  f"({inert(section['backend'])}, scored by {inert(section['scoring'])}; chance {section['chance']:.0%}; "
                  f"{probes['guessable_left_out']} guessable by the offline baselines left out{model})")
    types = list(dict.fromkeys(t for a in section["arms"].values() for t in a["by_type"]))  # the file's order
    table = Table(title="accuracy per arm (95% interval, clusters: fact)", title_justify="left")
    table.add_column("arm", min_width=15)  # "finetune+global (held-out)" wraps at its space
    table.add_column("all (95%)", justify="right", no_wrap=True)
    table.add_column("n", justify="right")
    for t in types:
        table.add_column(TYPE_HEADERS.get(t, t), justify="right")
    for name, arm in section["arms"].items():
        a = arm["accuracy"]
        table.add_row(inert(name) + ("*" if arm.get("descriptive") else ""), f"{a['mean']:.0%} [dim]({a['low']:.0%}–{a['high']:.0%})[/]", str(a["n"]),
                      *(f"{arm['by_type'][t]['mean']:.0%}" if t in arm["by_type"] else "—" for t in types))
    console.print(table)
    shortened = [f"{TYPE_HEADERS[t]} {t}" for t in types if t in TYPE_HEADERS]
    if shortened:
        console.print(f"[dim]{inert(', '.join(shortened))}[/]")
    if any(arm.get("descriptive") for arm in section["arms"].values()):
        console.print("[yellow]*[/] descriptive only: its model stopped below the recall ceiling (the trainings say why)")
    for name, arm in section["arms"].items():
        orders = "; ".join(f"{k} {v['mean']:.0%}" for k, v in arm.get("by_order", {}).items())
        replies = ", ".join(f"{n} {k}" for k, n in arm.get("replies", {}).items())
        console.print(f"[dim]{inert(name)}: {inert(arm['context'])}{' (' + inert(orders) + ')' if orders else ''}"
                      f"{'; replies: ' + inert(replies) if replies else ''}[/]")
    for t in section["paired"]:
        console.print(f"{inert(t['reads'])}: {t['difference']:+.0%} [dim](95% {t['difference_95'][0]:+.0%} to "
                      f"{t['difference_95'][1]:+.0%}, Holm p = {t['p_holm']:.3f})[/]" + (" [yellow]descriptive only[/]" if t.get("descriptive") else ""))
    console.print(f"[dim]{inert(section['note'])}[/]")


def print_probe_trainings(console: Console, section: dict) -> None:
    """A probes section's fine-tuned models: what each trained on, its steps and recall checks, and
    whether it reached the ceiling (else its arms are descriptive only); the arms not run (a dry
    run: their training tokens and estimated cost, with the price's file and date)."""
    tuning = section["finetune"]
    ceiling = tuning["until_recall"]
    rule = (f"trained until recall ≥ {ceiling:g} on the recall probes, checked every {tuning['check_epochs']:g} epoch(s) "
            f"of the sentences, cap {tuning['cap_epochs']} epochs" if isinstance(ceiling, (int, float))
            else f"a fixed budget of {tuning['cap_epochs']} epochs of the sentences")
    console.print(f"[bold]Fine-tuned models[/] ({inert(rule)}; {inert(tuning['settings']['method'])}, "
                  f"learning rate {tuning['settings']['learning_rate']:g}, batch {tuning['settings']['batch_size']})")
    for model, t in section["trainings"].items():
        texts = ", ".join(f"{n:,} {kind}" for kind, n in t["texts"].items())
        checks = " ".join(f"{s}→{r:.2f}" for s, r in t["until_recall"].get("checks", []))
        recall = "not measured" if t["recall_trained_form"] is None else f"{t['recall_trained_form']:.2f}"
        cached = " (from the cache)" if t.get("from_cache") else ""
        console.print(f"{inert(model)}: {inert(texts)}; {t['steps']} steps{cached}; recall {recall}"
                      + (f" [dim](checks {inert(checks)})[/]" if checks else ""))
        if t.get("descriptive"):
            console.print(f"[yellow]  descriptive only:[/] {inert(t['descriptive'])}")
    for arm, n in section.get("not_run", {}).items():
        if "price" not in n:
            console.print(f"{inert(arm)}: not run ({inert(n['why'])})", soft_wrap=True)
            continue
        price = n["price"]
        usd = f"${n['estimated_usd']:,.2f}" if n["estimated_usd"] >= 0.01 else f"${n['estimated_usd']:.4f}"
        console.print(f"{inert(arm)}: not run ({inert(n['why'])}): {n['examples']:,} examples, "
                      f"{n['training_tokens']:,} tokens × {n['epochs']} epochs ≈ {usd} at "
                      f"${price['training_usd_per_mtok']:g}/1M training tokens ({inert(price['file'])}, as of {price['as_of']})",
                      soft_wrap=True)
