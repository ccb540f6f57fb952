"""Kaggle commands: `workbench kaggle search|files|download`."""

from __future__ import annotations

import sys
import time
from typing import TextIO

import click

from workbench import kaggle as kg
from workbench.cli.basic import pass_ws
from workbench.cli.output import emit_json, progress_printer, text_table
from workbench.errors import WorkbenchError
from workbench.kaggle import credentials
from workbench.kaggle.transfer import Transfer, human_bytes
from workbench.workspace import Workspace


@click.group()
def kaggle() -> None:
    """Search Kaggle datasets, list their files, download and import them.

    Credentials are read where the `kaggle` command reads them (KAGGLE_API_TOKEN,
    kaggle.json in KAGGLE_CONFIG_DIR or ~/.kaggle, KAGGLE_USERNAME/KAGGLE_KEY);
    HTTPS_PROXY/HTTP_PROXY are honoured.
    """


@kaggle.command()
@click.argument("term")
@click.option("--json", "as_json", is_flag=True, help="Print the datasets as one JSON document.")
@pass_ws
def search(ws: Workspace, term: str, as_json: bool) -> None:
    """Search Kaggle datasets for TERM."""
    found = kg.search(term, ws.limits)
    if as_json:
        emit_json({"term": term, "datasets": [d.as_dict() for d in found]})
        return
    if not found:
        click.echo(f"No Kaggle dataset matches {term!r}.", err=True)
        return
    rows = [(d.ref, d.title, human_bytes(d.size), d.last_updated.strftime("%Y-%m-%d") if d.last_updated else "",
             d.votes, d.downloads) for d in found]
    click.echo(text_table(["ref", "title", "size", "updated", "votes", "downloads"], rows))


@kaggle.command()
@click.argument("ref")
@click.option("--competition", is_flag=True, help="REF is a competition's name (e.g. titanic).")
@click.option("--json", "as_json", is_flag=True, help="Print the files as one JSON document.")
@pass_ws
def files(ws: Workspace, ref: str, competition: bool, as_json: bool) -> None:
    """List the files of a dataset (or competition).

    REF is owner/dataset, owner/dataset/versions/N or the dataset's kaggle.com address.
    """
    target = kg.parse(ref, competition=competition)
    listed = kg.files(target, ws.limits)
    if as_json:
        emit_json({"ref": str(target), "files": [f.as_dict() for f in listed]})
        return
    click.echo(text_table(["name", "size"], [(f.name, human_bytes(f.size)) for f in listed], max_width=80))


@kaggle.command()
@click.argument("ref")
@click.option("--file", "file_name", help="Download only this file of the dataset (a name from `kaggle files`).")
@click.option("--competition", is_flag=True, help="REF is a competition's name (e.g. titanic).")
@click.option("--force", is_flag=True, help="Download again even when the cache has this version.")
@click.option("--json", "as_json", is_flag=True, help="Print the download and the new tables as one JSON document.")
@pass_ws
def download(ws: Workspace, ref: str, file_name: str | None, competition: bool, force: bool, as_json: bool) -> None:
    """Download a dataset (or competition) and import every data file as a table.

    REF is owner/dataset, owner/dataset/versions/N or the dataset's kaggle.com address;
    a repeat uses the cached copy.
    """
    target = kg.parse(ref, competition=competition)
    click.echo(f"Using the {credentials.require().describe()}.", err=True)
    on_transfer, finish = transfer_printer(sys.stderr, f"Downloading {target}")
    try:
        fetched = kg.fetch(ws, target, file=file_name, force=force, on_progress=on_transfer)
    finally:
        finish()
    where = f"{fetched.ref}" + (f" version {fetched.version}" if fetched.version else "")
    if fetched.cached:
        click.echo(f"{where} was downloaded on {fetched.downloaded_at[:10]}: using the cached copy "
                   "(--force downloads again).", err=True)
    else:
        click.echo(f"Downloaded {where} ({human_bytes(fetched.size)}), licence: {fetched.licence or 'not stated'}.",
                   err=True)
    bar, update = progress_printer("Importing")
    with bar:
        results = kg.import_fetched(ws, fetched, on_progress=update)
    outcome = kg.KaggleImport.of(ws, fetched, results)
    if as_json:
        emit_json(outcome.as_dict())
    else:
        for r in results:
            if r.ok:
                note = f", {r.rejected:,} rejected lines" if r.rejected else ""
                click.echo(f"{r.label} -> {r.table}: {r.rows:,} rows x {r.columns} columns{note}")
            elif r.skipped:
                click.echo(f"{r.label}: skipped, {r.skipped}", err=True)
            else:
                click.echo(f"{r.label}: {r.error}", err=True)
        if outcome.train:
            click.echo(f"training table: {outcome.train}")
        if outcome.sample_submission:
            click.echo(f"sample submission: {outcome.sample_submission} (`workbench predict --submission` "
                       "matches its header)")
    if not any(r.ok or (r.skipped or "").startswith("already imported") for r in results):
        raise WorkbenchError(f"nothing was imported from {where}: it holds no file the workbench reads.")


def transfer_printer(stream: TextIO, label: str):
    """(on_transfer, finish): a one-line bar with bytes and speed on a terminal; nothing otherwise."""
    state = {"drawn": False, "last": 0.0}

    def on_transfer(t: Transfer) -> None:
        now = time.monotonic()
        if not stream.isatty() or (now - state["last"] < 0.2 and t.fraction < 1.0):
            return
        state["drawn"], state["last"] = True, now
        filled = int(t.fraction * 30)
        percent = f"{t.fraction:4.0%} " if t.total else ""
        stream.write(f"\r{label} [{'#' * filled}{'-' * (30 - filled)}] {percent}{t.describe()}\x1b[K")
        stream.flush()

    def finish() -> None:
        if state["drawn"]:
            stream.write("\n")
            stream.flush()

    return on_transfer, finish


COMMANDS = [kaggle]
