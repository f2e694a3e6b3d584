"""Charts for the cost report: cumulative cost, amortized cost per query, cost against accuracy, and a
tornado of the assumptions that could flip the decision.

Inputs are plain Python data (no adaptcost objects). Figures are drawn with matplotlib's Agg canvas
directly (``FigureCanvasAgg``), never through pyplot, so nothing here needs a display or changes the
process-wide backend or rcParams. ``save_chart`` writes PNG (dpi 150) and SVG with text kept as text;
the same figure gives the same bytes on every save.

Accuracy values are shares in [0, 1] (as elsewhere in adaptcost); if any value exceeds 1 they are read as
percentages (0-100). Money is USD.
"""

from __future__ import annotations

import io
import math
import sys
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib
import matplotlib.text
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter, PercentFormatter
from matplotlib.transforms import ScaledTranslation

from ..money import axis_money

__all__ = [
    "STRATEGY_COLOURS",
    "amortized_cost_chart",
    "cost_accuracy_chart",
    "cumulative_cost_chart",
    "chart_bytes",
    "save_chart",
    "strategy_style",
    "tornado_chart",
]

FIGSIZE = (8.0, 5.0)
PNG_DPI = 150
NO_DATA = "no data"

# Okabe-Ito colour-blind-safe palette; fixed per known strategy, so every chart agrees.
STRATEGY_COLOURS = {
    "icl": "#D55E00",
    "finetune": "#0072B2",
    "finetune+local": "#009E73",
    "finetune+global": "#CC79A7",
    "rag": "#E69F00",
    "finetune+rag": "#56B4E9",
}
_LINESTYLES = {"icl": "-", "finetune": "-", "finetune+local": "--", "finetune+global": "-.", "rag": ":",
               "finetune+rag": (0, (5, 1, 1, 1))}
_EXTRA_COLOURS = ["#000000", "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF", "#9467BD"]
_EXTRA_LINESTYLES = [":", (0, (5, 1, 1, 1)), (0, (8, 2)), (0, (1, 1))]

# Style applied while a figure is built (font sizes are fixed when artists are created). Render-time
# settings for SVG are applied in save_chart.
_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
    "axes.unicode_minus": True,
    "lines.linewidth": 2.2,
    "text.parse_math": False,
}
_SAVE_RC = {"svg.fonttype": "none", "svg.hashsalt": "adaptcost-charts", "path.simplify": True}

_MINUS = "\u2212"
_TEXT_BOX = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8}


# ---------------------------------------------------------------- helpers


def strategy_style(names: Iterable[str]) -> dict[str, tuple[str, object]]:
    """Colour and line style for each name: fixed for the known strategies; unknown names get further
    colours in sorted order (so the same set of names gets the same colours in every chart)."""
    out: dict[str, tuple[str, object]] = {}
    unknown = sorted({n for n in names if n not in STRATEGY_COLOURS})
    for n in names:
        if n in STRATEGY_COLOURS:
            out[n] = (STRATEGY_COLOURS[n], _LINESTYLES[n])
    for i, n in enumerate(unknown):
        out[n] = (_EXTRA_COLOURS[i % len(_EXTRA_COLOURS)], _EXTRA_LINESTYLES[i % len(_EXTRA_LINESTYLES)])
    return out


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _count(v: float, pos=None) -> str:
    if not _finite(v):
        return ""
    if abs(v) >= 1:
        return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.1f}"
    return f"{float(f'{v:.2g}'):.10f}".rstrip("0").rstrip(".")


def _new_figure() -> Figure:
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(h_pad=0.08, w_pad=0.08)
    return fig


def _ticks(ax) -> None:
    ax.tick_params(axis="both", which="both", labelsize=_STYLE["xtick.labelsize"])


def _no_data(ax, message: str = NO_DATA) -> None:
    """A centred note on an empty plot; the value axis gets no ticks (there is nothing to read off it)."""
    ax.set_yticks([])
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", fontsize=14, color="#666666")


def _log_axis(axis, lo: float, hi: float, fmt) -> None:
    """Major ticks with ``fmt``; minor labels only when the axis spans little more than a decade."""
    axis.set_major_formatter(FuncFormatter(fmt))
    if hi / lo <= 30:
        axis.set_minor_formatter(FuncFormatter(lambda v, p: fmt(v, p) if _first_digit(v) in (2, 5) else ""))
    else:
        axis.set_minor_formatter(NullFormatter())


def _first_digit(v: float) -> int:
    if v <= 0:
        return 0
    return int(round(v / 10 ** math.floor(math.log10(v) + 1e-9), 6))


