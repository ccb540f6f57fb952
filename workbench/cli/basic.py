"""Workspace commands: ui, load, tables."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from workbench import running
from workbench.cli.output import emit_json, progress_printer, text_table
from workbench.errors import WorkbenchError
from workbench.settings import PROJECT_ROOT
from workbench.workspace import Workspace

if TYPE_CHECKING:
    from workbench import ingest

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
    if warning := exposure_warning(host, port):
        click.echo(warning, err=True)
    running.record(ws.home, host, port)  # this process becomes the server: workbench.show() finds it
    # exec, not a child process: Ctrl+C and kill reach the server itself
    os.execve(sys.executable, command, {**os.environ, "WORKBENCH_HOME": str(ws.home)})


def exposure_warning(host: str, port: int) -> str | None:
    """What to say when the app would listen beyond this machine: it has no login of its own."""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:  # a host name
        if host.lower() == "localhost":
            return None
    return (
        f"warning: --host {host} lets anyone who can reach this machine on port {port} open the workbench, "
        "read every table and run SQL: it has no login. Keep the default 127.0.0.1 and reach it from another "
        f"computer through an SSH tunnel (ssh -L {port}:127.0.0.1:{port} this-machine), or put it behind a "
        "reverse proxy that asks for a password."
    )


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--table", help="Name for the new table (a prefix when a path holds several).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON document.")
@pass_ws
def load(ws: Workspace, paths: tuple[Path, ...], table: str | None, as_json: bool) -> None:
    """Import files (CSV/TSV/TXT, Parquet, JSON/NDJSON, Excel, zip) as new tables."""
    from workbench import ingest

    bar, update = progress_printer("Importing")
    with bar:
        results = ingest.load(ws, paths, table=table, on_progress=update)
    if not any(r.ok for r in results):  # one line that says why, with or without --json
        raise WorkbenchError("nothing was imported. " + "; ".join(_why_not(r) for r in results))
    if as_json:
        emit_json({"results": [r.as_dict() for r in results]})
        return
    for r in results:
        if r.ok:
            note = f", {r.rejected:,} rejected lines (see `workbench tables`)" if r.rejected else ""
            click.echo(f"{r.label} -> {r.table}: {r.rows:,} rows x {r.columns} columns{note}")
            for ex in r.reject_examples[:5]:
                click.echo(f"    line {ex['line']}: {ex['error']}: {ex['message']}", err=True)
            for text in r.notes:
                click.echo(f"    note: {text}", err=True)
        else:
            click.echo(_why_not(r), err=True)


def _why_not(result: ingest.ImportResult) -> str:
    return f"{result.label}: skipped, {result.skipped}" if result.skipped else f"{result.label}: {result.error}"


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


COMMANDS = [ui, load, tables]
