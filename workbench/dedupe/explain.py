"""Why a pair scored what it did, and the scored pairs as a table or a CSV file."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow.csv as pacsv

from workbench.dedupe import features
from workbench.dedupe.engine import RIGHT_OFFSET, Run, frame_sql
from workbench.names import quote
from workbench.workspace import Workspace


def record_values(ws: Workspace, run: Run, ids: list[int]) -> dict[int, dict]:
    """Original values of the compared columns for record ids (both tables in link mode)."""
    names = ", ".join(quote(c.name) for c in run.columns)
    out: dict[int, dict] = {}
    with ws.connect() as con:
        for table, offset in [(run.table, 0)] + ([(run.right, RIGHT_OFFSET)] if run.link else []):
            wanted = [i - offset for i in ids if (i >= RIGHT_OFFSET) == bool(offset)]
            if wanted:
                frame = con.execute(
                    f"SELECT rowid + ? AS _id, {names} FROM {quote(table)} WHERE list_contains(?, rowid)",
                    [offset, wanted],
                ).df()
                out.update({int(r["_id"]): r.drop("_id").to_dict() for _, r in frame.iterrows()})
    return out


def names(ws: Workspace, run: Run, ids: list[int], values: int = 3) -> dict[int, str]:
    """A short name for each record from the compared columns (the ones chosen to describe the entity):
    its first `values` non-empty values, words before bare numbers, e.g. "jane, smith, main street"."""
    found = record_values(ws, run, ids)

    def name(record: dict) -> str:
        texts = [str(v).strip() for v in record.values() if not pd.isna(v) and str(v).strip()]
        return ", ".join(sorted(texts, key=lambda text: not any(c.isalpha() for c in text))[:values])

    return {i: name(found[i]) for i in ids}


def explain(ws: Workspace, run: Run, pairs: pd.DataFrame) -> list[dict]:
    """For each pair (l, r, pattern): both records and, per column, level, similarity and contribution."""
    if pairs.empty:
        return []
    values = record_values(ws, run, [int(v) for v in pd.concat([pairs["l"], pairs["r"]]).unique()])
    bayes = run.model.contributions()
    prior = run.model.prior()
    similarities = _similarities(ws, run, pairs)
    out = []
    for row in pairs.itertuples(index=False):
        levels = features.unpack(int(row.pattern), len(run.columns))
        left, right = values.get(int(row.l), {}), values.get(int(row.r), {})
        columns = [
            {
                "column": c.name,
                "left": left.get(c.name),
                "right": right.get(c.name),
                "level": features.level_label(c.kind, lv),
                "similarity": similarities.get((int(row.l), int(row.r)), {}).get(c.name),
                "measure": features.SIMILARITY[c.kind][0],
                "contribution": float(bayes[k, lv]),
            }
            for k, (c, lv) in enumerate(zip(run.columns, levels))
        ]
        p = float(run.scores.loc[run.scores["pattern"] == row.pattern, "p"].iloc[0])
        fs = float(run.scores.loc[run.scores["pattern"] == row.pattern, "fs"].iloc[0])
        out.append({"l": int(row.l), "r": int(row.r), "pattern": int(row.pattern), "probability": p,
                    "unsupervised_probability": fs, "prior": prior, "columns": columns})  # fmt: skip
    return out


def _similarities(ws: Workspace, run: Run, pairs: pd.DataFrame) -> dict[tuple[int, int], dict]:
    sims = ", ".join(
        f"{features.similarity_sql(c.kind, f'a.c{i}', f'b.c{i}')} AS s{i}" for i, c in enumerate(run.columns)
    )
    frame = pairs[["l", "r"]].astype("int64")
    records = run.work("records")
    values, params = frame_sql(frame)
    with ws.connect() as con:
        rows = con.execute(
            f"SELECT f.l, f.r, {sims} FROM {values} f JOIN {records} a ON a._id = f.l JOIN {records} b ON b._id = f.r",
            params,
        ).fetchall()
    return {(r[0], r[1]): {c.name: r[2 + i] for i, c in enumerate(run.columns)} for r in rows}


def pairs_sql(run: Run) -> str:
    """Every scored pair with its probability and both records' compared values."""
    cols = ", ".join(
        f"a.{quote(c.name)} AS {quote('left_' + c.name)}, b.{quote(c.name)} AS {quote('right_' + c.name)}"
        for c in run.columns
    )
    right, offset = (run.right, RIGHT_OFFSET) if run.link else (run.table, 0)
    return (
        f"SELECT p.l AS left_row, p.r - {offset} AS right_row, s.p AS match_probability, {cols} "
        f"FROM {run.work('pairs')} p JOIN {run.work('scores')} s USING (pattern) "
        f"JOIN {quote(run.table)} a ON a.rowid = p.l JOIN {quote(right)} b ON b.rowid = p.r - {offset} "
        f"WHERE s.p >= ? ORDER BY match_probability DESC, left_row, right_row"
    )


def top_pairs(ws: Workspace, run: Run, min_probability: float = 0.0, limit: int = 1000) -> pd.DataFrame:
    with ws.connect() as con:
        return con.execute(pairs_sql(run) + " LIMIT ?", [min_probability, limit]).df()


def pairs_csv(ws: Workspace, run: Run, min_probability: float = 0.0) -> bytes:
    """The scored pairs at or above `min_probability` as CSV, streamed from DuckDB in batches."""
    buffer = io.BytesIO()
    with ws.connect() as con, con.cursor() as cur:
        reader = cur.sql(pairs_sql(run), params=[min_probability]).to_arrow_reader()
        with pacsv.CSVWriter(buffer, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
    return buffer.getvalue()
