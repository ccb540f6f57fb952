"""Spellings of one category: the one rule that decides which distinct values of a column are one category
written several ways. Explore's `inconsistent_category` finding and Clean's `cluster_spellings` step both
call `cluster_values`, so what Explore calls a misspelling is what Clean proposes to merge.

The rule, as a learner can read it:

* **strong**: two values that are the same once case, spaces, accents and punctuation are set aside (`key`).
  Symbols that carry meaning (`< > + = % $ # & @ *`) are kept, and a value holding digits only loses its
  case, accents and extra spaces: `<12 yrs` is not `12 yrs`, `1.5` is not `15`.
* **strong**: a rare spelling one typing edit (a letter inserted, deleted, replaced, or two letters swapped)
  from a value at least `2 x ratio` times as frequent (two edits from a value of 10 letters or more);
  **possible** when only `ratio` to `2 x ratio` times rarer.
* **possible**: the same words in another order, or the same sound (phonetic, off by default), for a rare value.
* **possible**, whatever the frequencies: the same name with a company's legal form added (`AIRBUS` /
  `AIRBUS INDUSTRIE`, `CANADAIR` / `CANADAIR LTD`), or with its words abbreviated (`urg care ctr` /
  `urgent care center`).
* never by edits: values with digits or symbols; short words (5 letters or fewer: Red / Bed; two swapped
  letters in a word of 4 or 5 letters is at most possible); codes (all capitals, or a capital inside a word:
  GasA / GasW, SBrkr); a difference inside one short word of a name (`inpatient ward a` / `inpatient ward q`);
  and two frequent values (a value is a misspelling only of one at least `ratio` times more frequent).

Only strong variants are merged by default (pre-ticked on the Clean page); possible ones are shown, unticked.
The key is SQL (`key_sql`): the step replays it on new data, and the exports run the same SQL.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import Any

import duckdb

# the rule in two sentences, shown with the finding
RULE = ("Flagged when values are the same once case, spaces, accents and punctuation are set aside, or when a rare "
        "value is one or two typing edits from one at least 10 times as frequent. Not flagged: symbols that carry "
        "meaning (<12 / 12), values with digits, short words and codes (GasA / GasW), a difference in one short "
        "word of a name (ward a / ward q), or two frequent values. Possible only: a company's legal form added "
        "(AIRBUS / AIRBUS INDUSTRIE) or words abbreviated (urg care ctr / urgent care center).")
METHODS = ("fingerprint", "ngram", "phonetic", "neighbours")
DEFAULT_METHODS = ["fingerprint", "ngram", "neighbours"]
STRONG, POSSIBLE = "strong", "possible"
SHORT = 5  # letters: a word this short is never merged by edits (Red / Bed, GasA / GasW)
BLOCK = 3  # letters of the prefix and suffix blocks the edit comparison runs in
MEANINGFUL = "<>+=%$#€£¥±&@*"  # symbols a comparison never erases
# words that name the legal form of a company: 'AIRBUS INDUSTRIE' is AIRBUS, 'CANADAIR LTD' is CANADAIR
COMPANY_WORDS = {"inc", "co", "corp", "corporation", "company", "ltd", "limited", "llc", "plc", "gmbh", "ag", "sa",
                 "spa", "industrie", "industries", "group"}  # fmt: skip
ADDED_WORDS = 2  # at most this many words added to a name

# case, accents and extra spaces always; other punctuation and all spaces only in a value without digits
_KEY = (r"CASE WHEN regexp_matches({c}, '\pN') THEN lower(strip_accents(trim(regexp_replace({c}, '\s+', ' ', 'g'))))"
        r" ELSE nullif(regexp_replace(lower(strip_accents({c})), '[^\pL" + MEANINGFUL.replace("$", "\\$")
        + r"]+', '', 'g'), '') END")  # fmt: skip


def key_sql(c: str) -> str:
    """SQL: the comparison key of the text `c` (NULL when nothing is left of it, such as '?')."""
    return _KEY.format(c=c)


def keys_of(values: list[str]) -> list[str | None]:
    """The key of each value, computed by DuckDB with `key_sql` (the one definition)."""
    if not values:
        return []
    with duckdb.connect() as con:
        (keys,) = con.execute(f"SELECT list_transform(?::VARCHAR[], lambda v: {key_sql('v')})", [values]).fetchone()
    return keys


def words(text: str) -> list[str]:
    """The words of a value: lower case, accents removed."""
    return re.findall(r"\w+", "".join(ch for ch in unicodedata.normalize("NFKD", text.lower())
                                      if not unicodedata.combining(ch)))  # fmt: skip


def is_code(text: str) -> bool:
    """All capitals (SBRKR, RL) or a capital inside a word (GasA, SBrkr, NWAmes): a code, not a word."""
    letters = [ch for ch in text if ch.isalpha()]
    capitals = not any(ch.islower() for ch in letters)
    return bool(letters) and (capitals or any(a.islower() and b.isupper() for a, b in zip(text, text[1:])))


_SOUNDEX = {c: d for d, letters in {"1": "bfpv", "2": "cgjkqsxz", "3": "dt", "4": "l", "5": "mn", "6": "r"}.items()
            for c in letters}  # fmt: skip


def phonetic_key(value: str) -> str:
    """American Soundex of each word."""
    codes = []
    for word in words(value):
        if not word.isascii() or not word.isalpha():
            return ""
        digits, last = [], _SOUNDEX.get(word[0])
        for ch in word[1:]:
            code = _SOUNDEX.get(ch)
            if code and code != last:
                digits.append(code)
            if ch not in "hw":
                last = code
        codes.append((word[0] + "".join(digits) + "000")[:4])
    return " ".join(codes)


def _how(a: str, b: str) -> str:
    """What sets two spellings with one key apart, in words: 'case, spaces'."""
    stages = [("spaces", lambda s: "".join(s.split())), ("case", str.lower),
              ("accents", lambda s: "".join(ch for ch in unicodedata.normalize("NFKD", s)
                                            if not unicodedata.combining(ch)))]  # fmt: skip
    found = []
    for name, f in stages:
        if a == b:
            break
        fa, fb = f(a), f(b)
        if (fa, fb) != (a, b):
            found.append(name)
        a, b = fa, fb
    if a != b:
        found.append("punctuation")
    return ", ".join(found) or "spelling"


class _Groups:
    """Union-find over indices."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def cluster_values(counts: list[tuple[str, int]], methods: list[str] | None = None, max_edits: int = 2,
                   ratio: float = 10.0, keys: list[str | None] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Clusters of two or more spellings, commonest first. Each: {canonical, members: [[value, rows], ...]
    (the canonical first), count (rows of the other spellings), evidence: {variant: {confidence, why}},
    confidence (the weakest of its variants')}. `keys` are the values' `key_sql` keys, when already computed."""
    methods = DEFAULT_METHODS if methods is None else methods
    keys = keys_of([v for v, _ in counts]) if keys is None else keys
    # key groups: the spellings one key collects (a value without a key is a group of its own)
    group_of: dict[str, int] = {}
    members: list[list[int]] = []
    for i, key in enumerate(keys):
        g = group_of.setdefault(key, len(members)) if key else len(members)
        if g == len(members):
            members.append([])
        members[g].append(i)
    for m in members:
        m.sort(key=lambda i: (-counts[i][1], counts[i][0]))
    rep = [counts[m[0]][0] for m in members]  # a group's commonest spelling speaks for it
    total = [sum(counts[i][1] for i in m) for m in members]
    group_key = [keys[m[0]] for m in members]
    edges: dict[int, tuple[int, str, str]] = {}  # rare group -> (group it is a variant of, confidence, why)
    rules = _Rules(rep, total, group_key, ratio, max_edits)
    if "fingerprint" in methods:
        rules.same_words(edges)
    if "neighbours" in methods:
        rules.added_words(edges)
    if "neighbours" in methods or "ngram" in methods:
        rules.edits(edges, doubled_only="neighbours" not in methods)
    if "phonetic" in methods:
        rules.same_sound(edges)
    groups = _Groups(len(members))
    for rare, (common, _, _) in edges.items():
        groups.join(rare, common)
    components: dict[int, list[int]] = defaultdict(list)
    for g in range(len(members)):
        components[groups.find(g)].append(g)
    out = []
    for gs in components.values():
        spellings = sorted((i for g in gs for i in members[g]), key=lambda i: (-counts[i][1], counts[i][0]))
        if len(spellings) < 2:
            continue
        canonical = spellings[0]
        home = next(g for g in gs if canonical in members[g])
        evidence = {}
        for g in gs:
            path = _path(g, home, edges)
            for i in members[g]:
                if i == canonical:
                    continue
                steps = [] if i == members[g][0] else [(STRONG, _how(counts[i][0], rep[g]))]
                steps += path
                confidence = POSSIBLE if any(c == POSSIBLE for c, _ in steps) else STRONG
                evidence[counts[i][0]] = {"confidence": confidence, "why": "; ".join(w for _, w in steps)}
        out.append({"canonical": counts[canonical][0], "members": [[counts[i][0], counts[i][1]] for i in spellings],
                    "count": sum(counts[i][1] for i in spellings[1:]), "evidence": evidence,
                    "confidence": weakest(evidence.values())})  # fmt: skip
    return sorted(out, key=lambda c: (-c["count"], c["canonical"]))


def weakest(evidence) -> str:
    """possible when any of the evidence is, else strong."""
    return POSSIBLE if any(e["confidence"] == POSSIBLE for e in evidence) else STRONG


def _path(g: int, home: int, edges: dict[int, tuple[int, str, str]]) -> list[tuple[str, str]]:
    """The joins from group `g` to the canonical's group, each (confidence, why)."""
    up_g, up_home = _chain(g, edges), _chain(home, edges)
    meet = next((x for x in up_g if x in set(up_home)), None)
    if meet is None:
        return [(POSSIBLE, "joined through other spellings")]
    steps = [edges[x][1:] for x in up_g[: up_g.index(meet)]]
    return steps + [edges[x][1:] for x in up_home[: up_home.index(meet)]]


def _chain(g: int, edges: dict[int, tuple[int, str, str]]) -> list[int]:
    out = [g]
    while out[-1] in edges and edges[out[-1]][0] not in out:
        out.append(edges[out[-1]][0])
    return out


def strong(cluster: dict[str, Any]) -> list[str]:
    """The variants of a cluster merged by default (pre-ticked): those with strong evidence."""
    evidence = cluster.get("evidence")
    return [v for v, _ in cluster["members"][1:] if evidence is None or evidence[v]["confidence"] == STRONG]


def mapping_of(clusters: list[dict[str, Any]]) -> dict[str, str]:
    """variant -> canonical for the strong variants."""
    return {v: c["canonical"] for c in clusters for v in strong(c)}


def _abbreviates(short: list[str], long: list[str]) -> bool:
    """Whether every word of `short` is the word of `long` at its place or an abbreviation of it: its beginning
    ('urg' of 'urgent') or its first letter and consonants in order ('ctr' of 'center', 'mgr' of 'manager'), at
    most 60% of its length; at least one abbreviated. 'Eek' is not 'Egegik', nor 'Roberts' 'Robertson'."""
    if len(short) != len(long):
        return False
    shortened = 0
    for a, b in zip(short, long):
        if a == b:
            continue
        letters = iter(b[1:])
        skeleton = a[0] == b[0] and not set(a[1:]) & set("aeiouy") and all(ch in letters for ch in a[1:])
        if len(a) < 2 or len(a) > 0.6 * len(b) or len(b) < 4 or not (b.startswith(a) or skeleton):
            return False
        shortened += 1
    return shortened > 0


class _Rules:
    """The joins between key groups that are not key collisions: each rare group joins at most one group."""

    def __init__(self, rep: list[str], total: list[int], key: list[str | None], ratio: float, max_edits: int):
        self.rep, self.total, self.key, self.ratio, self.max_edits = rep, total, key, ratio, max_edits
        self.words = [words(v) for v in rep]

    def _plain_word(self, g: int) -> bool:
        """A value edits may touch: letters only (no digits or symbols), not a code."""
        k = self.key[g]
        return bool(k) and k.isalpha() and not is_code(self.rep[g])

    def _offer(self, edges, rare: int, common: int, confidence: str, why: str) -> None:
        """Keep `common` as `rare`'s best partner: the stronger evidence, then the more frequent value."""
        old = edges.get(rare)
        rank = (confidence == STRONG, self.total[common])
        if old is None or rank > (old[1] == STRONG, self.total[old[0]]):
            edges[rare] = (common, confidence, why)

    def _rarer(self, rare: int, common: int) -> float | None:
        """How many times rarer `rare` is, when at least `ratio` times."""
        times = self.total[common] / max(self.total[rare], 1)
        return times if times >= self.ratio else None

    def same_words(self, edges) -> None:
        by_words: dict[tuple, list[int]] = defaultdict(list)
        for g, ws in enumerate(self.words):
            if len(ws) >= 2 and self.key[g] and not re.search(r"\d", self.key[g]):
                by_words[tuple(sorted(set(ws)))].append(g)
        for gs in by_words.values():
            for rare in gs:
                for common in gs:
                    times = self._rarer(rare, common) if common != rare else None
                    if times:
                        why = f"the same words in another order, {times:.0f}× rarer"
                        self._offer(edges, rare, common, POSSIBLE, why)

    def added_words(self, edges) -> None:
        """Possible: the same name with a company's legal form added ('AIRBUS' / 'AIRBUS INDUSTRIE', 'MCDONNELL
        DOUGLAS' / 'MCDONNELL DOUGLAS AIRCRAFT CO'), or with its words abbreviated ('urg care ctr' / 'urgent care
        center'), whatever their frequencies: two names of one thing, to check."""
        plain = [g for g, ws in enumerate(self.words) if ws and all(w.isalpha() for w in ws)]
        by_words = {tuple(self.words[g]): g for g in plain}
        for g in plain:
            ws = self.words[g]
            for k in range(1, min(ADDED_WORDS, len(ws) - 1) + 1):
                short = by_words.get(tuple(ws[:-k]))
                if short is not None and ws[-1] in COMPANY_WORDS and len("".join(ws[:-k])) > SHORT:
                    self._pair(edges, g, short, f"the same name with {' '.join(ws[-k:]).upper()!r} added")
        by_initials: dict[tuple, list[int]] = defaultdict(list)
        for g in plain:
            if len(self.words[g]) >= 2:
                by_initials[tuple(w[0] for w in self.words[g])].append(g)
        for gs in by_initials.values():
            for a in gs:
                for b in gs:
                    if a != b and _abbreviates(self.words[a], self.words[b]):
                        self._pair(edges, a, b, "the same words abbreviated")

    def _pair(self, edges, a: int, b: int, why: str) -> None:
        """A possible join of two groups, the rarer joining the more frequent."""
        rare, common = (a, b) if (self.total[a], self.rep[b]) < (self.total[b], self.rep[a]) else (b, a)
        self._offer(edges, rare, common, POSSIBLE, why)

    def same_sound(self, edges) -> None:
        by_sound: dict[str, list[int]] = defaultdict(list)
        for g in range(len(self.rep)):
            if self._plain_word(g) and len(self.key[g]) > SHORT:
                code = phonetic_key(self.rep[g])
                if code:
                    by_sound[code].append(g)
        for gs in by_sound.values():
            for rare in gs:
                for common in gs:
                    times = self._rarer(rare, common) if common != rare else None
                    if times and self._words_allow(rare, common):
                        self._offer(edges, rare, common, POSSIBLE, f"sounds the same, {times:.0f}× rarer")

    def _words_allow(self, rare: int, common: int) -> bool:
        """Edits inside a name only in its long words (of the common spelling): 'ward a' and 'ward q' are two
        wards."""
        a, b = self.words[rare], self.words[common]
        if len(a) != len(b):  # a space added or lost; not a whole word ('sr project manager' / 'project manager')
            return not (set(a) < set(b) or set(b) < set(a))
        if len(b) < 2:
            return True  # one word (judged by its length)
        return all(len(y) > SHORT for x, y in zip(a, b) if x != y)

    def edits(self, edges, doubled_only: bool = False) -> None:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        plain = [g for g in range(len(self.rep)) if self._plain_word(g) and len(self.key[g]) >= SHORT - 1]
        blocks: dict[str, list[int]] = defaultdict(list)
        for g in plain:
            k = self.key[g]
            blocks["^" + k[:BLOCK]].append(g)
            blocks["$" + k[-BLOCK:]].append(g)
            blocks["#" + "".join(sorted(k))].append(g)  # two letters swapped near both ends
        for block in blocks.values():
            if len(block) < 2:
                continue
            texts = [self.key[g] for g in block]
            dist = process.cdist(texts, texts, scorer=OSA.distance, score_cutoff=self.max_edits, workers=1)
            for a, b in zip(*(dist <= self.max_edits).nonzero()):
                rare, common = block[a], block[b]
                times = self._rarer(rare, common) if rare != common else None
                if times is None:
                    continue
                found = self._judge(self.key[rare], self.key[common], int(dist[a, b]), times, doubled_only,
                                    self.words[rare], self.words[common])  # fmt: skip
                if found and self._words_allow(rare, common):
                    self._offer(edges, rare, common, *found)

    def _judge(self, rare: str, common: str, edits: int, times: float, doubled_only: bool,
               rare_words: list[str] = (), common_words: list[str] = ()) -> tuple[str, str] | None:  # fmt: skip
        """(confidence, why) for a rare spelling `edits` typing edits from a `times` more frequent one, or None."""
        doubled = re.sub(r"(.)\1+", r"\1", rare) == re.sub(r"(.)\1+", r"\1", common)
        if doubled_only and not doubled:
            return None
        length = len(common)  # of the category the rare spelling would misspell
        a, b = rare_words, common_words
        if len(a) == len(b) >= 2:  # a name of several words: the edits fall in one word, judged by its length
            length = max(len(y) for x, y in zip(a, b) if x != y) if a != b else length
        swapped = edits == 1 and len(rare) == len(common) and sorted(rare) == sorted(common)
        if length <= SHORT:
            # a short word: only two swapped letters, and never for sure (Pairs / Paris)
            if swapped and length >= SHORT - 1:
                return POSSIBLE, f"two letters swapped, {times:.0f}× rarer"
            return None
        if edits > max(1, min(self.max_edits, length // 5)):  # one edit up to 9 letters, two from 10
            return None
        what = "a doubled letter" if doubled else "two letters swapped" if swapped else (
            "one typing edit" if edits == 1 else f"{edits} typing edits")  # fmt: skip
        return (STRONG if times >= 2 * self.ratio else POSSIBLE), f"{what}, {times:.0f}× rarer"
