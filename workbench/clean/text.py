"""Text and type steps: trim, case, replace, set to NULL, and text to number, date or boolean."""

from __future__ import annotations

from typing import Any

import duckdb

from workbench.clean.step import EXAMPLES, Found, Fragment, Gap, Param, Select, Step, column_ref
from workbench.errors import WorkbenchError
from workbench.names import quote
from workbench.profile import checks
from workbench.profile.stats import family
from workbench.words import plural

COLUMN = Param("column", "column", "the column to change", required=True)


class TextStep(Step):
    """A step that rewrites one text column in place."""

    column_family = "text"

    def expression(self, c: str) -> Fragment:
        raise NotImplementedError

    def select(self, schema: dict[str, str]) -> Select:
        return Select(self.keep(schema, {self.column: self.expression(column_ref(self.column))}))


class Trim(TextStep):
    operation = "trim"
    title = "Trim spaces"
    explain = ("Removes spaces (and tabs, line breaks) at the start and end of each value, and optionally "
               "squeezes runs of spaces inside to one: ' Paris' and 'Paris' become the same category.")
    PARAMS = (COLUMN, Param("collapse", "bool", "also squeeze runs of whitespace inside a value to one space", True))

    def expression(self, c: str) -> Fragment:
        trimmed = f"regexp_replace({c}, '^\\s+|\\s+$', '', 'g')"
        return Fragment(f"regexp_replace({trimmed}, '\\s+', ' ', 'g')" if self.collapse else trimmed)


class ChangeCase(TextStep):
    operation = "change_case"
    title = "Change case"
    explain = "Writes every value in lower case, UPPER CASE or Title Case, so 'red' and 'Red' count as one value."
    PARAMS = (COLUMN, Param("case", "choice", "lower, upper or title", "lower", ("lower", "upper", "title")))

    def expression(self, c: str) -> Fragment:
        if self.case == "title":
            return Fragment(f"array_to_string(list_transform(string_split({c}, ' '), "
                            "lambda w: upper(w[1]) || lower(w[2:])), ' ')")
        return Fragment(f"{self.case}({c})")


class ReplaceValues(TextStep):
    operation = "replace_values"
    title = "Replace values"
    explain = "Replaces whole values by others, exactly as listed (a value not listed stays as it is)."
    PARAMS = (COLUMN, Param("mapping", "mapping", "old value -> new value", required=True))

    def validate(self) -> None:
        if any(v is None for v in self.mapping.values()):
            raise WorkbenchError("replace_values maps to values; use null_values to turn values into NULL.")
        self.params["mapping"] = {k: str(v) for k, v in self.mapping.items()}

    def expression(self, c: str) -> Fragment:
        return lookup(c, self.mapping)

    def learn(self, con, table, schema) -> dict[str, Any]:
        return {"seen": seen_values(con, table, self.column)}

    def gaps(self, schema: dict[str, str]) -> list[Gap]:
        return unseen(self.column, self.state.get("seen"))


def one_of(probe: str, values: str = "?::VARCHAR[]") -> str:
    """SQL: `probe` is in the short list `values`.

    list_position, not list_contains: DuckDB plans list_contains over a constant list as a join, and
    a query over stacked steps then pays for that join even when it reads only other columns (a
    replay checks each step's input with one such query)."""
    return f"(list_position({values}, {probe}) IS NOT NULL)"


def lookup(c: str, mapping: dict[str, str]) -> Fragment:
    """`c` replaced by its entry in `mapping` when it has one; a map lookup, fast for thousands of entries."""
    if not mapping:
        return Fragment(c)
    keys, values = list(mapping), list(mapping.values())
    return Fragment(f"coalesce(map_extract_value(MAP(?::VARCHAR[], ?::VARCHAR[]), {c}), {c})", [keys, values])


def seen_values(con: duckdb.DuckDBPyConnection, table: str, column: str, limit: int = 50_000) -> list[str] | None:
    """The distinct values of a column at fit time (None when there are too many to keep)."""
    rows = con.execute(f"SELECT DISTINCT {quote(column)} FROM {quote(table)} WHERE {quote(column)} IS NOT NULL "
                       "LIMIT ?", [limit + 1]).fetchall()  # fmt: skip
    return None if len(rows) > limit else sorted(str(v) for (v,) in rows)


