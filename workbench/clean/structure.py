"""Structure: drop, rename or reorder columns; filter rows; remove exact duplicate rows."""

from __future__ import annotations

from workbench.clean.expression import check_condition
from workbench.clean.step import Fragment, Param, Select, Step, column_ref
from workbench.errors import WorkbenchError
from workbench.names import hides_row_number


class DropColumns(Step):
    operation = "drop_columns"
    title = "Drop columns"
    explain = "Removes columns from the new table (the raw table keeps them)."
    PARAMS = (Param("columns", "columns", "the columns to drop", required=True),)

    def select(self, schema: dict[str, str]) -> Select:
        if set(schema) <= set(self.columns):
            raise WorkbenchError("Dropping every column would leave an empty table.")
        return Select([(c, e) for c, e in self.keep(schema) if c not in self.columns])


class RenameColumn(Step):
    operation = "rename_column"
    title = "Rename a column"
    explain = "Gives a column a new name."
    PARAMS = (Param("column", "column", "the column to rename", required=True),
              Param("new_name", "text", "its new name", required=True))  # fmt: skip

    def validate(self) -> None:
        if not self.new_name.strip():
            raise WorkbenchError("The new name is empty.")
        if hides_row_number(self.new_name):
            raise WorkbenchError(f"A column cannot be named {self.new_name!r}: DuckDB keeps that name for its row "
                                 "numbers, which cleaning needs. Choose another name.")

    def select(self, schema: dict[str, str]) -> Select:
        taken = {c.lower() for c in schema if c != self.column}
        if self.new_name.lower() in taken:
            raise WorkbenchError(f"The table already has a column {self.new_name!r}.")
        return Select([(self.new_name if c == self.column else c, e) for c, e in self.keep(schema)])


class ReorderColumns(Step):
    operation = "reorder_columns"
    title = "Reorder columns"
    explain = "Puts the listed columns first, in that order; the others follow as they were."
    PARAMS = (Param("columns", "columns", "the columns to put first, in order", required=True),)

    def select(self, schema: dict[str, str]) -> Select:
        items = dict(self.keep(schema))
        order = list(dict.fromkeys(self.columns)) + [c for c in schema if c not in self.columns]
        return Select([(c, items[c]) for c in order])


class FilterRows(Step):
    operation = "filter_rows"
    title = "Filter rows"
    explain = ("Keeps (or removes) the rows where a condition holds, written as in a SQL WHERE clause, "
               "e.g. price > 0 AND city IS NOT NULL. Rows where it is unknown (NULL) are not kept.")
    PARAMS = (Param("condition", "text", "one SQL expression over the table's columns", required=True),
              Param("action", "choice", "keep or remove the matching rows", "keep", ("keep", "remove")))  # fmt: skip

    def inputs(self) -> list[str]:
        return []

    def verify(self, con, source) -> None:
        check_condition(con, self.condition)
        try:  # bind it against the table: unknown columns and type errors surface here, nothing written
            con.execute(f"SELECT count(*) FROM {source.sql} AS t WHERE {self.condition} LIMIT 0", source.params)
        except Exception as exc:  # noqa: BLE001 - DuckDB's binder errors are the user's message
            raise WorkbenchError(f"The condition does not work on this table: {str(exc).splitlines()[0]}") from None

    def select(self, schema: dict[str, str]) -> Select:
        test = f"coalesce(({self.condition}), false)"
        return Select(self.keep(schema), where=Fragment(test if self.action == "keep" else f"NOT {test}"))


class DropDuplicates(Step):
    operation = "drop_duplicates"
    title = "Remove duplicate rows"
    explain = ("Keeps the first of each group of rows that are exact copies (on all columns, or on the "
               "columns you choose). For near-duplicates (typos, other spellings) use the Dedupe page.")
    PARAMS = (Param("columns", "columns", "compare only these columns (default: all)"),)

    def select(self, schema: dict[str, str]) -> Select:
        keys = ", ".join(column_ref(c) for c in (self.columns or list(schema)))
        first = Fragment(f"row_number() OVER (PARTITION BY {keys} ORDER BY t.rowid) = 1")
        return Select(self.keep(schema), qualify=first)


OPERATIONS = [DropColumns, RenameColumn, ReorderColumns, FilterRows, DropDuplicates]
