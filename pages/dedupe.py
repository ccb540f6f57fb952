"""Dedupe: find records that describe the same entity, review, merge; or link two tables."""

import pandas as pd
import streamlit as st

from pages import _ui
from workbench import WorkbenchError
from workbench.dedupe import active, cluster, engine, explain, merge
from workbench.dedupe.normalise import suggest
from workbench.words import TERMS, plural

_ui.require_navigation()

RUN = "dd_run"
UNSURE = "dd_unsure_patterns"
CHANGE = "dd_change"  # (run id, threshold, what the last answer changed, in words)
MADE = "dd_made"  # (run id, the confirmation, the new table's name)
LISTED = 3  # clusters named in a change message; the rest are counted

ws = _ui.workspace()
st.title("Dedupe")
st.caption("Find records that describe the same entity even when spelled differently, see why each pair "
           "matched, teach the model with a few answers, then merge them (or link two tables).")  # fmt: skip
_ui.show_flashes()
left = _ui.current_info(ws, "Choose a table in the sidebar: its duplicates are found here.").name

# -- what to compare -----------------------------------------------------------------

link_mode = st.toggle("Link two tables (fuzzy join)", key="dd_link", help=TERMS["fuzzy join"])
st.markdown(f"{'Left table' if link_mode else 'Table'} {_ui.code(left)}: the sidebar's current table.")
others = sorted(t.name for t in ws.tables() if t.name != left)
right = st.selectbox("Right table", others, key="dd_right") if link_mode else None


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
    threshold = st.session_state.dd_threshold
    before, matched = cluster.groups(ws, run, threshold), engine.estimate_quality(run, threshold)["pairs_above"]
    run.labels[pair] = label
    active.refine(ws, run)
    engine.save_scores(ws, run)
    change = cluster.compare(before, cluster.groups(ws, run, threshold), run.n_records)
    now = engine.estimate_quality(run, threshold)["pairs_above"]
    thanks = f"Thanks: {plural(len(run.labels), 'pair')} labelled, scores updated. "
    st.session_state[CHANGE] = (run.id, threshold, thanks + _what_changed(pair, label, change, matched, now))


def _what_changed(pair: tuple[int, int], label: int, change: cluster.Change, matched: int, now: int) -> str:
    """A label in words: what it did to the pairs and the clusters at this threshold, and why."""
    named = [ids[0] for ids, _ in change.split[:LISTED] + change.joined[:LISTED]]
    name = {i: _ui.md(n) for i, n in explain.names(ws, run, [*pair, *named]).items()}
    answer = "a match" if label else "not a match"
    lean = "the same entity" if label else "different entities"
    text = (f"Your answer **{answer}** for “{name[pair[0]]}” / “{name[pair[1]]}” refitted the model: pairs that "
            f"agree the way this one does now lean towards *{lean}*, and the other pairs' scores move with them. "
            f"Pairs at or above the threshold: {matched:,} → {now:,}; clusters: {change.before:,} → "
            f"{change.after:,}.")  # fmt: skip
    for moves, verb, pieces in ((change.split, "Split", "into"), (change.joined, "Joined", "from")):
        if moves:
            listed = "; ".join(f"“{name[ids[0]]}” ({len(ids)} records) {pieces} {n}" for ids, n in moves[:LISTED])
            more = f"; and {len(moves) - LISTED:,} more" if len(moves) > LISTED else ""
            text += f"\n\n{verb}: {listed}{more}."
    return text


st.subheader("Review the least certain pairs")
change = st.session_state.get(CHANGE)
if change and change[:2] == (run.id, threshold):  # said here, where the answer was given
    st.success(change[2], icon=":material/published_with_changes:")
unsure = st.session_state.setdefault(UNSURE, set())
queue = active.uncertain_pairs(ws, run, 1 + len(unsure))
queue = queue[~queue["pattern"].isin(unsure)].head(1)
if queue.empty:
    st.info("Nothing left to review.")
