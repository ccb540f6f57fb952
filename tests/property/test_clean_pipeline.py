"""A generated table through profile, every Clean operation, replay and every export: no traceback (only a
WorkbenchError in words), and each step's values are the ones it should give."""

from __future__ import annotations

import re
import subprocess
import sys

import duckdb
import nbformat
import pytest
from hypothesis import example, given, settings

from tests.property.pipeline import copy_of, load, rows, schema, workspace, write_parquet
from tests.property.strategies import fixed_in_ci, tables
from workbench import WorkbenchError, clean, profile
from workbench.clean import export, recipe
from workbench.names import literal, quote

pytestmark = pytest.mark.property

WS = re.compile(r"[ \t\n\f\r]+")  # what DuckDB's regexp \s matches (RE2: ASCII spaces only)


def operations(kinds: dict[str, str], names: list[str], first: dict[str, object]) -> list[tuple[str, dict]]:
    """Every registered operation, with parameters fitting the table's columns."""
    text = [c for c, t in kinds.items() if t == "VARCHAR"]
    numbers = [c for c, t in kinds.items() if t in ("DOUBLE", "BIGINT")]
    ops: list[tuple[str, dict]] = []
    for c in text:
        v = first[c] if first[c] is not None else "x"
        ops += [("cluster_spellings", {"column": c}), ("trim", {"column": c}),
                ("change_case", {"column": c, "case": "upper"}), ("replace_values", {"column": c, "mapping": {v: "?"}}),
                ("null_values", {"column": c, "values": [v]}), ("to_number", {"column": c}),
                ("to_date", {"column": c}), ("to_boolean", {"column": c}),
                ("filter_rows", {"condition": f"{quote(c)} <> {literal(v)}"})]  # fmt: skip
    for c in numbers:
        ops += [("outliers", {"column": c, "action": "cap"}), ("knn_impute", {"columns": [c], "n_neighbors": 1}),
                ("iterative_impute", {"columns": [c], "max_iter": 2}), ("outlier_model", {"columns": [c]})]  # fmt: skip
    every = list(kinds)
    ops += [("fill_missing", {"columns": every, "strategy": "mode"}), ("drop_missing", {"columns": every[:1]}),
            ("drop_columns", {"columns": every[:1]}),
            ("rename_column", {"column": every[0], "new_name": names[-1] + "?"}),
            ("reorder_columns", {"columns": every[::-1]}), ("drop_duplicates", {"columns": every})]  # fmt: skip
    return ops


def expected(op: str, params: dict, before: dict[str, list]) -> dict[str, list] | None:
    """What an operation whose result is simple to state makes of the columns (None: not checked here)."""
    after = {c: list(v) for c, v in before.items()}
    c = params.get("column")
    if op == "trim":
        after[c] = [None if v is None else WS.sub(" ", v).strip(" \t\n\f\r") for v in before[c]]
    elif op == "replace_values":
        (old, new), = params["mapping"].items()
        after[c] = [new if v == old else v for v in before[c]]
    elif op == "filter_rows":
        keep = [v is not None and v != params["_value"] for v in before[params["_column"]]]
        after = {k: [v for v, kept in zip(vs, keep) if kept] for k, vs in before.items()}
    elif op == "drop_columns":
        after.pop(params["columns"][0])
    elif op == "rename_column":
        after = {(params["new_name"] if k == c else k): v for k, v in before.items()}
    elif op == "reorder_columns":
        after = {k: before[k] for k in params["columns"]}
    elif op == "drop_missing":
        keep = [v is not None for v in before[params["columns"][0]]]
        after = {k: [v for v, kept in zip(vs, keep) if kept] for k, vs in before.items()}
    else:
        return None
    return after


def as_columns(ws, table: str) -> dict[str, list]:
    got = rows(ws, table)
    return {c: [r[i] for r in got] for i, c in enumerate(schema(ws, table))}


