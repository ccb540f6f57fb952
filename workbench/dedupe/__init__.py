"""Find and merge duplicate records (or link two tables), explainably, in DuckDB.

The steps, one module each: `normalise` (columns and values), `blocking`
(which pairs are compared), `features` (comparison levels per column),
`fellegi_sunter` (unsupervised scores by EM), `active` (labels refine scores),
`cluster` (records grouped above a threshold), `merge` (one record per cluster,
plus the mapping). `engine` runs them; `explain` shows why a pair scored.
"""
