"""Prices and models that change inside the horizon: the horizon cut into periods at every day a
model a strategy uses changes price (pricing/*.yaml ``price_changes``: a promotion's end, a
published change) or stops (a shutdown, a fine-tuning offer that stops taking training jobs or
serving tuned models), the plan moving to the model's successor on that day.

Each period is priced as a whole strategy with the models and rates in force on its first day (the
same rules, the same cache choice at those rates), and its components bill only on its days
(rules.spent_in): queries and hours for the period's days, the refreshes that fall in it at its
rates. One-time costs fall on the decision day; where the model that answers moves to its
successor, its setup (the training job on the successor, a cache) is paid again that day with the
migration cost (scenario.migration_usd). Where no successor can take the plan on (none named, none
priced, or, for fine-tuning, one with no open offer), the plan is possible only until that day.

The scalar cost model (:mod:`.strategies`) and the Monte Carlo (:mod:`.montecarlo`) cut the
horizon with this one function, so they agree exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from ..prices.book import ModelPrice, PriceChange
from ..prices.notices import change_notice
from .billing import Component, Models, StrategyCost

# The roles whose models each strategy uses; the first answers the queries.
ROLES = {"icl": ("icl",), "rag": ("icl",), "finetune": ("finetune",), "finetune+local": ("finetune", "augment"),
         "finetune+global": ("finetune", "augment"), "finetune+rag": ("finetune",)}


ROLE_WORDS = {"icl": "the answering model", "finetune": "fine-tuning", "augment": "augmentation"}


@dataclass(frozen=True)
class Switch:
    """The plan moving a role to the successor of its model, and why."""

    role: str
    old: ModelPrice
    new: ModelPrice
    why: str


@dataclass(frozen=True)
class Period:
    """Days [start, end) after the decision, and the models as priced on its first day."""

    start: float
    end: float | None  # None: to the end of the horizon
    models: Models
    changes: tuple[tuple[ModelPrice, PriceChange], ...] = ()  # price changes taking effect on its first day
    switches: tuple[Switch, ...] = ()  # models replaced by their successors on its first day

    def label(self, day: dt.date, horizon_days: float) -> str:
        """'2026-12-04 to 2026-12-31': its first and last day."""
        end = horizon_days if self.end is None else self.end
        first = day + dt.timedelta(days=self.start)
        last = day + dt.timedelta(days=end) - dt.timedelta(days=1)
        return f"{first} to {max(first, last)}"

    def moves(self, role: str) -> bool:
        return any(s.role == role for s in self.switches)


@dataclass(frozen=True)
class Timeline:
    """A strategy's periods; `until` (days) where the plan cannot run to the end of the horizon."""

    periods: list[Period]
    until: float | None = None
    why: str = ""

    @property
    def simple(self) -> bool:
        """One period for the whole horizon: priced as before there were schedules."""
        return len(self.periods) == 1 and self.until is None


@dataclass(frozen=True)
class Reading:
    """What a timeline depends on besides the models: who buys fine-tuning, how "or later" dates
    are read, and the last day a (re)training job starts (a training stop after it changes nothing)."""

    customer: str = "new"
    lifecycle_dates: str = "earliest"
    last_training_day: float = 0.0
    delay_days: float = 0.0  # an "or later" date read as earliest comes this many (whole) days after it

    def stops(self, life) -> tuple[object, dt.date | None]:
        """A fine-tuning offer's (training stop for this customer, serving stop), "or later" dates
        moved by the delay; (None, None) where they stop nothing (read as stated)."""
        if life.dates_are_earliest and self.lifecycle_dates == "stated":
            return None, None
        shift = dt.timedelta(days=int(self.delay_days)) if life.dates_are_earliest else dt.timedelta(0)
        stop = life.training_stop(self.customer)
        if stop is not None:
            stop = dataclasses.replace(stop, date=stop.date + shift)
        return stop, None if life.serving_stops is None else life.serving_stops + shift


