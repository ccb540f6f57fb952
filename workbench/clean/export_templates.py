"""Code the Python and notebook exports of a recipe carry: their parameters, reading the input, writing
the output, and the check of scikit-learn's version.

These are templates, not functions of the workbench, because an exported file must run where the
workbench is not installed; `export.py` fills them in (so literal braces are doubled).
"""

# The Python script's parameters, on its command line.
ARGUMENTS = '''import argparse

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("database", nargs="?", default={database!r}, help="the DuckDB file to read and write")
parser.add_argument("models", nargs="?", default={home!r}, help="the workspace folder holding models/")
parser.add_argument("--input", default={root!r}, help="a table of DATABASE, or a .csv or .parquet file")
parser.add_argument("--output", default=None, help="a table to write, or a .csv or .parquet file "
                    "(default: {final} for the raw table, else <input>_clean)")
args = parser.parse_args()
DATABASE, MODELS, INPUT = args.database, Path(args.models), args.input
OUTPUT = args.output or ({final!r} if INPUT == {root!r} else Path(INPUT).name.split(".")[0] + "_clean")'''

# The notebook's parameters cell: papermill replaces its values (`papermill in.ipynb out.ipynb -p INPUT test.csv`).
PARAMETERS = '''# parameters: the database, the workspace folder holding models/, the input and the output
DATABASE = {database!r}
MODELS = {home!r}
INPUT = {root!r}  # a table of DATABASE, a .csv or .parquet path, or a pandas DataFrame
OUTPUT = {final!r}  # a table name, or a .csv or .parquet path'''

INPUT_OUTPUT = '''
RAW_COLUMNS = {raw!r}  # the raw table's columns and types when the recipe was fitted


def _q(name):
    return '"' + name.replace('"', '""') + '"'


def _path_literal(path):
    return "'" + str(path).replace("'", "''") + "'"


def read_input(con, given):
    """The recipe's input as the temporary table __wb_step0, its columns typed as the raw table's were."""
    if isinstance(given, str) and given.lower().endswith((".csv", ".tsv", ".txt", ".csv.gz")):
        con.execute("CREATE OR REPLACE TEMP TABLE __wb_read AS SELECT * FROM read_csv(?, all_varchar = true)", [given])
    elif isinstance(given, str) and given.lower().endswith(".parquet"):
        con.execute("CREATE OR REPLACE TEMP TABLE __wb_read AS SELECT * FROM read_parquet(?)", [given])
    elif isinstance(given, str):
        con.execute(f"CREATE OR REPLACE TEMP TABLE __wb_read AS SELECT * FROM {{_q(given)}} ORDER BY rowid")
    else:  # a pandas DataFrame
        con.register("__wb_frame", given)
        con.execute("CREATE OR REPLACE TEMP TABLE __wb_read AS SELECT * FROM __wb_frame")
        con.unregister("__wb_frame")
    have = [r[0] for r in con.execute("DESCRIBE __wb_read").fetchall()]
    missing = [c for c in RAW_COLUMNS if c not in have]
    if missing:
        raise SystemExit(f"The input lacks the column(s) {{', '.join(map(repr, missing))}} the recipe needs.")
    typed = ", ".join(f"TRY_CAST({{_q(c)}} AS {{t}}) AS {{_q(c)}}" for c, t in RAW_COLUMNS.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE __wb_step0 AS SELECT {{typed}} FROM __wb_read")
    lost = con.execute("SELECT " + ", ".join(
        f"count(*) FILTER (WHERE {{_q(c)}} IS NOT NULL AND TRY_CAST({{_q(c)}} AS {{t}}) IS NULL)"
        for c, t in RAW_COLUMNS.items()) + " FROM __wb_read").fetchone()
    for column, n in zip(RAW_COLUMNS, lost):
        if n:
            print(f"warning: {{n}} value(s) of {{column!r}} are not {{RAW_COLUMNS[column]}} as in the raw table, "
                  "and are read as missing", file=sys.stderr)


def write_output(con, source, given):
    """Write the cleaned rows to a table of the database, or to a .csv or .parquet file."""
    if str(given).lower().endswith(".csv"):
        con.execute(f"COPY (SELECT * FROM {{source}}) TO {{_path_literal(given)}} (HEADER)")
    elif str(given).lower().endswith(".parquet"):
        con.execute(f"COPY (SELECT * FROM {{source}}) TO {{_path_literal(given)}} (FORMAT parquet)")
    else:
        con.execute(f"CREATE OR REPLACE TABLE {{_q(given)}} AS SELECT * FROM {{source}}")
'''

VERSION_CHECK = '''
MADE_WITH = {made_with!r}


def check_versions():
    """Fitted scikit-learn models load only under the scikit-learn major.minor that saved them."""
    import sklearn

    made, here = MADE_WITH["scikit-learn"], sklearn.__version__
    if made.split(".")[:2] != here.split(".")[:2]:
        raise SystemExit(f"This recipe's fitted models were saved with scikit-learn {{made}}; this Python has "
                         f"{{here}}. Install that version (pip install 'scikit-learn=={{made}}') and run it again.")


check_versions()
'''
