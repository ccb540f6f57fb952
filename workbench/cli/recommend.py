"""`workbench recommend`: the evaluation board of recommenders on a ratings table, or one user's top k."""

from __future__ import annotations

import click

from workbench.cli.output import emit_json, progress_printer, text_table
from workbench.words import score
from workbench.workspace import Workspace

pass_ws = click.make_pass_decorator(Workspace)


@click.command("recommend")
@click.argument("table")
@click.option("--user", required=True, help="The column naming who rated.")
@click.option("--item", required=True, help="The column naming what was rated.")
@click.option("--rating", help="The column of ratings (stars); without it each row counts as a tasting or purchase.")
@click.option("--time", "time_column", help="The column saying when: each user's latest ratings are held out.")
@click.option("--title", help="A column naming the items (shown beside them).")
@click.option("--titles-from", "titles_from", help="Another table holding the item column and --title, joined to "
                                                   "name the items when TABLE holds only their ids.")  # fmt: skip
@click.option("--k", type=click.IntRange(1, 1000), default=10, show_default=True, help="Items per recommendation list.")
@click.option("--models", help="Comma-separated models (the baselines always run): for ratings global_mean, biases, "
                               "popularity, als, item_knn; without ratings popularity, item_knn, als.")  # fmt: skip
@click.option("--for", "who", help="Recommend for this user (their top k items, each with its because), with the first "
                                   "of --models, else the model a one-split board chooses.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@pass_ws
def recommend_command(ws: Workspace, table: str, user: str, item: str, rating: str | None,
                      time_column: str | None, title: str | None, titles_from: str | None, k: int,
                      models: str | None, who: str | None, as_json: bool) -> None:  # fmt: skip
    """Evaluate recommenders on TABLE's ratings beside baselines; or recommend for one user (--for)."""
    from workbench import recommend

    columns = {"user": user, "item": item, "rating": rating, "time": time_column, "title": title,
               "titles_from": titles_from}
    chosen = [m.strip() for m in models.split(",")] if models else None
    bar, update = progress_printer("Fitting")
    if who is not None:
        with bar:
            recs = recommend.for_user(ws, table, **columns, who=who, k=k,
                                      model=chosen[0] if chosen else None, on_progress=update)  # fmt: skip
        if as_json:
            emit_json(recs.as_dict())
            return
        click.echo(recs.method)
        shown = [c for c in ("rank", "item", "title", "score", "because") if c in recs.items.columns]
        rows = [[r[c] if c != "score" else f"{r[c]:.3f}" for c in shown] for r in recs.items.to_dict("records")]
        click.echo(text_table(shown, rows, max_width=120))
        return
    with bar:
        board = recommend.evaluate(ws, table, **columns, k=k, models=chosen, on_progress=update)
    if as_json:
        emit_json(board.as_dict())
        return
    click.echo(f"{board.kind} feedback on {table}: {board.split.header()}; best first")
    shown = board.table()
    labels = [m.replace("_at_k", f"@{k}") for m in board.metrics]
    rows = []
    for r in shown.to_dict("records"):
        cells = [score(r[m], r[f"{m}_std"]) for m in board.metrics]
        rows.append([r["model"], *cells, f"{r['fit_time']:.2f}", r["error"] or ""])
    click.echo(text_table(["model", *labels, "s/fold", "error"], rows))
    click.echo(board.verdict)
    for w in board.warnings:
        click.echo(f"warning: {w}", err=True)
    for note in board.notes:
        click.echo(f"note: {note}", err=True)


COMMANDS = [recommend_command]
