"""The `workbench` command: the library's verbs for the terminal.

Each command that produces results takes `--json` and then prints exactly one
JSON document on stdout; messages and progress go to stderr. Expected failures
exit 1 with one line on stderr, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from workbench.errors import WorkbenchError

# name -> (module of workbench.cli, the help line `workbench --help` shows). A command's module is
# imported only when that command runs, so `workbench --help` imports neither DuckDB nor pandas;
# tests/unit/test_cli.py checks these lines against the commands' own docstrings.
COMMANDS = {
    "ui": ("basic", "Start the Streamlit app on this workspace."),
    "load": ("basic", "Import files (CSV/TSV/TXT, Parquet, JSON/NDJSON, Excel, zip) as new tables."),
    "tables": ("basic", "List the workspace's tables with where they came from."),
    "sql": ("sql", "Run SQL over the workspace, sandboxed and read-only unless --write."),
    "profile": ("profile", "Profile TABLE: per-column statistics and the dirty data found in it."),
    "clean": ("clean", "Clean a table with reversible steps; replay and export the recipe."),
    "dedupe": ("dedupe", "Find duplicate records in TABLE and merge them into a new table (plus a mapping table)."),
    "link": ("dedupe", "Link records of LEFT and RIGHT that describe the same entity (a fuzzy join) into a new table."),
    "model": ("model", "Fit baseline models on TABLE with cross-validation, beside a dummy; or find clusters "
                       "(no --target)."),
    "predict": ("model", "Predict TABLE with the saved model MODEL_NAME (see `workbench model --save`), into a new "
                         "table."),
    "similar": ("similar", "Find the rows of TABLE most like the reference rows (--to), each distance split per "
                           "column."),
    "recommend": ("recommend", "Evaluate recommenders on TABLE's ratings beside baselines; or recommend for one user "
                               "(--for)."),
    "kaggle": ("kaggle", "Search Kaggle datasets, list their files, download and import them."),
}


def one_line(exc: Exception) -> str:
    """The message on one line; DuckDB's "Did you mean ..." hint is kept."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    hints = [ln for ln in lines[1:] if ln.startswith("Did you mean")]
    return " ".join(lines[:1] + hints)


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"workbench.cli.{COMMANDS[name][0]}")
        return next(c for c in module.COMMANDS if c.name == name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, text) for name, (_, text) in COMMANDS.items()])

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WorkbenchError as exc:
            click.echo(f"error: {one_line(exc)}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Cancelled: nothing was half-done.", err=True)
            sys.exit(130)


@click.group(cls=_Group)
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="WORKBENCH_HOME",
    help="Workspace folder (default: WORKBENCH_HOME, else the project's data/).",
)
@click.version_option(package_name="workbench")
@click.pass_context
def main(ctx: click.Context, home: str | None) -> None:
    """Workbench: pull data into DuckDB, see what is dirty, clean it, query it."""
    from workbench.workspace import Workspace

    ctx.obj = Workspace(home, on_wait=_say_waiting)


def _say_waiting(holder: str) -> None:
    click.echo(f"Waiting for the workspace: another process is using it ({holder}). This command goes on when "
               "it is free.",
               err=True)  # fmt: skip


