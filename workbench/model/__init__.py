"""Model: honest scikit-learn baselines, cross-validated beside a dummy, explained, and carried to a submission.

    from workbench import Workspace, model
    ws = Workspace("data")
    task = model.detect(ws, "train", "Survived")          # binary / multiclass / regression, with warnings
    feats = model.suggest(ws, "train", task)              # features kept, and why each other column is left out
    board = model.run(ws, "train", "Survived", on_progress=print, cancel=event)   # the leaderboard
    board.table()                                         # mean and std of each metric and fit time, best first
    print(model.code(board, board.best().name, str(ws.db_path)))   # standalone code giving the same scores
    fitted = model.fit(board)                             # the best model on all the board's rows
    model.save(ws, fitted, "titanic_best")                # skops + SHA-256 + versions, recorded
    fitted = model.load(ws, "titanic_best")               # refused if the file changed or holds untrusted types
    made = model.predict(ws, fitted, "test", id_column="PassengerId")   # a predictions table with lineage
    sub = model.submission(ws, made.name, "test", id_column="PassengerId", sample_submission="gender_submission")
    sub.write("submission.csv")                           # refused while a check fails (sub.problems)

    found = model.cluster(ws, "wines")                    # KMeans over k (silhouette), Gaussian mixture, profile, PCA
    model.write_labels(ws, found)                         # the table plus a `cluster` column, with lineage

    diagnostics.thresholds(board, "linear")               # precision-recall, calibration, thresholds, importance

Modules: task (detection), features (suggestion, leaks), pipeline (the Pipeline),
leaderboard (cross-validation in worker processes), clustering, persist (skops),
predict (predictions, submission), versions (did cleaning help?), explain (words and code), diagnostics (an
opened model's curves and permutation importance). No Streamlit here.
"""

from workbench.model import diagnostics
from workbench.model.clustering import Clustering, write_labels
from workbench.model.clustering import run as cluster
from workbench.model.explain import CHART_TEXT, METRIC_TEXT, MODEL_TEXT, code
from workbench.model.features import Features, suggest
from workbench.model.leaderboard import Leaderboard, ModelResult, fit, positive_label, run
from workbench.model.persist import TRUSTED_TYPES, FittedModel, load, save, saved_models
from workbench.model.pipeline import MODELS, build
from workbench.model.predict import (
                                     Submission,
                                     check_submission,
                                     predict,
                                     recipe_advice,
                                     sample_submission_table,
                                     submission,
)
from workbench.model.task import TASKS, Task, detect
from workbench.model.worker import warm_up

__all__ = ["CHART_TEXT", "METRIC_TEXT", "MODELS", "MODEL_TEXT", "TASKS", "TRUSTED_TYPES", "Clustering", "Features",
           "FittedModel", "Leaderboard", "ModelResult", "Submission", "Task", "build", "check_submission", "cluster",
           "code", "detect", "diagnostics", "fit", "load", "positive_label", "predict", "recipe_advice", "run",
           "sample_submission_table", "save", "saved_models", "submission", "suggest", "warm_up",
           "write_labels"]  # fmt: skip
