"""docs/notebook.ipynb, executed under a real Jupyter kernel on a fresh workspace of the samples: its outputs
are checked for values, so the walk-through in the README cannot drift from what the API does."""

from __future__ import annotations

import ast

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT
from workbench import Workspace, samples

NOTEBOOK = ROOT / "docs" / "notebook.ipynb"


def output_of(nb, tag: str) -> str:
    """The plain-text result of the cell tagged `tag`."""
    cell = next(c for c in nb.cells if tag in c.metadata.get("tags", []))
    texts = [o["data"]["text/plain"] for o in cell.outputs if o.get("output_type") == "execute_result"]
    assert texts, f"cell {tag!r} shows nothing: {cell.outputs}"
    return texts[0]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    home = tmp_path_factory.mktemp("notebook_ws")
    samples.seed(Workspace(home))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_HOME", str(home))
        mp.setenv("PYTHONPATH", str(ROOT))  # the kernel imports this tree's workbench
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(home)}}).execute()
    return nb, home


def test_the_notebook_runs_and_shows_the_samples(executed):
    nb, home = executed
    assert output_of(nb, "open") == f"<workbench {home}>"
    tables = output_of(nb, "tables")
    assert "penguins_raw" in tables and "sample: penguins_raw.csv" in tables
    assert output_of(nb, "shape") == "(344, 17)"
    assert "numbers_as_text" in output_of(nb, "profile")


def test_the_notebook_cleans_replays_and_validates_with_the_apps_recipe(executed):
    nb, home = executed
    assert output_of(nb, "clean") == "('penguins_raw_v2', 'penguins_raw_v3')"
    with Workspace(home).connect(read_only=True) as con:
        (expected,) = con.execute('SELECT median(TRY_CAST("Culmen Length (mm)" AS DOUBLE)) '
                                  "FROM penguins_raw").fetchone()  # fmt: skip
    assert ast.literal_eval(output_of(nb, "apply")) == [41.5, expected, expected]  # train's median, no refit
    assert "about 40" in output_of(nb, "gaps")  # the value that did not convert is reported
    assert 0.6 < float(output_of(nb, "cv")) < 0.9  # culmen length alone: far better than the 0.44 of chance
    predicted = ast.literal_eval(output_of(nb, "model"))
    assert len(predicted) == 3 and all(p.endswith(")") for p in predicted)  # species names, as the file writes them
