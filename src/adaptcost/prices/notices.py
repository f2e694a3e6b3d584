"""What a buyer must be told about a priced row on the decision day, one rule per kind of notice:
stale or unverified prices, a deprecation, a shutdown inside the horizon, a fine-tuning offer that
closes. Every output (recommend, report, sweep, pricing list/show, JSON, Markdown) prints these.

The rules read what every row has (name, file, source, as_of, verified, lifecycle), so they apply to
models and to retrieval rows (embedding models, vector stores, rerankers) alike; a model's
fine-tuning block and GPU row are dated blocks of their own."""

from __future__ import annotations

import datetime as dt

from .book import AUDIENCE_WORDS, ModelPrice, PricedRow
from .retrieval import RetrievalRow

STALE_AFTER_DAYS = 90


def _dated_blocks(row: PricedRow) -> list[tuple[str, dt.date, str]]:
    """Each separately dated block of prices in a row, with its date and its own source."""
    dated = [("prices", row.as_of, row.source)]
    finetune, gpu = getattr(row, "finetune", None), getattr(row, "gpu", None)
    if finetune is not None:
        dated.append(("fine-tuning prices", finetune.as_of, finetune.source))
    if gpu is not None:
        dated.append(("GPU price", gpu.as_of, gpu.source))
    return dated


def stale(row: PricedRow, day: dt.date) -> list[str]:
    """Prices older than 90 days on the decision day: one notice per row naming each old block
    with its date and its own source (a fine-tuning block is checked against its own page)."""
    old = [(what, as_of, source) for what, as_of, source in _dated_blocks(row) if (day - as_of).days > STALE_AFTER_DAYS]
    if not old:
        return []
    blocks = ", ".join(f"{what} as of {as_of} ({(day - as_of).days} days)" for what, as_of, _ in old)
    sources = " and ".join(dict.fromkeys(source for _, _, source in old))
    return [f"{row.name} {blocks} are older than {STALE_AFTER_DAYS} days ({row.file}); check {sources} "
            "or pass --pricing with current figures"]


def unverified(row: PricedRow) -> list[str]:
    """Figures the tables could not confirm in a primary source (the reason is the row's note,
    shown by 'adaptcost pricing show' and in JSON)."""
    finetune = getattr(row, "finetune", None)
    parts = (["prices"] if not row.verified else []) + (["fine-tuning prices"] if finetune and not finetune.verified else [])
    if not parts:
        return []
    return [f"{row.name}: {' and '.join(parts)} unverified in {row.file} (why: 'adaptcost pricing show {row.name}')"]


def lifecycle(row: PricedRow, day: dt.date, horizon_end: dt.date | None = None) -> list[str]:
    """Deprecated on the day, or shutting down before the horizon ends, with date, successor, source."""
    life = row.lifecycle
    successor = f"; successor: {life.successor}" if life.successor else ""
    source = f" ({life.source})" if life.source else ""
    status = life.status_on(day)
    if status == "retired":
        return [f"{row.name} is retired{source}{successor}"]
    if horizon_end is not None and life.shutdown_date is not None and life.shutdown_date < horizon_end:
        return [f"{row.name} shuts down on {life.shutdown_date}, inside the horizon (ends {horizon_end}){source}{successor}"]
    if status == "deprecated":
        when = f", shuts down {life.shutdown_date}" if life.shutdown_date else ""
        return [f"{row.name} is deprecated{when}{source}{successor}"]
    if life.as_of is None:
        return [f"{row.name}: {life.note}"]
    return []


def finetune_offer(model: ModelPrice, day: dt.date, customer: str = "new") -> list[str]:
    """A fine-tuning offer that is deprecated or closes on a known day, in one notice (the cost
    model decides whether the plan still fits; this tells the reader the dates either way)."""
    ft = model.finetune
    if ft is None:
        return []
    life = ft.lifecycle
    maybe = " as early as" if life.dates_are_earliest else ""
    events = []
    stop = life.training_stop(customer)
    if stop is not None and stop.date <= day:
        stop = life.closed_on(day)  # closed already: to the widest audience, not just this customer's
    if stop is not None:
        tense = "may take" if maybe else "took" if stop.date <= day else "takes"
        events.append(f"{tense} no new training jobs for {AUDIENCE_WORDS[stop.audience]} from{maybe} {stop.date}")
    if life.serving_stops is not None:
        verb = "may stop" if maybe else "stopped" if life.serving_stops <= day else "stops"
        events.append(f"{verb} serving tuned models {'as early as' if maybe else 'on'} {life.serving_stops}")
    if life.note and "deprecat" in life.note.lower():
        events.append(life.note.rstrip("."))
    source = f" ({life.source})" if life.source else ""
    return [f"{model.name} fine-tuning {'; '.join(events)}{source}"] if events else []


def price_changes(model: ModelPrice, day: dt.date, horizon_end: dt.date | None = None) -> list[str]:
    """Each published change of the model's prices (its per-token rates, its fine-tuning block's)
    after the decision day (inside the horizon, when one is given), with the prices before and
    after, its source and date: the cost model prices the days after it at the new prices."""
    where = ", inside the horizon: the days from then are priced at the new rates" if horizon_end else ""
    return [change_notice(model, change, where) for change in model.all_price_changes()
            if change.starts > day and (horizon_end is None or change.starts < horizon_end)]


def change_notice(model: ModelPrice, change, where: str = "") -> str:
    """One dated change: what changes, from what to what, and where the figure comes from."""
    old = model.on(change.starts - dt.timedelta(days=1))
    parts = []
    if change.training_usd_per_mtok is not None:
        parts.append(f"training ${old.finetune.training_usd_per_mtok:g} → ${change.training_usd_per_mtok:g}")
    before = old.finetune.rates if change.training_usd_per_mtok is not None else old.rates
    label = "tuned " if change.training_usd_per_mtok is not None else ""
    if change.rates is not None:
        parts += [f"{label}{name} ${getattr(before, name):g} → ${getattr(change.rates, name):g}"
                  for name in ("input", "cached_input", "output") if getattr(before, name) != getattr(change.rates, name)]
    what = "fine-tuning prices" if change.training_usd_per_mtok is not None else "per-token prices"
    note = f"; {change.note}" if change.note else ""
    checked = "" if change.verified else ", unverified"
    return (f"{model.name} {what} change on {change.starts}{where} ({', '.join(parts) or 'same prices'} per MTok; "
            f"{change.source} as of {change.as_of}{checked}{note})")


def model_notices(model: ModelPrice, day: dt.date, horizon_end: dt.date | None = None,
                  customer: str = "new", finetune: bool = True) -> list[str]:
    """Every notice about one model, in a fixed order."""
    return (lifecycle(model, day, horizon_end) + price_changes(model, day, horizon_end)
            + (finetune_offer(model, day, customer) if finetune else []) + stale(model, day) + unverified(model))


def retrieval_notices(row: RetrievalRow, day: dt.date, horizon_end: dt.date | None = None) -> list[str]:
    """Every notice about one embedding model, vector store or reranker, in the order of
    `model_notices`: retired or deprecated, shutting down inside the horizon, stale, unverified."""
    return lifecycle(row, day, horizon_end) + stale(row, day) + unverified(row)