def unseen(column: str, seen: list[str] | None) -> list[Gap]:
    """The replay check of a step fitted on a column's distinct values: values it never saw."""
    if seen is None:
        return []
    c = column_ref(column)

    def say(found: Found) -> str:
        return (f"{column}: {plural(found.distinct, 'value')} never seen when the step was fitted, in "
                f"{plural(found.count, 'row')}: {found.shown()}")

    return [Gap(Fragment(f"CASE WHEN {c} IS NOT NULL AND NOT list_contains(?::VARCHAR[], {c}::VARCHAR) "
                         f"THEN {c}::VARCHAR END", [seen]), say)]


class NullValues(Step):
    operation = "null_values"
    title = "Set codes to NULL"
    explain = ("Turns values that stand for 'unknown' (text such as 'N/A' or '?', codes such as -999 or "
               "1900-01-01) into real missing values (NULL), so counts, means and models treat them as missing.")
    PARAMS = (COLUMN,
              Param("values", "list", "the values that mean missing (default: the usual text tokens)"),
              Param("ignore_case", "bool", "text: compare ignoring case and surrounding spaces", True))  # fmt: skip

    def learn(self, con, table, schema) -> dict[str, Any]:
        values = self.values
        if values is None:
            if family(schema[self.column]) != "text":
                raise WorkbenchError(f"null_values on {self.column!r} ({schema[self.column]}) needs the codes "
                                     "to set to NULL: pass values.")
            values = checks.MISSING_TOKENS
        return {"values": [str(v) for v in values], "type": schema[self.column]}

    def select(self, schema: dict[str, str]) -> Select:
        return Select(self.keep(schema, {self.column: self._expression(column_ref(self.column), schema)}))

    def _expression(self, c: str, schema: dict[str, str]) -> Fragment:
        values = self.state["values"]
        kind = schema[self.column]
        if family(kind) == "text":
            probe = f"lower(trim({c}))" if self.ignore_case else c
            listed = [v.strip().lower() for v in values] if self.ignore_case else values
            return Fragment(f"CASE WHEN {one_of(probe)} THEN NULL ELSE {c} END", [listed])
        # compared as numbers (a replayed table may hold them in a narrower type), else in the column's type
        probe, typed = (f"{c}::DOUBLE", "DOUBLE") if family(kind) == "numeric" else (c, kind)
        listed = f"list_transform(?::VARCHAR[], lambda v: TRY_CAST(v AS {typed}))"
        return Fragment(f"CASE WHEN {one_of(probe, listed)} THEN NULL ELSE {c} END", [values])

    def describe(self) -> str:
        return f"Set {', '.join(repr(v) for v in self.state['values'][:8])} in {self.column} to NULL"


# -- conversions -----------------------------------------------------------------------------

