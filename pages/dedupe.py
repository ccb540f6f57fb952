"""Dedupe: find records that describe the same entity, review, merge; or link two tables."""

import pandas as pd
import streamlit as st

from pages import _ui
from workbench import WorkbenchError
from workbench.dedupe import active, cluster, engine, explain, merge
from workbench.dedupe.normalise import suggest

_ui.require_navigation()

RUN = "dd_run"
UNSURE = "dd_unsure_patterns"

ws = _ui.workspace()
st.title("Dedupe")
st.caption("Find records that describe the same entity even when spelled differently, see why each pair "
           "matched, teach the model with a few answers, then merge them (or link two tables).")  # fmt: skip
_ui.show_flashes()
names = sorted(t.name for t in ws.tables())
if not names:
    st.info("No tables yet: import one on the Data page.")
    st.stop()

# -- what to compare -----------------------------------------------------------------

link_mode = st.toggle("Link two tables (fuzzy join)", key="dd_link")
current = _ui.current_table()
left = st.selectbox("Table" if not link_mode else "Left table", names,
                    index=names.index(current) if current in names else 0, key="dd_table")  # fmt: skip
right = st.selectbox("Right table", [n for n in names if n != left], key="dd_right") if link_mode else None


@st.cache_data(show_spinner=False, max_entries=32)
def _suggested(home: str, table: str) -> list[str]:
    return suggest(ws, table)


columns_of = list(ws.schema(left)["column"])
if right:
    right_columns = set(ws.schema(right)["column"])
    columns_of = [c for c in columns_of if c in right_columns]
suggested = [c for c in _suggested(str(ws.home), left) if c in columns_of]
if st.session_state.get("dd_columns_for") != (left, right):  # new table: start from the suggestion
    st.session_state["dd_columns"] = suggested
    st.session_state["dd_columns_for"] = (left, right)
chosen = st.multiselect("Columns that describe the entity", columns_of, key="dd_columns",
                        help="Suggested: every column except identifiers, constants, empty and long free text.",
                        )  # fmt: skip
with st.expander("Blocking rules (which pairs are compared)"):
    st.caption("One rule per line, like `surname & given_name:3` (whole surname and the first 3 letters of the "
               "given name). Leave empty to use rules suggested from the data.")  # fmt: skip
    rules_text = st.text_area("Rules", key="dd_rules", label_visibility="collapsed")

if st.button("Find matches", type="primary", disabled=not chosen or (link_mode and not right), key="dd_start"):
    old = st.session_state.pop(RUN, None)
    if old is not None:
        engine.drop(ws, old)
    bar = st.progress(0.0, text="Starting…")
    try:
        with _ui.cancel_button(key="dd_cancel", help="Stops the run; nothing is kept."):
            run = engine.start(ws, left, chosen, right=right, rules=[r for r in rules_text.splitlines() if r.strip()],
                               on_progress=lambda done, label: bar.progress(done, text=f"{label}…"))  # fmt: skip
    except WorkbenchError as exc:
        st.error(_ui.md(exc))
    else:
        st.session_state[RUN] = run
        st.session_state[UNSURE] = set()
    bar.empty()



def _then_model() -> None:
    _ui.next_step("pages/model.py", "Model: fit baseline models on the deduplicated table")


run: engine.Run | None = st.session_state.get(RUN)
if run is None or (run.table, run.right) != (left, right):
    _then_model()
    st.stop()

# -- scores --------------------------------------------------------------------------

st.subheader("Match probabilities")
a, b, c = st.columns(3)
a.metric("Records", f"{run.n_records:,}")
b.metric("Pairs compared", f"{run.pairs_scored:,}")
all_pairs = run.n_records * (run.n_records - 1) // 2
c.metric("Share of all pairs", f"{run.pairs_scored / max(all_pairs, 1):.3%}")
st.dataframe(pd.DataFrame({"blocking rule": list(run.comparisons), "pairs it added": list(run.comparisons.values())}),
             hide_index=True, column_config={"blocking rule": st.column_config.TextColumn(
                 "blocking rule", help="Only pairs that agree on a rule's keys (e.g. the same surname, or the "
                                       "first 3 letters of a name) are compared: that is what keeps a million "
                                       "records from meaning a trillion pairs.")})  # fmt: skip
hist = engine.histogram(run)
hist["band"] = [f"{lo:.2f}–{hi:.2f}" for lo, hi in zip(hist["from"], hist["to"])]
st.bar_chart(hist, x="band", y="pairs", height=220)
threshold = st.slider("Threshold: pairs at or above it are the same entity", 0.5, 0.999, engine.DEFAULT_THRESHOLD,
                      step=0.001, format="%.3f", key="dd_threshold",
                      help="A pair's match probability combines, column by column, how much its agreement says: "
                           "m is how often true matches agree at that level, u how often different entities do "
                           "by chance, and m / u (the Bayes factor) is the evidence.")  # fmt: skip
quality = engine.estimate_quality(run, threshold)
a, b, c = st.columns(3)
a.metric("Pairs matched", f"{quality['pairs_above']:,}")
b.metric("Estimated precision", f"{quality['precision']:.3f}",
         help="Of the pairs above the threshold, the share that are really the same entity.")