def exports_run(ws, final: str, root: str, folder) -> None:
    """The SQL script in DuckDB, the Python script and the notebook's code cells in a fresh process, each on
    a copy of the raw table: each makes the table the workbench made."""
    made = rows(ws, final)
    sql = export.export(ws, final, "sql")
    db = copy_of(ws, root, folder / "sql.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute(sql)
        if "needs Python" not in sql:
            assert con.execute(f"SELECT * FROM {quote(final)}").fetchall() == made
    script = folder / "recipe.py"
    script.write_text(export.export(ws, final, "py"), encoding="utf-8")
    book = nbformat.reads(export.export(ws, final, "ipynb"), as_version=4)
    cells = [c.source for c in book.cells if c.cell_type == "code"]
    for cell in cells:
        compile(cell, "cell", "exec")
    notebook_db = copy_of(ws, root, folder / "nb.duckdb")
    code = "\n\n".join(cells).replace(repr(str(ws.home / "workbench.duckdb")), repr(str(notebook_db)))
    (folder / "notebook.py").write_text(code, encoding="utf-8")
    py_db = copy_of(ws, root, folder / "py.duckdb")
    driver = (f"import runpy, sys\nsys.argv = ['recipe.py', {str(py_db)!r}, {str(ws.home)!r}]\n"
              f"runpy.run_path({str(script)!r}, run_name='__main__')\n"
              f"runpy.run_path({str(folder / 'notebook.py')!r}, run_name='__main__')\n")  # fmt: skip
    out = subprocess.run([sys.executable, "-I", "-c", driver], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    for db in (py_db, notebook_db):
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute(f"SELECT * FROM {quote(final)}").fetchall() == made


def run_pipeline(names, kinds, columns) -> None:
    with workspace() as (ws, folder):
        raw = load(ws, write_parquet(folder / "t.parquet", names, kinds, columns))
        test = load(ws, write_parquet(folder / "test.parquet", names, kinds, columns))
        prof = profile.profile_table(ws, raw)
        assert [c.name for c in prof.columns] == list(schema(ws, raw))
        for finding in prof.findings:
            with ws.connect(read_only=True) as con:
                con.execute(finding.shown_sql(raw)).fetchall()  # the evidence query a user can copy runs
        kinds_now = schema(ws, raw)
        before = as_columns(ws, raw)
        first = {c: next((v for v in vs if v is not None), None) for c, vs in before.items()}
        chain, current = [], raw
        for op, params in operations(kinds_now, list(kinds_now), first):
            column = params.get("column") or re.match(r'"((?:[^"]|"")*)"', params.get("condition", "\"\""))[1]
            column = column.replace('""', '"')
            try:
                step = clean.make(op, **params)
                shown = clean.preview(ws, raw, step)  # what the page shows before Apply, from the same fit
                made = clean.apply(ws, raw, step, fitted=True)
            except WorkbenchError as exc:
                assert "\n" not in str(exc).strip() or "Traceback" not in str(exc)
                continue
            assert shown.rows_after == made.rows, (op, params)
            want = expected(op, {**params, "_column": column, "_value": first.get(column)}, before)
            if want is not None:
                assert as_columns(ws, made.name) == want, (op, params)
            if not chain or len(chain) < 4:  # a chain of a few steps that worked, for replay and export
                try:
                    current = clean.apply(ws, current, clean.make(op, **params)).name
                    chain.append(op)
                except WorkbenchError:
                    pass
        if chain:
            replayed = recipe.replay(ws, current, on=test)
            assert rows(ws, replayed.table.name) == rows(ws, current)
            exports_run(ws, current, raw, folder)


@fixed_in_ci
@settings(max_examples=6)  # ~15-20 s an example: every operation previewed and applied, a replay, a Python process
@given(tables(max_rows=5, max_columns=3))
@example((["Survived?", "what's \"this\"?", "note"], ["number", "text", "text"],
          [[1.0, 0.0, None], ["?", "what?", " a  b "], ["what?", "ok", "?"]]))
@example((["from", "FROM"], ["text", "number"], [[None] * 4, [0, None, 1.5335839687292192e241, 385808]]))  # fences
def test_every_clean_step_replays_and_exports_on_any_names(table):
    run_pipeline(*table)


def test_a_column_named_like_the_work_tables_row_column():
    """A column named like the work table's row numbers (or its computed columns, or the preview's own) is a
    column like any other: the work table names its columns by position, never after the user's."""
    run_pipeline(["__wb_row", "__wb_out0", "__wb_src_row"], ["number", "number", "text"],
                 [[None, 2.0, 3.0, 4.0], [1.0, None, 3.0, 5.0], ["a", "b", None, "__wb_before_0"]])
