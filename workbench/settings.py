"""Settings, declared once. Every limit the library applies lives here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = PROJECT_ROOT / "data" / "samples"
DB_FILENAME = "workbench.duckdb"


@dataclass(frozen=True)
class Limits:
    # Seconds to keep retrying when another process holds the database file.
    lock_timeout: float = 20.0
    # Seconds `workbench.show()` waits for an app it started to answer.
    app_start_timeout: float = 60.0
    # Zip extraction: total uncompressed bytes and per-member compression ratio.
    zip_max_total_bytes: int = 20 * 1024**3
    zip_max_ratio: float = 200.0
    zip_max_members: int = 10_000
    # How many rejected lines are kept per table with their text (all are counted).
    reject_examples: int = 100
    # A text file (CSV, NDJSON) is refused, not imported, when more than this share of its lines are
    # rejected (it does not read as a table), or when more than this share of its first bytes are
    # control bytes no text holds (random bytes are 12.5% control bytes; text with a terminal colour
    # code or a stray NUL has a few), judged on files of at least text_check_min_bytes.
    max_rejected_share: float = 0.5
    max_control_share: float = 0.05
    text_check_min_bytes: int = 512
    # Longest line a CSV may have (DuckDB's default is 2 MB; longer lines are retried up to this).
    csv_max_line_bytes: int = 256 * 1024**2
    # Bytes read to detect a text file's encoding.
    encoding_sample_bytes: int = 1 << 20
    # Kaggle: seconds to wait for a connection and for each read (the client has none),
    # and how often a dropped download is resumed, with back-off from kaggle_backoff seconds.
    kaggle_connect_timeout: float = 15.0
    kaggle_read_timeout: float = 60.0
    kaggle_retries: int = 4
    kaggle_backoff: float = 1.0
    # Clean: rows a scikit-learn step is fitted on (a random sample above it), rows per batch
    # when it is applied (a Cancel waits for at most one batch), and the threads it may use
    # (one of the two cores stays free for the pages).
    clean_fit_rows: int = 20_000
    clean_preview_rows: int = 2_000  # rows a scikit-learn step is previewed on (applying computes every row)
    clean_batch_rows: int = 20_000
    clean_threads: int = max(1, (os.cpu_count() or 2) - 1)
    # Profiling wide tables. Columns per statement: the cost of one DuckDB SELECT grows with the
    # square of its aggregates (400 histograms in one pass over 10,000 rows: 15 s; in batches of 20:
    # 0.2 s), and each batch is a point where a Cancel is seen. Columns profiled in full: past it,
    # columns get counts, missing values, min/max and DuckDB's distinct estimate only, and the
    # profile lists them (Profile.overview["skipped"]), so a 5,000-column table stays a short wait.
    # Profiling: every statistic is exact up to profile_exact_rows; above, quantiles come from a block
    # sample of about profile_sample_rows, and text columns with more than profile_text_max_values
    # distinct values are screened on profile_text_sample_rows rows (findings are then recounted exactly).
    # "Missing together": partners tested for the missing rows of a column, at most this many column pairs
    # (one aggregate each, in one pass), a partner being a column of at most profile_partner_values values
    # or a numeric column holding 0.
    profile_missing_pairs: int = 2_000
    profile_partner_values: int = 20
    profile_exact_rows: int = 200_000
    profile_sample_rows: int = 100_000
    profile_text_max_values: int = 50_000
    profile_text_sample_rows: int = 20_000
    # distinct values of a category whose spellings are compared (blocked by prefix, suffix and letters: 20,000
    # job titles take well under a second)
    profile_cluster_max_values: int = 20_000
    scatter_rows: int = 5_000  # rows drawn in a scatter plot
    scatter_colours: int = 10  # categories a scatter can be coloured by (one colour each, told apart at a glance)
    profile_batch_columns: int = 20
    profile_max_columns: int = 1_000
    # Dedupe work tables (schema _dedupe) of a run no live session owns are dropped when the next run
    # starts. Whether a run is live is known for runs of this process (its Run object still exists)
    # and of another process on this host (is that process still running?); a run whose owner cannot
    # be checked (another host sharing the folder) is dropped after this many seconds.
    dedupe_run_max_age: float = 24 * 3600.0
    # Columns per relationship matrix (correlations, Cramer's V, missingness); the page says when it cuts.
    relations_max_columns: int = 20


LIMITS = Limits()


@dataclass(frozen=True)
class SqlLimits:
    """The SQL panel's limits (workbench/sql/engine.py)."""

    max_rows: int = 10_000  # rows shown (the page); the total is always counted
    max_rows_ceiling: int = 200_000  # the most a user may ask to see at once
    max_bytes: int = 64 * 1024**2  # the page's size in Arrow bytes, whatever the row cap
    timeout: float = 30.0  # seconds; 0 means no limit
    pool_size: int = 2  # idle sandbox workers kept for the next queries (each holds no file while idle)
    max_requests: int = 500  # a worker is retired after this many requests, so nothing accumulates in it
    # A query still running after `live_seconds` on the workspace file moves to a snapshot (a copy of the
    # tables it reads, in memory) and lets the file go, so writers need not wait for it; at most
    # `snapshot_max_cells` values (rows x columns) are copied: 0.2-0.3 s and ~160 MiB per million 12-column rows.
    live_seconds: float = 1.0
    snapshot_max_cells: int = 30_000_000