c.metric("Estimated recall", f"{quality['recall']:.3f}",
         help="Of the pairs that are really the same entity, the share above the threshold.")
st.caption("Estimates from the model's own probabilities: label pairs below to correct the model.")

# -- review --------------------------------------------------------------------------


def _answer(pair: tuple[int, int], pattern: int, label: int | None) -> None:
    if label is None:
        st.session_state[UNSURE].add(pattern)
        return
    run.labels[pair] = label
    active.refine(ws, run)
    engine.save_scores(ws, run)
    _ui.flash("success", f"Thanks: {len(run.labels)} pair(s) labelled, scores updated.")


st.subheader("Review the least certain pairs")
unsure = st.session_state.setdefault(UNSURE, set())
queue = active.uncertain_pairs(ws, run, 1 + len(unsure))
queue = queue[~queue["pattern"].isin(unsure)].head(1)
if queue.empty:
    st.info("Nothing left to review.")
else:
    item = explain.explain(ws, run, queue)[0]
    st.write(f"Match probability **{item['probability']:.3f}** (labels so far: {len(run.labels)}). Each column adds "
             "its evidence (log₂ Bayes factor) to the prior; positive means 'same entity'.")  # fmt: skip
    table = pd.DataFrame(item["columns"])[["column", "left", "right", "level", "similarity", "contribution"]]
    st.dataframe(table, hide_index=True, key="dd_review_table")
    pair, pattern = (item["l"], item["r"]), item["pattern"]
    m, n, u = st.columns(3)
    m.button("Match", key="dd_match", on_click=_answer, args=(pair, pattern, 1), icon=":material/check:")
    n.button("No match", key="dd_nomatch", on_click=_answer, args=(pair, pattern, 0), icon=":material/close:")
    u.button("Unsure", key="dd_unsure", on_click=_answer, args=(pair, pattern, None))

# -- clusters ------------------------------------------------------------------------

st.subheader("Clusters" if not run.link else "Linked groups")
counts, largest = cluster.at_threshold(ws, run, threshold)
st.write(f"{counts['clusters']:,} clusters; {counts['clusters_with_duplicates']:,} hold more than one record "
         f"({counts['records_in_them']:,} records), the largest {counts['largest']}.")  # fmt: skip
for cluster_id, size in largest:
    with st.expander(f"{size} records"):
        ids = cluster.members(ws, run, cluster_id)
        rows = explain.record_values(ws, run, ids)
        st.dataframe(pd.DataFrame([{"table": run.source_of(i)[0], "row": run.source_of(i)[1], **rows[i]} for i in ids]),
                     hide_index=True)  # fmt: skip

# -- results -------------------------------------------------------------------------

st.subheader("Result")
if not run.link:
    all_columns = list(ws.schema(run.table)["column"])
    default_rule = st.selectbox("Survivorship rule", list(merge.RULES), key="dd_rule",
                                format_func=lambda r: f"{r.replace('_', ' ')}: {merge.RULES[r][0]}",
                                help="Which value a merged record keeps, column by column, when its duplicates "
                                     "disagree; ties go to the earliest record.")  # fmt: skip
    with st.expander("Per-column rules"):
        per_column = {c: st.selectbox(c, list(merge.RULES), index=list(merge.RULES).index(default_rule),
                                      key=f"dd_rule_{c}") for c in all_columns}  # fmt: skip
    recent_by = None
    if "most_recent" in per_column.values():
        recent_by = st.selectbox("Which column says how recent a record is", all_columns, key="dd_recent_by")
    output = st.text_input("New table name", value=f"{run.table}_deduped", key="dd_output")
    if st.button("Merge into a new table", type="primary", key="dd_merge"):
        try:
            merged, mapping = merge.merge(ws, run, threshold, rules=per_column, recent_by=recent_by, output=output)
        except WorkbenchError as exc:
            st.error(_ui.md(exc))
        else:
            _ui.flash("success", f"Created {_ui.code(merged.name)} ({merged.rows:,} rows) and the mapping "
                                 f"{_ui.code(mapping.name)} ({mapping.rows:,} rows: every original record with its "
                                 "cluster_id).")  # fmt: skip
            _ui.select_table(merged.name)
            st.rerun()
else:
    output = st.text_input("New table name", value=f"{run.table}_{run.right}_links", key="dd_output")
    if st.button("Create the links table", type="primary", key="dd_link_table"):
        try:
            links = merge.link_table(ws, run, threshold, output=output)
        except WorkbenchError as exc:
            st.error(_ui.md(exc))
        else:
            _ui.flash("success",
                      f"Created {_ui.code(links.name)}: {links.rows:,} linked pairs with both records' columns.")
            _ui.select_table(links.name)
            st.rerun()

minimum = st.number_input("Export pairs with a probability of at least", 0.0, 1.0, 0.5, step=0.05, key="dd_export_min")
st.download_button("Download scored pairs (CSV)", data=lambda: explain.pairs_csv(ws, run, minimum),
                   file_name=f"{run.table}_scored_pairs.csv", mime="text/csv", key="dd_export",
                   icon=":material/download:")  # fmt: skip

_then_model()