def priced_on(models: Models, day: dt.date) -> Models:
    """The models with the rates in force on `day`."""
    return dataclasses.replace(models, icl=models.icl.on(day), finetune=models.finetune.on(day),
                               augment=models.augment.on(day))


def periods(models: Models, horizon_days: float) -> list[Period]:
    """The horizon cut at every price change of the model that answers ICL (tests, charts)."""
    return timeline("icl", models, horizon_days, Reading()).periods


def timeline(strategy: str, models: Models, horizon_days: float, reading: Reading) -> Timeline:
    """The strategy's periods: cut at each price change and each stop of a model it uses that
    falls inside the horizon, a stop moving the role to the model's successor."""
    day = models.day
    roles = ROLES[strategy]
    current = {role: getattr(models, role).on(day) for role in roles}
    cuts: list[Period] = []
    start, changes, switches = 0.0, (), ()
    while True:
        when = _next_events(current, roles, day + dt.timedelta(days=start), reading, day)
        offset = float((when[0] - day).days) if when else None
        if offset is None or offset >= horizon_days:
            cuts.append(Period(start, None, _with(models, current, day + dt.timedelta(days=start)), changes, switches))
            return Timeline(cuts)
        cuts.append(Period(start, offset, _with(models, current, day + dt.timedelta(days=start)), changes, switches))
        changes, switches = [], []
        for kind, role, detail in when[1]:
            if kind == "price":
                changes.append((current[role], detail))
                current[role] = current[role].on(when[0])
                continue
            successor, refusal = _successor(models, current[role], role, when[0], reading)
            if successor is None:
                return Timeline(cuts, offset, f"{detail}, and {refusal}")
            switches.append(Switch(role, current[role], successor.on(when[0]), detail))
            current[role] = successor.on(when[0])
        start, changes, switches = offset, tuple(dict.fromkeys(changes)), tuple(switches)


def _with(models: Models, current: dict, day: dt.date) -> Models:
    priced = priced_on(models, day)
    return dataclasses.replace(priced, **current)


def _next_events(current: dict, roles, after: dt.date, reading: Reading, day: dt.date):
    """(the first day after `after` on which something changes, [(kind, role, detail)] that day)."""
    events = []
    for role in roles:
        m = current[role]
        dated = [c for c in (m.all_price_changes() if role == "finetune" else m.price_changes) if c.starts > after]
        events += [(c.starts, "price", role, c) for c in dated if c.starts == dated[0].starts]
        stop = _stop(m, role, after, reading, day)
        if stop is not None:
            events.append((stop[0], "stop", role, stop[1]))
    if not events:
        return None
    first = min(e[0] for e in events)
    return first, [(kind, role, detail) for when, kind, role, detail in events if when == first]


def _stop(m: ModelPrice, role: str, after: dt.date, reading: Reading, day: dt.date) -> tuple[dt.date, str] | None:
    """The first day after `after` on which `m` can no longer play `role`, and why."""
    life = m.lifecycle
    source = f" ({life.source})" if life.source else ""
    stops = []
    # a tuned model serves as long as its offer says (Azure keeps fine-tuned deployments past the
    # base model's retirement); the base model's shutdown where the offer names no serving stop
    offer = m.finetune.lifecycle if role == "finetune" and m.finetune is not None else None
    if life.shutdown_date is not None and life.shutdown_date > after and (offer is None or offer.serving_stops is None):
        stops.append((life.shutdown_date, f"{m.name} shuts down on {life.shutdown_date}{source}"))
    if offer is not None:
        stops += _offer_stops(m, after, reading, day)
    return min(stops, key=lambda s: s[0]) if stops else None


