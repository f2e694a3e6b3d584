"""Charts: valid PNG/SVG, searchable labels, expected series, byte-identical saves, edge cases."""

import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("matplotlib")

from adaptcost.outputs import charts  # noqa: E402

STRATEGIES = ["icl", "finetune", "finetune+local", "finetune+global", "rag", "finetune+rag"]


def _cumulative_series():
    def steps(one_time, refresh, per_day):
        pts, total = [(0.0, 0.0), (0.0, one_time)], one_time
        for k in range(12):
            day = k * 365 / 12
            total = pts[-1][1] + (day - pts[-1][0]) * per_day
            pts += [(day, total), (day, total + refresh)]
        pts.append((365.0, pts[-1][1] + (365 - pts[-1][0]) * per_day))
        return pts

    return {
        "icl": [(0.0, 0.0), (365.0, 9800.0)],
        "finetune": steps(150, 50, 3.59),
        "finetune+local": steps(150, 55, 3.59),
        "finetune+global": steps(165, 50, 3.59),
        "rag": steps(0.5, 0.1, 6.0),
        "finetune+rag": steps(150, 50, 5.0),
    }


def _amortized():
    vols = [0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000]
    fixed = {"finetune": 750, "finetune+local": 810, "finetune+global": 765, "rag": 2, "finetune+rag": 752}
    series = {"icl": [0.537] * len(vols)}
    for name, f in fixed.items():
        series[name] = [None if (name == "finetune+local" and v < 1) else f / 365 / v + 0.072 for v in vols]
    return vols, series


POINTS = [("icl", 9800, 0.86, 0.82, 0.90), ("finetune", 2060, 0.81, 0.76, 0.85),
          ("finetune+local", 2120, 0.85, 0.81, 0.88), ("finetune+global", 2075, 0.84, 0.80, 0.88)]
ROWS = [("Queries per day", "10/day", "200/day", 48, 36), ("Refreshes per year", "4", "52", 20, 150),
        ("Local index size", "0.5x", "2x", 70, -25), ("GPU hourly price", "$1.50/h", "$4.00/h", 38, 58)]


def _check_files(png, svg, expected_texts=()):
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    root = ET.fromstring(svg.read_bytes())
    assert root.tag.endswith("svg")
    text = " ".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))
    for t in expected_texts:
        assert t in text, f"{t!r} not written as text in the SVG"
    return text


def _identical(make, tmp_path):
    """Two renders of the same input give byte-identical PNG and SVG."""
    a = charts.save_chart(make(), tmp_path / "a", "chart")
    b = charts.save_chart(make(), tmp_path / "b", "chart")
    for x, y in zip(a, b):
        assert x.read_bytes() == y.read_bytes(), f"{x.name} differs between two renders"
    return a


# ---------------------------------------------------------------- cumulative


def test_cumulative_chart(tmp_path):
    series = _cumulative_series()
    crossings = [(8.6, 231.0, "icl passes finetune (day 9)")]

    def make():
        return charts.cumulative_cost_chart(series, crossings, 365, "Cumulative cost")

    fig = make()
    ax = fig.axes[0]
    assert len(ax.get_lines()) == len(series) == 6
    assert ax.get_xlim() == (0.0, 365.0)
    assert ax.get_xlabel() == "days" and "USD" in ax.get_ylabel()
    assert ax.yaxis.get_major_formatter()(2500, 0) == "$2,500"
    png, svg = _identical(make, tmp_path)
    _check_files(png, svg, STRATEGIES + ["icl passes finetune (day 9)", "Cumulative cost"])


def test_same_colour_for_a_strategy_in_every_chart():
    series = _cumulative_series()
    vols, amortized = _amortized()
    cum = charts.cumulative_cost_chart(series, [], 365, "t")
    amo = charts.amortized_cost_chart(vols, amortized, [], 50, "t")
    colours_cum = {line.get_label().split(":")[0]: line.get_color() for line in cum.axes[0].get_lines()}
    colours_amo = {line.get_label(): line.get_color() for line in amo.axes[0].get_lines()
                   if line.get_label() in STRATEGIES}
    assert colours_cum == colours_amo == charts.STRATEGY_COLOURS


def test_unknown_strategies_get_distinct_colours():
    styles = charts.strategy_style(["icl", "zeta", "alpha", "beta"])
    colours = [c for c, _ in styles.values()]
    assert len(set(colours)) == 4 and styles["icl"][0] == charts.STRATEGY_COLOURS["icl"]
    assert styles == charts.strategy_style(["beta", "alpha", "zeta", "icl"])