def _legend_outside(ax) -> None:
    """Legend to the right of the axes, top-aligned (constrained layout makes room for it)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False,
                  handlelength=2.6)


def _annotate(ax, x: float, y: float, text: str, xycoords="data", **kw):
    """A label tied to a data point by a thin leader line; ``_place_labels`` then chooses its spot."""
    return ax.annotate(
        text, (x, y), xycoords=xycoords, xytext=(14, 14), textcoords="offset points", fontsize=9.5,
        ha="left", va="bottom", annotation_clip=False,
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.8, "shrinkA": 1, "shrinkB": 5},
        zorder=6, **kw,
    )


def _densify(points: np.ndarray, step: float = 3.0) -> np.ndarray:
    """Points every ``step`` pixels along a display-space polyline (NaN breaks the line)."""
    out = [points[np.all(np.isfinite(points), axis=1)]]
    for a, b in zip(points[:-1], points[1:]):
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            continue
        n = int(math.hypot(*(b - a)) // step)
        if n > 1:
            t = np.linspace(0.0, 1.0, n + 1)[1:-1, None]
            out.append(a + t * (b - a))
    return np.concatenate(out) if out else np.empty((0, 2))


def _obstacles(ax) -> np.ndarray:
    """Display coordinates of what is drawn in the axes: line vertices (densified), scatter points,
    error-bar segments."""
    chunks = [np.empty((0, 2))]
    with np.errstate(invalid="ignore", divide="ignore"):
        for line in ax.get_lines():
            if not line.get_visible():
                continue
            xy = np.column_stack([np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)])
            if len(xy):
                if line.get_drawstyle() == "steps-post" and len(xy) > 1:
                    steps = np.empty((2 * len(xy) - 1, 2))
                    steps[0::2] = xy
                    steps[1::2, 0], steps[1::2, 1] = xy[1:, 0], xy[:-1, 1]
                    xy = steps
                chunks.append(_densify(line.get_transform().transform(xy)))
        for coll in ax.collections:
            if isinstance(coll, LineCollection):
                for seg in coll.get_segments():
                    chunks.append(_densify(coll.get_transform().transform(np.asarray(seg, float))))
            else:
                offsets = np.asarray(coll.get_offsets(), float)
                if len(offsets):
                    chunks.append(coll.get_offset_transform().transform(offsets))
    return np.concatenate(chunks)


_DIRECTIONS = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]


def _place_labels(fig, ax, annotations: Sequence, avoid: Sequence = ()) -> None:
    """Greedy label placement: for each annotation, try spots around its point and keep the one that
    stays inside the axes, overlaps no placed label and covers the fewest drawn points."""
    if not annotations:
        return
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    obstacles = _obstacles(ax)
    placed = [matplotlib.text.Text.get_window_extent(t, renderer) if isinstance(t, matplotlib.text.Text)
              else t.get_window_extent(renderer) for t in avoid]
    for ann in annotations:
        best = None
        for radius in (16, 30, 50, 75):
            for ux, uy in _DIRECTIONS:
                dx, dy = ux * radius, uy * radius * 0.8
                ann.xyann = (dx, dy)
                ann.set_ha("left" if ux > 0 else "right" if ux < 0 else "center")
                ann.set_va("bottom" if uy > 0 else "top" if uy < 0 else "center")
                bb = matplotlib.text.Text.get_window_extent(ann, renderer).padded(3)
                outside = (max(0, box.x0 - bb.x0) + max(0, bb.x1 - box.x1) + max(0, box.y0 - bb.y0)
                           + max(0, bb.y1 - box.y1))
                clash = sum(bb.overlaps(p) for p in placed)
                inside = 0
                if len(obstacles):
                    inside = int(np.count_nonzero((obstacles[:, 0] >= bb.x0) & (obstacles[:, 0] <= bb.x1)
                                                  & (obstacles[:, 1] >= bb.y0) & (obstacles[:, 1] <= bb.y1)))
                score = 50.0 * outside + 1000.0 * clash + 4.0 * inside + 0.3 * radius
                if best is None or score < best[0]:
                    best = (score, (dx, dy), ann.get_ha(), ann.get_va(), bb)
        _, xyann, ha, va, bb = best
        ann.xyann = xyann
        ann.set_ha(ha)
        ann.set_va(va)
        placed.append(bb)


def _merge_close(fig, ax, items: list[tuple[float, float, str]], px: float = 12.0,
                 sep: str = "\n") -> list[tuple[float, float, str]]:
    """Merge markers that would sit within ``px`` pixels of each other into one, joining their labels."""
    if len(items) < 2:
        return items
    fig.draw_without_rendering()
    with np.errstate(invalid="ignore", divide="ignore"):
        disp = ax.transData.transform(np.array([(x, y) for x, y, _ in items], float))
    groups: list[list[int]] = []
    for i in sorted(range(len(items)), key=lambda k: (items[k][0], items[k][1])):
        for g in groups:
            if any(np.hypot(*(disp[i] - disp[j])) <= px for j in g):
                g.append(i)
                break
        else:
            groups.append([i])
    out = []
    for g in groups:
        first = items[g[0]]
        out.append((first[0], first[1], sep.join(dict.fromkeys(items[k][2] for k in g))))
    return out


# ---------------------------------------------------------------- charts


def _titled_axes(title: str, xlabel: str, ylabel: str):
    """A new figure with one axes, titled and labelled."""
    fig = _new_figure()
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    return fig, ax


CUMULATIVE_FIGSIZE = (9.0, 6.6)  # with crossings: the whole horizon above, the crossings and their key below
ZOOM_SHARE = 0.4  # crossings all within this share of the horizon get a panel of their own
_LABEL_GAP_PT = 12.5  # end-of-line labels at least this far apart (one line of 9.5-pt text)


def cumulative_cost_chart(series: dict[str, list[tuple[float, float]]], crossings: list[tuple[float, float, str]],
                          horizon_days: float, title: str) -> Figure:
    """Cumulative cost (USD) against days, one line per strategy (steps included in the points: a
    refresh, a migration), each named with its total at its end (labels kept apart however close the
    lines end). Crossings are numbered markers with a key: one entry per pair of strategies, with the
    day(s) they cross. Where every crossing falls early (within ZOOM_SHARE of the horizon) they are
    drawn in a second panel on those days alone, so that neither they nor the lines crowd."""
    with matplotlib.rc_context(_STYLE):
        horizon, lines = _cumulative_lines(series, horizon_days)
        pts = sorted((float(d), float(c), str(t)) for d, c, t in crossings if _finite(d) and _finite(c))
        if not any(lines.values()):
            pts = []
        window = _crossing_window(pts, horizon) if pts else None
        entries = _crossing_key(pts)
        ax, zoom, key_ax = _cumulative_axes(title, len(entries), window is not None)
        _draw_lines(ax, lines, horizon)
        if not any(lines.values()):
            ax.set_ylim(0, 1)
            _no_data(ax)
            return ax.figure
        fig = ax.figure
        marked = ax
        if zoom is not None:
            _draw_lines(zoom, lines, window)
            top = max(c for _, c, _ in pts)
            if top > 0 and zoom.get_ylim()[1] > 1.6 * top:  # lines far above every crossing leave the panel
                zoom.set_ylim(zoom.get_ylim()[0], 1.6 * top)
            zoom.set_title(f"The first {_count(window)} days, where the lines cross", fontsize=10.5, loc="left")
            zoom.set_xlabel("days")
            ax.axvspan(0, window, color="#000000", alpha=0.05, zorder=0, lw=0)
            marked = zoom
        _end_labels(fig, ax, lines)
        if pts:
            numbered = [(d, c, str(entries[t][0])) for d, c, t in pts]
            marked.scatter([p[0] for p in pts], [p[1] for p in pts], s=42, facecolor="white", edgecolor="black",
                           linewidth=1.3, zorder=5, clip_on=False)
            anns = [_annotate(marked, d, c, text) for d, c, text in _merge_close(fig, marked, numbered, px=6.0, sep=", ")]
            _place_labels(fig, marked, anns)
            _key_panel(key_ax, entries)
        return fig


def _cumulative_axes(title: str, entries: int, zoomed: bool):
    """(whole horizon, crossings panel or None, key panel or None): one axes without crossings; with
    them, the key beside a panel of the early days (`zoomed`), or else in a strip below."""
    if not entries:
        fig, ax = _titled_axes(title, "days", "cumulative cost (USD)")
        return ax, None, None
    key_in = (entries + 2) * 12.5 / 72.0
    height = CUMULATIVE_FIGSIZE[1] if zoomed else 4.6 + key_in
    fig = Figure(figsize=(CUMULATIVE_FIGSIZE[0], height), layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(h_pad=0.08, w_pad=0.08)
    if zoomed:
        grid = fig.add_gridspec(2, 2, height_ratios=(3, 2), width_ratios=(3, 2))
        ax, zoom, key_ax = fig.add_subplot(grid[0, :]), fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
    else:
        grid = fig.add_gridspec(2, 1, height_ratios=(4.6 - 0.6, key_in))
        ax, zoom, key_ax = fig.add_subplot(grid[0]), None, fig.add_subplot(grid[1])
    ax.set_title(title)
    ax.set_xlabel("days")
    ax.set_ylabel("cumulative cost (USD)")
    return ax, zoom, key_ax


def _cumulative_lines(series, horizon_days) -> tuple[float, dict[str, list[tuple[float, float]]]]:
    """The finite points of each series, and the x range (the horizon, else the last day drawn)."""
    lines = {name: [(float(d), float(c)) for d, c in pts if _finite(d) and _finite(c)] for name, pts in series.items()}
    if _finite(horizon_days) and horizon_days > 0:
        return float(horizon_days), lines
    xs = [d for pts in lines.values() for d, _ in pts]
    return (max(xs) if xs and max(xs) > 0 else 1.0), lines


def _draw_lines(ax, lines: dict[str, list[tuple[float, float]]], until: float) -> None:
    """Every strategy's line on days 0..`until`, y from 0 (or the lowest value) to what is drawn."""
    ax.yaxis.set_major_formatter(FuncFormatter(axis_money))
    ax.xaxis.set_major_formatter(FuncFormatter(_count))
    _ticks(ax)
    styles = strategy_style(lines)
    shown = []
    for name, pts in lines.items():
        colour, ls = styles[name]
        final = f": {axis_money(pts[-1][1])}" if pts else " (no data)"
        ax.plot([p[0] for p in pts], [p[1] for p in pts], color=colour, linestyle=ls, label=f"{name}{final}",
                solid_joinstyle="miter")
        shown += [c for d, c in _clipped(pts, until)]
    ax.set_xlim(0, until)
    if shown:
        lo, hi = min(0.0, min(shown)), max(shown)
        hi = hi if hi > lo else lo + 1.0
        ax.set_ylim(lo, hi + 0.06 * (hi - lo))


