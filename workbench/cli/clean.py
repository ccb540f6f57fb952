"""`workbench clean ...`: the cleaning steps, recipes, replay and exports, as on the Clean page."""

from __future__ import annotations

import json
from pathlib import Path

import click

from workbench import clean
from workbench.clean import export as exporter
from workbench.clean import recipe
from workbench.cli.output import emit_json, progress_printer, text_table
from workbench.errors import WorkbenchError
from workbench.workspace import Workspace

pass_ws = click.make_pass_decorator(Workspace)
JSON = click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")


@click.group("clean")
def group() -> None:
    """Clean a table with reversible steps; replay and export the recipe."""


@group.command("operations")
@JSON
def operations(as_json: bool) -> None:
    """Every cleaning operation with its parameters."""
    described = clean.describe_operations()
    if as_json:
        emit_json({"operations": described})
        return
    for op in described:
        where = " (Python: scikit-learn)" if op["python"] else ""
        click.echo(f"{op['operation']}: {op['title']}{where}\n    {op['explain']}")
        for p in op["params"]:
            extra = f" [{'|'.join(map(str, p['choices']))}]" if p.get("choices") else ""
            default = f" (default {p['default']!r})" if "default" in p else " (required)" if p["required"] else ""
            click.echo(f"    --param {p['name']}=...  {p['kind']}{extra}: {p['help']}{default}")


def _params(operation: str, column: str | None, pairs: tuple[str, ...]) -> dict:
    params: dict = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise WorkbenchError(f"--param takes NAME=VALUE, not {pair!r}.")
        try:
            params[name] = json.loads(text)
        except ValueError:
            params[name] = text
    if column:
        kinds = {p.name: p.kind for p in clean.OPERATIONS[operation].PARAMS} if operation in clean.OPERATIONS else {}
        if "column" in kinds:
            params["column"] = column
        elif "columns" in kinds:
            params["columns"] = [c.strip() for c in column.split(",")]
        else:
            raise WorkbenchError(f"{operation} takes no --column.")
    return params


@group.command("apply")
@click.argument("table")
@click.argument("operation")
@click.option("--column", help="The column (or comma-separated columns) to clean.")
@click.option("--param", "pairs", multiple=True, help="NAME=VALUE, VALUE as JSON or text (repeat).")
@click.option("--output", help="Name of the new table (default: <raw table>_v<n>).")
@click.option("--preview", is_flag=True, help="Show what would change; write nothing.")
@JSON
@pass_ws
def apply(ws: Workspace, table: str, operation: str, column: str | None, pairs: tuple[str, ...],
          output: str | None, preview: bool, as_json: bool) -> None:  # fmt: skip
    """Fit OPERATION on TABLE and write the result as a new table (TABLE is never changed)."""
    step = clean.make(operation, **_params(operation, column, pairs))
    shown = clean.preview(ws, table, step)
    if preview:
        if as_json:
            emit_json({"preview": shown.as_dict()})
        else:
            _print_preview(shown)
        return
    bar, update = progress_printer(step.title)
    with bar:
        made = clean.apply(ws, table, step, output=output, fitted=True, on_progress=update)
    if as_json:
        emit_json({"table": made.as_dict(), "preview": shown.as_dict()})
        return
    _print_preview(shown)
    click.echo(f"{table} -> {made.name}: {made.rows:,} rows x {made.columns} columns")


def _print_preview(shown: clean.Preview) -> None:
    click.echo(f"{shown.step.describe()}")
    click.echo(", ".join(f"{label.lower()}: {value:,}" for label, value, _ in shown.headline()))
    for line in shown.in_words():
        click.echo(line)
    for note in shown.notes:
        click.echo(note, err=True)


@group.command("steps")
@click.argument("table")
@JSON
@pass_ws
def steps(ws: Workspace, table: str, as_json: bool) -> None:
    """The steps from the raw table to TABLE."""
    made = recipe.recipe(ws, table)
    if as_json:
        emit_json(made.as_dict())
        return
    if not made.steps:
        click.echo(f"{table} was not made by cleaning steps.", err=True)
        return
    rows = [(i, t, s.operation, s.describe()) for i, (t, s) in enumerate(zip(made.tables, made.steps), start=1)]
    click.echo(f"from {made.root}:")
    click.echo(text_table(["#", "table", "operation", "what it did"], rows, max_width=80))


@group.command("undo")
@click.argument("table")
@click.option("--delete", is_flag=True, help="Also delete TABLE (refused when other tables were made from it).")
@JSON
@pass_ws
def undo(ws: Workspace, table: str, delete: bool, as_json: bool) -> None:
    """Go back to the table TABLE was made from."""
    parent = recipe.undo(ws, table, delete=delete)
    if as_json:
        emit_json({"current": parent, "deleted": table if delete else None})
    else:
        click.echo(f"back to {parent}" + (f"; {table} deleted" if delete else f" ({table} is kept)"))


@group.command("replay")
@click.argument("table")
@click.option("--on", "other", required=True, help="The table to clean with TABLE's recipe (same columns).")
@click.option("--output", help="Name of the new table (default: <other>_clean).")
@JSON
@pass_ws
def replay(ws: Workspace, table: str, other: str, output: str | None, as_json: bool) -> None:
    """Apply TABLE's fitted recipe to another table, and report what the fit never saw."""
    bar, update = progress_printer("Replaying")
    with bar:
        done = recipe.replay(ws, table, other, output=output, on_progress=update)
    if as_json:
        emit_json(done.as_dict())
        return
    click.echo(f"{other} -> {done.table.name}: {done.table.rows:,} rows x {done.table.columns} columns")
    click.echo("gap report: " + ("nothing the fit did not see" if not done.gaps else f"{len(done.gaps)} gaps"))
    for gap in done.gaps:
        click.echo(f"  {gap}")


@group.command("export")
@click.argument("table")
@click.option("--format", "fmt", type=click.Choice(exporter.FORMATS), required=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout).")
@pass_ws
def export(ws: Workspace, table: str, fmt: str, output: Path | None) -> None:
    """TABLE's recipe as a DuckDB SQL script, a Python script or a Jupyter notebook."""
    text = exporter.export(ws, table, fmt)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


COMMANDS = [group]