else:
    item = explain.explain(ws, run, queue)[0]
    st.markdown(f"Match probability **{item['probability']:.3f}** (labels so far: {len(run.labels)}). Each column "
                f"adds its evidence (log₂ Bayes factor) to the prior, {item['prior']:+.2f}; positive means 'same "
                "entity'.", help=TERMS["prior"])  # fmt: skip
    shown = ["column", "left", "right", "level", "similarity", "measure", "contribution"]
    st.dataframe(pd.DataFrame(item["columns"])[shown], hide_index=True, key="dd_review_table",
                 column_config={term: st.column_config.Column(term, help=TERMS[term])
                                for term in ("level", "similarity", "contribution")})  # fmt: skip
    pair, pattern = (item["l"], item["r"]), item["pattern"]
    m, n, u = st.columns(3)
    m.button("Match", key="dd_match", on_click=_answer, args=(pair, pattern, 1), icon=":material/check:")
    n.button("No match", key="dd_nomatch", on_click=_answer, args=(pair, pattern, 0), icon=":material/close:")
    u.button("Unsure", key="dd_unsure", on_click=_answer, args=(pair, pattern, None))

# -- clusters ------------------------------------------------------------------------

st.subheader("Clusters" if not run.link else "Linked groups", help=TERMS["cluster"])
counts, largest = cluster.at_threshold(ws, run, threshold)
st.write(f"{counts['clusters']:,} clusters; {counts['clusters_with_duplicates']:,} hold more than one record "
         f"({counts['records_in_them']:,} records), the largest {counts['largest']}.")  # fmt: skip
members = {cluster_id: cluster.members(ws, run, cluster_id) for cluster_id, _ in largest}
titles = explain.names(ws, run, [ids[0] for ids in members.values()])
for cluster_id, size in largest:
    ids = members[cluster_id]
    with st.expander(f"{_ui.md(titles[ids[0]])} · {size} records"):
        rows = explain.record_values(ws, run, ids)
        st.dataframe(pd.DataFrame([{"table": run.source_of(i)[0], "row": run.source_of(i)[1], **rows[i]} for i in ids]),
                     hide_index=True)  # fmt: skip

# -- results -------------------------------------------------------------------------

st.subheader("Result")


def _made(message: str, table: str) -> None:
    """Keep the confirmation for the next run, which lists the new table in the sidebar."""
    st.session_state[MADE] = (run.id, message, table)
    st.rerun()

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
            _made(f"Created {_ui.code(merged.name)} ({merged.rows:,} rows) and the mapping {_ui.code(mapping.name)} "
                  f"({mapping.rows:,} rows: every original record with its cluster_id).", merged.name)  # fmt: skip
else:
    output = st.text_input("New table name", value=f"{run.table}_{run.right}_links", key="dd_output")
    if st.button("Create the links table", type="primary", key="dd_link_table"):
        try:
            links = merge.link_table(ws, run, threshold, output=output)
        except WorkbenchError as exc:
            st.error(_ui.md(exc))
        else:
            _made(f"Created {_ui.code(links.name)}: {links.rows:,} linked pairs with both records' columns.",
                  links.name)
made = st.session_state.get(MADE)
if made and made[0] == run.id:  # said here, under the button that made it
    st.success(made[1])
    if st.button("Open the new table in Explore", key="dd_open_made", icon=":material/arrow_forward:"):
        _ui.select_table(made[2])
        _ui.switch_page("pages/explore.py")

minimum = st.number_input("Export pairs with a probability of at least", 0.0, 1.0, 0.5, step=0.05, key="dd_export_min")
st.download_button("Download scored pairs (CSV)", data=lambda: explain.pairs_csv(ws, run, minimum),
                   file_name=f"{run.table}_scored_pairs.csv", mime="text/csv", key="dd_export",
                   icon=":material/download:")  # fmt: skip

_then_model()
