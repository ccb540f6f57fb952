"""Plain words for each metric and model, and the Python code that reproduces a model's cross-validation.

`code(board, model)` writes a script that imports nothing from the workbench:
it reads the same rows from the workspace's DuckDB file (the same SQL, so the
same sample), builds the same pipeline (printed from the very object the
leaderboard fitted, with scikit-learn's own estimator repr), and runs
`cross_validate` with the same folds and scorers, printing the mean of each
metric as JSON. Run on its own, it gives the leaderboard's scores.
"""

from __future__ import annotations

import inspect
import textwrap

from workbench.model import pipeline
from workbench.model.leaderboard import METRICS, Leaderboard, positive_label
from workbench.settings import MODEL_LIMITS
from workbench.words import score

METRIC_TEXT = {
    "accuracy": "The share of rows whose class is predicted right. Misleads when one class dominates: always "
                "guessing the big class already scores high, so compare it with the dummy and with balanced accuracy.",
    "balanced_accuracy": "The average, over classes, of the share of each class predicted right, so every class "
                         "counts the same whatever its size. Guessing scores 1 / (number of classes).",
    "f1": "The balance (harmonic mean) of precision (how many predicted positives are right) and recall (how many "
          "real positives are found); for several classes, the plain average over classes (macro). It ignores "
          "true negatives, so it depends on which class is called positive.",
    "roc_auc": "The chance that the model ranks a random positive above a random negative, from its predicted "
               "probabilities (one class against the rest, averaged, for several classes): 0.5 is guessing, 1 "
               "perfect. It judges the ranking, not the probabilities themselves nor any threshold.",
    "log_loss": "How surprised the model is by the true classes, from its predicted probabilities (lower is "
                "better). It punishes confident mistakes hard, so one overconfident error can dominate it.",
    "r2": "The share of the target's variance the model explains: 1 is perfect, 0 is no better than predicting "
          "the mean (the dummy), and below 0 the model is worse than the mean. It depends on how spread the "
          "target is in the rows tested, so it does not compare across datasets.",
    "mae": "The mean absolute error, in the target's own unit: the typical size of a miss. Every miss counts in "
           "proportion to its size, so a few large errors move it less than RMSE.",
    "rmse": "The root of the mean squared error, in the target's unit. Squaring makes large misses count more "
            "than in MAE; a big gap between RMSE and MAE means a few rows are badly predicted.",
    "mase": "The mean absolute error scaled by that of the seasonal naive forecast (the value one season earlier) "
            "on the training rows: below 1 the model beats repeating last season, above 1 it does worse. It "
            "compares across series of different sizes, unlike MAE.",
    "fit_time": "Seconds to fit the pipeline on one fold's training rows (preprocessing included), on capped threads.",
    "silhouette": "How much closer each row is to its own cluster than to the next one, from -1 to 1. It favours "
                  "round, well-separated clusters and can rank a wrong k high when clusters are elongated.",
}  # fmt: skip

MODEL_TEXT = {
    "dummy": "Ignores the features: predicts the most frequent class (with the class shares as probabilities) or "
             "the mean. Any model worth keeping must beat it clearly; if none does, the features lack the signal.",
    "linear": "Logistic regression for classes, ridge regression for numbers: a weighted sum of the (scaled) "
              "features. Fast and readable through its coefficients; it misses interactions and curved "
              "relationships unless the features encode them.",
    "knn": "Predicts from the 15 most similar training rows (distance on scaled features). No training to speak "
           "of, but slow to predict on large tables, and weak when many features are irrelevant or noisy.",
    "random_forest": "Many decision trees, each on a bootstrap sample of the rows and random subsets of the "
                     "features, voting together. Robust with little tuning and no scaling needed; large and slower "
                     "to predict, and its probabilities are often poorly calibrated.",
    "hist_gradient_boosting": "Trees fitted one after another, each correcting the previous ones' errors, on "
                              "binned features (fast on large tables, handles missing values). Usually the strongest "
                              "baseline on tables; it can overfit small data.",
    "kmeans": "Places k centres and assigns each row to the nearest one, moving the centres to their rows' mean "
              "until stable. Assumes round clusters of similar size; k must be chosen (the silhouette helps).",
    "gaussian_mixture": "Models the rows as drawn from k overlapping bell-shaped clouds, each with its own shape; "
                        "gives every row a probability per cluster. Lower BIC is better when comparing k.",
}  # fmt: skip