def _clipped(pts: list[tuple[float, float]], until: float) -> list[tuple[float, float]]:
    """The points up to day `until`, with the line's value on that day (linear between points)."""
    out = [(d, c) for d, c in pts if d <= until]
    later = [(d, c) for d, c in pts if d > until]
    if out and later:
        (d0, c0), (d1, c1) = out[-1], later[0]
        out.append((until, c0 + (c1 - c0) * (until - d0) / (d1 - d0)))
    return out


def _crossing_window(pts, horizon: float) -> float | None:
    """The days a crossings panel shows (a little past the last crossing), or None where the crossings
    spread over more than ZOOM_SHARE of the horizon (they are then marked on the whole horizon)."""
    last = max(d for d, _, _ in pts)
    if last > ZOOM_SHARE * horizon:
        return None
    window = max(last * 1.15, 0.02 * horizon)
    step = 10 ** math.floor(math.log10(window))
    return min(math.ceil(window / step) * step, horizon)


def _crossing_key(pts) -> dict[str, tuple[int, list[float]]]:
    """One numbered entry per pair of strategies, in the order they first cross, with every day they cross."""
    entries: dict[str, tuple[int, list[float]]] = {}
    for d, _, text in pts:
        entries.setdefault(text, (len(entries) + 1, []))[1].append(d)
    return entries


