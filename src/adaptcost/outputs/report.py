"""A self-contained report folder: report.md, report.html, report.json, strategies.csv, charts, and
manifest.sha256, which lists the files of the run that wrote it with their sha256.

report.json extends the ``adaptcost-recommendation/1`` document of ``recommend --format json``
with two optional sections, ``uncertainty`` (the Monte Carlo) and ``sensitivity`` (the tornado).
Nothing inside depends on the clock: the same inputs give byte-identical JSON, CSV and Markdown.
"""

from __future__ import annotations

import html
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..costing import rules
from ..decision.recommend import Recommendation
from ..decision.uncertainty import MonteCarlo, ScenarioSpec, Tornado, monte_carlo, tco_table, tornado
from ..errors import AdaptcostError
from ..fileio import atomic_write_bytes, atomic_write_text
from ..money import money
from .escaping import md
from .serialise import to_markdown
from .tables import csv_text

FORMATS = ("md", "html", "json", "csv", "png", "svg")
CHARTS = ("cumulative_cost", "amortized_cost", "cost_vs_accuracy", "tornado")


@dataclass
class ReportData:
    rec: Recommendation
    mc: MonteCarlo
    tornado: Tornado | None
    spec: ScenarioSpec

    def to_dict(self) -> dict:
        d = self.rec.to_dict()
        d["uncertainty"] = self.mc.to_dict()
        d["sensitivity"] = self.tornado.to_dict() if self.tornado else None
        return d


def analyse(rec: Recommendation, spec: ScenarioSpec) -> ReportData:
    return ReportData(rec, monte_carlo(rec, spec), tornado(rec, spec), spec)


def parse_formats(text: str | None) -> tuple[str, ...]:
    if not text:
        return FORMATS
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise AdaptcostError(f"--format: unknown format {unknown[0] if unknown else text!r}; choose from {', '.join(FORMATS)}")
    return chosen


# ---------------------------------------------------------------- tables


def strategies_csv(data: ReportData) -> str:
    d = data.to_dict()
    risk = {r["strategy"]: r for r in d["uncertainty"]["strategies"]}
    header = ["strategy", "feasible", "one_time_usd", "per_refresh_usd", "refreshes", "per_query_usd", "per_hour_usd",
              "tco_usd", "amortized_per_query_usd", "accuracy_mean", "accuracy_low", "accuracy_high",
              "p_cheapest_meeting_target", "tco_p5_usd", "tco_p50_usd", "tco_p95_usd", "reason"]
    rows = []
    for s in d["strategies"]:
        acc = s["expected_accuracy"] or {}
        r = risk.get(s["name"], {})
        rows.append([s["name"], s["feasible"], s["one_time_usd"], s["per_refresh_usd"], s["refreshes"], s["per_query_usd"],
                     s["per_hour_usd"], s["tco_usd"], s["amortized_per_query_usd"], acc.get("mean"), acc.get("low"),
                     acc.get("high"), r.get("p_best"), r.get("p5"), r.get("p50"), r.get("p95"), s["reason"] or ""])
    return csv_text(header, rows)


def _uncertainty_md(d: dict) -> list[str]:
    u = d["uncertainty"]
    lines = ["## How sure is this? (Monte Carlo)", "",
             f"{u['draws']:,} draws, seed {u['seed']}; scenario from {md(u['scenario']['source'])}. Probability that each "
             f"strategy is the cheapest one meeting the accuracy target, and its total cost over the horizon:", "",
             "| strategy | P(best) | 5th pct | median | 95th pct |", "|---|---:|---:|---:|---:|"]
    for r in u["strategies"]:
        lines.append(f"| {md(r['strategy'])} | {r['p_best']:.1%} | {money(r['p5'])} | {money(r['p50'])} | {money(r['p95'])} |")
    lines += ["", f"No strategy meets the target in {u['p_none']:.1%} of draws.", ""]
    varied = {**u["scenario"]["assumptions"], **{f"price: {k}": v for k, v in u["scenario"]["prices"].items()}}
    if varied:
        lines += ["Uncertain assumptions:", ""] + [f"- {md(k, item=True)}: {_dist_text(v)}" for k, v in varied.items()] + [""]
    return lines


def _dist_text(d: dict) -> str:
    if d["dist"] == "point":
        return f"{d['value']:g}"
    if d["dist"] == "uniform":
        return f"uniform {d['low']:g}–{d['high']:g}"
    if d["dist"] == "triangular":
        return f"triangular {d['low']:g}–{d['high']:g}, mode {d['mode']:g}"
    return f"lognormal, median {d['median']:g}, 95th percentile {d['p95']:g}"


