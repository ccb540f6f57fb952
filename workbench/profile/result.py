"""What a profile is made of: per-column statistics, chart data and findings.

Everything here is bounded (aggregates, bins, a few examples), whatever the
size of the table, so a profile can be kept in a page's state or printed as JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from workbench.names import quote, render

SEVERITIES = ("high", "medium", "low")


@dataclass
class Finding:
    """One dirty-data problem: what, where, how many rows, and the rows themselves.

    `where` selects the offending rows (identifiers quoted, values bound as
    `params`); `count` is the number of rows it selects, except for
    whole-column kinds (see the README's table of finding kinds).
    """

    kind: str
    column: str | None
    severity: str
    count: int
    message: str
    suggestion: str
    examples: list[Any] = field(default_factory=list)
    where: str | None = None
    params: list[Any] = field(default_factory=list)
    share: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)
    # strong: the values show it (a Fix is filled in); possible: worth a look, judged by the user (nothing is
    # filled in). What decided it is in detail["evidence"], the kind's rule in detail["rule"].
    confidence: str = "strong"

    @property
    def selects_rows(self) -> bool:
        """Whether the evidence is a set of rows (else it is the column's distribution)."""
        return self.where is not None or self.kind == "duplicate_rows"

    def evidence_sql(self, table: str) -> tuple[str, list[Any]]:
        """The query that selects the offending rows (runnable with its params), the offending column first
        (of duplicate rows, how many copies)."""
        if self.kind == "duplicate_rows":
            columns = self.detail["columns"]
            partition = ", ".join(quote(c) for c in columns)
            return (
                (f"SELECT count(*) OVER (PARTITION BY {partition}) AS copies, * FROM {quote(table)} "
                f"QUALIFY copies > 1 ORDER BY {partition}"),
                [],
            )
        select = "*" if self.column is None else f"{quote(self.column)}, * EXCLUDE ({quote(self.column)})"
        if self.where is None:
            return f"SELECT {select} FROM {quote(table)}", []
        return f"SELECT {select} FROM {quote(table)} WHERE {self.where}", list(self.params)

    def shown_sql(self, table: str) -> str:
        """The evidence query with its values inlined, for the user to copy."""
        sql, params = self.evidence_sql(table)
        return render(sql, params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "column": self.column,
            "severity": self.severity,
            "count": self.count,
            "share": round(self.share, 6),
            "confidence": self.confidence,
            "message": self.message,
            "examples": self.examples,
            "suggestion": self.suggestion,
            "detail": self.detail,
        }


@dataclass
class ColumnProfile:
    name: str
    type: str  # DuckDB's physical type
    family: str  # numeric | text | temporal | boolean | other
    semantic: str = ""  # numeric | categorical | text | datetime | boolean | identifier | empty
    stats: dict[str, Any] = field(default_factory=dict)
    chart: dict[str, Any] = field(default_factory=dict)
    # which statistics are estimates (approximate distinct count, sampled quantiles...)
    approximate: list[str] = field(default_factory=list)

    @property
    def numbers_in_text(self) -> bool:
        """A text column whose values are nearly all numbers (penguins' 'NA'-sprinkled measurements): its
        numeric statistics and histogram read the numbers it holds."""
        return self.family == "text" and self.semantic == "numeric"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Profile:
    table: str
    rows: int
    columns: list[ColumnProfile]
    findings: list[Finding]
    overview: dict[str, Any]
    seconds: float = 0.0

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)

    def findings_for(self, column: str) -> list[Finding]:
        return [f for f in self.findings if f.column == column]

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "rows": self.rows,
            "overview": self.overview,
            "columns": [c.as_dict() for c in self.columns],
            "findings": [f.as_dict() for f in self.findings],
            "seconds": round(self.seconds, 3),
        }
