"""An import keeps the file's values as written: no sniffed type may rewrite the text.

Yes/No read as BOOLEAN came back as true/false (and so into a Kaggle
submission); 01/02/2020 read as a DATE under a guessed day/month order came
back as 2020-02-01. Conversions are Clean steps the user sees (to_boolean, to_date).
"""

from __future__ import annotations

import csv
import datetime as dt
import json

import duckdb
from openpyxl import Workbook

from tests.unit.ingest_helpers import import_one, schema

# column -> its two values, as the file writes them
WRITTEN = {
    "yes_no": ("Yes", "No"),
    "y_n": ("Y", "N"),
    "lower_yes_no": ("yes", "no"),
    "upper_true_false": ("TRUE", "FALSE"),
    "title_true_false": ("True", "False"),  # how pandas writes booleans
    "t_f": ("T", "F"),
    "day_first": ("01/02/2020", "13/02/2020"),  # the sniffer guesses %d/%m/%Y and would show 2020-02-01
    "month_first": ("01/02/2020", "02/13/2020"),
}
TEXT_TYPES = dict.fromkeys(WRITTEN, "VARCHAR")


def fetch(ws, sql):
    with ws.connect() as con:
        return con.execute(sql).fetchall()


def write_csv(path, columns):
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(columns)
        out.writerows(zip(*columns.values()))
    return path


def test_sniffed_booleans_and_guessed_dates_keep_the_files_text(ws, tmp_path):
    path = write_csv(tmp_path / "churn.csv", WRITTEN)
    result = import_one(ws, path)
    assert schema(ws, result.table) == TEXT_TYPES
    assert fetch(ws, f'SELECT * FROM "{result.table}"') == list(zip(*WRITTEN.values()))
    assert result.notes == [] and result.rejected == 0


def test_exact_true_false_is_boolean_and_one_zero_stays_integer(ws, tmp_path):
    """`true`/`false` is what a BOOLEAN renders back to, so nothing is rewritten; 1/0 are numbers."""
    columns = {"flag": ("true", "false", ""), "bit": ("1", "0", "1"), "iso": ("2020-01-02", "2020-02-13", "")}
    result = import_one(ws, write_csv(tmp_path / "flags.csv", columns))
    assert schema(ws, result.table) == {"flag": "BOOLEAN", "bit": "BIGINT", "iso": "DATE"}
    assert fetch(ws, f'SELECT * FROM "{result.table}"') == [
        (True, 1, dt.date(2020, 1, 2)), (False, 0, dt.date(2020, 2, 13)), (None, 1, None)]  # fmt: skip
    # the recorded SQL rebuilds the same table, the BOOLEAN included
    sql = ws.table(result.table).sql
    with duckdb.connect() as con:
        con.execute(sql)
        assert con.execute(f'SELECT * FROM "{result.table}"').fetchall() == fetch(ws, f'SELECT * FROM "{result.table}"')
        assert con.execute(f'SELECT typeof(flag) FROM "{result.table}" LIMIT 1').fetchone() == ("BOOLEAN",)


def test_true_false_with_a_capitalised_value_past_the_sniffed_rows_stays_text(ws, tmp_path):
    rows = ["true" if i % 2 else "false" for i in range(30_000)] + ["True"]
    result = import_one(ws, write_csv(tmp_path / "late.csv", {"id": range(len(rows)), "flag": rows}))
    assert schema(ws, result.table) == {"id": "BIGINT", "flag": "VARCHAR"}
    assert fetch(ws, f'SELECT flag, count(*) FROM "{result.table}" GROUP BY flag ORDER BY flag') == [
        ("True", 1), ("false", 15_000), ("true", 15_000)]  # fmt: skip


def test_a_day_first_date_column_beside_an_iso_one_keeps_its_text_and_the_iso_one_is_a_date(ws, tmp_path):
    columns = {"written": ("01/02/2020", "13/02/2020"), "iso": ("2020-01-02", "2020-02-13"),
               "stamp": ("01/02/2020 10:00:00", "13/02/2020 11:00:00")}  # fmt: skip
    result = import_one(ws, write_csv(tmp_path / "dates.csv", columns))
    assert schema(ws, result.table) == {"written": "VARCHAR", "iso": "DATE", "stamp": "VARCHAR"}
    assert fetch(ws, f'SELECT * FROM "{result.table}"') == [
        ("01/02/2020", dt.date(2020, 1, 2), "01/02/2020 10:00:00"),
        ("13/02/2020", dt.date(2020, 2, 13), "13/02/2020 11:00:00"),
    ]


def test_json_strings_stay_text(ws, tmp_path):
    path = tmp_path / "churn.ndjson"
    path.write_text("".join(json.dumps({"churn": c, "day": d, "flag": f}) + "\n"
                            for c, d, f in [("Yes", "01/02/2020", "TRUE"), ("No", "13/02/2020", "false")]))  # fmt: skip
    result = import_one(ws, path)
    assert schema(ws, result.table) == {"churn": "VARCHAR", "day": "VARCHAR", "flag": "VARCHAR"}
    assert fetch(ws, f'SELECT * FROM "{result.table}"') == [
        ("Yes", "01/02/2020", "TRUE"),
        ("No", "13/02/2020", "false"),
    ]


def test_excel_text_cells_stay_text(ws, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["churn", "day", "flag"])
    sheet.append(["Yes", "01/02/2020", "TRUE"])
    sheet.append(["No", "13/02/2020", "False"])
    book.save(tmp_path / "churn.xlsx")
    result = import_one(ws, tmp_path / "churn.xlsx")
    assert schema(ws, result.table) == {"churn": "VARCHAR", "day": "VARCHAR", "flag": "VARCHAR"}
    assert fetch(ws, f'SELECT * FROM "{result.table}"') == [
        ("Yes", "01/02/2020", "TRUE"),
        ("No", "13/02/2020", "False"),
    ]


def test_the_read_uses_the_sniffed_dialect_and_a_doubled_quote_past_the_sniffed_rows_stays_one_quote(ws, tmp_path):
    """The file is sniffed once: the read names the sniffed dialect and columns (auto_detect = false).
    No escape found in the sampled rows must not become escape = '': a "" further down is one quote."""
    path = tmp_path / "late_quotes.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["name", "n"])
        out.writerows((f"x, {i}", i) for i in range(30_000))  # quoted: the sniffer finds the quote
        out.writerow(['say "hi", then go', 30_000])
    result = import_one(ws, path)
    assert result.rows == 30_001
    assert fetch(ws, f'SELECT name FROM "{result.table}" WHERE n = 30000') == [('say "hi", then go',)]
    sql = ws.table(result.table).sql
    assert "auto_detect = false" in sql and "columns = {'name': 'VARCHAR', 'n': 'VARCHAR'}" in sql
    with duckdb.connect() as con:
        con.execute(sql)
        assert con.execute(f'SELECT count(*), max(n) FROM "{result.table}"').fetchone() == (30_001, 30_000)
