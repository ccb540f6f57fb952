"""Category columns for judging the spelling rule (workbench/profile/spelling.py), shared by
tests/unit/test_spelling_rule.py and benchmarks/spelling_precision.py.

DISTINCT: real columns whose values are all different categories, so every merge proposed on them is
false. The codes are those of the Ames housing data's documentation (De Cock, "Ames, Iowa: Alternative
to the Boston Housing Data", Journal of Statistics Education 19(3), 2011; public data documentation),
with row counts close to the data's 2,930 sales; then age bands and hospital wards written as real
survey and hospital tables write them.

plant(): a generated column with planted variants (case, spaces, accents, and typos: a letter inserted,
deleted, replaced, or two letters swapped) in rare rows of realistic category words (colours, cities,
car makes), with the truth. A typo is planted in a word of 6 letters or more: the rule never merges
short words by edits (Red / Bed), so such words get case, space and accent variants only.
"""

from __future__ import annotations

import random
import re
import unicodedata

DISTINCT: dict[str, list[tuple[str, int]]] = {
    "Heating": [("GasA", 2885), ("GasW", 27), ("Grav", 9), ("Wall", 6), ("OthW", 2), ("Floor", 1)],
    "Electrical": [("SBrkr", 2682), ("FuseA", 188), ("FuseF", 50), ("FuseP", 8), ("Mix", 1)],
    "MS Zoning": [("RL", 2273), ("RM", 462), ("FV", 139), ("RH", 27), ("C (all)", 25), ("A (agr)", 2),
                  ("I (all)", 2)],
    "Neighborhood": [("NAmes", 443), ("CollgCr", 267), ("OldTown", 239), ("Edwards", 194), ("Somerst", 182),
                     ("NridgHt", 166), ("Gilbert", 165), ("Sawyer", 151), ("NWAmes", 131), ("SawyerW", 125),
                     ("Mitchel", 114), ("BrkSide", 108), ("Crawfor", 103), ("IDOTRR", 93), ("Timber", 72),
                     ("NoRidge", 71), ("StoneBr", 51), ("SWISU", 48), ("ClearCr", 44), ("MeadowV", 37),
                     ("BrDale", 30), ("Blmngtn", 28), ("Veenker", 24), ("NPkVill", 23), ("Blueste", 10),
                     ("Greens", 8), ("GrnHill", 2), ("Landmrk", 1)],
    "Exterior 1st": [("VinylSd", 1026), ("MetalSd", 450), ("HdBoard", 442), ("Wd Sdng", 420), ("Plywood", 221),
                     ("CemntBd", 126), ("BrkFace", 88), ("WdShing", 56), ("AsbShng", 44), ("Stucco", 43),
                     ("BrkComm", 6), ("AsphShn", 2), ("CBlock", 2), ("Stone", 2), ("PreCast", 1), ("ImStucc", 1)],
    "Exterior 2nd": [("VinylSd", 1015), ("MetalSd", 447), ("HdBoard", 406), ("Wd Sdng", 397), ("Plywood", 274),
                     ("CmentBd", 126), ("Wd Shng", 81), ("BrkFace", 47), ("Stucco", 47), ("AsbShng", 38),
                     ("Brk Cmn", 22), ("ImStucc", 15), ("Stone", 6), ("AsphShn", 4), ("CBlock", 3), ("PreCast", 1),
                     ("Other", 1)],
    "Roof Matl": [("CompShg", 2887), ("Tar&Grv", 23), ("WdShake", 9), ("WdShngl", 7), ("Membran", 1), ("Metal", 1),
                  ("Roll", 1), ("ClyTile", 1)],
    "Sale Type": [("WD ", 2536), ("New", 239), ("COD", 87), ("ConLD", 26), ("CWD", 12), ("ConLI", 9), ("ConLw", 8),
                  ("Oth", 7), ("Con", 5), ("VWD", 1)],
    "Condition 1": [("Norm", 2522), ("Feedr", 164), ("Artery", 92), ("RRAn", 50), ("PosN", 39), ("RRAe", 28),
                    ("PosA", 20), ("RRNn", 9), ("RRNe", 6)],
    "Functional": [("Typ", 2728), ("Min2", 70), ("Min1", 65), ("Mod", 35), ("Maj1", 19), ("Maj2", 9), ("Sal", 2),
                   ("Sev", 2)],
    "House Style": [("1Story", 1481), ("2Story", 873), ("1.5Fin", 314), ("SLvl", 128), ("SFoyer", 83),
                    ("2.5Unf", 24), ("1.5Unf", 19), ("2.5Fin", 8)],
    "Bldg Type": [("1Fam", 2425), ("TwnhsE", 233), ("Duplex", 109), ("Twnhs", 101), ("2fmCon", 62)],
    "Garage Type": [("Attchd", 1731), ("Detchd", 782), ("BuiltIn", 186), ("Basment", 36), ("2Types", 23),
                    ("CarPort", 15)],
    "Sale Condition": [("Normal", 2413), ("Partial", 245), ("Abnorml", 190), ("Family", 46), ("Alloca", 24),
                       ("AdjLand", 12)],
    "Foundation": [("PConc", 1310), ("CBlock", 1244), ("BrkTil", 311), ("Slab", 49), ("Stone", 11), ("Wood", 5)],
    "mother's education (years)": [("12 yrs", 1406), ("13-15 yrs", 812), ("16 yrs", 1104), ("<12 yrs", 121),
                                   (">16 yrs", 96)],
    "ward": [("inpatient ward a", 412), ("inpatient ward b", 388), ("inpatient ward c", 251)]
            + [(f"inpatient ward {c}", n) for c, n in zip("lqsuvxz", (31, 22, 17, 12, 9, 4, 2))]
            + [("outpatient", 903), ("emergency", 377)],
}  # fmt: skip

