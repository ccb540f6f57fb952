"""`workbench similar` as a user types it: the JSON shape, the text table, one clear line per bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from tests.unit.similar_tables import wine
from workbench import similar
from workbench.cli import main

pytestmark = pytest.mark.usefixtures("fresh_similar_cache")


def run(ws, *args: str):
    return CliRunner().invoke(main, ["--home", str(ws.home), "similar", *args])


def test_json_holds_neighbours_with_contributions_summing_to_the_distance(ws):
    wine(ws)
    out = run(ws, "wine", "--to", "10", "--to", "20", "--id", "id", "--k", "4", "--json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    assert set(doc) >= {"table", "id_column", "references", "metric", "scaling", "columns", "left_out", "notes",
                        "neighbours"}  # fmt: skip
    assert doc["table"] == "wine" and doc["id_column"] == "id" and doc["references"] == [10, 20]
    assert doc["metric"] == "euclidean" and doc["scaling"] == "zscore" and len(doc["columns"]) == 13
    assert len(doc["neighbours"]) == 4
    api = similar.find(ws, "wine", ["10", "20"], id_column="id", k=4)
    assert [n["id"] for n in doc["neighbours"]] == api.rows["id"].tolist()
    for n in doc["neighbours"]:
        assert set(n) >= {"id", "distance", "reference", "contributions"} and n["reference"] in (10, 20)
        assert isinstance(n["distance"], float) and isinstance(n["id"], int) and isinstance(n["reference"], int)
        assert isinstance(n["values"]["hue"], float)
        assert np.isclose(sum(n["contributions"].values()), n["distance"])


def test_text_output_lists_the_neighbours_with_their_largest_parts_then_the_notes(ws):
    wine(ws)
    out = run(ws, "wine", "--to", "10", "--id", "id", "--k", "3", "--exclude", "proline", "--weight", "hue=2")
    assert out.exit_code == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["rank", "id", "distance", "reference", "largest", "parts", "of", "the", "distance"]
    assert len([ln for ln in lines[2:5] if ln.split()[0] in "123"]) == 3
    assert "left out proline: left out by you" in lines
    assert "Weights: hue counts x2 (a weight multiplies the column's part of the distance; the others count x1)." \
        in lines


@pytest.mark.parametrize("args, message", [
    (["--to", "999", "--id", "id"], "error: No row of wine has id = 999."),
    (["--to", "10", "--id", "id", "--columns", "alcohol,nope"], "error: wine has no column 'nope'"),
    (["--to", "10", "--columns", "alcohol", "--exclude", "hue"],
     "error: Give either --columns or --exclude, not both."),
    (["--to", "10", "--k", "0"], "error: k, the number of neighbours, must be a whole number of 1 or more, not 0."),
    (["--to", "10", "--where", "proline > 99999"], "error: The filter 'proline > 99999' keeps no row of wine"),
    (["--to", "10", "--weight", "hue"], "error: A weight is written COLUMN=NUMBER, e.g. alcohol=2: 'hue' is not."),
    (["--to", "10", "--columns", "id", "--id", "id"], "error: 'id' is the id column"),
    (["--to", "10", "--weight", "nope=2"], "error: A weight is given for 'nope', which is not one of the columns"),
    (["--to", "10", "--where", "nope > 1"], "error: The filter 'nope > 1' cannot be applied to wine"),
    (["--to", "10", "--id", "nope"], "error: wine has no column 'nope'"),
])  # fmt: skip
def test_bad_input_is_one_line_and_writes_nothing(ws, args, message, tmp_path):
    wine(ws)
    before = {t.name for t in ws.tables()}
    script = tmp_path / "similar.py"
    out = run(ws, "wine", *args, "--save", "near", "--export-code", str(script))
    assert out.exit_code == 1
    assert out.stderr.startswith(message) and len(out.stderr.strip().splitlines()) == 1
    assert {t.name for t in ws.tables()} == before and not script.exists()


def test_no_usable_column_and_one_row(ws):
    import pandas as pd

    from tests.unit.model_tables import put

    put(ws, "one", pd.DataFrame({"x": [1.0]}))
    out = run(ws, "one", "--to", "1")
    assert out.exit_code == 1 and out.stderr == "error: one has 1 row: there is no other row to compare with.\n"
    put(ws, "flat", pd.DataFrame({"x": [2.0] * 30}))
    out = run(ws, "flat", "--to", "1")
    assert out.exit_code == 1
    assert out.stderr == "error: No column of flat can be compared (x: constant: a single value).\n"


def test_save_and_export_code_from_the_command(ws, tmp_path):
    import subprocess
    import sys

    wine(ws)
    script = tmp_path / "like_100.py"
    out = run(ws, "wine", "--to", "1000", "--id", "id", "--k", "3", "--save", "like_100", "--export-code",
              str(script), "--json")  # fmt: skip
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["saved"] == "like_100" and doc["code"] == str(script)
    info = ws.table("like_100")
    assert info.parents == ["wine"] and info.operation == "similar" and info.rows == 3
    printed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    ids = [line.split("\t")[1] for line in printed.stdout.strip().splitlines()[1:]]
    assert ids == [str(n["id"]) for n in doc["neighbours"]]