@pytest.mark.parametrize("series", [{}, {"icl": []}])
def test_cumulative_no_data(tmp_path, series):
    fig = charts.cumulative_cost_chart(series, [], 365, "Empty")
    png, svg = charts.save_chart(fig, tmp_path, "empty")
    _check_files(png, svg, ["no data"])


def test_cumulative_single_strategy_and_odd_horizon(tmp_path):
    fig = charts.cumulative_cost_chart({"mystery": [(0, 0), (10, 5)]}, [(3, 1.5, "x")], 0, "One")
    assert len(fig.axes[0].get_lines()) == 1
    assert fig.axes[0].get_xlim() == (0.0, 10.0)
    _check_files(*charts.save_chart(fig, tmp_path, "one"), ["mystery"])


# The bundled examples' crossings (report on examples/corpus, 2026-12-04): sixteen, all within the
# first 50 of 365 days, several pairs crossing more than once around refresh steps.
EXAMPLE_CROSSINGS = [
    (2.92, 503.7, "icl = finetune"), (3.285, 566.7, "icl = finetune+local"), (2.92, 503.7, "icl = finetune+global"),
    (0.1825, 31.5, "icl = rag"), (3.285, 566.7, "icl = finetune+rag"), (21.9, 1643.6, "finetune = rag"),
    (37.05, 2874.8, "finetune = rag"), (43.6, 3276.1, "finetune = rag"), (25.55, 1917.8, "finetune+local = rag"),
    (37.05, 2955.3, "finetune+local = rag"), (49.46, 3713.3, "finetune+local = rag"),
    (3.65, 580.1, "finetune+local = finetune+rag"), (22.45, 1684.0, "finetune+global = rag"),
    (37.05, 2888.8, "finetune+global = rag"), (44.7, 3357.0, "finetune+global = rag"),
    (0.5475, 346.4, "finetune+global = finetune+rag"),
]


def _example_series():
    """Six strategies: ICL far above, five ending within 20% of each other (three within 1%)."""
    def line(one_time, per_refresh, per_day):
        pts, total = [(0.0, 0.0), (0.0, one_time)], one_time
        for k in range(1, 10):
            day = 37.0 * k
            total += 37.0 * per_day
            pts += [(day, total), (day, total + per_refresh)]
            total += per_refresh
        return pts + [(365.0, total + (365.0 - 333.0) * per_day)]

    return {"icl": [(0.0, 0.0), (365.0, 62964.0)], "finetune": line(306, 306, 61.1),
            "finetune+local": line(357, 357, 61.1), "finetune+global": line(313, 313, 61.1),
            "rag": line(0.0005, 0.0001, 75.1), "finetune+rag": line(306, 306, 75.2)}