def _day_text(day: float) -> str:
    return f"{day:.1f}" if day < 10 else f"{day:,.0f}"


def _key_panel(ax, entries: dict[str, tuple[int, list[float]]]) -> None:
    """The crossings' key, one line each: 'n  a = b: day(s) ...' (as many as the panel holds; the rest
    counted), written as separate texts so that none overlaps another."""
    ax.set_axis_off()
    ax.set_title("Where two lines cross", fontsize=10.5, loc="left")
    fig = ax.figure
    fig.draw_without_rendering()
    height_pt = ax.get_window_extent().height * 72.0 / fig.dpi
    rows = max(1, int(height_pt // 12.0))
    items = list(entries.items())
    shown = items if len(items) <= rows else items[: rows - 1]
    def at(x_pt: float, row: int):
        return ax.transAxes + ScaledTranslation(x_pt / 72.0, -12.0 * row / 72.0, fig.dpi_scale_trans)

    for i, (text, (n, days)) in enumerate(shown):
        when = ("day " if len(days) == 1 else "days ") + ", ".join(_day_text(d) for d in days)
        ax.text(0.0, 1.0, str(n), transform=at(12.0, i), ha="right", va="top", fontsize=9)
        ax.text(0.0, 1.0, f"{text}: {when}", transform=at(18.0, i), ha="left", va="top", fontsize=9)
    if len(shown) < len(items):
        ax.text(0.0, 1.0, f"… and {len(items) - len(shown)} more (report.json: break-evens)", ha="left", va="top",
                fontsize=9, color="#555555", transform=at(18.0, len(shown)))


def _end_labels(fig, ax, lines: dict[str, list[tuple[float, float]]]) -> None:
    """Each strategy named with its total just right of where its line ends, moved apart (by at
    least one line of text) where lines end close together, each tied to its line by a leader."""
    ends = [(name, pts[-1]) for name, pts in lines.items() if pts]
    if not ends:
        return
    styles = strategy_style(lines)
    fig.draw_without_rendering()
    to_px, gap = ax.transData, _LABEL_GAP_PT * fig.dpi / 72.0
    order = sorted(ends, key=lambda e: e[1][1])
    wanted = [to_px.transform(end)[1] for _, end in order]
    placed = _spread(wanted, gap, ax.get_window_extent())
    back = to_px.inverted()
    for (name, (day, usd)), y_px in zip(order, placed):
        y = back.transform((0.0, y_px))[1]
        ax.annotate(f"{name} {axis_money(usd)}", (day, usd), xytext=(1.015, y), textcoords=ax.get_yaxis_transform(),
                    ha="left", va="center", fontsize=9.5, color=styles[name][0], annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": styles[name][0], "lw": 0.8, "shrinkA": 0, "shrinkB": 0})


def _spread(wanted: list[float], gap: float, box) -> list[float]:
    """Positions (for `wanted`, ascending) at least `gap` apart and as near as they can be to the
    ones wanted: labels that would collide form a group centred on what its members want (groups
    merge until none collide), kept inside the axes' height where there is room."""
    groups = [[y] for y in wanted]  # each group: the wanted positions of its members

    def placed(group):
        centre = sum(group) / len(group)
        return centre - gap * (len(group) - 1) / 2

    merged = True
    while merged:
        merged = False
        for i in range(len(groups) - 1):
            top_of_lower = placed(groups[i]) + gap * (len(groups[i]) - 1)
            if placed(groups[i + 1]) - top_of_lower < gap - 1e-9:
                groups[i:i + 2] = [groups[i] + groups[i + 1]]
                merged = True
                break
    out = [placed(g) + gap * k for g in groups for k in range(len(g))]
    shift = min(0.0, box.y1 - out[-1]) or max(0.0, box.y0 - out[0])
    return [y + shift for y in out]


def amortized_cost_chart(volumes: list[float], amortized: dict[str, list[float | None]],
                         breakevens: list[tuple[float, float, str]], current_volume: float, title: str) -> Figure:
    """Amortized cost per query (USD, log y) against queries per day (log x). ``None`` (infeasible or
    undefined) leaves a gap; non-positive values are skipped on a log axis. Break-evens are marked and
    annotated; a dashed vertical line marks ``current_volume`` ('your volume')."""
    with matplotlib.rc_context(_STYLE):
        fig, ax = _titled_axes(title, "queries per day", "amortized cost per query (USD)")
        _ticks(ax)
        vols = [float(v) if _finite(v) else math.nan for v in volumes]
        xs_pos = [v for v in vols if v > 0]
        log_x = bool(xs_pos)
        values = [float(v) for s in amortized.values() for v in s[: len(vols)] if v is not None and _finite(v)]
        log_y = any(v > 0 for v in values)
        styles = strategy_style(amortized)
        shown: list[float] = []
        for name, series in amortized.items():
            xs, ys = [], []
            for x, y in zip(vols, series):
                ok = y is not None and _finite(y) and _finite(x) and (x > 0 or not log_x) and (y > 0 or not log_y)
                xs.append(x)
                ys.append(float(y) if ok else math.nan)
            good = [y for y in ys if not math.isnan(y)]
            shown += good
            colour, ls = styles[name]
            label = name if good else f"{name} (not feasible here)"
            ax.plot(xs, ys, color=colour, linestyle=ls, label=label)
        if not shown:
            ax.set_xscale("linear")
            ax.set_yscale("linear")
            ax.yaxis.set_major_formatter(FuncFormatter(axis_money))
            ax.xaxis.set_major_formatter(FuncFormatter(_count))
            if xs_pos:
                ax.set_xlim(min(xs_pos), max(xs_pos))
            _no_data(ax, NO_DATA if not amortized or not vols else "no feasible strategy at these volumes")
            _legend_outside(ax)
            return fig
        xlo = min(xs_pos) if log_x else min(v for v in vols if _finite(v))
        xhi = max(xs_pos) if log_x else max(v for v in vols if _finite(v))
        if xhi <= xlo:
            xhi = xlo * 10 if log_x else xlo + 1
        ylo, yhi = min(shown), max(shown)
        if log_x:
            ax.set_xscale("log")
            ax.set_xlim(xlo, xhi)
            _log_axis(ax.xaxis, xlo, xhi, _count)
        else:
            ax.set_xlim(xlo, xhi)
            ax.xaxis.set_major_formatter(FuncFormatter(_count))
        if log_y:
            if yhi <= ylo:
                ylo, yhi = ylo / 3, yhi * 3
            ax.set_yscale("log")
            ax.set_ylim(ylo / 1.6, yhi * 1.6)
            _log_axis(ax.yaxis, ylo, yhi, axis_money)
        else:
            pad = 0.06 * (yhi - ylo or 1.0)
            ax.set_ylim(ylo - pad, yhi + pad)
            ax.yaxis.set_major_formatter(FuncFormatter(axis_money))
        fixed = []
        if _finite(current_volume) and (current_volume > 0 or not log_x):
            ax.axvline(current_volume, color="#333333", linestyle=(0, (5, 4)), linewidth=1.3, zorder=1)
            inside = xlo <= current_volume <= xhi
            if inside:
                fixed.append(ax.annotate(f"your volume\n{_count(current_volume)}/day", (current_volume, 1.0),
                            xycoords=ax.get_xaxis_transform(), xytext=(5, -4), textcoords="offset points",
                            ha="left", va="top", fontsize=9.5, color="#333333",
                            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85}))
        marks = sorted((float(q), float(c), str(t)) for q, c, t in breakevens
                       if _finite(q) and _finite(c) and (q > 0 or not log_x) and (c > 0 or not log_y))
        if marks:
            ax.scatter([m[0] for m in marks], [m[1] for m in marks], s=60, facecolor="white", edgecolor="black",
                       linewidth=1.5, zorder=5)
        _legend_outside(ax)
        anns = [_annotate(ax, q, c, text) for q, c, text in _merge_close(fig, ax, marks)]
        _place_labels(fig, ax, anns, avoid=fixed)
        return fig


def pareto_front(points: Sequence[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """(name, cost, accuracy) points not dominated by a cheaper-or-equal and at-least-as-accurate point
    (strictly better in one), sorted by cost."""
    front = []
    for p in points:
        dominated = any((q[1] <= p[1] and q[2] >= p[2]) and (q[1] < p[1] or q[2] > p[2]) for q in points)
        if not dominated:
            front.append(p)
    return sorted(front, key=lambda p: (p[1], p[2], p[0]))


def cost_accuracy_chart(points: list[tuple[str, float, float, float, float]], pick: str | None, title: str) -> Figure:
    """Total cost (USD) against expected accuracy; a vertical error bar (low..high) per strategy,
    labelled; the Pareto front as a step line; the pick ringed. Log x when max/min cost > 20."""
    with matplotlib.rc_context(_STYLE):
        fig, ax = _titled_axes(title, "total cost over horizon (USD)", "expected accuracy")
        _ticks(ax)
        pts = [(str(n), float(c), float(m), float(lo), float(hi)) for n, c, m, lo, hi in points
               if _finite(c) and _finite(m)]
        accs = [v for p in pts for v in p[2:] if _finite(v)]
        scale = 100.0 if any(v > 1.0 for v in accs) else 1.0
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=scale, decimals=0))
        if not pts:
            ax.set_ylim(0, scale)
            ax.xaxis.set_major_formatter(FuncFormatter(axis_money))
            _no_data(ax)
            return fig
        costs = [p[1] for p in pts]
        log_x = min(costs) > 0 and max(costs) / min(costs) > 20
        styles = strategy_style([p[0] for p in pts])
        # axes ranges first (percent on y with room for labels, money on x): the dodge below needs them
        lows = [min(p[3], p[2]) if _finite(p[3]) else p[2] for p in pts]
        highs = [max(p[4], p[2]) if _finite(p[4]) else p[2] for p in pts]
        ylo, yhi = min(lows), max(highs)
        span = max(yhi - ylo, 0.04 * scale)
        ax.set_ylim(max(0.0, ylo - 0.15 * span), min(scale, yhi + 0.2 * span) if yhi < scale else yhi + 0.05 * span)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 5, 10]))
        cl, ch = min(costs), max(costs)
        if log_x:
            ax.set_xscale("log")
            ax.set_xlim(cl / 1.5, ch * 1.8)
            _log_axis(ax.xaxis, cl, ch, axis_money)
        else:
            cspan = ch - cl if ch > cl else max(abs(ch), 1.0)
            ax.set_xlim(cl - 0.1 * cspan, ch + 0.25 * cspan)
            ax.xaxis.set_major_formatter(FuncFormatter(axis_money))
        dodge = _dodge(fig, ax, [p[1] for p in pts])
        for (n, c, m, lo, hi), off in zip(pts, dodge):
            lo = lo if _finite(lo) else m
            hi = hi if _finite(hi) else m
            tr = ax.transData + ScaledTranslation(off / 72.0, 0.0, fig.dpi_scale_trans)
            ax.errorbar([c], [m], yerr=[[max(m - min(lo, hi), 0.0)], [max(max(lo, hi) - m, 0.0)]], fmt="o",
                        color=styles[n][0], markersize=8, capsize=5, elinewidth=1.8, capthick=1.8, zorder=4,
                        transform=tr)
            if n == pick:
                ax.scatter([c], [m], s=420, facecolor="none", edgecolor="black", linewidth=2.0, zorder=5,
                           label=f"pick: {n}", transform=tr)
        front = pareto_front([(n, c, m) for n, c, m, _, _ in pts])
        fx, fy = [p[1] for p in front], [p[2] for p in front]
        if len(front) > 1:  # carry the best accuracy on to the right edge of the data
            fx.append(max(costs))
            fy.append(fy[-1])
        ax.plot(fx, fy, drawstyle="steps-post", color="#444444", linestyle=(0, (4, 3)), linewidth=1.4,
                label="Pareto front (cheapest for its accuracy)", zorder=2)
        notes = []
        if any(dodge):
            notes.append(ax.text(0.01, 0.01, "points with near-equal cost are spread sideways; labels give exact costs",
                    transform=ax.transAxes, fontsize=8.5, color="#555555", ha="left", va="bottom"))
        legend = ax.legend(loc="best", frameon=True, framealpha=0.9)
        anns = []
        for (n, c, m, _, _), off in sorted(zip(pts, dodge), key=lambda t: (-t[0][2], t[0][1])):
            text = f"{n}: {axis_money(c)}" + (" (pick)" if n == pick else "")
            tr = ax.transData + ScaledTranslation(off / 72.0, 0.0, fig.dpi_scale_trans)
            anns.append(_annotate(ax, c, m, text, xycoords=tr, color=styles[n][0],
                                  fontweight="bold" if n == pick else "normal"))
        _place_labels(fig, ax, anns, avoid=[legend, *notes])
        return fig