CHART_TEXT = {
    "precision_recall": "Each line is one held-out fold: as the model calls more rows positive (recall rises, more "
                        "real positives found), precision shows how many of those calls are right; the dotted line "
                        "is the share of positives, what a model without skill gets.",
    "calibration": "Rows grouped by their predicted probability: on the diagonal, a predicted 70% comes true 70% "
                   "of the time; below it the model is overconfident, above it underconfident.",
    "thresholds": "A row is called positive when its probability reaches the threshold: raising it makes fewer, "
                  "surer positive calls (precision up, recall down), lowering it finds more positives at the cost "
                  "of more false alarms.",
    "permutation_importance": "Each feature is shuffled on rows the model never saw, and the drop in the score "
                              "is how much the model relies on it (mean ± std over folds and shuffles); near "
                              "zero means unused, and two correlated features can each look unimportant.",
}  # fmt: skip


METRIC_NAMES = {"accuracy": "accuracy", "balanced_accuracy": "balanced accuracy", "f1": "F1", "roc_auc": "ROC AUC",
                "log_loss": "log loss", "r2": "R²", "mae": "MAE", "rmse": "RMSE", "mase": "MASE"}  # fmt: skip


def metric(name: str) -> str:
    return METRIC_TEXT[name]


def model(name: str) -> str:
    return MODEL_TEXT[name]


def warnings_for(board: Leaderboard, name: str) -> list[str]:
    """What in this model's scores could mislead a learner."""
    out = []
    result = board.result(name)
    if result.status != "done":
        return out
    if board.beats_dummy(name) is False and name != "dummy":
        out.append("No better than the dummy baseline (within one standard deviation): it has learned little.")
    if board.task.kind == "regression" and result.mean("r2") < 0:
        out.append("R² below zero: worse than always predicting the mean.")
    if board.task.is_classification and board.task.imbalanced:
        out.append("The classes are imbalanced: read balanced accuracy and F1, not accuracy.")
    return out


def _pformat(estimator) -> str:
    from sklearn.utils._pprint import _EstimatorPrettyPrinter

    printer = _EstimatorPrettyPrinter(compact=True, indent=1, indent_at_name=True, n_max_elements_to_show=None)
    return printer.pformat(estimator)


def code(board: Leaderboard, name: str, db_path: str) -> str:
    """A standalone Python script reproducing model `name`'s cross-validated scores on the board's rows: the same
    rows, the same validation (time order, groups, rows kept aside, cleaning refitted in the folds), the same
    scores, printed as JSON."""
    return "\n\n".join(text for _, text in sections(board, name, db_path)) + "\n"


