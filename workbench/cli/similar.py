"""The `similar` command: the rows of a table nearest to reference rows, each distance explained per column."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.basic import pass_ws
from workbench.cli.output import emit_json, json_safe, progress_printer, text_table
from workbench.errors import WorkbenchError
from workbench.workspace import Workspace


def _top(parts: dict[str, float], n: int = 3) -> str:
    best = sorted(parts.items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{c} {v:.2g}" for c, v in best if v > 0)


@click.command()
@click.argument("table")
@click.option("--to", "to", multiple=True, required=True,
              help="The id of a reference row (repeat for several: each row's distance is to its nearest).")
@click.option("--id", "id_column", help="The column holding the ids (default: row numbers, from 1).")
@click.option("--columns", help="Comma-separated columns to compare (default: every number and category).")
@click.option("--exclude", help="Comma-separated columns to leave out of the default ones.")
@click.option("--k", type=int, default=10, show_default=True, help="How many neighbours.")
@click.option("--where", help="Only rows meeting this condition are ranked, e.g. \"price < 30\".")
@click.option("--scaling", type=click.Choice(["zscore", "robust"]), default="zscore", show_default=True,
              help="How numbers are put on one scale (robust: median and interquartile range).")
@click.option("--categorical", type=click.Choice(["auto", "gower", "onehot"]), default="auto", show_default=True,
              help="Distance on categories: Gower (mismatch), one-hot, or auto (Gower when there are categories).")
@click.option("--weight", "weight", multiple=True, help="COLUMN=W: the column's part of the distance counts W times.")
@click.option("--save", "save_as", help="Save the neighbours as a new table of this name (with lineage).")
@click.option("--export-code", type=click.Path(dir_okay=False),
              help="Write a Python script reproducing the neighbours with scikit-learn.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON document.")
@pass_ws
def similar(ws: Workspace, table: str, to: tuple[str, ...], id_column: str | None, columns: str | None,
            exclude: str | None, k: int, where: str | None, scaling: str, categorical: str,
            weight: tuple[str, ...], save_as: str | None, export_code: str | None, as_json: bool) -> None:
    """Find the rows of TABLE most like the reference rows (--to), each distance split per column."""
    from workbench import similar as sim

    if columns and exclude:
        raise WorkbenchError("Give either --columns or --exclude, not both.")
    bar, update = progress_printer("Finding neighbours")
    with bar:
        result = sim.find(ws, table, list(to), id_column=id_column, columns=columns, exclude=exclude or (),
                          weights=sim.weights(weight), k=k, where=where, scaling=scaling, categorical=categorical,
                          on_progress=update)  # fmt: skip
    script = sim.code(result, ws.db_path) if export_code else None
    document = result.as_dict()
    if save_as:
        document["saved"] = sim.save(ws, result, save_as).name
    if script is not None:
        Path(export_code).write_text(script, encoding="utf-8")
        document["code"] = str(export_code)
    if as_json:
        emit_json(json_safe(document))
        return
    rows = [[n["rank"], n["id"], f"{n['distance']:.4g}", n["reference"], _top(n["contributions"])]
            for n in document["neighbours"]]  # fmt: skip
    click.echo(text_table(["rank", "id", "distance", "reference", "largest parts of the distance"], rows,
                          max_width=60))  # fmt: skip
    click.echo("")
    click.echo(f"Compared on {len(result.columns)} columns ({result.metric} distance): {', '.join(result.columns)}")
    for col, why in result.left_out.items():
        click.echo(f"left out {col}: {why}")
    for note in result.notes:
        click.echo(note)
    if save_as:
        click.echo(f"new table: {document['saved']}")
    if script is not None:
        click.echo(f"code written to {export_code}")


COMMANDS = [similar]