def _dodge(fig, ax, xs: Sequence[float], px: float = 10.0, step_pt: float = 9.0) -> list[float]:
    """Sideways offsets (points) for markers whose x positions fall within ``px`` pixels of each other."""
    fig.draw_without_rendering()
    with np.errstate(invalid="ignore", divide="ignore"):
        disp = ax.transData.transform(np.column_stack([np.asarray(xs, float), np.zeros(len(xs))]))[:, 0]
    order = sorted(range(len(xs)), key=lambda i: (disp[i], i))
    offsets = [0.0] * len(xs)
    group: list[int] = []
    for i in order + [None]:
        if i is not None and (not group or disp[i] - disp[group[-1]] <= px):
            group.append(i)
            continue
        for k, j in enumerate(group):
            offsets[j] = (k - (len(group) - 1) / 2) * step_pt
        group = [i] if i is not None else []
    return offsets


def tornado_chart(rows: list[tuple[str, str, str, float, float]], base_margin: float, pick: str, runner_up: str,
                  title: str) -> Figure:
    """Bars from ``base_margin`` to the margin at each assumption's low and high setting, largest swing
    at the top; settings written at the bar ends; a line at the base margin and, when 0 is in range,
    a line at 0 labelled 'decision flips'. Margin = runner-up's total cost - pick's (USD)."""
    low_colour, high_colour = "#56B4E9", "#E69F00"
    with matplotlib.rc_context(_STYLE):
        fig, ax = _titled_axes(title, f"margin of {pick} over {runner_up} (USD)", "")
        ax.xaxis.set_major_formatter(FuncFormatter(axis_money))
        ax.grid(axis="y", visible=False)
        _ticks(ax)
        base = float(base_margin) if _finite(base_margin) else 0.0
        good = [(str(a), str(lo_l), str(hi_l), float(lo), float(hi)) for a, lo_l, hi_l, lo, hi in rows
                if _finite(lo) and _finite(hi)]
        if not good:
            ax.set_yticks([])
            ax.set_xlim(base - 1, base + 1)
            _no_data(ax)
            return fig
        good.sort(key=lambda r: (-abs(r[4] - r[3]), r[0]))
        n = len(good)
        ends = [base] + [v for r in good for v in r[3:]]
        xlo, xhi = min(ends), max(ends)
        span = xhi - xlo if xhi > xlo else max(abs(base), 1.0)
        height = 0.62
        texts = []
        for i, (label, lo_l, hi_l, lo, hi) in enumerate(good):
            y = n - 1 - i
            if abs(lo - base) < 1e-9 * max(1.0, abs(base)) and abs(hi - base) < 1e-9 * max(1.0, abs(base)):
                texts.append(ax.text(base, y, f"  {lo_l} / {hi_l}: no change", ha="left", va="center",
                                     fontsize=9.5, zorder=4))
                continue
            # both settings on the same side of the base: two half-height bars (low above, high below)
            same_side = (lo - base) * (hi - base) > 0
            half = height / 4 if same_side else 0.0
            bars = [(lo, low_colour, lo_l, half), (hi, high_colour, hi_l, -half)]
            for end, colour, _, dy in bars:
                ax.barh(y + dy, end - base, left=base, height=height / 2 if same_side else height, color=colour,
                        edgecolor="white", linewidth=0.5, zorder=3)
            for k, (end, _, setting, dy) in enumerate(bars):
                right = end > base or (end == base and bars[1 - k][0] < base)
                texts.append(ax.annotate(f"{setting} ({axis_money(end)})", (end, y + dy), xytext=(4 if right else -4, 0),
                                         textcoords="offset points", ha="left" if right else "right", va="center",
                                         fontsize=9.5, zorder=5, bbox=_TEXT_BOX))
        ax.set_yticks(range(n))
        ax.set_yticklabels([textwrap.fill(r[0], 24) for r in reversed(good)])
        ax.set_ylim(-0.6, n - 0.4 + 0.55)
        ax.set_xlim(xlo - 0.05 * span, xhi + 0.05 * span)
        _fit_texts(fig, ax, texts)
        x0, x1 = ax.get_xlim()
        ax.axvline(base, color="#222222", linewidth=1.4, zorder=4)
        flips = x0 < 0 < x1
        base_right = base >= 0
        base_label = ax.annotate(f"base case {axis_money(base)}", (base, 1.0), xycoords=ax.get_xaxis_transform(),
                    xytext=(4 if base_right else -4, -3), textcoords="offset points",
                    ha="left" if base_right else "right", va="top", fontsize=9.5)
        if flips:
            ax.axvline(0, color="#B00020", linewidth=1.4, linestyle=(0, (5, 3)), zorder=4)
            ax.axvspan(x0, 0, color="#B00020", alpha=0.06, zorder=0)
            flip_label = ax.annotate("decision flips", (0, 1.0), xycoords=ax.get_xaxis_transform(),
                                     xytext=(-4 if base_right else 4, -3), textcoords="offset points",
                                     ha="right" if base_right else "left", va="top", fontsize=9.5, color="#B00020")
            ax.set_xlim(x0, x1)
            _keep_inside(fig, ax, flip_label, base_label)
        handles = [Patch(color=low_colour, label="low setting"), Patch(color=high_colour, label="high setting")]
        fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
        return fig


