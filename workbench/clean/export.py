"""A recipe as code: a DuckDB SQL script, a Python script, a Jupyter notebook.

All three are generated from the same fitted step objects that ran, each step
making the same table the workbench made. The SQL script stops at the first
step that needs Python (and says so). The Python script and the notebook need
duckdb, plus numpy, pandas, scikit-learn and skops when a step holds a fitted
model (they load it from the workspace's `models/` folder), and numpy and scipy
for a dedupe merge. They carry the workbench's own code for those steps (the
`portable.py` modules of clean and dedupe), and the SQL the workbench runs.

The Python script and the notebook take their input as a parameter: the raw table by default, or
another table, a CSV or Parquet file (or, in the notebook, a DataFrame), read with the raw table's
column types; they write the result to a table or a file (`export_templates.py`). So the same
export cleans a competition's test.csv. The notebook's `parameters` cell is papermill's. Both say
which package versions made them, and refuse fitted models under another scikit-learn major.minor.
"""

from __future__ import annotations

import inspect
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from workbench.clean import export_templates as templates
from workbench.clean import portable
from workbench.clean.learned import TRUSTED_TYPES, LearnedStep
from workbench.clean.merge_step import DedupeMerge
from workbench.clean.recipe import Recipe, recipe
from workbench.clean.step import WORK_ROW, Step
from workbench.dedupe import blocking, cluster, engine, features, merge
from workbench.dedupe import portable as dedupe_portable
from workbench.dedupe.normalise import Column
from workbench.errors import WorkbenchError
from workbench.metadata import column_types
from workbench.names import quote, render
from workbench.settings import LIMITS
from workbench.workspace import Workspace

FORMATS = ("sql", "py", "ipynb")
# the kernel an exported notebook asks for (papermill reads the language from it)
NOTEBOOK_METADATA = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                     "language_info": {"name": "python"}}


def _sources(made: Recipe) -> list[tuple[str, str, Step]]:
    """(source table, made table, step) for every step, in order."""
    out, source = [], made.root
    for table, step in zip(made.tables, made.steps):
        out.append((source, table, step))
        source = table
    return out


def one_line(text: str) -> str:
    """`text` safe in a -- or # comment: a column name's line breaks and control characters (a NUL, which
    Python source may not hold) written as escapes, so the rest of the name cannot become code."""
    return "".join(repr(c)[1:-1] if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)


