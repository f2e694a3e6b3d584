"""Prices that change inside the horizon: the horizon cut into periods at every day a model in use
changes price (a promotion's end, a published change: pricing/*.yaml ``price_changes``).

Each period is priced as a whole strategy with the rates in force on its first day (the same
rules, the same cache choice at those rates), and its components bill only on its days
(rules.spent_in): queries and hours for the period's days, refreshes that fall in it at its rates,
and one-time costs on the decision day only. The scalar cost model (:mod:`.strategies`) and the
Monte Carlo (:mod:`.montecarlo`) cut the horizon at the same days, so they agree exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from ..prices.book import ModelPrice, PriceChange
from ..prices.notices import price_changes
from .billing import Component, Models, StrategyCost


@dataclass(frozen=True)
class Period:
    """Days [start, end) after the decision, and the models as priced on its first day."""

    start: float
    end: float | None  # None: to the end of the horizon
    models: Models
    changes: tuple[tuple[ModelPrice, PriceChange], ...] = ()  # what takes effect on its first day

    def label(self, day: dt.date, horizon_days: float) -> str:
        """'2026-12-04 to 2026-12-31': its first and last day."""
        end = horizon_days if self.end is None else self.end
        first = day + dt.timedelta(days=self.start)
        last = day + dt.timedelta(days=end) - dt.timedelta(days=1)
        return f"{first} to {max(first, last)}"


def _roles(models: Models) -> list[ModelPrice]:
    return list({m.name: m for m in (models.icl, models.finetune, models.augment)}.values())


def priced_on(models: Models, day: dt.date) -> Models:
    """The models with the rates in force on `day`."""
    return dataclasses.replace(models, icl=models.icl.on(day), finetune=models.finetune.on(day),
                               augment=models.augment.on(day))


def periods(models: Models, horizon_days: float) -> list[Period]:
    """The horizon cut at every price change of a model in use that takes effect inside it."""
    day = models.day
    found: dict[dt.date, list] = {}
    for model in _roles(models):
        for change in model.price_changes:
            if 0 < (change.starts - day).days < horizon_days:
                found.setdefault(change.starts, []).append((model, change))
    starts = sorted(found)
    cuts = [0.0] + [float((d - day).days) for d in starts]
    ends = cuts[1:] + [None]
    first = priced_on(models, day)
    return [Period(0.0, ends[0], first)] + [
        Period(cuts[i + 1], ends[i + 1], priced_on(models, d), tuple(found[d])) for i, d in enumerate(starts)]


def combine(strategy: str, periods_: list[Period], costs: list[StrategyCost]) -> StrategyCost:
    """One strategy over every period: each period's components billing on its days only (its
    label names the days), one-time costs on the decision day."""
    first = costs[0]
    s = first.scenario
    day = periods_[0].models.day
    out = StrategyCost(strategy, s, notes=list(first.notes))
    for i, (period, cost) in enumerate(zip(periods_, costs)):
        label = period.label(day, s.horizon_days)
        for c in cost.components:
            if i and c.kind == "one_time":
                continue  # paid once, on the decision day
            out.components.append(dataclasses.replace(c, label=f"{c.label} [{label}]", start_day=period.start,
                                                      end_day=s.horizon_days if period.end is None else period.end))
        if i:
            out.notes.append(f"from {day + dt.timedelta(days=period.start)}: {describe(period)}; "
                             f"{'; '.join(cost.notes[:1]) or 'same way of sending the prompt'}")
    return out


def describe(period: Period) -> str:
    """What changes on a period's first day: each model's new rates, with source and date."""
    return "; ".join(change_text(model, change) for model, change in period.changes)


def change_text(model: ModelPrice, change: PriceChange) -> str:
    """The change as the notices name it (prices.notices.price_changes), with its place in the table."""
    only = dataclasses.replace(model, price_changes=(change,), in_force=None)
    before = dataclasses.replace(only, rates=model.on(change.starts - dt.timedelta(days=1)).rates)
    text = price_changes(before, change.starts - dt.timedelta(days=1))[0]
    return f"{text[:-1]}; {change.field} in {model.file})"
