"""How an amount of US dollars is written, everywhere: tables, reasons, reports and chart axes."""

from __future__ import annotations

import math

_MINUS = "\u2212"  # a true minus sign, for chart axes


def money(x: float | None) -> str:
    """$1,234.56 in tables and sentences; amounts under a cent keep six decimals ($0.000480);
    a missing or undefined amount is a dash."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if x != 0 and abs(x) < 0.01:
        return f"${x:.6f}"
    return f"${x:,.2f}"


def axis_money(v: float, pos=None) -> str:
    """Compact, for chart ticks: $1,234 / $12.5 / $0.0012, with a true minus sign."""
    if not (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)):
        return ""
    sign = _MINUS if v < 0 else ""
    a = abs(float(v))
    if a < 1e-12:
        return "$0"
    if a >= 100:
        s = f"{a:,.0f}"
    elif a >= 1:
        s = f"{a:,.2f}".rstrip("0").rstrip(".")
    else:
        s = f"{float(f'{a:.3g}'):.10f}".rstrip("0").rstrip(".")
    return f"{sign}${s}"