def _header(made: Recipe, final: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Recipe: {made.root} -> {final}, {len(made.steps)} steps (exported by Workbench, {when})"


def to_sql(made: Recipe, schemas: list[dict[str, str]]) -> str:
    final = made.tables[-1]
    lines = [f"-- {_header(made, final)}",
             f"-- Run it in DuckDB on a database holding {made.root}: duckdb my.duckdb < recipe.sql", ""]  # fmt: skip
    for i, ((source, table, step), schema) in enumerate(zip(_sources(made), schemas), start=1):
        lines.append(f"-- Step {i}: {one_line(step.describe())}")
        if step.python:
            lines += [f"-- Step {i} ({step.operation}) needs Python (scikit-learn): the SQL script stops here.",
                      "-- Export the recipe as Python or as a notebook to run every step."]  # fmt: skip
            break
        sql = step.select(schema).sql(quote(source))
        lines += [render(f"CREATE OR REPLACE TABLE {quote(table)} AS {sql.sql}", sql.params) + ";", ""]
    return "\n".join(lines) + "\n"


def _needs(made: Recipe) -> list[str]:
    needs = {"duckdb"}
    for step in made.steps:
        if isinstance(step, LearnedStep):
            needs |= {"numpy", "pandas", "scikit-learn", "skops"}
        elif isinstance(step, DedupeMerge):
            needs |= {"numpy", "scipy"}
    return sorted(needs)


def _made_with(made: Recipe) -> dict[str, str]:
    """The versions of the packages whose fitted state the export carries (the scikit-learn steps' own record)."""
    import duckdb

    import workbench

    versions = {"workbench": workbench.__version__, "duckdb": duckdb.__version__}
    for step in made.steps:
        if isinstance(step, LearnedStep):
            versions.update(step.state["estimator"].get("versions", {}))
    return versions


def _setup_code(made: Recipe, home: Path, raw: dict[str, str], notebook: bool = False) -> str:
    """Imports, the parameters (the script's command line; the notebook has its own cell), the input and
    output helpers, and the workbench's portable code the steps need."""
    names = {"database": str(home / "workbench.duckdb"), "home": str(home), "root": made.root,
             "final": made.tables[-1]}  # fmt: skip
    parts = [
        "import sys",
        "from pathlib import Path",
        "",
        "import duckdb",
        "",
        f"# made with {', '.join(f'{k} {v}' for k, v in _made_with(made).items())}",
    ]
    if not notebook:
        parts += [templates.ARGUMENTS.format(**names)]
    parts += [templates.INPUT_OUTPUT.format(raw=raw).rstrip()]
    if any(isinstance(s, LearnedStep) for s in made.steps):
        parts += ["", "# --- the workbench's own code for its scikit-learn steps (clean/portable.py) ---",
                  inspect.getsource(portable).strip(), "# --- end of clean/portable.py ---",
                  f"TRUSTED = {sorted(TRUSTED_TYPES)!r}",
                  templates.VERSION_CHECK.format(made_with=_made_with(made)).rstrip()]  # fmt: skip
    if any(isinstance(s, DedupeMerge) for s in made.steps):
        parts += ["", "# --- the workbench's own code for scoring and clustering duplicates (dedupe/portable.py) ---",
                  inspect.getsource(dedupe_portable).strip(), "# --- end of dedupe/portable.py ---"]  # fmt: skip
    if not notebook:
        parts += ["", "con = duckdb.connect(DATABASE)", "read_input(con, INPUT)"]
    return "\n".join(parts)


def _step_name(i: int) -> str:
    """The temporary table step i writes (step 0: the input): the export writes only its output."""
    return f"__wb_step{i}"


def _dedupe_code(source: str, table: str, step: DedupeMerge, schema: dict[str, str]) -> str:
    """The merge as the workbench replays it: block and compare in SQL, score each comparison pattern with
    the fitted probabilities (the model's for a pattern never seen), cluster in scipy, merge in SQL."""
    columns = [Column(**c) for c in step.state["kinds"]]
    records, pairs, scores, clusters = "__wb_records", "__wb_pairs", "__wb_scores", "__wb_clusters"
    rules = [blocking.parse_rule(text, columns) for text in step.rules]
    candidates, params = engine.candidates_sql(rules, {c.name: i for i, c in enumerate(columns)}, records, False)
    model = step.state["model"]
    fitted = {int(p): float(v) for p, v in step.state["probabilities"]}
    members = "(SELECT unnest(?::BIGINT[]) AS id, unnest(?::BIGINT[]) AS cluster)"
    clustered = cluster.CLUSTERS_SQL.format(records=records, members=members)
    merged = merge.merged_sql(f"({merge.mapping_sql(source, clusters)})",
                              merge.survivors(list(schema), step.survivorship or {}, step.recent_by))  # fmt: skip

    def run(sql: str, args: str = "") -> str:
        return f"con.execute({sql!r}{', ' + args if args else ''})"

    return "\n".join([
        run(f"CREATE OR REPLACE TEMP TABLE {records} AS {engine.records_sql(source, columns, 0)}"),
        run(f"CREATE OR REPLACE TEMP TABLE {pairs} AS {features.pattern_sql(columns, f'({candidates})', records)}",
            repr(params)),
        f"patterns = con.execute({f'SELECT DISTINCT pattern FROM {pairs}'!r}).fetchnumpy()['pattern']",
        f"fitted = {fitted!r}",
        f"p, _ = rescored(patterns, fitted, model_probability(patterns, {model['m']!r}, {model['u']!r}, "
        f"{model['lambda']!r}))",
        run(f"CREATE OR REPLACE TEMP TABLE {scores} AS SELECT unnest(?::BIGINT[]) AS pattern, unnest(?::DOUBLE[]) AS p",
            "[patterns.tolist(), p.tolist()]"),
        f"edges = {run(cluster.EDGES_SQL.format(pairs=pairs, scores=scores), f'[{step.threshold!r}]')}.fetchnumpy()",
        f"ids, labels = clusters_of(edges['l'], edges['r'], edges['p'], {step.threshold!r})",
        run(f"CREATE OR REPLACE TEMP TABLE {clusters} AS {clustered}", "[ids.tolist(), labels.tolist()]"),
        run(f"CREATE OR REPLACE TEMP TABLE {quote(table)} AS {merged}"),
    ])  # fmt: skip


def _step_code(source: str, table: str, step: Step, schema: dict[str, str]) -> str:
    if isinstance(step, DedupeMerge):
        return _dedupe_code(source, table, step, schema)
    work = None
    lines = []
    if isinstance(step, LearnedStep):
        ref = step.state["estimator"]
        work = "__wb_work"
        columns = ", ".join(f"{quote(n)} {t}" for n, t in step.work_columns())
        outputs = [n for n, _ in step.work_columns()]
        lines += [
            f"estimator = load_model(MODELS / {ref['file']!r}, {ref['sha256']!r}, TRUSTED)",
            f"con.execute({f'CREATE OR REPLACE TEMP TABLE {work} ({WORK_ROW} BIGINT, {columns})'!r})",
            f"run_python_step(con, {quote(source)!r}, {step.kind!r}, estimator, {step.columns!r}, {outputs!r}, "
            f"{work!r}, {LIMITS.clean_batch_rows})",
        ]
    sql = step.select(schema).sql(quote(source), work)
    lines.append(f"con.execute({f'CREATE OR REPLACE TEMP TABLE {quote(table)} AS {sql.sql}'!r}, {sql.params!r})")
    return "\n".join(lines)


def to_python(made: Recipe, schemas: list[dict[str, str]], home: Path) -> str:
    final = made.tables[-1]
    doc = (f'"""{_header(made, final)}\n\nNeeds: {", ".join(_needs(made))}.\n'
           "Run: python recipe.py [DATABASE] [WORKSPACE FOLDER] [--input TABLE|FILE] [--output TABLE|FILE]\n"
           f'The input defaults to the raw table {made.root}, the output to {final}.\n"""')  # fmt: skip
    body = [doc, _setup_code(made, home, schemas[0]), ""]
    for i, (step, schema) in enumerate(zip(made.steps, schemas), start=1):
        body += [f"# Step {i}: {one_line(step.describe())}",
                 _step_code(_step_name(i - 1), _step_name(i), step, schema), ""]  # fmt: skip
    body += [f"write_output(con, {_step_name(len(made.steps))!r}, OUTPUT)", "con.close()", "print(f'made {OUTPUT}')"]
    return "\n".join(body) + "\n"


def to_notebook(made: Recipe, schemas: list[dict[str, str]], home: Path) -> str:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    final = made.tables[-1]
    parameters = templates.PARAMETERS.format(database=str(home / "workbench.duckdb"), home=str(home),
                                             root=made.root, final=final)  # fmt: skip
    setup = _setup_code(made, home, schemas[0], notebook=True)
    cells = [new_markdown_cell(f"# {_header(made, final)}\n\nEach step below is explained, then done. "
                               f"Needs: {', '.join(_needs(made))}.\n\nThe next cell names the input and the "
                               "output: the raw table by default; another table, a CSV or Parquet file, or a "
                               "DataFrame is cleaned with what the steps learned, never refitted. With papermill: "
                               "`papermill recipe.ipynb out.ipynb -p INPUT test.csv -p OUTPUT test_clean.parquet`."),
             new_code_cell(parameters, metadata={"tags": ["parameters"]}),
             new_code_cell(f"{setup}\n\nMODELS = Path(MODELS)\ncon = duckdb.connect(DATABASE)\nread_input(con, INPUT)")]
    for i, ((_, table, step), schema) in enumerate(zip(_sources(made), schemas), start=1):
        cells.append(new_markdown_cell(f"## Step {i}: {step.title}\n\n{step.describe()}.\n\n{step.explain}\n\n"
                                       f"In the workbench, this step made `{table}`."))  # fmt: skip
        cells.append(new_code_cell(_step_code(_step_name(i - 1), _step_name(i), step, schema)))
    last = _step_name(len(made.steps))
    cells.append(new_code_cell(f"write_output(con, {last!r}, OUTPUT)\n"
                               f"con.sql({f'SELECT * FROM {last} LIMIT 10'!r}).df()"))  # fmt: skip
    return nbformat.writes(new_notebook(cells=cells, metadata=NOTEBOOK_METADATA))


def export(ws: Workspace, table: str, fmt: str) -> str:
    """The recipe of `table` in `fmt` (sql, py or ipynb), as text."""
    made = recipe(ws, table)
    if not made.steps:
        raise WorkbenchError(f"{table!r} was not made by cleaning steps: there is no recipe to export.")
    with ws.connect() as con:
        schemas = [column_types(con, source) for source, _, _ in _sources(made)]
    if fmt == "sql":
        return to_sql(made, schemas)
    if fmt == "py":
        return to_python(made, schemas, ws.home)
    return to_notebook(made, schemas, ws.home)
