"""Workspace commands: ui, load, tables, sql."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import click

from workbench import ingest
from workbench.cli.output import emit_json, progress_printer, text_table
from workbench.errors import WorkbenchError
from workbench.query import execute
from workbench.settings import PROJECT_ROOT
from workbench.workspace import Workspace

pass_ws = click.make_pass_decorator(Workspace)


@click.command()
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@pass_ws
def ui(ws: Workspace, port: int, host: str) -> None:
    """Start the Streamlit app on this workspace."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "streamlit_app.py"),
        "--server.address", host, "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    click.echo(f"Workbench on http://{host}:{port} (workspace {ws.home})", err=True)
    env = {**os.environ, "WORKBENCH_HOME": str(ws.home)}
    sys.exit(subprocess.call(command, env=env))


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--table", help="Name for the new table (a prefix when a path holds several).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON document.")
@pass_ws
def load(ws: Workspace, paths: tuple[Path, ...], table: str | None, as_json: bool) -> None:
    """Import files (CSV/TSV/TXT, Parquet, JSON/NDJSON, Excel, zip) as new tables."""
    bar, update = progress_printer("Importing")
    with bar:
        results = ingest.load(ws, paths, table=table, on_progress=update)
    if as_json:
        emit_json({"results": [r.as_dict() for r in results]})
    else:
        for r in results:
            if r.ok:
                note = f", {r.rejected:,} rejected lines (see `workbench tables`)" if r.rejected else ""
                click.echo(f"{r.label} -> {r.table}: {r.rows:,} rows x {r.columns} columns{note}")
                for ex in r.reject_examples[:5]:
                    click.echo(f"    line {ex['line']}: {ex['error']}: {ex['message']}", err=True)
            elif r.skipped:
                click.echo(f"{r.label}: skipped, {r.skipped}", err=True)
            else:
                click.echo(f"{r.label}: {r.error}", err=True)
    if not any(r.ok for r in results):
        raise WorkbenchError("nothing was imported.")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the tables as one JSON document.")
@pass_ws
def tables(ws: Workspace, as_json: bool) -> None:
    """List the workspace's tables with where they came from."""
    infos = ws.tables()
    if as_json:
        emit_json({"workspace": str(ws.home), "tables": [t.as_dict() for t in infos]})
        return
    if not infos:
        click.echo(f"No tables in {ws.home} yet: `workbench load FILE` imports one.", err=True)
        return
    rows = [
        (t.name, f"{t.rows:,}" if t.rows is not None else "", t.columns, t.rejected or "", t.source,
         t.created_at.strftime("%Y-%m-%d %H:%M") if t.created_at else "")
        for t in infos
    ]  # fmt: skip
    click.echo(text_table(["table", "rows", "cols", "rejected", "source", "created (UTC)"], rows, max_width=60))


@click.command()
@click.argument("query", required=False)
@click.option("--file", "query_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the query from a .sql file.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the result as CSV.")
@click.option("--limit", type=int, default=50, show_default=True, help="Rows shown in the text view.")
@pass_ws
def sql(ws: Workspace, query: str | None, query_file: Path | None, as_json: bool, as_csv: bool, limit: int) -> None:
    """Run a read-only SQL query over the workspace."""
    if as_json and as_csv:
        raise WorkbenchError("choose one of --json and --csv.")
    if (query is None) == (query_file is None):
        raise WorkbenchError("give a QUERY or --file QUERY.sql (one of them).")
    text = query if query is not None else query_file.read_text(encoding="utf-8")
    with execute(ws, text) as cur:
        if as_csv:
            writer = csv.writer(click.get_text_stream("stdout"), lineterminator="\n")
            writer.writerow(cur.columns)
            for batch in cur.batches():
                writer.writerows(batch)
            return
        if as_json:
            rows = [dict(zip(cur.columns, r)) for batch in cur.batches() for r in batch]
            emit_json({"columns": cur.columns, "types": cur.types, "rows": rows, "row_count": len(rows)})
            return
        shown: list[tuple] = []
        total = 0
        for batch in cur.batches():
            shown += batch[: max(limit - len(shown), 0)]
            total += len(batch)
        click.echo(text_table(cur.columns, shown))
        more = f" ({total - len(shown):,} not shown; --limit or --csv)" if total > len(shown) else ""
        click.echo(f"{total:,} rows in {cur.elapsed:.3f} s{more}", err=True)


COMMANDS = [ui, load, tables, sql]