# style -> (what it means, the SQL that makes it plain, the full shape of a number written so)
NUMBER_STYLES = {
    "plain": ("1234.56", "trim({c})", r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?"),
    "1,234.56": ("comma thousands, dot decimals", "replace(trim({c}), ',', '')", r"[+-]?\d{1,3}(,\d{3})*(\.\d+)?"),
    "1.234,56": ("dot thousands, comma decimals", "replace(replace(trim({c}), '.', ''), ',', '.')",
                 r"[+-]?\d{1,3}(\.\d{3})*(,\d+)?"),
}


class Conversion(TextStep):
    """Text to another type: the values that do not convert become NULL and are counted and listed.

    A table it is replayed on may already hold the column in the target's kind: a competition's
    test.csv without any 'NA' in it reads as numbers. The column is then cast, not refused.
    """

    target: str

    def converted_already(self, schema: dict[str, str]) -> bool:
        return self.column in schema and family(schema[self.column]) == family(self.target)

    def check_table(self, schema: dict[str, str]) -> None:
        if not self.converted_already(schema):
            super().check_table(schema)

    def fit(self, con: duckdb.DuckDBPyConnection, table: str, schema: dict[str, str]) -> Step:
        if self.converted_already(schema):
            raise WorkbenchError(f"{self.column!r} is already {schema[self.column]}: there is nothing to convert.")
        return super().fit(con, table, schema)

    def select(self, schema: dict[str, str]) -> Select:
        if self.converted_already(schema):
            cast = Fragment(f"CAST({column_ref(self.column)} AS {self.target})")
            return Select(self.keep(schema, {self.column: cast}))
        return super().select(schema)

    def converted(self, c: str) -> Fragment:
        raise NotImplementedError

    def tokens(self) -> list[str]:
        """The fitted missing-value tokens, in lower case as the SQL compares them."""
        return [t.lower() for t in self.state.get("missing_tokens", [])]

    def expression(self, c: str) -> Fragment:
        conv = self.converted(c)
        tokens = self.tokens()
        if not tokens:
            return conv
        return Fragment(f"CASE WHEN {one_of(f'lower(trim({c}))')} THEN NULL ELSE {conv.sql} END",
                        [tokens, *conv.params])

    def failed(self, c: str) -> Fragment:
        """`c` where it holds a value that does not convert (not a missing-value token), else NULL."""
        conv = self.converted(c)
        return Fragment(f"CASE WHEN ({conv.sql}) IS NULL AND {c} IS NOT NULL "
                        f"AND NOT {one_of(f'lower(trim({c}))')} THEN {c} END", [*conv.params, self.tokens()])

    def failures(self, con: duckdb.DuckDBPyConnection, source: Fragment) -> tuple[int, list[list]]:
        """Rows whose value is present but does not convert, and the commonest such values."""
        failed = self.failed(column_ref(self.column))
        rows = con.execute(
            f"SELECT v, count(*) AS n FROM (SELECT {failed.sql} AS v FROM {source.sql} AS t) "
            "WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v", [*failed.params, *source.params],
        ).fetchall()
        return sum(n for _, n in rows), [[v, n] for v, n in rows[:EXAMPLES]]

    def learn(self, con, table, schema) -> dict[str, Any]:
        tokens = checks.MISSING_TOKENS if self.missing_as_null else []
        self.state = {"missing_tokens": tokens, **self.choose(con, table)}
        count, examples = self.failures(con, Fragment(quote(table)))
        return {**self.state, "unparsed": count, "unparsed_examples": examples}

    def choose(self, con, table) -> dict[str, Any]:
        """The fitted choices (a number style, a date format)."""
        return {}

    def gaps(self, schema: dict[str, str]) -> list[Gap]:
        if self.converted_already(schema):
            return []

        def say(found: Found) -> str:
            return (f"{self.column}: {plural(found.count, 'value')} {'does' if found.count == 1 else 'do'} not "
                    f"convert to {self.target} and {'becomes' if found.count == 1 else 'become'} NULL "
                    f"(when fitted: {self.state.get('unparsed', 0):,}): {found.shown()}")

        return [Gap(self.failed(column_ref(self.column)), say)]

    def describe(self) -> str:
        lost = self.state.get("unparsed", 0)
        one = lost == 1
        tail = (f"; {plural(lost, 'value')} that {'does' if one else 'do'} not convert "
                f"{'becomes' if one else 'become'} NULL" if lost else "")  # fmt: skip
        return f"Convert {self.column} to {self.target}{tail}"


MISSING_AS_NULL = Param("missing_as_null", "bool", "treat 'N/A', 'null', '?', '-' and the like as missing", True)


class ToNumber(Conversion):
    operation = "to_number"
    title = "Text to number"
    target = "DOUBLE"
    explain = ("Turns text that holds numbers into a number column (DOUBLE), reading '1,234.56' or '1.234,56' "
               "as you choose or as detected. Values that are not numbers become NULL; they are counted and "
               "listed first so nothing is lost without you seeing it.")
    PARAMS = (COLUMN,
              Param("style", "choice", "how numbers are written: auto (detected), plain, 1,234.56 or 1.234,56",
                    "auto", ("auto", *NUMBER_STYLES)),
              MISSING_AS_NULL)  # fmt: skip

    def converted(self, c: str) -> Fragment:
        return Fragment(f"TRY_CAST({NUMBER_STYLES[self.state['style']][1].format(c=c)} AS DOUBLE)")

    def choose(self, con, table) -> dict[str, Any]:
        if self.style != "auto":
            return {"style": self.style}
        # '7,5' parses in both styles ('75' or 7.5): count the distinct values written exactly in each style
        c = f"trim({quote(self.column)})"
        counts = [f"count(*) FILTER (WHERE regexp_full_match({c}, ?))" for _ in NUMBER_STYLES]
        parsed = con.execute(f"SELECT {', '.join(counts)} FROM (SELECT DISTINCT {quote(self.column)} FROM "
                             f"{quote(table)})", [shape for _, _, shape in NUMBER_STYLES.values()]).fetchone()
        best = max(range(len(parsed)), key=lambda i: (parsed[i], -i))
        return {"style": list(NUMBER_STYLES)[best]}

    def describe(self) -> str:
        return super().describe() + f" (numbers written {self.state['style']})"


DATE_AUTO = "auto"


class ToDate(Conversion):
    operation = "to_date"
    title = "Text to date"
    target = "DATE"
    explain = ("Turns text dates into a DATE column. With 'auto' the format that reads the most values is "
               "chosen among ISO (2024-03-01) and common layouts (01/03/2024, 1 Mar 2024...); values that do "
               "not read become NULL and are listed.")
    PARAMS = (COLUMN,
              Param("format", "text", "a strptime format such as %d/%m/%Y, or auto", DATE_AUTO),
              MISSING_AS_NULL)  # fmt: skip

    def converted(self, c: str) -> Fragment:
        fmt = self.state["format"]
        if fmt == "iso":
            return Fragment(f"TRY_CAST(TRY_CAST(trim({c}) AS TIMESTAMP) AS DATE)")
        return Fragment(f"TRY_CAST(try_strptime(trim({c}), ?) AS DATE)", [fmt])

    def choose(self, con, table) -> dict[str, Any]:
        if self.format != DATE_AUTO:
            try:
                con.execute("SELECT try_strptime('2000-01-01', ?)", [self.format])
            except duckdb.Error as exc:
                raise WorkbenchError(f"to_date: {self.format!r} is not a date format ({exc}).") from None
            return {"format": self.format}
        c = quote(self.column)
        tests = [f"count(*) FILTER (WHERE TRY_CAST(trim({c}) AS TIMESTAMP) IS NOT NULL)"]
        tests += [f"count(*) FILTER (WHERE try_strptime(trim({c}), ?) IS NOT NULL)" for _ in checks.DATE_FORMATS]
        parsed = con.execute(f"SELECT {', '.join(tests)} FROM (SELECT DISTINCT {c} FROM {quote(table)})",
                             checks.DATE_FORMATS).fetchone()  # fmt: skip
        options = ["iso", *checks.DATE_FORMATS]
        best = max(range(len(parsed)), key=lambda i: (parsed[i], -i))
        return {"format": options[best]}

    def describe(self) -> str:
        return super().describe() + f" (format {self.state['format']})"


TRUE_VALUES = ["true", "yes", "y", "t", "1"]
FALSE_VALUES = ["false", "no", "n", "f", "0"]


class ToBoolean(Conversion):
    operation = "to_boolean"
    title = "Text to yes/no"
    target = "BOOLEAN"
    explain = "Turns yes/no text (true/false, yes/no, y/n, 1/0, any case) into a BOOLEAN column."
    PARAMS = (COLUMN,
              Param("true_values", "list", "text read as true (compared in lower case)", TRUE_VALUES),
              Param("false_values", "list", "text read as false (compared in lower case)", FALSE_VALUES),
              MISSING_AS_NULL)  # fmt: skip

    def converted(self, c: str) -> Fragment:
        yes = [str(v).lower() for v in self.true_values]
        no = [str(v).lower() for v in self.false_values]
        probe = f"lower(trim({c}))"
        return Fragment(f"CASE WHEN {one_of(probe)} THEN true WHEN {one_of(probe)} THEN false END", [yes, no])


OPERATIONS = [Trim, ChangeCase, ReplaceValues, NullValues, ToNumber, ToDate, ToBoolean]