def sections(board: Leaderboard, name: str, db_path: str) -> list[tuple[str, str]]:
    """The script of `code` as (what it does, its code) pieces: the cells of the notebook export."""
    from workbench.model import validation

    pipe = board.pipeline(name)
    val = board.validation
    cv = val.splitter(board.task.kind, board.folds, board.seed)
    signs = {m: sign for m, (_, sign) in METRICS[board.task.kind].items()}
    scorers = []
    for m, (scorer, _) in METRICS[board.task.kind].items():
        value = f"make_scorer(f1_score, pos_label={positive_label(board.task)!r})" if scorer == "f1" else repr(scorer)
        scorers.append(f"    {m!r}: {value},")
    ours = [pipeline.ColumnTypes, pipeline.DateParts, pipeline.Median, pipeline.TextEncoder, pipeline.RowCap,
            pipeline.target_values]
    if board.held is not None:
        ours.append(validation.holdout_split)
    if board.forecasting:
        ours.append(validation.mase_scale)
    helpers = "\n\n".join(textwrap.dedent(inspect.getsource(obj)) for obj in ours)
    groups = f"frame[{board.group!r}].to_numpy()" if board.group else "None"
    clean = "from workbench.clean.transformer import RecipeTransformer  # the Clean recipe, refitted in each fold\n" \
        if board.refit is not None and board.refit.steps else ""
    title = f"{board.result(name).title} on {board.table_name}"
    out = [("The imports", f'''"""{title}: the workbench's validation, standalone.

Reads the same rows, builds the same pipeline, and prints the mean of each metric over the same folds.
Validation: {board.header()}.
"""

import json

import duckdb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, MetaEstimatorMixin, TransformerMixin, clone, is_classifier
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import TruncatedSVD
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor, RandomForestClassifier,
                              RandomForestRegressor)
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import check_scoring, f1_score, make_scorer
from sklearn.model_selection import (GroupKFold, GroupShuffleSplit, KFold, StratifiedGroupKFold, StratifiedKFold,
                                     TimeSeriesSplit, cross_validate, train_test_split)
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler, TargetEncoder
from sklearn.utils import resample
from sklearn.utils.metaestimators import available_if
{clean}'''.rstrip()), ("The workbench's own pieces of the pipeline", helpers.rstrip())]
    read = [f"# The rows: {board.rows.note()}.",
            f"con = duckdb.connect({db_path!r}, read_only=True)",
            f"frame = con.execute({board.rows.sql!r}).df()",
            "con.close()"]
    if val.kind == "time":
        read.append(f"frame = frame.sort_values({val.column!r}, kind=\"stable\", na_position=\"first\", "
                    "ignore_index=True)  # time folds need the rows in time order")
    read += [f"X = frame[{list(board.X.columns)!r}]",
             f"y = target_values(frame[{board.task.target!r}], {board.task.kind!r})",
             f"groups = {groups}",
             "rows = np.arange(len(y))  # the rows the folds use"]
    if board.held is not None:
        read += [f"# {len(board.held):,} rows kept aside from the start, to score the chosen model on rows never "
                 "used to choose it",
                 f"held, rows = holdout_split({val.kind!r}, y, groups, {MODEL_LIMITS.holdout_share!r}, {board.seed!r}, "
                 f"{board.task.is_classification!r})"]
    out.append(("The rows", "\n".join(read)))
    out.append(("The pipeline", f"pipeline = {_pformat(pipe)}"))
    out.append((f"The validation: {val.header(board.folds)}", f"cv = {_pformat(cv)}"))
    body = [
        "scoring = {", *scorers, "}",
        "sub_groups = None if groups is None else groups[rows]",
        "scores = cross_validate(pipeline, X.iloc[rows], y[rows], groups=sub_groups, cv=cv, scoring=scoring"
        + (", return_estimator=True, return_indices=True)" if board.forecasting else ")"),
        f"signs = {signs!r}  # scikit-learn maximises scores: losses come negated",
        'result = {m: s * float(np.mean(scores["test_" + m])) for m, s in signs.items()}',
        'result["fit_time"] = float(np.mean(scores["fit_time"]))',
    ]
    if board.forecasting:
        keys = f"frame[{val.series!r}].astype(str).to_numpy()" if val.series else "np.zeros(len(y), dtype=int)"
        body += [
            f"# MASE: the mean absolute error over that of the seasonal naive forecast (season {val.season} rows) "
            "on the fold's training rows",
            f"keys = {keys}",
            "mase = []",
            'folds = zip(scores["estimator"], scores["indices"]["train"], scores["indices"]["test"])',
            "for fitted, train, test in folds:",
            "    train, test = rows[train], rows[test]",
            "    error = np.mean(np.abs(fitted.predict(X.iloc[test]) - y[test]))",
            f"    mase.append(error / mase_scale(y, keys, train, {val.season or 1}))",
            'result["mase"] = float(np.mean(mase))',
        ]
    if board.held is not None:
        body += [
            "# the model fitted on the folds' rows, scored on the rows kept aside",
            "fitted = clone(pipeline).fit(X.iloc[rows], y[rows])",
            'result["holdout"] = {m: s * check_scoring(fitted, scoring=scoring[m])(fitted, X.iloc[held], y[held])',
            "                     for m, s in signs.items()}",
        ]
    body.append("print(json.dumps(result))")
    out.append(("Cross-validate and print the mean of each metric", "\n".join(body)))
    return out


def notebook(board: Leaderboard, name: str, db_path: str) -> str:
    """`code` as a Jupyter notebook (JSON): a title and the validation explained, then one cell per piece; run,
    its last cell prints the board's scores."""
    import nbformat

    from workbench.model import validation

    val = board.validation
    why = [val.why]
    if board.refit is not None:
        why.append(validation.WHY["refit"])
    if board.held is not None:
        why.append(validation.WHY["holdout"])
    cells = [nbformat.v4.new_markdown_cell(
        f"# {board.result(name).title} on `{board.table_name}`\n\n"
        f"Predicts `{board.task.target}` ({board.task.kind}). Validation: **{board.header()}**.\n\n"
        + "\n\n".join(why)
        + f"\n\nThe workbench's board gave {METRIC_NAMES[board.leading]} "
          f"{score(board.result(name).mean(board.leading), board.result(name).std(board.leading))}; "
          "the last cell prints the same scores.")]
    for title, text in sections(board, name, db_path):
        cells.append(nbformat.v4.new_markdown_cell(f"## {title}"))
        cells.append(nbformat.v4.new_code_cell(text))
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                       "language": "python"}})
    return nbformat.writes(nb)
