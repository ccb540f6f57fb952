"""`workbench sql`: the SQL panel's engine from the terminal (same sandbox, limits, history)."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.output import emit_json, records, text_table
from workbench.errors import WorkbenchError
from workbench.sql import engine
from workbench.sql import params as sql_params
from workbench.words import plural
from workbench.workspace import Workspace

pass_ws = click.make_pass_decorator(Workspace)


@click.command()
@click.argument("query", required=False)
@click.option(
    "--file",
    "query_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the query from a .sql file.",
)
@click.option(
    "--param",
    "assignments",
    multiple=True,
    metavar="NAME=VALUE",
    help="A value for a $NAME parameter (repeatable); bound, never pasted into the SQL.",
)
@click.option("--write", is_flag=True, help="Allow CREATE TABLE name AS SELECT ... (recorded in lineage).")
@click.option(
    "--timeout",
    type=float,
    default=engine.SQL_LIMITS.timeout,
    show_default=True,
    help="Time limit in seconds (0: none).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the shown rows and the total as one JSON document.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the full result as CSV.")
@click.option("--limit", type=int, default=50, show_default=True, help="Rows shown (text and --json).")
@pass_ws
def sql(ws: Workspace, query: str | None, query_file: Path | None, assignments: tuple[str, ...], write: bool,
        timeout: float, as_json: bool, as_csv: bool, limit: int) -> None:  # fmt: skip
    """Run SQL over the workspace, sandboxed and read-only unless --write."""
    if as_json and as_csv:
        raise WorkbenchError("choose one of --json and --csv.")
    if (query is None) == (query_file is None):
        raise WorkbenchError("give a QUERY or --file QUERY.sql (one of them).")
    text = query if query is not None else query_file.read_text(encoding="utf-8")
    values = sql_params.bind(text, sql_params.from_assignments(assignments))
    if as_csv:
        # the full result, streamed by DuckDB into a workspace file, then copied out
        path, _rows = engine.export(ws, text, "csv", values, stem="cli", timeout=timeout, record=True)
        try:
            with path.open(encoding="utf-8", newline="") as source:
                while chunk := source.read(1 << 20):
                    click.echo(chunk, nl=False)
        finally:
            path.unlink(missing_ok=True)
        return
    result = engine.run(ws, text, values, write=write, max_rows=max(limit, 1), timeout=timeout)
    rows = records(result.table.slice(0, limit))
    if as_json:
        emit_json({
            "columns": result.columns, "types": result.types,
            "rows": [dict(zip(result.columns, row)) for row in rows],
            "row_count": result.total, "shown": len(rows), "elapsed_s": result.elapsed,
            "created": result.created,
        })  # fmt: skip
        return
    if result.statement == "plan":
        click.echo(result.plan)
    else:
        click.echo(text_table(result.columns, rows))
    more = f" ({result.total - len(rows):,} not shown; --limit or --csv)" if result.total > len(rows) else ""
    made = f"; created table {result.created}" if result.created else ""
    click.echo(f"{plural(result.total, 'row')} in {result.elapsed:.3f} s{more}{made}", err=True)


COMMANDS = [sql]