def _sensitivity_md(d: dict) -> list[str]:
    t = d["sensitivity"]
    if not t:
        return ["## Sensitivity", "", "No runner-up strategy to compare with.", ""]
    lines = ["## Sensitivity", "",
             f"Margin of {md(t['pick'])} over {md(t['runner_up'])} (the runner-up's total cost minus the pick's; "
             f"negative means the decision flips): {money(t['base_margin'])} at the central assumptions.", "",
             "| assumption | low | margin at low | high | margin at high |", "|---|---:|---:|---:|---:|"]
    for r in t["rows"]:
        lines.append(f"| {md(r['label'])} | {md(r['low_setting'])} | {money(r['margin_low'])} | {md(r['high_setting'])} | "
                     f"{money(r['margin_high'])} |")
    return lines + [""]


def to_report_markdown(data: ReportData, charts: bool = True) -> str:
    d = data.to_dict()
    text = to_markdown(data.rec).rstrip("\n").split("\n")
    extra = _uncertainty_md(d) + _sensitivity_md(d)
    if charts:
        extra += ["## Charts", ""] + [f"![{_chart_title(c)}]({c}.png)" for c in CHARTS] + [""]
    cut = text.index("## Assumptions") if "## Assumptions" in text else len(text)
    return "\n".join(text[:cut] + extra + text[cut:]) + "\n"


def _chart_title(name: str) -> str:
    return {"cumulative_cost": "Cumulative cost over the horizon", "amortized_cost": "Amortized cost per query",
            "cost_vs_accuracy": "Cost against expected accuracy", "tornado": "Sensitivity of the decision"}[name]


# ---------------------------------------------------------------- charts


def _cumulative_series(data: ReportData) -> tuple[dict, list]:
    """Each strategy's spending over the horizon (rules.spent_by): a line with a step at every
    refresh, a bend or a step on every day its prices change (StrategyCost.spent_by), and where two
    lines cross."""
    e = data.rec.estimate
    s = e.scenario
    days = np.linspace(0, s.horizon_days, 2001)
    refresh_days = [s.refresh_days * k for k in range(1, s.refreshes + 1)]
    series, grid = {}, {}
    for st in e.feasible:
        if not st.scheduled:
            def spent(day, st=st):
                return float(rules.spent_by(day, s.horizon_days, s.refresh_days, s.queries_per_day,
                                            st.one_time, st.per_refresh, st.per_query, st.per_hour))

            points = [(0.0, 0.0), (0.0, st.one_time)]
            for day in refresh_days:
                points += [(day, spent(day) - st.per_refresh), (day, spent(day))]
            series[st.strategy] = points + [(s.horizon_days, spent(s.horizon_days))]
            grid[st.strategy] = rules.spent_by(days, s.horizon_days, s.refresh_days, s.queries_per_day,
                                               st.one_time, st.per_refresh, st.per_query, st.per_hour)
            continue
        # prices change inside the horizon: the slope turns on each change day, a step at each refresh
        points = [(0.0, 0.0), (0.0, st.step_at(0.0))]
        for day in sorted(set(refresh_days) | set(st.change_days())):
            total = float(st.spent_by(day))
            points += [(day, total - st.step_at(day)), (day, total)]
        series[st.strategy] = points + [(s.horizon_days, float(st.spent_by(s.horizon_days)))]
        grid[st.strategy] = np.asarray(st.spent_by(days), float)
    crossings = []
    names = list(grid)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            diff = grid[names[i]] - grid[names[j]]
            for k in np.nonzero(np.sign(diff[:-1]) * np.sign(diff[1:]) < 0)[0]:
                crossings.append((float(days[k + 1]), float(grid[names[i]][k + 1]), f"{names[i]} = {names[j]}"))
    return series, crossings


def _amortized_series(data: ReportData) -> tuple[list, dict, list]:
    e = data.rec.estimate
    q0 = max(e.scenario.queries_per_day, 1.0)
    volumes = np.geomspace(max(q0 / 1e4, 0.01), q0 * 100, 121)
    table = tco_table(e, {"queries_per_day": volumes})
    queries = volumes * e.scenario.horizon_days
    amortized = {s: [None if math.isnan(v) else float(v) for v in np.broadcast_to(t, volumes.shape) / queries]
                 for s, t in table.items() if e.strategy(s).feasible}
    marks = []
    for be in e.breakevens:
        for q, above in be.crossings:
            if volumes[0] <= q <= volumes[-1]:
                usd = float(tco_table(e, {"queries_per_day": q})[above]) / (q * e.scenario.horizon_days)
                marks.append((q, usd, f"{be.a} = {be.b}"))
    return [float(v) for v in volumes], amortized, marks


