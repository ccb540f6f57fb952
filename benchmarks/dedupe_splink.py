"""The Splink 5 side of benchmarks/dedupe.py; runs in the peers' environment (benchmarks/.peers).

    python dedupe_splink.py SPEC_JSON   ->  one JSON line on stdout

SPEC: {"files": [csv, ...], "columns": [...], "rules": [[col, ...], ...],
       "threshold": t, "clusters_out": parquet path (rec, side, cluster)}
Unsupervised, as the Splink documentation sets up FEBRL: u by random sampling,
lambda from a strict deterministic rule, m by EM over two blocking sessions,
then predict and connected-components clustering at the threshold.
"""

import json
import sys
import time
from pathlib import Path

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, only benchmarks/ is on the path
from benchmarks.measure import peak_mib  # noqa: E402 (the standard library only: it imports in the peers' env)

NAMES = {"given_name", "surname"}
CODES = {"street_number", "postcode", "date_of_birth"}


def comparison(column):
    if column in NAMES:
        return cl.NameComparison(column)
    if column in CODES:
        return cl.LevenshteinAtThresholds(column, [1, 2])
    if column == "state":
        return cl.ExactMatch(column)
    return cl.JaroWinklerAtThresholds(column, [0.9, 0.8])


def main(spec):
    started = time.perf_counter()
    frames = []
    for path in spec["files"]:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame = frame[["rec_id", *spec["columns"]]].rename(columns={"rec_id": "unique_id"})
        frames.append(frame.replace({"": None}).apply(lambda s: s.str.strip() if s.dtype == object else s))
    link = len(frames) == 2
    db_api = DuckDBAPI()
    settings = SettingsCreator(
        link_type="link_only" if link else "dedupe_only",
        comparisons=[comparison(c) for c in spec["columns"]],
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in spec["rules"]],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    inputs = [db_api.register(f) for f in frames]
    linker = Linker(inputs if link else inputs[0], settings, log_level="ERROR")
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    predictions = linker.inference.predict(threshold_match_probability=spec["threshold"] / 10)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, spec["threshold"])
    seconds = time.perf_counter() - started
    con = db_api._con
    side = "(source_dataset <> (SELECT min(source_dataset) FROM {t}))::INTEGER" if link else "0"
    table = clusters.physical_name
    con.execute(f"COPY (SELECT unique_id AS rec, {side.format(t=table)} AS side, cluster_id AS cluster FROM {table}) "
                "TO ? (FORMAT parquet)", [spec["clusters_out"]])
    largest = con.execute(f"SELECT max(n) FROM (SELECT count(*) AS n FROM {table} GROUP BY cluster_id)").fetchone()[0]
    peak = peak_mib()
    print(json.dumps({"side": "splink", "seconds": seconds, "peak_mib": peak, "largest_cluster": largest}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
