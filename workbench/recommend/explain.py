"""Words: each metric and model in two plain sentences, and the "because" of each recommendation."""

from __future__ import annotations

METRIC_TEXT = {
    "rmse": "RMSE (root mean squared error) is the typical distance, in stars, between the rating a model predicted "
            "and the rating the person really gave to a held-out item; lower is better. Big misses count more than "
            "small ones, so a model that is sometimes far off scores worse than one that is often a little off.",
    "mae": "MAE (mean absolute error) is the average number of stars a predicted rating is off by, on ratings the "
           "model never saw; lower is better. Unlike RMSE every miss counts in proportion to its size.",
    "precision_at_k": "Precision@k is the share of the k items recommended to a person that are among the items they "
                      "really liked later (held out from training); higher is better. 0.10 with k = 10 means one "
                      "good pick in every ten recommendations.",
    "recall_at_k": "Recall@k is the share of the items a person really liked (held out) that made it into their k "
                   "recommendations; higher is better. It is low when people liked many items, since only k can "
                   "be shown.",
    "ndcg_at_k": "NDCG@k scores the ranking of the k recommendations: a liked item counts more the higher it is in "
                 "the list, and 1 means every liked item sits at the top. Higher is better; it rewards putting "
                 "the good picks first, which is what a person scrolling a list sees.",
}  # fmt: skip

MODEL_TEXT = {
    "global_mean": "Predicts the same rating for everything: the average of all ratings. It is the floor: a model "
                   "that cannot beat it has learned nothing about people or items.",
    "biases": "Predicts the average rating, plus how much this person rates above or below average, plus how much "
              "this item is rated above or below average (both shrunk towards zero when there are few ratings). "
              "It is the baseline to beat: a learned model \"no better than the biases baseline\" predicts no more "
              "accurately than knowing who is generous and what is popular, so its extra complexity buys nothing.",
    "als": "Matrix factorisation learns a few hidden tastes for every person and item (say, 'likes heavy reds'), "
           "so that a person's rating is the biases plus how well their tastes match the item's. It is fitted by "
           "alternating least squares: solve every person's tastes with the items fixed, then every item's with "
           "the people fixed, and repeat; how strongly tastes are pulled towards zero is chosen on part of the "
           "training ratings.",
    "item_knn": "Item neighbours: an item is predicted from the same person's ratings of the most similar items, "
                "two items being similar when the same people liked (or disliked) both more than expected. It "
                "explains itself: 'because you rated X highly and people who did rated this highly'.",
    "popularity": "Recommends the items most people rated or took, the same list for everyone (minus what they "
                  "already have). It is the baseline to beat for top-k lists: a personal model that does no better is "
                  "only rediscovering the best-sellers.",
}  # fmt: skip

IMPLICIT_TEXT = {
    "als": "Matrix factorisation for implicit feedback (the `implicit` library's ALS): it learns hidden tastes so "
           "that what a person took scores high and what they did not scores low, trusting repeated events more. "
           "Fitted by alternating least squares, as for ratings.",
    "item_knn": "Item neighbours (cosine): items taken by the same people are similar, and a person is offered the "
                "items most similar to what they already took. It explains itself: 'because you took X'.",
}  # fmt: skip


def model_text(name: str, kind: str) -> str:
    return (IMPLICIT_TEXT.get(name) if kind == "implicit" else None) or MODEL_TEXT[name]


def _value(v: float) -> str:
    return f"{v:g}"


def because(kind: str, model: str, rated: list[tuple[str, float]], item_bias: float | None = None,
            takers: int | None = None) -> str:  # fmt: skip
    """One sentence naming the user's own items that led to a recommendation (`rated`: (title, their value),
    strongest first), or what the baseline relied on when no item of theirs did."""
    if rated:
        names = [f"{title} {_value(value)}" if kind == "explicit" else title for title, value in rated[:2]]
        joined = " and ".join(names)
        if kind == "implicit":
            return f"because you took {joined}, and people who took {'them' if len(names) > 1 else 'it'} took this"
        if model == "item_knn":
            return (f"because you rated {joined} and people who did rated this highly"
                    if len(names) == 1 else f"because you rated {joined}, and people who did rated this highly")
        return f"because your ratings of {joined} point to the tastes this item has"
    if takers is not None:
        return f"one of the most taken: {takers:,} {'person' if takers == 1 else 'people'} took it"
    if item_bias is not None:
        sign = "above" if item_bias >= 0 else "below"
        return f"people rate it {abs(item_bias):.2f} stars {sign} the average, and you rate like most people"
    return "the average rating: nothing more personal is known"