SQL_LIMITS = SqlLimits()


_CPUS = os.cpu_count() or 1
_MODEL_WORKERS = min(4, _CPUS)


@dataclass(frozen=True)
class ModelLimits:
    """The Model page's limits (workbench/model/)."""

    max_rows: int = 200_000  # above it the leaderboard fits on a stratified sample, and says so
    folds: int = 5
    time_budget: float = 600.0  # seconds for a whole leaderboard; unfinished models are reported as such
    # Processes fitting (model, fold) pairs side by side, one per core up to four, and the threads each may use.
    # Folds are independent, so processes scale better than threads inside one fit. The workers run at a lower
    # priority (worker_nice), so the pages, at normal priority, get a core first when both want one; a mild one,
    # as beside other busy processes nice 10 left the fits a tenth of a core (a forest's fold took 72 s, not 16).
    workers: int = _MODEL_WORKERS
    worker_threads: int = max(1, _CPUS // _MODEL_WORKERS)
    worker_nice: int = 5
    threads: int = max(1, _CPUS - 1)  # fits in the page's own process (clustering, prediction): one core stays free
    one_hot_max: int = 15  # categories up to this many distinct values are one-hot encoded, target-encoded above
    max_missing: float = 0.5  # a feature missing in more than this share of rows is left out
    # suggested features beyond this many: those scoring best alone (the leak check's score) are kept, the rest
    # left out and said so; a 5,000-column table's leaderboard did not finish in 15 minutes
    max_features: int = 300
    stats_aggregates: int = 100  # aggregates per statement of the feature statistics (15,000 in one crashed DuckDB)
    leak_score: float = 0.98  # a feature alone scoring this (balanced accuracy or R²) is flagged as a leak
    leak_rows: int = 5_000  # rows the single-feature leak check runs on
    imbalance: float = 0.2  # smallest class under this share of the largest: balanced metrics lead
    silhouette_rows: int = 5_000  # rows the silhouette score is computed on
    text_vocabulary: int = 5_000  # words a free-text column's TF-IDF keeps (the most frequent)
    text_components: int = 50  # numbers each free-text column becomes (truncated SVD of its TF-IDF)
    forest_rows: int = 20_000  # above it a random forest's trees each see this many rows (max_samples)
    knn_rows: int = 20_000  # above it k-NN keeps this many training rows
    importance_rows: int = 2_000  # held-out rows per fold that permutation importance shuffles
    importance_repeats: int = 5  # shuffles per feature and fold
    projection_rows: int = 5_000  # points of the 2-D PCA view
    predict_batch_rows: int = 50_000
    # Validation that follows the data (workbench/model/validation.py)
    time_min_distinct: int = 10  # a date column with fewer distinct times does not order the rows
    time_autocorrelation: float = 0.7  # rows not in date order are time-ordered when the target follows the date
    group_min_entities: int = 10  # a column with fewer distinct values is a category, not an entity
    group_check_rows: int = 5_000  # rows the repeated-entity check reads
    group_alike: float = 0.5  # rows of one entity are alike from this score (halfway from chance for classes)
    season_max: int = 60  # the longest seasonal period (in rows) looked for
    season_min_autocorrelation: float = 0.2  # a period whose changes repeat less is no season
    holdout_rows: int = 2_000  # from this many rows the chosen model is scored again on rows kept aside
    holdout_share: float = 0.2  # the share of rows kept aside


MODEL_LIMITS = ModelLimits()


@dataclass(frozen=True)
class SimilarLimits:
    """Similar rows' limits (workbench/similar/)."""

    # fitted spaces (scaled float32 matrix + the rows' values) kept so a second question on the same table is
    # quick: 1M rows x 20 columns hold ~250 MB each
    cache_entries: int = 2
    chunk_rows: int = 200_000  # rows ranked per step (a Cancel waits for at most one)
    projection_rows: int = 5_000  # points of the PCA taste map (references and neighbours always among them)
    tsne_rows: int = 2_000  # points of a t-SNE map (its cost grows faster than linearly)
    one_hot_max: int = 100  # a category of more values is refused for one-hot (Gower compares any number of them)


SIMILAR_LIMITS = SimilarLimits()


def default_home() -> Path:
    """The workspace folder: WORKBENCH_HOME, else the project's data/ folder."""
    env = os.environ.get("WORKBENCH_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return (PROJECT_ROOT / "data").resolve()


@dataclass(frozen=True)
class RecommendLimits:
    """Recommendations from ratings (workbench/recommend/)."""

    # Ratings (user, item) read into memory at most: a board above it is refused, not sampled, since dropping
    # ratings changes every user's history. 2M ratings hold ~50 MB of arrays; the item-kNN's similarity
    # matrix grows with the items, which knn_neighbour_items bounds.
    max_ratings: int = 2_000_000
    folds: int = 5  # per-user random folds when there is no time column
    holdout_share: float = 0.2  # each evaluated user's share of ratings held out (at least one)
    min_user_ratings: int = 5  # users with fewer ratings are kept in training only, never evaluated
    relevant_share: float = 0.7  # explicit top-k: a held-out rating this far up the scale counts as "liked"
    topk_users: int = 200  # users per fold whose whole catalogue is ranked for the top-k metrics (seeded sample)
    # new items (no ratings) are reached through a table describing the items (Similar rows): it is ranked whole,
    # so its size is bounded; the person's most liked items, at most this many, are the references
    max_described_items: int = 200_000
    liked_references: int = 20
    knn_neighbours: int = 40  # item-kNN: the most similar items the user rated that a prediction averages
    knn_shrinkage: float = 100.0  # similarity shrunk towards 0 for items few people rated both of
    # added to the neighbours' total similarity when their residuals are averaged, as a share of the typical
    # total (ItemKNN._damping), so an item whose only neighbours are faintly similar stays near its biases instead
    # of taking one neighbour's whole residual (one MovieLens fold: RMSE 0.865 against 0.872 without, and
    # precision@10 0.084 against 0.020; generated low-rank ratings: 0.869 against 0.863)
    knn_damping: float = 0.2
    knn_neighbour_items: int = 2_500  # items that may serve as neighbours (the most rated ones)
    knn_cells: int = 40_000_000  # similarity matrix cells at most (items x neighbour items; 160 MB of float32)
    factors: int = 10  # matrix factorisation: hidden tastes per user and item
    als_iterations: int = 12
    threads: int = 1  # threads the `implicit` library may use (one of the two cores stays free)


RECOMMEND_LIMITS = RecommendLimits()
