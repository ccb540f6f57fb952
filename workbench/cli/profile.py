"""`workbench profile TABLE`: statistics and dirty-data findings of a table."""

from __future__ import annotations

import click

from workbench.cli.output import emit_json, progress_printer, text_table
from workbench.profile import profile_table
from workbench.profile.result import Profile
from workbench.workspace import Workspace

pass_ws = click.make_pass_decorator(Workspace)


def _statistics(profile: Profile) -> list[dict]:
    return [
        {"name": c.name, "type": c.type, "semantic_type": c.semantic, "statistics": c.stats,
         "approximate": c.approximate, "chart": c.chart}
        for c in profile.columns
    ]  # fmt: skip


@click.command()
@click.argument("table")
@click.option("--json", "as_json", is_flag=True, help="Print the profile as one JSON document.")
@pass_ws
def profile(ws: Workspace, table: str, as_json: bool) -> None:
    """Profile TABLE: per-column statistics and the dirty data found in it."""
    bar, update = progress_printer("Profiling")
    with bar:
        result = profile_table(ws, table, on_progress=update)
    if as_json:
        emit_json({"table": result.table, "rows": result.rows, "overview": result.overview,
                   "columns": _statistics(result), "findings": [f.as_dict() for f in result.findings],
                   "seconds": round(result.seconds, 3)})  # fmt: skip
        return
    o = result.overview
    click.echo(f"{result.table}: {result.rows:,} rows x {o['columns']} columns, {o['missing_cells']:,} missing cells, "
               f"{o['duplicate_rows']:,} duplicate rows ({result.seconds:.2f} s)")  # fmt: skip
    for skipped in o.get("skipped", []):
        names = skipped["columns"]
        click.echo(f"Not profiled in full: {len(names):,} columns ({names[0]} ... {names[-1]}): no {skipped['part']}. "
                   f"Why: {skipped['reason']}.")  # fmt: skip
    rows = []
    for c in result.columns:
        st = c.stats
        approx = "~" if "distinct" in c.approximate else ""
        rows.append((c.name, c.type, c.semantic, st.get("nulls", ""), f"{approx}{st.get('distinct', '')}",
                     _short(st.get("min")), _short(st.get("max"))))  # fmt: skip
    click.echo(text_table(["column", "type", "semantic", "nulls", "distinct", "min", "max"], rows))
    click.echo("")
    if not result.findings:
        click.echo("No dirty data found.")
    for f in result.findings:
        where = f.column if f.column is not None else "(table)"
        click.echo(f"[{f.severity}] {f.kind} in {where}: {f.message}")
        click.echo(f"    fix: {f.suggestion}")


def _short(value) -> str:
    return "" if value is None else str(value)


COMMANDS = [profile]
