"""A dedupe merge as a recipe step: one row per entity, replayable on new data.

The Dedupe page (or `workbench dedupe`) fits the model: blocking rules, the
Fellegi-Sunter weights from EM, the probabilities refined by the user's labels.
Its merged table records this step with that state, so a recipe that contains
it replays like the others: the new table is blocked and compared the same
way, its pairs are scored with the fitted probabilities (never refitted),
clustered at the same threshold, and merged with the same survivorship rules.
"""

from __future__ import annotations

from typing import Any

import duckdb

from workbench.clean.step import Param, Step
from workbench.dedupe import cluster, engine, merge
from workbench.dedupe.fellegi_sunter import Model
from workbench.dedupe.normalise import Column
from workbench.errors import WorkbenchError
from workbench.metadata import column_types


class DedupeMerge(Step):
    operation = "dedupe"
    title = "Merge duplicate records"
    explain = ("Finds records of the same entity (typos, other spellings, missing values) with the model fitted "
               "on the Dedupe page, and keeps one row per entity, each column chosen by its survivorship rule.")
    python = True  # the clustering runs in scipy
    PARAMS = (Param("columns", "columns", "the columns compared", required=True),
              Param("rules", "list", "the blocking rules", required=True),
              Param("threshold", "number", "match probability from which records are the same entity", 0.99),
              Param("survivorship", "mapping", "column -> rule choosing the kept value"),
              Param("recent_by", "text", "the column saying how recent a record is (for most_recent)"))  # fmt: skip

    @classmethod
    def from_run(cls, run: engine.Run, threshold: float, survivorship: dict[str, str],
                 recent_by: str | None) -> DedupeMerge:  # fmt: skip
        step = cls(columns=[c.name for c in run.columns], rules=[r.text() for r in run.rules], threshold=threshold,
                   survivorship=survivorship, recent_by=recent_by)  # fmt: skip
        step.state = {"kinds": [c.as_dict() for c in run.columns], "model": run.model.as_dict(),
                      "probabilities": [[int(p), float(v)] for p, v in zip(run.scores["pattern"], run.scores["p"])],
                      "labels": len(run.labels)}  # fmt: skip
        return step

    def learn(self, con, table, schema) -> dict[str, Any]:
        raise WorkbenchError("A dedupe step is fitted on the Dedupe page (or with `workbench dedupe`), where its "
                             "model is estimated and refined by your labels.")  # fmt: skip

    def write(self, con: duckdb.DuckDBPyConnection, source: str, create: str, cancel=None) -> tuple[str, list[str]]:
        """Run `create` (CREATE [TEMP] TABLE name) AS the merged rows of `source`; returns (SQL shown, gaps)."""
        columns = [Column(**c) for c in self.state["kinds"]]
        fitted = {p: v for p, v in self.state["probabilities"]}
        run, unseen = engine.rescore(con, source, columns, self.rules, Model.from_dict(self.state["model"]),
                                     fitted, cancel)  # fmt: skip
        try:
            clusters = cluster.build(con, run, self.threshold)
            names = list(column_types(con, source))
            aggregates = merge.survivors(names, self.survivorship or {}, self.recent_by)
            sql = f"{create} AS {merge.merged_sql('(' + merge.mapping_sql(run.table, clusters) + ')', aggregates)}"
            con.execute(sql)
        finally:
            engine.drop_work(con, run)
        gaps = [f"{unseen:,} compared pairs had a comparison pattern the fitted run never saw: scored by the "
                "unsupervised model alone"] if unseen else []  # fmt: skip
        return f"-- dedupe: block, compare, score with the fitted model, cluster, then\n{sql}", gaps

    def describe(self) -> str:
        return (f"Merge duplicates on {', '.join(self.columns)} at match probability {self.threshold:g} "
                f"({self.state.get('labels', 0)} labels)")