def _texts(fig):
    """Every visible text drawn in the figure, tick labels aside, with its box in pixels."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    ticks = {id(t) for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()}
    out = []
    for t in fig.findobj(lambda a: isinstance(a, charts.matplotlib.text.Text)):
        if t.get_visible() and t.get_text().strip() and id(t) not in ticks:
            out.append((t.get_text(), charts.matplotlib.text.Text.get_window_extent(t, renderer)))
    return out


def test_every_strategy_and_crossing_is_labelled_and_no_label_overlaps_another(tmp_path):
    series = _example_series()
    fig = charts.cumulative_cost_chart(series, EXAMPLE_CROSSINGS, 365, "Cumulative cost at 5,000 queries/day")
    texts = _texts(fig)
    # each strategy is named, with its total, beside the end of its line
    for name, pts in series.items():
        assert sum(1 for t, _ in texts if t == f"{name} ${pts[-1][1]:,.0f}") == 1, name
    # each pair that crosses is in the key once, with every day it crosses
    assert any(t == "finetune = rag: days 22, 37, 44" for t, _ in texts)
    assert any(t == "icl = rag: day 0.2" for t, _ in texts)
    pairs = dict.fromkeys(p for _, _, p in EXAMPLE_CROSSINGS)
    assert sum(1 for t, _ in texts if t.split(":")[0] in pairs) == len(pairs) == 10
    # no two texts (titles, axis labels, line labels, crossing numbers, key) overlap
    for i, (a, box_a) in enumerate(texts):
        for b, box_b in texts[i + 1:]:
            assert not box_a.overlaps(box_b), (a, b)
    # the early crossings get a panel of their own, past the last crossing (day 49) and short of the horizon
    zoom = fig.axes[1]
    assert zoom.get_xlim() == (0.0, 60.0) and "first 60 days" in zoom.get_title(loc="left")
    png, svg = _identical(lambda: charts.cumulative_cost_chart(series, EXAMPLE_CROSSINGS, 365, "t"), tmp_path)
    _check_files(png, svg, [f"{name} $" for name in series] + ["finetune+local = finetune+rag: day 3.6"])


def test_lines_ending_close_together_get_labels_a_line_apart():
    from matplotlib.transforms import Bbox

    box = Bbox([[0, 0], [100, 400]])
    # the three that collide are centred on what they want, (100 + 101 + 104) / 3 = 101.67, 25 apart:
    # 76.67, 101.67, 126.67; 200 and 300 stay put. A fourth at 150 would then be 23.3 from 126.67:
    # it joins them, and the four centre on 113.75: 76.25, 101.25, 126.25, 151.25.
    placed = charts._spread([100.0, 101.0, 104.0, 200.0, 300.0], 25.0, box)
    assert placed == pytest.approx([76.0 + 2 / 3, 101.0 + 2 / 3, 126.0 + 2 / 3, 200.0, 300.0])
    assert charts._spread([100.0, 101.0, 104.0, 150.0], 25.0, box) == pytest.approx([76.25, 101.25, 126.25, 151.25])
    # pushed past the top: the stack slides down inside the axes
    assert charts._spread([390.0, 395.0, 399.0], 25.0, box)[-1] <= 400.0


def test_a_step_inside_the_horizon_is_drawn_as_a_step():
    # a model migrating on day 136 adds a one-time cost then: the line jumps there, vertically
    stepped = {"icl": [(0.0, 0.0), (136.0, 1360.0), (136.0, 1860.0), (365.0, 4150.0)], "rag": [(0.0, 0.0), (365.0, 2000.0)]}
    fig = charts.cumulative_cost_chart(stepped, [(200.0, 2500.0, "icl = rag")], 365, "t")
    xs, ys = (list(v) for v in fig.axes[0].get_lines()[0].get_data())
    assert xs[1] == xs[2] == 136.0 and (ys[1], ys[2]) == (1360.0, 1860.0)
    assert any(t == "icl $4,150" for t, _ in _texts(fig))


# ---------------------------------------------------------------- amortized


def test_amortized_chart(tmp_path):
    vols, amortized = _amortized()
    breakevens = [(4.4, 0.537, "icl = finetune at 4.4/day")]

    def make():
        return charts.amortized_cost_chart(vols, amortized, breakevens, 50, "Cost per query")

    fig = make()
    ax = fig.axes[0]
    assert len(ax.get_lines()) == len(amortized) + 1 == 7  # one per strategy + the 'your volume' line
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() == "queries per day" and "USD" in ax.get_ylabel()
    png, svg = _identical(make, tmp_path)
    _check_files(png, svg, STRATEGIES + ["your volume", "icl = finetune at 4.4/day"])


def test_amortized_all_none(tmp_path):
    vols = [1, 10, 100]
    fig = charts.amortized_cost_chart(vols, {"icl": [None] * 3, "finetune": [None] * 3}, [], 10, "Nothing")
    _check_files(*charts.save_chart(fig, tmp_path, "none"), ["icl", "finetune", "no feasible strategy"])


def test_amortized_empty(tmp_path):
    fig = charts.amortized_cost_chart([], {}, [], 10, "Nothing")
    _check_files(*charts.save_chart(fig, tmp_path, "empty"), ["no data"])


def test_amortized_non_positive_values_fall_back(tmp_path):
    # zero and negative volumes and costs are skipped on the log axes
    fig = charts.amortized_cost_chart([0, 1, 10, -5], {"icl": [0.0, 0.5, -1.0, 2.0], "finetune": [1, 0.2, 0.1, 3]},
                                      [(0, 0.5, "bad"), (3, 0.3, "ok")], 0, "Odd")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    _check_files(*charts.save_chart(fig, tmp_path, "odd"), ["icl", "finetune", "ok"])
    # all costs non-positive: linear y
    fig = charts.amortized_cost_chart([1, 10], {"free": [0.0, -1.0]}, [], 5, "Free")
    assert fig.axes[0].get_yscale() == "linear"
    charts.save_chart(fig, tmp_path, "free")


# ---------------------------------------------------------------- cost / accuracy


def test_pareto_front():
    pts = [(n, c, m) for n, c, m, _, _ in POINTS] + [("worse", 5000, 0.80)]
    front = [p[0] for p in charts.pareto_front(pts)]
    assert front == ["finetune", "finetune+global", "finetune+local", "icl"]
    assert [p[0] for p in charts.pareto_front([("a", 1, 0.5), ("b", 2, 0.5)])] == ["a"]


def test_cost_accuracy_chart(tmp_path):
    def make():
        return charts.cost_accuracy_chart(POINTS, "finetune+global", "Cost against accuracy")

    fig = make()
    ax = fig.axes[0]
    assert len(ax.containers) == 4  # one error bar per strategy
    assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] == [
        "Pareto front (cheapest for its accuracy)"]
    assert ax.get_xscale() == "linear"  # 9800 / 2060 < 20
    assert ax.yaxis.get_major_formatter()(0.85, 0) == "85%"
    png, svg = _identical(make, tmp_path)
    _check_files(png, svg, [p[0] for p in POINTS] + ["(pick)", "Pareto front"])


def test_cost_accuracy_log_and_edge_cases(tmp_path):
    fig = charts.cost_accuracy_chart([("icl", 50000, 0.9, 0.85, 0.95), ("finetune", 100, 0.8, 0.7, 0.9)], None, "Log")
    assert fig.axes[0].get_xscale() == "log"
    charts.save_chart(fig, tmp_path, "log")
    fig = charts.cost_accuracy_chart([("icl", 0, 90, 85, 95), ("finetune", -5, 80, 70, 90)], "icl", "Zero cost")
    assert fig.axes[0].get_xscale() == "linear"
    charts.save_chart(fig, tmp_path, "zero")
    fig = charts.cost_accuracy_chart([("solo", 10, 0.5, 0.5, 0.5)], "solo", "One")
    _check_files(*charts.save_chart(fig, tmp_path, "one"), ["solo"])
    fig = charts.cost_accuracy_chart([], None, "None")
    _check_files(*charts.save_chart(fig, tmp_path, "none"), ["no data"])


# ---------------------------------------------------------------- tornado


def test_tornado_chart(tmp_path):
    def make():
        return charts.tornado_chart(ROWS, 45, "finetune+global", "finetune+local", "What could flip it")

    fig = make()
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2  # base margin and the 'decision flips' line at 0
    assert ax.get_xlabel() == "margin of finetune+global over finetune+local (USD)"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "Refreshes per year"  # largest swing at the top
    assert labels[0] == "Queries per day"
    png, svg = _identical(make, tmp_path)
    text = _check_files(png, svg, ["decision flips", "Refreshes per year", "$1.50/h", "200/day", "52"])
    assert "$4.00/h" in text  # dollar signs are not read as maths


def test_tornado_without_flip_and_empty(tmp_path):
    fig = charts.tornado_chart([("Volume", "low", "high", 500, 900)], 700, "a", "b", "Safe")
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 1 and ax.get_xlim()[0] > 0
    text = _check_files(*charts.save_chart(fig, tmp_path, "safe"), ["Volume"])
    assert "decision flips" not in text
    fig = charts.tornado_chart([("Same side", "lo", "hi", 60, 90), ("Flat", "lo", "hi", 50, 50)], 50, "a", "b", "Odd")
    charts.save_chart(fig, tmp_path, "odd")
    fig = charts.tornado_chart([], 10, "a", "b", "Empty")
    _check_files(*charts.save_chart(fig, tmp_path, "empty"), ["no data"])


# ---------------------------------------------------------------- saving


def test_save_twice_same_figure_is_identical(tmp_path):
    fig = charts.cost_accuracy_chart(POINTS, "finetune", "Twice")
    with pytest.MonkeyPatch.context() as mp:  # keep the figure open for the second save
        mp.setattr(charts, "_close", lambda fig: None)
        a = charts.save_chart(fig, tmp_path / "a", "x")
        b = charts.save_chart(fig, tmp_path / "b", "x")
    for x, y in zip(a, b):
        assert x.read_bytes() == y.read_bytes()
    assert a == (tmp_path / "a" / "x.png", tmp_path / "a" / "x.svg")


def test_no_pyplot_no_global_side_effects(tmp_path):
    import matplotlib

    before = dict(matplotlib.rcParams)
    charts.save_chart(charts.tornado_chart(ROWS, 45, "a", "b", "t"), tmp_path, "t")
    assert dict(matplotlib.rcParams) == before
    text = open(charts.__file__, encoding="utf-8").read()
    for banned in ("import typer", "import rich", "from rich", "from typer", "import matplotlib.pyplot",
                   "from matplotlib import pyplot"):
        assert banned not in text
