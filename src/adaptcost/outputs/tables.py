"""Tables as CSV text: a count, a sweep, a report's strategies. One writer, one dialect (comma,
"\\n" line ends, header first), so every CSV adaptcost writes reads the same way."""

from __future__ import annotations

import csv
import io
from typing import Iterable, Sequence

from .escaping import csv_cell


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Every cell inert (escaping.csv_cell: no formulas, no control characters; numbers as numbers)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def records_csv(records: list[dict]) -> str:
    """Rows that are dicts with the same keys (the first row's order)."""
    header = list(records[0]) if records else []
    return csv_text(header, ([r[k] for k in header] for r in records))


def count_csv(profile) -> str:
    """One row per document with its tokens per encoding, then a TOTAL row."""
    encodings = profile.encodings
    rows = [[d.path, d.size_bytes, d.chars, d.chunks, *(d.tokens[e] for e in encodings)] for d in profile.documents]
    rows.append(["TOTAL", profile.size_bytes, sum(d.chars for d in profile.documents), profile.n_chunks,
                 *(profile.tokens(e) for e in encodings)])
    return csv_text(["path", "bytes", "chars", "chunks", *encodings], rows)
