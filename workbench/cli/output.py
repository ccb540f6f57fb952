"""Printing results: one JSON document, CSV, or an aligned text table."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import click


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def json_safe(value: Any) -> Any:
    """A value as JSON holds it exactly: NaN and infinities as the strings "NaN", "Infinity",
    "-Infinity"; a whole Decimal (HUGEINT) as an integer, any other as its exact text."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, Decimal):
        return int(value) if value.as_tuple().exponent == 0 else str(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def records(table: Any) -> list[list[Any]]:
    """The rows of an Arrow table as JSON-safe Python values, column types kept (ints stay exact,
    a NULL is None and NaN is "NaN"); a FLOAT is written as its shortest single-precision text."""
    import numpy as np
    import pyarrow as pa

    columns = []
    for column in table.columns:
        values = column.to_pylist()
        if pa.types.is_float32(column.type):
            values = [v if v is None or not math.isfinite(v) else float(str(np.float32(v))) for v in values]
        columns.append([json_safe(v) for v in values])
    return [list(row) for row in zip(*columns)]


def emit_json(document: Any) -> None:
    click.echo(json.dumps(document, default=_default, ensure_ascii=False))


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 40) -> str:
    def cell(v: Any) -> str:
        text = "" if v is None else str(v).replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = [headers, ["-" * w for w in widths], *cells]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip() for line in lines)


def progress_printer(label: str):
    """A progress callback drawing a bar on stderr; silent when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return nullcontext(), None
    bar = click.progressbar(length=1000, label=label, file=sys.stderr)
    state = {"done": 0}

    def update(fraction: float, _message: str) -> None:
        target = int(fraction * 1000)
        if target > state["done"]:
            bar.update(target - state["done"])
            state["done"] = target

    return bar, update