def _keep_inside(fig, ax, label, other) -> None:
    """Move a line label to the other side of its line if it leaves the axes, and down a row if it then
    overlaps ``other``."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    bb = label.get_window_extent(renderer)
    if bb.x0 < box.x0 or bb.x1 > box.x1:
        dx, dy = label.xyann
        label.xyann = (-dx, dy)
        label.set_ha("left" if label.get_ha() == "right" else "right")
        bb = label.get_window_extent(renderer)
    if bb.overlaps(other.get_window_extent(renderer)):
        dx, dy = label.xyann
        label.xyann = (dx, dy - 16)


def _fit_texts(fig, ax, texts, rounds: int = 4) -> None:
    """Widen the x range until every text lies inside the axes (bar-end labels)."""
    for _ in range(rounds):
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
        box = ax.get_window_extent(renderer)
        left = min(matplotlib.text.Text.get_window_extent(t, renderer).x0 for t in texts)
        right = max(matplotlib.text.Text.get_window_extent(t, renderer).x1 for t in texts)
        over_l, over_r = max(0.0, box.x0 - left + 6), max(0.0, right - box.x1 + 6)
        if over_l <= 0 and over_r <= 0:
            return
        x0, x1 = ax.get_xlim()
        per_px = (x1 - x0) / box.width
        # widening the range shrinks everything drawn in data units; over-correct a little
        ax.set_xlim(x0 - over_l * per_px * 1.3, x1 + over_r * per_px * 1.3)


# ---------------------------------------------------------------- saving


def chart_bytes(fig) -> dict[str, bytes]:
    """The figure as PNG (dpi 150) and SVG (text kept as text), byte-identical for the same figure;
    the figure is closed. Rendered in memory: the report writes what it needs, atomically, and
    inlines the same SVG in its HTML."""
    out = {}
    try:
        with matplotlib.rc_context(_SAVE_RC):
            for fmt, options in (("png", {"dpi": PNG_DPI, "metadata": {"Software": None}}),
                                 ("svg", {"metadata": {"Date": None, "Creator": "adaptcost"}})):
                buffer = io.BytesIO()
                fig.savefig(buffer, format=fmt, **options)
                out[fmt] = buffer.getvalue()
    finally:
        _close(fig)
    return out


def save_chart(fig, folder: Path, name: str) -> tuple[Path, Path]:
    """Write folder/name.png and folder/name.svg (chart_bytes), atomically; return both paths."""
    from ..fileio import atomic_write_bytes

    rendered = chart_bytes(fig)
    paths = (Path(folder) / f"{name}.png", Path(folder) / f"{name}.svg")
    for path, fmt in zip(paths, ("png", "svg")):
        atomic_write_bytes(path, rendered[fmt])
    return paths


def _close(fig) -> None:
    """Release the figure: through pyplot if it manages it (never imported here), else drop its artists."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)  # a no-op for a figure pyplot does not manage
    fig.clear()
