"""Model: honest baselines beside a dummy, each explained; a model's view; predictions and a Kaggle submission."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages import _ui
from workbench import WorkbenchError, model
from workbench.clean import recipe
from workbench.model import explain, validation, versions
from workbench.model.predict import previous as previous_predictions
from workbench.profile import figures
from workbench.words import number, score

_ui.require_navigation()

BOARD_KEY = "_model_board"  # (table identity, Leaderboard, the settings it was fitted with)
CLUSTER_KEY = "_model_clusters"
VERSIONS_KEY = "_model_versions"
IMPORTANCE_KEY = "_model_importance"  # ((table identity, model), ranked features)
TITLE_WIDTH = 56  # characters per line of a chart's title: a chart is half the page wide
NO_TARGET = "(none: find clusters)"
AUTO = "detect"

ws = _ui.workspace()
model.warm_up()  # the fit workers' fork server imports scikit-learn in the background while a target is chosen
st.title("Model")
_ui.show_flashes()

info = _ui.current_info(ws, "Choose a table in the sidebar: the workbench fits baseline models on it, or finds "
                            "clusters.")
columns = list(ws.schema(info.name)["column"])
identity = (info.name, str(info.created_at))

# -- what to predict ---------------------------------------------------------------------------

left, mid, right = st.columns([2, 1, 1])
target = left.selectbox("Target: the column to predict", [NO_TARGET, *columns], key="model_target",
                        help="Leave it at 'none' to group the rows into clusters instead (no column to predict).")
kind = mid.selectbox("Task", [AUTO, *model.TASKS[:3]], key="model_task",
                     help="Detected from the target; override it when a number is really a class label.")
folds = right.number_input("Folds", min_value=2, max_value=20, value=5, key="model_folds",
                           help="Cross-validation: the rows are split into this many parts; each model is fitted "
                                "on all but one part and scored on the part it never saw, once per part.")


def _chart(slot, fig: go.Figure, key: str) -> None:
    """Draw `fig` with its title wrapped above a top margin as tall as its lines (plotly cuts a long title)."""
    text = figures.wrap(fig.layout.title.text or "", TITLE_WIDTH)
    fig.update_layout(title_text=text, margin={"t": 26 + figures.TITLE_LINE_PX * (text.count("<br>") + 1)})
    slot.plotly_chart(fig, key=key)


# -- clustering --------------------------------------------------------------------------------

if target == NO_TARGET:
    st.caption("No target: the workbench groups similar rows (KMeans for k = 2..8, scored by the silhouette, "
               "beside a Gaussian mixture). " + explain.METRIC_TEXT["silhouette"])
    method = st.radio("Method", ["kmeans", "gaussian_mixture"], horizontal=True, key="cluster_method",
                      help=explain.MODEL_TEXT["kmeans"] + " " + explain.MODEL_TEXT["gaussian_mixture"])
    if st.button("Find clusters", key="run_clusters", type="primary"):
        found = _ui.progress_run("Clustering", lambda p: model.cluster(ws, info.name, method=method, on_progress=p))
        if found is not None:
            st.session_state[CLUSTER_KEY] = (identity, found)
    kept = st.session_state.get(CLUSTER_KEY)
    if kept and kept[0] == identity:
        found = kept[1]
        for note in found.notes:
            st.info(_ui.md(note))
        a, b = st.columns(2)
        sil = pd.DataFrame({"k": list(found.silhouettes), "silhouette": list(found.silhouettes.values())})
        _chart(a, go.Figure(go.Scatter(x=sil["k"], y=sil["silhouette"], mode="lines+markers")).update_layout(
            title="Silhouette by number of clusters (higher is better)", xaxis_title="k", yaxis_title="silhouette",
            height=320), key="silhouettes")  # fmt: skip
        proj = found.projection
        _chart(b, go.Figure(go.Scatter(x=proj["pc1"], y=proj["pc2"], mode="markers",
                                            marker={"color": proj["cluster"], "colorscale": "Viridis"})).update_layout(
            title=f"The rows on their two main directions (PCA), coloured by cluster (k = {found.k})",
            xaxis_title="PC1", yaxis_title="PC2", height=320), key="pca")  # fmt: skip
        for c in sorted(found.sizes):
            st.markdown(f"**Cluster {c}**: {found.sizes[c]:,} rows; what sets it apart (standardized mean "
                        "difference: how many standard deviations its mean is from the overall mean):")
            st.dataframe(found.top_features(c).drop(columns="cluster"), hide_index=True, key=f"profile_{c}")
        if st.button("Write the labels as a new table", key="write_labels"):
            made = model.write_labels(ws, found)
            _ui.flash("success", f"Wrote {_ui.md(made.name)}: {_ui.md(info.name)} with a cluster column.")
            _ui.select_table(made.name)
            st.rerun()
    st.stop()

# -- the task and the features -------------------------------------------------------------------

VALIDATIONS = {"auto": "follow the data (detect)", "kfold": "shuffled folds", "time": "in time order",
               "group": "grouped by an entity"}  # fmt: skip
v1, v2, v3, v4 = st.columns(4)
how = v1.selectbox("Validation", list(VALIDATIONS), format_func=VALIDATIONS.get, key="model_validation",
                   help="How the rows are split into folds. Detected: time order when a date orders the rows, "
                        "grouped folds when a column repeats an entity whose rows look alike, else shuffled.")
time_column = v2.selectbox("Time column", columns, index=None, key="model_time", placeholder="detected",
                           disabled=how not in ("auto", "time"),
                           help="The date (or integer counting time) that orders the rows.")  # fmt: skip
group_column = v3.selectbox("Group column", columns, index=None, key="model_group", placeholder="detected",
                            disabled=how not in ("auto", "group"),
                            help="An entity in several rows (a patient, a customer, a store): each stays on one "
                                 "side of every fold.")  # fmt: skip
gap = int(v4.number_input("Gap (rows)", min_value=0, value=0, key="model_gap", disabled=how not in ("auto", "time"),
                          help="Time folds: rows left out between the training rows and the validation block, "
                               "for a forecast made that many rows ahead."))  # fmt: skip
options = {"kind": how, "time": time_column if how in ("auto", "time") else None,
           "group": group_column if how in ("auto", "group") else None, "gap": gap}  # fmt: skip
try:
    task = model.detect(ws, info.name, target, task=None if kind == AUTO else kind, folds=folds)
    val = validation.detect(ws, info.name, task, folds=task.folds, **options)
    in_time = val.column if val.kind == "time" else val.detected_column if val.detected == "time" else None
    feats = model.suggest(ws, info.name, task, group=val.column if val.kind == "group" else None, time=in_time)
except WorkbenchError as exc:
    st.error(_ui.md(exc))
    st.stop()
st.info(f"**Validation: {_ui.md(val.header(task.folds))}.** {_ui.md(val.why)}")
classes = f", {len(task.classes)} classes" if task.is_classification else ""
st.markdown(f"**Task: {task.kind}**{classes} · {task.rows:,} rows with a target"
            + (f" · {task.missing_target:,} rows without one are left out" if task.missing_target else ""))
for w in task.warnings + feats.warnings:
    st.warning(_ui.md(w.message))
if task.refusal:  # said before any fit, with the numbers, instead of a board of failures
    st.error(_ui.md(task.refusal))
    st.stop()
with st.expander(f"Features: {len(feats.used)} used, {len(feats.excluded)} left out", key="model_features"):
    st.caption("Every column but the target is a candidate; these are left out, each with its reason.")
    st.dataframe(pd.DataFrame({"column": list(feats.excluded), "why it is left out": list(feats.excluded.values())}),
                 hide_index=True, key="excluded")  # fmt: skip
    chosen = st.multiselect("Features to use", [c for c in columns if c != target], default=feats.used,
                            key="model_features_chosen")  # fmt: skip
    free_text = feats.free_text
    text_columns = st.multiselect(
        "Free-text columns to encode by their words", free_text, key="model_text_columns",
        help="Each chosen column becomes a few dozen numbers: the TF-IDF weights of its most frequent words (rare "
             "words weigh more) reduced by a truncated SVD to the directions along which the texts differ most. "
             "Learnt inside each fold, like every other encoding.") if free_text else []  # fmt: skip

models = st.multiselect("Models", list(model.MODELS), default=list(model.MODELS), key="model_models",
                        format_func=lambda m: model.MODELS[m].title,
                        help="The dummy baseline is always worth keeping: a model must beat it to mean anything.")
# a board belongs to its table, target and settings: change one and it goes
settings = (target, kind, int(folds), tuple(models), tuple(chosen), tuple(text_columns), tuple(options.items()))
if st.button("Fit the leaderboard", key="run_board", type="primary"):
    st.session_state.pop(BOARD_KEY, None)  # a Cancel leaves no board behind, not the previous one
    board = _ui.progress_run("Cross-validating", lambda p: model.run(
        ws, info.name, target, task=None if kind == AUTO else kind, folds=folds, models=models,
        feature_columns=chosen if set(chosen) != set(feats.used) else None, text_columns=text_columns,
        validation=how, time_column=options["time"], group=options["group"], gap=gap, on_progress=p))  # fmt: skip
    if board is not None:
        st.session_state[BOARD_KEY] = (identity, board, settings)

kept = st.session_state.get(BOARD_KEY)
if kept and (kept[0], kept[2]) != (identity, settings):
    del st.session_state[BOARD_KEY]
    kept = None
if not kept:
    st.stop()
board = kept[1]

# -- the leaderboard -----------------------------------------------------------------------------

st.subheader("Leaderboard")
st.markdown(f"**Validated with {_ui.md(board.header())}.**")
for w in board.warnings:
    st.warning(_ui.md(w.message))
explained = [board.validation.why]
if board.refit is not None:
    explained.append(validation.WHY["refit"])
if board.held is not None:
    explained.append(validation.WHY["holdout"])
st.caption(_ui.md(" ".join(explained)))
for note in board.notes:
    st.caption(_ui.md(note))
if board.validation.kind == "time":
    picture = validation.fold_picture(board.validation, board.times, board.splits)
    colours = {"training": "#4c78a8", "gap": "#bbbbbb", "validation": "#f58518"}
    fig = go.Figure()
    for part, rows in picture.groupby("part", sort=False):
        start, end = pd.to_datetime(rows["start"]), pd.to_datetime(rows["end"])
        fig.add_bar(y=[f"fold {f}" for f in rows["fold"]], x=(end - start).dt.total_seconds() * 1000, base=start,
                    orientation="h", name=part, marker_color=colours[part],
                    customdata=rows["rows"], hovertemplate="%{customdata} rows<extra>" + part + "</extra>")
    fig.update_layout(barmode="overlay", xaxis_type="date", yaxis_autorange="reversed", height=80 + 40 * board.folds,
                      title=f"The folds along {board.validation.column}: each fits on the training block and "
                            "validates on the block after it")  # fmt: skip
    _chart(st, fig, key="fold_picture")
shown = board.table()
view = pd.DataFrame({"model": [model.MODELS[m].title for m in shown["model"]], "status": shown["status"]})
for m in board.metrics:
    view[m] = [score(a, s) for a, s in zip(shown[m], shown[f"{m}_std"])]
view["fit time (s)"] = [f"{t:.2f}" if t == t else "" for t in shown["fit_time"]]
view["beats the dummy"] = [{True: "yes", False: "no", None: ""}[board.beats_dummy(m)] for m in shown["model"]]
if (shown["status"] != "done").any():
    view["why it did not finish"] = [board.result(m).error or "" for m in shown["model"]]
st.dataframe(view, hide_index=True, key="leaderboard",
             column_config={m: st.column_config.TextColumn(m, help=explain.METRIC_TEXT[m]) for m in board.metrics})
st.caption(f"Mean ± standard deviation over {board.folds} folds, best first by {board.leading}. "
           "Hover a column name for what it measures.")  # fmt: skip
if board.forecasts:
    st.markdown("**Forecast baselines**, judged apart: they use the target's own past, the models only the "
                "features. " + ("One step ahead: each validation row is forecast from the actual values before it."
                                if board.validation.gap == 0 else "Beyond the gap they repeat the last values "
                                "fitted."))  # fmt: skip
    baselines = pd.DataFrame({"baseline": [r.title for r in board.forecasts],
                              "forecasts": [validation.FORECASTS[r.name][1] for r in board.forecasts]})
    for m in board.metrics:
        baselines[m] = [score(r.mean(m), r.std(m)) for r in board.forecasts]
    st.dataframe(baselines, hide_index=True, key="forecasts")
    st.caption(f"Season: {board.validation.season} rows. " + explain.METRIC_TEXT["mase"])

# -- one model, opened ---------------------------------------------------------------------------

done = [r.name for r in board.ranked()]
if not done:
    st.stop()
name = st.selectbox("Open a model", done, key="model_open", format_func=lambda m: model.MODELS[m].title)
result = board.result(name)
st.caption(_ui.md(explain.MODEL_TEXT[name]))
for w in explain.warnings_for(board, name):
    st.warning(_ui.md(w))
oof = result.oof
charts = st.columns(2)
if board.task.is_classification:
    labels = sorted(pd.unique(oof["actual"]), key=str)
    matrix = pd.crosstab(oof["actual"], oof["predicted"]).reindex(index=labels, columns=labels, fill_value=0)
    _chart(charts[0], go.Figure(go.Heatmap(z=matrix.values, x=[str(c) for c in labels],
                                                y=[str(c) for c in labels], text=matrix.values,
                                                texttemplate="%{text}", colorscale="Blues")).update_layout(
        title="Confusion matrix (rows: actual, columns: predicted), every row predicted by a model that never saw it",
        xaxis_title="predicted", yaxis_title="actual", height=380), key="confusion")  # fmt: skip
    proba = [c for c in oof.columns if c.startswith("proba_")]
    if proba:
        from sklearn.metrics import roc_curve

        fig = go.Figure()
        # a binary task draws its positive class (Yes, True, 1, else the smaller class); several classes draw each
        drawn = [f"proba_{model.positive_label(board.task)}"] if board.task.kind == "binary" else proba
        for col in drawn:
            label = col.removeprefix("proba_")
            positive = (oof["actual"].astype(str) == label).to_numpy()
            if col not in oof.columns or positive.all() or not positive.any():
                continue
            fpr, tpr, _ = roc_curve(positive, oof[col].to_numpy())
            fig.add_scatter(x=fpr, y=tpr, mode="lines", name=f"{label} against the rest")
        fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="guessing", line={"dash": "dot"})
        _chart(charts[1], fig.update_layout(title="ROC curve on held-out folds", xaxis_title="false positive rate",
                                                 yaxis_title="true positive rate", height=380), key="roc")  # fmt: skip
else:
    actual, predicted = oof["actual"].to_numpy(float), oof["predicted"].to_numpy(float)
    low, high = float(np.nanmin(actual)), float(np.nanmax(actual))
    fig = go.Figure([go.Scatter(x=actual, y=predicted, mode="markers", name="rows", opacity=0.5),
                     go.Scatter(x=[low, high], y=[low, high], mode="lines", name="perfect", line={"dash": "dot"})])
    _chart(charts[0], fig.update_layout(title="Predicted against actual (held-out folds)", xaxis_title="actual",
                                             yaxis_title="predicted", height=380), key="predicted_actual")  # fmt: skip
    _chart(charts[1], go.Figure(go.Histogram(x=predicted - actual)).update_layout(
        title="Residuals: predicted minus actual", xaxis_title="residual", yaxis_title="rows", height=380),
        key="residuals")  # fmt: skip
if board.task.kind == "binary" and any(c.startswith("proba_") for c in oof.columns):
    curves = model.diagnostics.precision_recall(board, name)
    fig = go.Figure()
    for fold, curve in curves.curves.groupby("fold"):
        fig.add_scatter(x=curve["recall"], y=curve["precision"], mode="lines", name=f"fold {fold + 1}")
    fig.add_hline(y=curves.base_rate, line_dash="dot", annotation_text="no skill")
    charts = st.columns(2)
    _chart(charts[0], fig.update_layout(
        title=f"Precision-recall on held-out folds (average precision {curves.mean:.3f} ± {curves.std:.3f})",
        xaxis_title="recall", yaxis_title="precision", height=380), key="precision_recall")  # fmt: skip
    charts[0].caption(model.CHART_TEXT["precision_recall"])
    points = model.diagnostics.calibration(board, name)
    _chart(charts[1], go.Figure([
        go.Scatter(x=points["predicted"], y=points["observed"], mode="lines+markers", name="model"),
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated", line={"dash": "dot"})]).update_layout(
        title="Calibration (held-out folds)", xaxis_title="predicted probability", yaxis_title="observed share",
        height=380), key="calibration")  # fmt: skip
    charts[1].caption(model.CHART_TEXT["calibration"])
    view = model.diagnostics.thresholds(board, name)
    frame = view.frame
    _chart(st, go.Figure([go.Scatter(x=frame["threshold"], y=frame[m], mode="lines", name=m)
                               for m in ("precision", "recall", "f1")]).add_vline(
        x=view.best, line_dash="dot", annotation_text="best F1").update_layout(
        title="Decision threshold (held-out folds)", xaxis_title="threshold on the predicted probability",
        height=340), key="thresholds")  # fmt: skip
    best = view.best_row
    st.markdown(f"The threshold that maximises F1 is **{view.best:.3f}**: F1 {view.best_f1:.3f} (precision "
                f"{best['precision']:.3f}, recall {best['recall']:.3f}), against F1 {view.default_f1:.3f} at the "
                "usual 0.5.")  # fmt: skip
    st.caption(model.CHART_TEXT["thresholds"])
    kept_aside = model.diagnostics.holdout_threshold(board) if board.holdout and board.holdout["model"] == name \
        else None
    if kept_aside:
        st.markdown(f"On the {board.holdout['rows']:,} rows kept aside, never used to choose the model or the "
                    f"threshold, F1 at {kept_aside['threshold']:.3f} is **{kept_aside['f1_held']:.3f}** (against "
                    f"{kept_aside['f1_folds']:.3f} on the folds that chose it).")  # fmt: skip
importance_key = (identity, name)
if st.button("Compute permutation importance", key="run_importance",
             help="Refits the model on each fold and shuffles each feature on the rows it never saw."):
    ranked = _ui.progress_run("Permutation importance",
                           lambda p: model.diagnostics.permutation_importance(board, name, on_progress=p))
    if ranked is not None:
        st.session_state[IMPORTANCE_KEY] = (importance_key, ranked)
kept = st.session_state.get(IMPORTANCE_KEY)
if kept and kept[0] == importance_key:
    top = kept[1].head(15).iloc[::-1]  # largest at the top of the bars
    _chart(st, go.Figure(go.Bar(x=top["mean"], y=top["feature"], orientation="h",
                                     error_x={"type": "data", "array": top["std"]})).update_layout(
        title=f"Permutation importance: drop in {board.leading} when the feature is shuffled (top 15)",
        xaxis_title=f"drop in {board.leading}", height=420), key="importance")  # fmt: skip
    st.caption(model.CHART_TEXT["permutation_importance"])
with st.expander("The pipeline and its hyperparameters", key="model_pipeline"):
    st.html(board.pipeline(name)._repr_html_())
with st.expander("Python code that reproduces these scores", key="model_code"):
    st.code(model.code(board, name, str(ws.db_path)), language="python")
    st.download_button("Download as a notebook", explain.notebook(board, name, str(ws.db_path)),
                       file_name=f"{info.name}_{name}.ipynb", mime="application/x-ipynb+json", key="model_notebook",
                       help="The same code in cells, with the validation explained: run it in Jupyter and its last "
                            "cell prints the board's scores.")  # fmt: skip

# -- did cleaning help? -----------------------------------------------------------------------------

made = recipe.recipe(ws, info.name)
if made.steps:
    st.subheader("Did cleaning help?")
    st.caption(f"The same leaderboard on each version from {made.root} to {info.name}: the best score per version "
               "shows which step helped the model and which did not.")  # fmt: skip
    if st.button("Compare the versions", key="compare_versions",
                 help="Scores the best model of the board (beside the dummy) on each version; stops on Cancel."):
        found = _ui.progress_run("Comparing the versions", lambda p: versions.compare(ws, board, on_progress=p))
        if found is not None:
            shown = pd.DataFrame({"version": found.frame["version"], "step": found.frame["step"],
                                  "model": found.frame["model"],
                                  board.leading: [score(a, s) or f"not fitted: {e}" for a, s, e in
                                                  zip(found.frame["mean"], found.frame["std"], found.frame["error"])]})
            st.session_state[VERSIONS_KEY] = ((identity, settings), shown, found.notes)
    compared = st.session_state.get(VERSIONS_KEY)
    if compared and compared[0] == (identity, settings):
        st.dataframe(compared[1], hide_index=True, key="versions")
        for note in compared[2]:
            st.caption(_ui.md(note))

# -- predict and submit ---------------------------------------------------------------------------

st.subheader("Predict and submit")
others = [t.name for t in ws.tables() if t.name != info.name]
a, b, c = st.columns(3)


def _propose_sample() -> None:
    """The sample submission of the competition the table to predict comes from, proposed when it is picked."""
    found = model.sample_submission_table(ws, st.session_state.predict_on)
    st.session_state.predict_sample = found if found in others else None


on = a.selectbox("Predict on", others, index=None, key="predict_on", placeholder="a table with the same features",
                 on_change=_propose_sample)
id_column = b.selectbox("Id column", columns, index=None, key="predict_id", help="Kept beside each prediction.")
suggested = None if "predict_sample" in st.session_state else model.sample_submission_table(ws, on)
sample = c.selectbox("Sample submission", others, index=others.index(suggested) if suggested in others else None,
                     key="predict_sample",
                     help="Kaggle's sample_submission table: the file's header must match it.")
# a raw table with the columns the recipe started from is cleaned first unless the user says otherwise
advice = model.recipe_advice(ws, info.name, on, target) if on and made.steps else None
replay_first = bool(made.steps) and on is not None and st.checkbox(
    f"Clean it first with the recipe of {info.name}", value=advice is not None, key=f"predict_replay:{on}",
    help="Replays the fitted cleaning steps (never refits them) on the table, as they cleaned the training rows.")
if advice:
    (st.caption if replay_first else st.warning)(_ui.md(advice))
best = board.best().name
candidates = [best, *(m for m in done if m != best)]
chosen_model = st.selectbox("Model to predict with", candidates, key="predict_model",
                            format_func=lambda m: model.MODELS[m].title + (" (the best)" if m == best else ""),
                            help="The best model of the leaderboard unless you pick another.")  # fmt: skip
said = f"{explain.METRIC_NAMES[board.leading]} {number(board.result(chosen_model).mean(board.leading))}"
if chosen_model == best:
    label = f"Fit {model.MODELS[best].spoken} (the best, {said}) on every row and predict"
else:
    label = (f"Fit {model.MODELS[chosen_model].spoken} ({said}; the best is {model.MODELS[best].spoken}) on "
             "every row and predict")
earlier = previous_predictions(ws, chosen_model, target, on) if on and not replay_first else None
replace = earlier is not None and st.checkbox(
    f"Replace {earlier}, the earlier predictions of this model on {on}", value=True, key="predict_replace",
    help="Unticked, the new predictions go to a new table beside it.")
if st.button(label, key="predict", disabled=on is None):
    try:
        source = on
        if replay_first:
            replayed = recipe.replay(ws, info.name, on)
            source = replayed.table.name
            for gap in replayed.gaps:
                st.warning(_ui.md(gap))
        fitted = model.fit(board, chosen_model)
        predictions = model.predict(ws, fitted, source, id_column=id_column, replace=earlier if replace else None)
        st.success(f"Wrote {_ui.md(predictions.name)} ({predictions.rows:,} rows) with "
                   f"{model.MODELS[chosen_model].spoken}.")
        if id_column:
            # every id of the table chosen, even if a cleaning step dropped its row
            sub = model.submission(ws, predictions.name, on, id_column=id_column, sample_submission=sample)
            for problem in sub.problems:
                st.error(_ui.md(problem))
            if sub.ok:
                st.download_button("Download the submission CSV", sub.csv(), file_name="submission.csv",
                                   mime="text/csv", key="submission")  # fmt: skip
    except WorkbenchError as exc:
        st.error(_ui.md(exc))