def _offer_stops(m: ModelPrice, after: dt.date, reading: Reading, day: dt.date) -> list[tuple[dt.date, str]]:
    """A fine-tuning offer's stops after `after`: new training jobs (only where the plan still
    starts one on or after that day: its last starts `last_training_day` after the decision day
    `day`), and the tuned models' serving."""
    life = m.finetune.lifecycle
    source = f" ({life.source})" if life.source else ""
    when = "on" if not life.dates_are_earliest else "as early as" if not reading.delay_days else \
        f"{int(reading.delay_days)} days after its earliest date,"
    stops = []
    stop, serving = reading.stops(life)
    last = day + dt.timedelta(days=reading.last_training_day)
    if stop is not None and after < stop.date <= last:
        stops.append((stop.date, f"{m.name} fine-tuning stops taking new training jobs for "
                                  f"{stop.audience.replace('_', ' ')} {when} {stop.date}{source}, but the plan "
                                  f"retrains until {last}"))
    if serving is not None and serving > after:
        stops.append((serving, f"fine-tuned {m.name} models stop serving {when} {serving}{source}"))
    return stops


def _successor(models: Models, m: ModelPrice, role: str, day: dt.date, reading: Reading):
    """(the successor that takes the role on from `day`, or None and why none can)."""
    name = m.lifecycle.successor
    if not name:
        return None, "no successor is named"
    successor = models.successors.get(m.name)
    if successor is None:
        return None, f"its successor {name} is not priced in the loaded tables"
    if successor.status_on(day) == "retired":
        return None, f"its successor {successor.name} is retired by then"
    if role != "finetune":
        return successor, ""
    ft = successor.finetune
    if ft is None or ft.missing_hosting():
        return None, f"its successor {successor.name} has no fine-tuning price in the loaded tables"
    stop, serving = reading.stops(ft.lifecycle)
    closed = (stop is not None and stop.date <= day) or (serving is not None and serving <= day)
    if closed:
        return None, f"its successor {successor.name}'s fine-tuning offer is closed by then"
    return successor, ""


# ---------------------------------------------------------------- one cost over every period


def combine(strategy: str, line: Timeline, costs: list[StrategyCost]) -> StrategyCost:
    """One strategy over every period: each period's components billing on its days only (its
    label names the days); one-time costs on the decision day, and where the answering model moves
    to its successor, its setup again with the migration cost."""
    first = costs[0]
    s = first.scenario
    day = line.periods[0].models.day
    serving = ROLES[strategy][0]
    out = StrategyCost(strategy, s, notes=list(first.notes))
    for i, (period, cost) in enumerate(zip(line.periods, costs)):
        label = period.label(day, s.horizon_days)
        end = s.horizon_days if period.end is None else period.end
        moved = period.moves(serving)
        for c in cost.components:
            if i and c.kind == "one_time" and not (moved and c.setup):
                continue  # paid once, on the decision day (setup again on a move to a successor)
            out.components.append(dataclasses.replace(c, label=f"{c.label} [{label}]", start_day=period.start, end_day=end))
        if moved:
            new = next(sw.new for sw in period.switches if sw.role == serving)
            out.components.append(Component(
                f"migration to {new.name} [{label}]", "one_time", s.migration_usd,
                f"${s.migration_usd:,.2f} (assumption: --migration-usd, moving the plan to the successor)",
                start_day=period.start, end_day=end))
        if i:
            out.notes.append(f"from {day + dt.timedelta(days=period.start)}: {describe(period)}; "
                             f"{'; '.join(cost.notes[:1]) or 'priced as before'}")
    return out


def describe(period: Period) -> str:
    """What changes on a period's first day: models moving to successors, new rates."""
    moves = [f"{sw.why}: {ROLE_WORDS[sw.role]} moves to {sw.new.name} ({sw.new.tokenizer.describe()} tokens)"
             for sw in period.switches]
    return "; ".join(moves + [change_text(model, change) for model, change in period.changes])


def change_text(model: ModelPrice, change: PriceChange) -> str:
    """The change as the notices name it (prices.notices.change_notice), with its place in the table."""
    return f"{change_notice(model, change)[:-1]}; {change.field} in {model.file})"
