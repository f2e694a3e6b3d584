"""What a buyer must be told about a model on the decision day, one rule per kind of notice:
stale or unverified prices, a deprecation, a shutdown inside the horizon, a fine-tuning offer that
closes. Every output (recommend, report, sweep, pricing list/show, JSON, Markdown) prints these."""

from __future__ import annotations

import datetime as dt

from .pricing import ModelPrice

STALE_AFTER_DAYS = 90


def stale(model: ModelPrice, day: dt.date) -> list[str]:
    """Prices older than 90 days on the decision day, each with its own source."""
    dated = [("prices", model.as_of, model.source)]
    if model.finetune is not None:
        dated.append(("fine-tuning prices", model.finetune.as_of, model.finetune.source))
    if model.gpu is not None:
        dated.append(("GPU price", model.gpu.as_of, model.gpu.source))
    notices = []
    for what, as_of, source in dated:
        age = (day - as_of).days
        if age > STALE_AFTER_DAYS:
            notices.append(f"{model.name} {what} are {age} days old (as of {as_of}, {model.file}); "
                           f"check {source} or pass --pricing with current figures")
    return notices


def unverified(model: ModelPrice) -> list[str]:
    notices = []
    if not model.verified:
        notices.append(f"{model.name}: prices marked unverified in {model.file} ({model.note or 'no note'})")
    ft = model.finetune
    if ft is not None and not ft.verified:
        notices.append(f"{model.name}: fine-tuning prices marked unverified in {model.file} ({ft.note or 'no note'})")
    return notices


def lifecycle(model: ModelPrice, day: dt.date, horizon_end: dt.date | None = None) -> list[str]:
    """Deprecated on the day, or shutting down before the horizon ends, with date, successor, source."""
    life = model.lifecycle
    successor = f"; successor: {life.successor}" if life.successor else ""
    source = f" ({life.source})" if life.source else ""
    status = life.status_on(day)
    if status == "retired":
        return [f"{model.name} is retired{source}{successor}"]
    if horizon_end is not None and life.shutdown_date is not None and life.shutdown_date < horizon_end:
        return [f"{model.name} shuts down on {life.shutdown_date}, inside the horizon (ends {horizon_end}){source}{successor}"]
    if status == "deprecated":
        when = f", shuts down {life.shutdown_date}" if life.shutdown_date else ""
        return [f"{model.name} is deprecated{when}{source}{successor}"]
    if life.as_of is None:
        return [f"{model.name}: {life.note}"]
    return []


def finetune_offer(model: ModelPrice, day: dt.date, customer: str = "new") -> list[str]:
    """A fine-tuning offer that is deprecated or closes on a known day (the cost model decides
    whether the plan still fits; this tells the reader the dates either way)."""
    ft = model.finetune
    if ft is None:
        return []
    life = ft.lifecycle
    source = f" ({life.source})" if life.source else ""
    notices = []
    maybe = " as early as" if life.dates_are_earliest else ""
    stop = life.training_stop(customer)
    if stop is not None:
        tense = "took" if stop.date <= day and not maybe else "may take" if maybe else "takes"
        notices.append(f"{model.name} fine-tuning {tense} no new training jobs for {stop.audience.replace('_', ' ')} "
                       f"from{maybe} {stop.date}{source}")
    if life.serving_stops is not None:
        when = f"may stop serving as early as {life.serving_stops}" if maybe else f"stop serving on {life.serving_stops}"
        notices.append(f"fine-tuned {model.name} models {when}{source}")
    if life.note and "deprecat" in life.note.lower():
        notices.append(f"{model.name} fine-tuning: {life.note}{source}")
    return notices


def model_notices(model: ModelPrice, day: dt.date, horizon_end: dt.date | None = None,
                  customer: str = "new", finetune: bool = True) -> list[str]:
    """Every notice about one model, in a fixed order."""
    return (lifecycle(model, day, horizon_end) + (finetune_offer(model, day, customer) if finetune else [])
            + stale(model, day) + unverified(model))
