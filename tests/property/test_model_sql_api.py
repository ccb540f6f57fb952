"""Generated names and values past Clean: the leaderboard, a saved model, predictions and the Kaggle submission
file, the SQL panel (quoted names, a `$name` parameter, save as table) and the Python API's `add` / `df`.

No traceback (only a WorkbenchError in words), and the values kept: the predictions table's ids are the test
table's, in order; the submission's header is the sample submission's and its ids and labels are the ones
predicted; the SQL panel gives the rows the filter picks; `df` gives back what `add` stored.
"""

from __future__ import annotations

import csv
import math

import pandas as pd
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

import workbench
from tests.property.pipeline import load, rows, schema, workspace, write_parquet
from tests.property.strategies import AWKWARD_VALUES, CHARS, fixed_in_ci, names, tables, text_values
from workbench import WorkbenchError, model
from workbench.names import quote, table_columns
from workbench.sql import engine

pytestmark = pytest.mark.property

ROWS = 12  # enough for two folds of two classes; each class has 6 rows
KINDS = {"BIGINT": "integer", "DOUBLE": "number"}  # a column's type in DuckDB -> its kind in write_parquet


@st.composite
def competitions(draw) -> dict:
    """A Kaggle-like train table: an id column, a target, one to three features, every name generated."""
    header = draw(st.lists(names(), min_size=3, max_size=5))
    if draw(st.booleans()) and (cased := [n for n in header if n.swapcase() != n]):
        header.append(draw(st.sampled_from(cased)).swapcase())  # two names that differ only in case
    words = st.one_of(st.sampled_from(AWKWARD_VALUES), st.text(CHARS, max_size=8))
    if draw(st.booleans()):  # Kaggle's usual whole-number ids, or text ones
        whole = st.integers(-(2**53), 2**53)
        ids, id_kind = draw(st.lists(whole, min_size=ROWS, max_size=ROWS, unique=True)), "integer"
    else:
        ids, id_kind = draw(st.lists(words, min_size=ROWS, max_size=ROWS, unique=True)), "text"
    if draw(st.booleans()):  # binary, labels as written (text)
        labels = draw(st.lists(words, min_size=2, max_size=2, unique=True))
        target, target_kind = [labels[i % 2] for i in draw(st.permutations(range(ROWS)))], "text"
    else:  # regression
        target, target_kind = draw(st.lists(st.floats(-1e6, 1e6), min_size=ROWS, max_size=ROWS)), "number"
    kinds, columns = [id_kind, target_kind], [ids, target]
    for _ in header[2:]:
        if draw(st.booleans()):
            pool = draw(st.lists(text_values(), min_size=1, max_size=3))
            columns.append(draw(st.lists(st.sampled_from(pool), min_size=ROWS, max_size=ROWS)))
            kinds.append("text")
        else:
            columns.append(draw(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=ROWS, max_size=ROWS)))
            kinds.append("number")
    return {"names": header, "kinds": kinds, "columns": columns}


def as_text(value) -> str:
    """A value as the submission file and DuckDB's CAST write it (ids are text or whole numbers here)."""
    return str(value)