COLOURS = ["Red", "Blue", "Green", "Black", "White", "Silver", "Yellow", "Orange", "Purple", "Burgundy", "Turquoise",
           "Charcoal", "Lavender", "Crimson", "Magenta", "Beige", "Navy Blue", "Forest Green", "Champagne",
           "Bronze"]  # fmt: skip
CITIES = ["Amsterdam", "Barcelona", "Chicago", "Frankfurt", "San Francisco", "Lisbon", "Copenhagen", "Melbourne",
          "Stockholm", "Edinburgh", "Rotterdam", "Marseille", "Toronto", "Vancouver", "Montréal", "Zürich", "Kraków",
          "São Paulo", "Rome", "Oslo", "Lyon", "Buenos Aires", "Los Angeles", "Philadelphia"]  # fmt: skip
MAKES = ["Toyota", "Volkswagen", "Mercedes-Benz", "Chevrolet", "Hyundai", "Renault", "Peugeot", "Mitsubishi",
         "Subaru", "Porsche", "Citroën", "Ford", "Audi", "Kia", "Fiat", "Volvo", "Nissan", "Mazda", "Lamborghini",
         "Škoda"]  # fmt: skip
COLUMNS = {"colour": COLOURS, "city": CITIES, "make": MAKES}
KINDS = ("case", "spaces", "accents", "insert", "delete", "replace", "swap")


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _typo(word: str, kind: str, rng: random.Random) -> str:
    i = rng.randrange(2 if kind == "swap" else 1, len(word) - 1)  # the first letter stays: people rarely miss it
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if kind == "insert":
        return word[:i] + letter + word[i:]
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "replace":
        return word[:i] + (letter if letter != word[i].lower() else "x") + word[i + 1 :]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :] if word[i] != word[i - 1] else word[:i] + word[i:]


def _variant(value: str, kind: str, rng: random.Random) -> str | None:
    if kind == "case":
        return rng.choice([value.lower(), value.upper()])
    if kind == "spaces":
        return rng.choice([" " + value, value + " ", value.replace(" ", "  ") if " " in value else value + "  "])
    if kind == "accents":
        plain = _strip_accents(value)
        return plain if plain != value else None
    long = [m for m in re.finditer(r"[^\W\d_]+", value) if len(m.group()) > 5]
    if not long:
        return None  # short words get case, space and accent variants only
    word = rng.choice(long)
    return value[: word.start()] + _typo(word.group(), kind, rng) + value[word.end() :]


def plant(seed: int = 11, variants_per_value: int = 3) -> tuple[dict[str, list[tuple[str, int]]], list[dict]]:
    """Columns of (value, rows): each category 150-2,000 rows, its planted variants 1-6 rows each; and the truth,
    one {column, variant, canonical, kind} per planted variant."""
    rng = random.Random(seed)
    columns, truth = {}, []
    for column, values in COLUMNS.items():
        counts = {v: rng.randint(150, 2000) for v in values}
        taken = {_strip_accents(v).lower().replace(" ", "") for v in values}
        for value in values:
            for _ in range(variants_per_value):
                for _attempt in range(20):
                    kind = rng.choice(KINDS)
                    variant = _variant(value, kind, rng)
                    if variant is None or variant == value or variant in counts:
                        continue
                    typo = kind not in ("case", "spaces", "accents")
                    if typo and _strip_accents(variant).lower().replace(" ", "") in taken:
                        continue  # a typo that is another category, or no change once case is set aside
                    counts[variant] = rng.randint(1, 6)
                    truth.append({"column": column, "variant": variant, "canonical": value, "kind": kind})
                    break
        columns[column] = sorted(counts.items(), key=lambda p: (-p[1], p[0]))
    return columns, truth


def proposals(columns: dict[str, list[tuple[str, int]]]) -> dict[tuple[str, str], tuple[str, str]]:
    """(column, variant) -> (canonical, confidence) for every variant the rule proposes."""
    from workbench.profile.spelling import cluster_values

    out = {}
    for column, counts in columns.items():
        for c in cluster_values(counts):
            for v, _ in c["members"][1:]:
                out[(column, v)] = (c["canonical"], c["evidence"][v]["confidence"])
    return out
