"""The plain sentences that go with a Similar result: how columns were scaled (with the table's own numbers),
missing values and how they were handled, what was left out of the neighbours and why."""

from __future__ import annotations

import pandas as pd

from workbench.words import plural, were


def number(value: float) -> str:
    """1,680 / 13.0 / 0.48: thousands separated, three significant digits below 100."""
    value = float(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.3g}"


def scaling(space) -> list[str]:
    out = []
    numeric = list(space.numeric_)
    if len(numeric) >= 2:
        spans = {c: space.max_[c] - space.min_[c] for c in numeric}
        wide, narrow = max(spans, key=spans.get), min(spans, key=spans.get)
        if spans[wide] > 0 and spans[wide] > 2 * spans[narrow]:
            out.append(f"{wide} runs {number(space.min_[wide])}-{number(space.max_[wide])} and {narrow} "
                       f"{number(space.min_[narrow])}-{number(space.max_[narrow])}: without scaling {wide} alone "
                       "would decide who is near.")  # fmt: skip
    if space.metric == "gower":
        if numeric:
            out.append("Gower distance: each number's difference is divided by its column's range (largest minus "
                       "smallest value), so every column counts between 0 (same value) and 1 (the two ends of its "
                       "range); the distance is the average over the columns, from 0 to 1.")  # fmt: skip
        if space.categorical_:
            out.append("A category counts 0 when two rows hold the same one and 1 when they differ.")
    else:
        if numeric and space.scaling == "zscore":
            out.append("Each number is measured in standard deviations from its column's mean (z-score), so a "
                       "difference of one standard deviation counts the same in every column.")  # fmt: skip
        elif numeric:
            out.append("Each number is measured in interquartile ranges (the spread of the middle half of its "
                       "values) from its column's median (robust scaling): a few extreme values stretch it less "
                       "than a standard deviation.")  # fmt: skip
        if space.categorical_:
            out.append("Each category is one-hot encoded (one 0/1 column per value), scaled so that two rows with "
                       "different categories are as far apart as one standard deviation of a number.")  # fmt: skip
        out.append("The distance is Euclidean: the square root of the sum of the squared differences.")
    weighted = {c: w for c, w in zip(space.columns, space.weight_) if w != 1}
    if weighted:
        out.append("Weights: " + ", ".join(f"{c} counts x{number(w)}" for c, w in weighted.items()) + " (a weight "
                   "multiplies the column's part of the distance; the others count x1).")  # fmt: skip
    return out


def missing(space, frame: pd.DataFrame) -> list[str]:
    out = []
    for c in space.columns:
        n = space.missing_.get(c, 0)
        if not n:
            continue
        if space.metric == "gower":
            how = "those rows are compared on the other columns only (Gower's rule: a column missing in either row " \
                  "is skipped)"
        elif c in space.numeric_:
            centre = "mean" if space.scaling == "zscore" else "median"
            how = f"filled with its {centre} {number(space.centre_[c])} so it neither brings rows closer nor apart"
        else:
            how = f"filled with its most frequent value {space.mode_[c]!r}"
        out.append(f"{c} is missing in {plural(n, 'row')}: {how}.")
    return out


def notes(result, frame: pd.DataFrame) -> list[str]:
    counts = result.counts
    out = scaling(result.space) + missing(result.space, frame)
    if result.where:
        removed = counts["rows"] - counts["kept_by_filter"]
        out.append(f"The filter {result.where} keeps {plural(counts['kept_by_filter'], 'row')} of "
                   f"{counts['rows']:,}: {plural(removed, 'row')} {were(removed)} removed before ranking.")  # fmt: skip
    refs = counts["references"]
    out.append("The reference row is left out of the neighbours." if refs == 1
               else f"The {plural(refs, 'reference row')} are left out of the neighbours.")  # fmt: skip
    if refs > len(result.references):
        out.append(f"{plural(refs, 'row')} hold the {plural(len(result.references), 'id')} given "
                   f"({', '.join(str(r) for r in result.references)}): each of them is a reference.")  # fmt: skip
    if counts["duplicates"]:
        n = counts["duplicates"]
        out.append(f"{plural(n, 'row')} with the same values as a reference in every compared column {were(n)} "
                   "left out (exact duplicates).")  # fmt: skip
    if counts["unmeasured"]:
        n = counts["unmeasured"]
        out.append(f"{plural(n, 'row')} share no present value with any reference: no distance, left out.")
    if counts["candidates"] < result.k:
        out.append(f"Only {plural(counts['candidates'], 'row')} can be neighbours: fewer than the "
                   f"{result.k:,} asked for.")  # fmt: skip
    if len(result.references) > 1:
        out.append("With several references, a row's distance is to its nearest reference (the reference column "
                   "says which).")  # fmt: skip
    out.append("A neighbour's contributions are the parts of its distance due to each column: they add up to the "
               "distance, the largest part is the column that sets it furthest apart.")  # fmt: skip
    return out
