"""Tables with planted dirt, and the findings a profile must report on them (kind, column) -> count."""

from __future__ import annotations

from workbench import Workspace

ROWS = 2000
COPIES = 15  # rows i % 100 == 50 (i < 1500) appear twice

# uniform numbers in [0, 1) from a hash of the row number, so the table is the same everywhere
_U = "(hash(i, {k}) % 1000003) / 1000003.0"
_NORMAL = f"sqrt(-2 * ln(greatest({_U.format(k=1)}, 1e-9))) * cos(2 * pi() * {_U.format(k=2)})"

DIRTY = f"""
CREATE TABLE dirty AS
WITH base AS (SELECT i FROM range({ROWS}) t(i))
SELECT
  i AS id,
  50 + 10 * {_NORMAL} AS clean_num,
  ['alpha', 'beta', 'gamma'][1 + i % 3] AS clean_cat,
  CASE WHEN i % 100 = 7 THEN -999 WHEN i % 250 = 3 THEN NULL ELSE 18 + i % 60 END AS age,
  CASE WHEN i % 500 = 11 THEN 1e6 ELSE 100 + 10 * {_NORMAL} END AS amount,
  1000 * exp({_NORMAL}) AS income,
  CASE WHEN i % 200 = 5 THEN 'N/A' WHEN i % 200 = 6 THEN '' ELSE ['red', 'green', 'blue'][1 + i % 3] END AS color,
  CASE WHEN i % 100 = 1 THEN 'paris' WHEN i % 100 = 2 THEN 'Pairs'
       ELSE ['Paris', 'Lyon', 'Nice', 'Lille'][1 + i % 4] END AS city,
  CASE WHEN i % 50 = 25 THEN '  ' ELSE '' END || 'note about item number ' || i AS note,
  'c' || (i % 150) AS code,
  CASE WHEN i % 400 = 9 THEN 'unknown' ELSE printf('%.2f', (i % 997) / 7.0) END AS price,
  strftime(DATE '2020-01-01' + (i % 700)::INT, '%Y-%m-%d') AS signup,
  CASE WHEN i % 2 = 0 THEN 'yes' ELSE 'no' END AS active,
  CASE WHEN i % 10 < 6 THEN (1 + i % 5)::VARCHAR ELSE ['good', 'bad'][1 + i % 2] END AS rating,
  'FR' AS country,
  CASE WHEN i % 100 = 0 THEN 0 ELSE 1 END AS flag,
  CASE WHEN i % 100 = 13 THEN DATE '1900-01-01' ELSE DATE '2000-01-01' + (i % 3000)::INT END AS created
FROM base;
INSERT INTO dirty SELECT * FROM dirty WHERE id % 100 = 50 AND id < 1500;
"""

EXPECTED = {
    ("identifier", "id"): 2000,
    ("sentinel", "age"): 20,
    ("missing", "age"): 8,
    ("outlier", "amount"): 4,
    ("skew", "income"): ROWS + COPIES,
    ("disguised_missing", "color"): 20,
    ("inconsistent_category", "city"): 40,
    ("whitespace", "note"): 40,
    ("high_cardinality", "code"): 150,
    ("numbers_as_text", "price"): ROWS + COPIES - 5,
    ("dates_as_text", "signup"): ROWS + COPIES,
    ("booleans_as_text", "active"): ROWS + COPIES,
    ("mixed_types", "rating"): 800,
    ("constant", "country"): ROWS + COPIES,
    ("near_constant", "flag"): 20,
    ("sentinel", "created"): 20,
    ("duplicate_rows", None): COPIES,
}
CLEAN = ["clean_num", "clean_cat"]

# values that cannot be true and bands that overlap, in a table of their own (the one above keeps its columns)
RANGES = f"""
CREATE TABLE ranges AS
SELECT
  i AS id,
  CASE WHEN i % 400 = 7 THEN 0.5 ELSE 18 + i % 60 END::DOUBLE AS age,
  CASE WHEN i % 500 = 3 THEN 0 ELSE 5 + {_U.format(k=3)} END AS length_cm,
  ['0-10', '10-20', '20-30', '20+'][1 + i % 4] AS band
FROM range({ROWS}) t(i);
"""
RANGES_EXPECTED = {
    ("identifier", "id"): ROWS,
    ("impossible_value", "age"): 5,
    ("impossible_value", "length_cm"): 4,
    ("overlapping_bands", "band"): ROWS // 2,
}


def make_dirty(ws: Workspace) -> str:
    with ws.connect() as con:
        con.execute(DIRTY)
        con.execute(RANGES)
    return "dirty"
