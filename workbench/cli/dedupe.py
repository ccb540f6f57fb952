"""Dedupe commands: `dedupe` (one table) and `link` (two tables), unsupervised."""

from __future__ import annotations

import click

from workbench.cli.basic import pass_ws
from workbench.cli.output import emit_json, progress_printer
from workbench.dedupe import cluster, engine, merge
from workbench.dedupe.normalise import suggest
from workbench.errors import WorkbenchError
from workbench.workspace import Workspace


def _options(command):
    command = click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON document.")(command)
    command = click.option("--output", help="Name of the new table (default: derived from the input).")(command)
    command = click.option("--rule", "rules", multiple=True,
                           help="Blocking rule such as 'surname & given_name:3' (repeat; default: suggested).",
                           )(command)  # fmt: skip
    command = click.option("--threshold", type=click.FloatRange(0, 1, min_open=True, max_open=True),
                           default=engine.DEFAULT_THRESHOLD, show_default=True,
                           help="Match probability from which records are the same entity.")(command)  # fmt: skip
    return click.option("--columns", help="Comma-separated columns to compare (default: suggested).")(command)


def _columns(ws: Workspace, table: str, text: str | None) -> list[str]:
    if text:
        return [c.strip() for c in text.split(",") if c.strip()]
    found = suggest(ws, table)
    if not found:
        raise WorkbenchError(f"No column of {table!r} looks worth comparing: pass --columns.")
    click.echo(f"Comparing the suggested columns: {', '.join(found)}", err=True)
    return found


def _start(ws: Workspace, table: str, columns: list[str], rules: tuple[str, ...], right: str | None = None):
    bar, update = progress_printer("Scoring pairs")
    with bar:
        return engine.start(ws, table, columns, right=right, rules=list(rules) or None, on_progress=update)


def _report(ws: Workspace, run: engine.Run, threshold: float) -> dict:
    with ws.connect() as con:
        clusters = cluster.summary(con, run)
    return {
        "columns": [c.as_dict() for c in run.columns],
        "records": run.n_records,
        "blocking": [{"rule": rule, "pairs": n} for rule, n in run.comparisons.items()],
        "pairs_scored": run.pairs_scored,
        "threshold": threshold,
        "estimated": engine.estimate_quality(run, threshold),
        "model": {"em_iterations": run.model.iterations, "converged": run.model.converged,
                  "match_share": run.model.lam},  # fmt: skip
        "clusters": clusters,
    }


def _print_summary(report: dict, outputs: list[str]) -> None:
    for item in report["blocking"]:
        click.echo(f"blocking {item['rule']}: {item['pairs']:,} pairs", err=True)
    est = report["estimated"]
    click.echo(
        f"{report['records']:,} records, {report['pairs_scored']:,} pairs scored, {est['pairs_above']:,} at or above "
        f"{report['threshold']} (estimated precision {est['precision']:.3f}, recall {est['recall']:.3f})"
    )
    c = report["clusters"]
    click.echo(f"{c['clusters']:,} clusters, {c['clusters_with_duplicates']:,} with duplicates "
               f"(largest {c['largest']})")
    click.echo(f"new tables: {', '.join(outputs)}")


@click.command()
@click.argument("table")
@_options
@pass_ws
def dedupe(ws: Workspace, table: str, columns: str | None, threshold: float, rules: tuple[str, ...],
           output: str | None, as_json: bool) -> None:
    """Find duplicate records in TABLE and merge them into a new table (plus a mapping table)."""
    run = _start(ws, table, _columns(ws, table, columns), rules)
    try:
        merged, mapping = merge.merge(ws, run, threshold, output=output)
        report = _report(ws, run, threshold) | {"table": run.table,
                                                 "output": {"merged": merged.name, "mapping": mapping.name}}
    finally:
        engine.drop(ws, run)
    emit_json(report) if as_json else _print_summary(report, [merged.name, mapping.name])


@click.command()
@click.argument("left")
@click.argument("right")
@_options
@pass_ws
def link(ws: Workspace, left: str, right: str, columns: str | None, threshold: float, rules: tuple[str, ...],
         output: str | None, as_json: bool) -> None:
    """Link records of LEFT and RIGHT that describe the same entity (a fuzzy join) into a new table."""
    run = _start(ws, left, _columns(ws, left, columns), rules, right=right)
    try:
        links = merge.link_table(ws, run, threshold, output=output)
        with ws.connect() as con:
            cluster.build(con, run, threshold)
        report = _report(ws, run, threshold) | {"left": run.table, "right": run.right,
                                                 "output": {"links": links.name}, "links": links.rows}
    finally:
        engine.drop(ws, run)
    emit_json(report) if as_json else _print_summary(report, [links.name])


COMMANDS = [dedupe, link]