def leaderboard_to_submission(ws, folder, train: str) -> None:
    """The leaderboard (fast models, two folds), the best model fitted, saved, loaded by name, predicting the
    test table, and the submission checked against the sample and read back from its file."""
    cols = list(schema(ws, train))
    id_col, target = cols[0], cols[1]
    by_name = dict(zip(cols, zip(*rows(ws, train))))
    test_cols = [c for c in cols if c != target]
    kinds = [KINDS.get(schema(ws, train)[c], "text") for c in test_cols]
    test_rows = 5
    test = load(ws, write_parquet(folder / "test.parquet", test_cols, kinds,
                                  [list(by_name[c][-test_rows:]) for c in test_cols]))  # fmt: skip
    first_label = by_name[target][0]
    sample = load(ws, write_parquet(folder / "sample_submission.parquet", [id_col, target],
                                    [kinds[0], "text" if isinstance(first_label, str) else "number"],
                                    [list(by_name[id_col][-test_rows:]), [first_label] * test_rows]))  # fmt: skip
    assert list(schema(ws, test)) == test_cols and list(schema(ws, sample)) == [id_col, target]
    try:
        board = model.run(ws, train, target, models=["dummy", "linear"], folds=2)
    except WorkbenchError as exc:  # no usable feature, a target that cannot be learnt: said in words
        assert "Traceback" not in str(exc) and str(exc).strip()
        event(f"no leaderboard: {str(exc)[:40]}")
        return
    for r in board.results:
        assert r.status == "done" or (r.error and "Traceback" not in r.error), (r.name, r.error)
    if not board.ranked():
        event("no model finished")
        return
    fitted = model.fit(board)
    model.save(ws, fitted, "generated")
    made = model.predict(ws, "generated", test, id_column=id_col)
    predicted = dict(zip(schema(ws, made.name), zip(*rows(ws, made.name))))
    assert list(predicted)[:2] == [id_col, target]
    assert list(predicted[id_col]) == list(by_name[id_col][-test_rows:])  # the ids, in the test table's order
    if isinstance(first_label, str):
        assert set(predicted[target]) <= set(by_name[target])  # labels as the training file wrote them
    sub = model.submission(ws, made.name, test, id_column=id_col, sample_submission=sample)
    assert sub.problems == []
    event(f"submission written ({board.task.kind})")
    with open(sub.write(folder / "submission.csv"), newline="", encoding="utf-8") as f:
        written = list(csv.reader(f))
    assert written[0] == [id_col, target]  # the sample submission's header
    assert [r[0] for r in written[1:]] == [as_text(v) for v in predicted[id_col]]
    labels = [r[1] for r in written[1:]]
    if isinstance(first_label, str):
        assert labels == list(predicted[target])
    else:
        assert all(math.isclose(float(a), b, rel_tol=1e-12, abs_tol=1e-9) for a, b in zip(labels, predicted[target]))


def sql_panel(ws, train: str) -> None:
    """Every generated column selected by its quoted name, rows picked with a `$pick` parameter; the result
    and the table saved from it hold exactly those rows."""
    cols = list(schema(ws, train))
    everything = rows(ws, train)
    pick = everything[0][0]
    expected = [r for r in everything if r[0] is not None and as_text(r[0]) == as_text(pick)]
    sql = f"SELECT {', '.join(map(quote, cols))} FROM {quote(train)} WHERE CAST({quote(cols[0])} AS VARCHAR) = $pick"
    value = as_text(pick)
    result = engine.run(ws, sql, {"pick": value}, record=False)
    assert result.columns == cols
    assert [tuple(r.values()) for r in result.table.to_pylist()] == expected
    saved, count = engine.save_as_table(ws, "picked", sql, {"pick": value})
    assert count == len(expected) and list(schema(ws, saved)) == cols and rows(ws, saved) == expected


@fixed_in_ci
@settings(max_examples=8)  # ~2 s an example: worker processes for the folds, the fit and the SQL panel
@given(competitions())
@example({"names": ["Id?", "Survived?", "what's \"this\"?", "$1"], "kinds": ["integer", "text", "text", "number"],
          "columns": [list(range(ROWS)), ["Yes", "No"] * (ROWS // 2), ["?", "%s"] * (ROWS // 2),
                      [float(i % 5) for i in range(ROWS)]]})  # fmt: skip
def test_model_predict_submission_and_sql_on_any_names(table):
    with workspace() as (ws, folder):
        train = load(ws, write_parquet(folder / "train.parquet", table["names"], table["kinds"], table["columns"]))
        assert list(schema(ws, train)) == table_columns(table["names"])
        sql_panel(ws, train)
        leaderboard_to_submission(ws, folder, train)


def frame_of(names_: list[str], kinds: list[str], columns: list[list]) -> pd.DataFrame:
    frame = pd.DataFrame({i: pd.Series(c, dtype=object if k == "text" else "float64")
                          for i, (k, c) in enumerate(zip(kinds, columns))})  # fmt: skip
    frame.columns = names_  # duplicates too, as pandas allows
    return frame


@fixed_in_ci
@given(tables(max_rows=6, max_columns=5))
@example((["rowid", "a", "A", ""], ["text", "number", "text", "number"], [["?"], [1.5], ["$1"], [None]]))
def test_python_api_add_then_df_keeps_names_and_values(table):
    names_, kinds, columns = table
    with workspace() as (ws, _):
        wb = workbench.open(ws.home)
        name = wb.add(frame_of(names_, kinds, columns), "generated?")
        back = wb.df(name)
        assert list(back.columns) == table_columns(names_)
        got = [[None if isinstance(v, float) and math.isnan(v) or v is pd.NA else v for v in back[c]]
               for c in back.columns]  # fmt: skip
        assert got == columns