def render_charts(data: ReportData) -> dict[str, dict[str, bytes]]:
    """Each chart, rendered in memory as PNG and SVG: {name: {"png": ..., "svg": ...}}."""
    from . import charts

    rec, e = data.rec, data.rec.estimate
    s = e.scenario
    figures = {}
    series, crossings = _cumulative_series(data)
    figures["cumulative_cost"] = charts.cumulative_cost_chart(
        series, crossings, s.horizon_days, f"Cumulative cost at {s.queries_per_day:,.0f} queries/day")
    volumes, amortized, marks = _amortized_series(data)
    figures["amortized_cost"] = charts.amortized_cost_chart(
        volumes, amortized, marks, s.queries_per_day, f"Amortized cost per query over {s.horizon_days:g} days")
    points = [(st.strategy, st.tco, q.mean, q.low, q.high) for st in e.feasible if (q := rec.quality.get(st.strategy))]
    figures["cost_vs_accuracy"] = charts.cost_accuracy_chart(points, rec.pick, "Total cost against expected accuracy")
    t = data.tornado
    rows = [(r.label, r.low_setting, r.high_setting, r.margin_low, r.margin_high) for r in t.rows] if t else []
    figures["tornado"] = charts.tornado_chart(rows, t.base_margin if t else 0.0, t.pick if t else (rec.pick or "-"),
                                              t.runner_up if t else "-", "What moves the decision")
    return {name: charts.chart_bytes(fig) for name, fig in figures.items()}


# ---------------------------------------------------------------- HTML


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1a1a1a;line-height:1.45}
h1{border-bottom:3px solid #2b6cb0;padding-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em;width:100%}th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top}
th{background:#f0f4f8;text-align:left}td.n{text-align:right;white-space:nowrap}.pick{background:#e6f4ea;font-weight:600}
.chart svg{width:100%;height:auto}.warn{color:#8a5300}code{background:#f4f4f4;padding:0 .2em}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}.chart,table{page-break-inside:avoid}}
"""


def markdown_to_html(md: str, svgs: dict[str, str], title: str) -> str:
    """The report's Markdown as one self-contained page: markdown-it-py (CommonMark with pipe
    tables; it comes with rich) renders it, and each chart image becomes its inline SVG."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")

    def chart(renderer, tokens, idx, options, env) -> str:
        token = tokens[idx]
        name = (token.attrGet("src") or "").removesuffix(".png")
        caption = html.escape(token.content)
        return f"<figure class=chart><figcaption>{caption}</figcaption>{svgs.get(name, '')}</figure>"

    parser.add_render_rule("image", chart)
    return (f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body>\n{parser.render(md)}</body></html>\n")


def _inline_svg(svg: bytes) -> str:
    text = svg.decode("utf-8")
    start = text.find("<svg")
    return text[start:] if start >= 0 else ""


# ---------------------------------------------------------------- folder


MANIFEST = "manifest.sha256"


def write_report(data: ReportData, folder: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the chosen formats into `folder`, then its manifest (MANIFEST: each file's sha256, in
    `sha256sum -c`'s format); return the files written, the manifest last. Files already in the
    folder are overwritten only where this run writes the same name, never deleted:
    `files_of_other_runs` names the rest."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise AdaptcostError(f"--output {folder} exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AdaptcostError(f"cannot create {folder}: {exc.strerror or exc}") from None
    needs_charts = any(f in formats for f in ("png", "svg", "html", "md"))
    rendered = render_charts(data) if needs_charts else {}
    md_text = to_report_markdown(data, charts=needs_charts)
    documents = {
        "md": ("report.md", lambda: md_text),
        "json": ("report.json", lambda: json.dumps(data.to_dict(), indent=2, ensure_ascii=False) + "\n"),
        "csv": ("strategies.csv", lambda: strategies_csv(data)),
        "html": ("report.html", lambda: markdown_to_html(md_text, {c: _inline_svg(r["svg"]) for c, r in rendered.items()},
                                                         "adaptcost report")),
    }
    contents: dict[str, bytes] = {}
    for fmt, (name, make) in documents.items():
        if fmt in formats:
            contents[name] = make().encode("utf-8")
    # PNGs back the Markdown's images; the HTML inlines the SVGs and needs no file
    keep = {"png"} & set(formats) | ({"png"} if "md" in formats else set()) | {"svg"} & set(formats)
    for name, images in rendered.items():
        for fmt in sorted(keep):
            contents[f"{name}.{fmt}"] = images[fmt]
    for name, content in contents.items():
        atomic_write_bytes(folder / name, content)
    atomic_write_text(folder / MANIFEST, manifest_text(contents))
    return sorted(folder / name for name in contents) + [folder / MANIFEST]


def manifest_text(contents: dict[str, bytes]) -> str:
    """One line per file, sorted by name: its sha256, two spaces, its name (`sha256sum -c MANIFEST`
    checks the folder)."""
    import hashlib

    return "".join(f"{hashlib.sha256(contents[name]).hexdigest()}  {name}\n" for name in sorted(contents))


def files_of_other_runs(folder: Path) -> list[str]:
    """The names in a report folder that its manifest does not list: files of an earlier run (a
    chart of a format not asked for this time) or of somebody else, sorted. Kept, never deleted."""
    folder = Path(folder)
    try:
        listed = {line.split("  ", 1)[1] for line in (folder / MANIFEST).read_text(encoding="utf-8").splitlines() if "  " in line}
        present = {entry.name for entry in os.scandir(folder)}
    except (OSError, UnicodeDecodeError) as exc:
        raise AdaptcostError(f"cannot read the report folder {folder}: {getattr(exc, 'strerror', None) or exc}") from None
    return sorted(present - listed - {MANIFEST})
