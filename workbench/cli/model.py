"""`workbench model` (a cross-validated leaderboard, or clusters) and `workbench predict` (predictions)."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.output import emit_json, progress_printer, text_table
from workbench.errors import WorkbenchError
from workbench.workspace import Workspace

pass_ws = click.make_pass_decorator(Workspace)


@click.command("model")
@click.argument("table")
@click.option("--target", help="The column to predict; without it, the rows are grouped into clusters.")
@click.option("--task", type=click.Choice(["binary", "multiclass", "regression"]), help="Override the detected task.")
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True, help="Cross-validation folds.")
@click.option("--models", help="Comma-separated models (default: all): dummy, linear, knn, random_forest, "
                               "hist_gradient_boosting.")  # fmt: skip
@click.option("--validation", type=click.Choice(["auto", "kfold", "time", "group"]), default="auto",
              show_default=True, help="How to validate: auto follows the data (time order, repeated entities, else "
              "shuffled folds); kfold shuffles; time validates on later rows; group keeps each entity on one side.")
@click.option("--time", "time_column", help="The column that orders the rows in time (a date, or an integer).")
@click.option("--group", help="Keep each value of this column within one fold (rows of one person, one shop...).")
@click.option("--gap", type=click.IntRange(0), default=0, show_default=True,
              help="Time folds: rows left out between the training rows and the validation block.")
@click.option("--test-size", type=click.IntRange(1), help="Time folds: rows per validation block.")
@click.option("--holdout/--no-holdout", default=None, help="Keep rows aside to score the chosen model again "
              "(default: from 2,000 rows).")
@click.option("--export-notebook", "notebook", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a Jupyter notebook reproducing the best model's validation and scores here.")
@click.option("--export-code", "script", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a Python script reproducing the best model's validation and scores here.")
@click.option("--text", help="Comma-separated free-text columns to use, each encoded by its words (TF-IDF reduced "
                             "by a truncated SVD); left out otherwise.")  # fmt: skip
@click.option("--save", "save_as", help="Fit the best model on every row and save it under this name.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@pass_ws
def model_command(ws: Workspace, table: str, target: str | None, task: str | None, folds: int, models: str | None,
                  validation: str, time_column: str | None, group: str | None, gap: int, test_size: int | None,
                  holdout: bool | None, notebook: Path | None, script: Path | None, text: str | None,
                  save_as: str | None, as_json: bool) -> None:  # fmt: skip
    """Fit baseline models on TABLE with cross-validation, beside a dummy; or find clusters (no --target)."""
    from workbench import model
    from workbench.model import explain
    from workbench.words import score

    bar, update = progress_printer("Fitting")
    if target is None:
        with bar:
            found = model.cluster(ws, table, on_progress=update)
        if as_json:
            emit_json(found.as_dict())
            return
        click.echo(f"{found.k} clusters ({found.method}), sizes: {found.sizes}")
        for k, s in found.silhouettes.items():
            click.echo(f"  k={k}: silhouette {s:.3f}")
        return
    chosen = [m.strip() for m in models.split(",")] if models else list(model.MODELS)
    with bar:
        board = model.run(ws, table, target, task=task, folds=folds, models=chosen, validation=validation,
                          time_column=time_column, group=group, gap=gap, test_size=test_size, holdout=holdout,
                          text_columns=[c.strip() for c in text.split(",")] if text else (), on_progress=update)
    saved = None
    if save_as:
        saved = model.save(ws, model.fit(board), save_as)
    exported = {}
    if script:
        script.write_text(explain.code(board, board.best().name, str(ws.db_path)), encoding="utf-8")
        exported["code"] = str(script)
    if notebook:
        notebook.write_text(explain.notebook(board, board.best().name, str(ws.db_path)), encoding="utf-8")
        exported["notebook"] = str(notebook)
    if as_json:
        emit_json({**board.as_dict(), "saved": saved, "exported": exported})
        return
    shown = board.table()
    rows = [[m, r["status"], *(score(r[k], r[f"{k}_std"]) for k in board.metrics), f"{r['fit_time']:.2f}"]
            for m, (_, r) in zip(shown["model"], shown.iterrows())]  # fmt: skip
    click.echo(f"{board.task.kind} on {board.table_name}: {board.header()}; best first by {board.leading}")
    click.echo(text_table(["model", "status", *board.metrics, "fit s"], rows))
    if board.forecasts:
        rows = [[r.title, *(score(r.mean(k), r.std(k)) for k in board.metrics)] for r in board.forecasts]
        click.echo("forecast baselines (judged apart):")
        click.echo(text_table(["baseline", *board.metrics], rows))
    for w in [*board.task.warnings, *board.features.warnings, *board.warnings]:
        click.echo(f"warning: {w.message}", err=True)
    for note in board.notes:
        click.echo(f"note: {note}", err=True)
    if saved:
        click.echo(f"saved {save_as} ({board.best().name}), sha256 {saved['sha256'][:12]}…", err=True)


@click.command("predict")
@click.argument("model_name")
@click.argument("table")
@click.option("--id", "id_column", help="The id column kept beside each prediction (needed for a submission).")
@click.option("--output", help="Name of the predictions table.")
@click.option("--submission", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a Kaggle submission CSV here, after checking it.")  # fmt: skip
@click.option("--sample", help="The sample_submission table whose header the file must match (default: the "
              "workspace's one table named like it).")  # fmt: skip
@click.option("--recipe", "recipe_of", metavar="FROM_TABLE",
              help="First clean TABLE with the recipe that made FROM_TABLE (the table the model was fitted on).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@pass_ws
def predict_command(ws: Workspace, model_name: str, table: str, id_column: str | None, output: str | None,
                    submission: Path | None, sample: str | None, recipe_of: str | None,
                    as_json: bool) -> None:  # fmt: skip
    """Predict TABLE with the saved model MODEL_NAME (see `workbench model --save`), into a new table."""
    from workbench import model
    from workbench.clean import recipe

    fitted = model.load(ws, model_name)  # before the recipe writes its table: a model that fails to load writes nothing
    source, gaps = table, []
    advice = None if recipe_of else model.recipe_advice(ws, fitted.trained_on, table, fitted.target)
    if advice:
        click.echo(f"warning: {advice} Pass --recipe {fitted.trained_on} to clean it first.", err=True)
    if recipe_of:
        replayed = recipe.replay(ws, recipe_of, table)
        source, gaps = replayed.table.name, replayed.gaps
        if not as_json:
            for gap in gaps:
                click.echo(f"gap: {gap}", err=True)
    made = model.predict(ws, fitted, source, name=output, id_column=id_column)
    problems: list[str] = []
    if submission:
        if not id_column:
            raise WorkbenchError("A submission needs the id column: pass --id.")
        sample = sample or model.sample_submission_table(ws, table)
        # every id of the table as given, even if a cleaning step dropped its row
        sub = model.submission(ws, made.name, table, id_column=id_column, sample_submission=sample)
        problems = sub.problems
        if sub.ok:
            sub.write(submission)
    if as_json:
        emit_json({"table": made.as_dict(), "cleaned": source if recipe_of else None, "gaps": gaps, "advice": advice,
                   "submission": str(submission) if submission and not problems else None,
                   "problems": problems})  # fmt: skip
    else:
        click.echo(f"{table} -> {source + ' -> ' if recipe_of else ''}{made.name}: {made.rows:,} predictions")
        if submission and not problems:
            click.echo(f"wrote {submission}")
    if problems:
        raise WorkbenchError("the submission was not written: " + "; ".join(problems))


COMMANDS = [model_command, predict_command]
