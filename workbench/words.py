"""Small helpers for sentences shown to people."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`count` with its noun agreeing: "1 table", "3 tables", "0 steps" (`many` for irregular plurals)."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def were(count: int) -> str:
    """The verb agreeing with `count` things: "1 line was", "2 lines were"."""
    return "was" if count == 1 else "were"
