"""An attacker that tries to work out hidden counts from what a kommun's screening list publishes.

It reads only the published JSON (the rows ``isuwork screen --format json`` writes) and what any
reader can know without the data: the catalogue's outcome kinds and age-band schemes, and that
LSS's verksamhet decides under LSS and the others under SoL. From these it writes down every
linear relation between counts it can justify:

- a count of cases with the attribute is at most the group's ``n``; a categorical outcome's
  categories add up to ``n``;
- the levels of one background variable are disjoint parts of all cases (at most the total,
  since a level can be unknown);
- age bands lie inside the verksamheter whose scheme has them (a band in several schemes is
  split into unknown parts, one per verksamhet);
- the verksamheter deciding under a lagrum hold at least that lagrum's cases.

Then, with integer programmes (HiGHS through :func:`scipy.optimize.milp`), it finds the smallest
and largest value each hidden count can take. A hidden count is *recovered* when both are the
same, and *bounded small* when the range lies inside 1 … ``min_n``−1. The attacker shares no code
with the protection it attacks (:mod:`isuwork.privacy`); the true counts it is checked against
are computed here with plain pandas.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from isuwork.domain.catalog import load_catalog

#: The lagrum each verksamhet decides under (public knowledge: LSS under LSS, the rest SoL).
LAGRUM_OF = {"lss": "lss"}
DEFAULT_LAGRUM = "sol"
ALL = "alla"
#: The stratum of cases without a known need.
UNKNOWN = "okänt"

Key = tuple[str, str, str, str, str, str]  # (what, utfall, kategori, bakgrund, niva, kon)


@dataclass
class Published:
    """The counts a reader sees or can name, and the relations between them."""

    shown: dict[Key, int] = field(default_factory=dict)
    hidden: set[Key] = field(default_factory=set)
    # each relation: (coefficients by variable, sense "<=" or "==") with right-hand side 0
    relations: list[tuple[dict[object, float], str]] = field(default_factory=list)

    def cell(self, key: Key) -> Key | None:
        return key if key in self.shown or key in self.hidden else None


def _kind(utfall: str) -> str:
    catalog = load_catalog()
    return catalog.variable(utfall).outcome if utfall in catalog else "share"


def read(rows: list[dict], *, sexes: tuple[str, ...]) -> Published:
    """The counts of a published screening list (JSON records) and their relations."""
    pub = Published()
    for row in rows:
        u, b = row["utfall"], row["bakgrund"]
        k, lvl = row.get("kategori") or "", row.get("niva") or ""
        kind = "category" if k else _kind(u)
        for sex in sexes:
            n, value = row.get(f"n_{sex}"), row.get(f"varde_{sex}")
            n_key: Key = ("n", u, "", b, lvl, sex)
            if n is None:
                pub.hidden.add(n_key)
            else:
                pub.shown[n_key] = round(n)
            if kind == "mean":
                continue
            a_key: Key = ("antal", u, k, b, lvl, sex)
            if n == 0:  # no cases: no share to show, and nothing to hide
                pub.shown[a_key] = 0
            elif value is None or n is None:
                pub.hidden.add(a_key)
            else:
                pub.shown[a_key] = round(value * n)
    pub.hidden -= set(pub.shown)
    _relations(pub)
    return pub


def _relations(pub: Published) -> None:
    cells = [*pub.shown, *pub.hidden]
    catalog = load_catalog()
    # a count at most its n; categories add up to n
    by_group: dict[tuple, list[Key]] = defaultdict(list)
    for key in cells:
        what, u, k, b, lvl, sex = key
        if what == "antal":
            n_key = ("n", u, "", b, lvl, sex)
            if k:
                by_group[n_key].append(key)
            else:
                pub.relations.append(({key: 1, n_key: -1}, "<="))
    for n_key, members in by_group.items():
        pub.relations.append(({**dict.fromkeys(members, 1), n_key: -1}, "=="))
    # levels of one background variable: disjoint parts of all cases
    levels: dict[tuple, dict[str, dict[str, Key]]] = defaultdict(lambda: defaultdict(dict))
    for key in cells:
        what, u, k, b, lvl, sex = key
        levels[(what, u, k, sex)][b][lvl] = key
    for (what, u, k, sex), by_background in levels.items():
        total = by_background.get(ALL, {}).get("")
        for b, members in by_background.items():
            if b != ALL and total is not None:
                pub.relations.append(({**dict.fromkeys(members.values(), 1), total: -1}, "<="))
        verksamheter = by_background.get("verksamhet", {})
        # age bands inside the verksamheter whose scheme has them
        owners_of: dict[str, list[str]] = {}
        for band in by_background.get("aldersgrupp", {}):
            owners_of[band] = [
                w for w in verksamheter if band in {a.code for a in catalog.age_groups(w)}
            ]
        parts: dict[str, list[object]] = defaultdict(list)
        for band, owners in owners_of.items():
            band_key = by_background["aldersgrupp"][band]
            if len(owners) == 1:
                parts[owners[0]].append(band_key)
            elif owners:
                split = [("del", what, u, k, sex, band, w) for w in owners]
                pub.relations.append(({**dict.fromkeys(split, 1), band_key: -1}, "=="))
                for w, part in zip(owners, split, strict=True):
                    parts[w].append(part)
        for w, members in parts.items():
            pub.relations.append(({**dict.fromkeys(members, 1), verksamheter[w]: -1}, "<="))
        # a lagrum's cases are among those of the verksamheter deciding under it
        for lagrum, lagrum_key in by_background.get("lagrum", {}).items():
            deciding = [
                key for w, key in verksamheter.items() if LAGRUM_OF.get(w, DEFAULT_LAGRUM) == lagrum
            ]
            if deciding:
                pub.relations.append(({lagrum_key: 1, **dict.fromkeys(deciding, -1)}, "<="))


@dataclass
class Finding:
    key: Key
    truth: int
    low: float
    high: float

    @property
    def recovered(self) -> bool:
        return self.low == self.high

    def bounded_small(self, min_n: int) -> bool:
        return self.low >= 1 and self.high < min_n


class _Program:
    """The relations over some unknowns, with the published values fixed, as an integer
    programme whose objective can be changed."""

    def __init__(self, a, lower: np.ndarray, upper: np.ndarray, lo: np.ndarray, hi: np.ndarray):
        self.constraint = LinearConstraint(a, lower, upper)
        self.bounds = Bounds(lo, hi)
        self.size = len(lo)

    def optimum(self, cost: np.ndarray) -> np.ndarray:
        integral = np.ones(self.size)
        res = milp(cost, constraints=self.constraint, bounds=self.bounds, integrality=integral)
        if res.status != 0:
            # HiGHS's presolve has, rarely, called infeasible a programme it had just solved
            # with another objective: solve it again without presolve
            res = milp(
                cost,
                constraints=self.constraint,
                bounds=self.bounds,
                integrality=integral,
                options={"presolve": False},
            )
        assert res.status == 0, res.message
        return np.round(res.x)

    def extreme(self, j: int, sign: float) -> float:
        cost = np.zeros(self.size)
        cost[j] = sign
        return float(self.optimum(cost)[j])


def attack(
    pub: Published, truth: dict[Key, int], *, min_n: int, tries: int = 4, seed: int = 0
) -> list[Finding]:
    """Whether each hidden count can be pinned (or bounded small) by what is published.

    First a few integer points with random objectives: a cell seen with two values is not
    pinned, and one seen at 0 or at ``min_n`` or more is not bounded small. For every other
    cell the exact smallest and largest values are solved for. ``low`` and ``high`` of a finding
    are that exact range, or the range of the points seen.
    """
    rng = np.random.default_rng(seed)
    names = sorted({v for coeffs, _ in pub.relations for v in coeffs} | pub.hidden, key=repr)
    index = {name: i for i, name in enumerate(names)}
    rows, cols, vals = [], [], []
    for r, (coeffs, _) in enumerate(pub.relations):
        for name, c in coeffs.items():
            rows.append(r)
            cols.append(index[name])
            vals.append(c)
    a = coo_matrix((vals, (rows, cols)), shape=(len(pub.relations), len(names))).tocsr()
    lower = np.array([0.0 if sense == "==" else -np.inf for _, sense in pub.relations])
    upper = np.zeros(len(pub.relations))
    big = 10 * max([*pub.shown.values(), 1]) + 10
    lo, hi = np.zeros(len(names)), np.full(len(names), float(big))
    shown = np.zeros(len(names), dtype=bool)
    for name, value in pub.shown.items():
        if name in index:
            lo[index[name]] = hi[index[name]] = value
            shown[index[name]] = True
    _check_truth(pub, a, lower, lo, names, truth)

    # only the unknowns linked to a cell through relations matter for its range
    touches = abs(a) > 0
    link = (touches[:, ~shown].T @ touches[:, ~shown]).tocoo()
    label = np.full(len(names), -1)
    label[~shown] = connected_components(link, directed=False)[1]
    findings = []
    for group in np.unique(label[~shown]):
        members = label == group
        targets = [i for i in np.flatnonzero(members) if names[i] in pub.hidden]
        sums = np.flatnonzero(np.asarray(touches[:, members].sum(axis=1)).ravel() > 0)
        used = np.unique(a[sums].indices)
        if not len(sums):  # in no relation at all: anything from 0 up
            findings += [Finding(names[i], truth[names[i]], 0.0, float(big)) for i in targets]
            continue
        program = _Program(a[sums][:, used], lower[sums], upper[sums], lo[used], hi[used])
        column = {int(c): j for j, c in enumerate(used)}
        mask = np.isin(np.arange(len(used)), [column[i] for i in targets])
        seen = [program.optimum(rng.choice([-1.0, 1.0], len(used)) * mask) for _ in range(tries)]
        for i in targets:
            j = column[i]
            values = [truth[names[i]], *(point[j] for point in seen)]
            low, high = min(values), max(values)
            if low == high or (low >= 1 and high < min_n):
                low, high = program.extreme(j, 1.0), program.extreme(j, -1.0)
            findings.append(Finding(names[i], truth[names[i]], low, high))
    return findings


def _check_truth(pub: Published, a, lower: np.ndarray, values: np.ndarray, names, truth) -> None:
    """The true counts satisfy every relation whose cells are all known (else the attacker's
    model of what a reader knows would be wrong)."""
    point = values.copy()
    known = np.zeros(len(names), dtype=bool)
    for i, name in enumerate(names):
        if name in truth or name in pub.shown:
            point[i] = truth.get(name, values[i])
            known[i] = True
    complete = np.asarray((abs(a[:, ~known]) > 0).sum(axis=1)).ravel() == 0
    residual = a @ point
    wrong = complete & ((residual > 1e-6) | ((lower == 0) & (residual < -1e-6)))
    assert not wrong.any(), [pub.relations[i] for i in np.flatnonzero(wrong)[:3]]


def true_counts(data: pd.DataFrame, keys: set[Key]) -> dict[Key, int]:
    """The true value of each count, straight from the cases (one kommun's rows)."""
    sex = data["kon"].astype("string")
    tallies: dict[tuple[str, str], pd.DataFrame] = {}
    truth = {}
    for key in keys:
        what, u, k, b, lvl, s = key
        if (u, b) not in tallies:
            level = pd.Series("", index=data.index) if b == ALL else data[b].astype("string")
            known = data[u].notna()
            frame = pd.DataFrame({"kon": sex, "niva": level, "y": data[u].astype("string")})
            tallies[(u, b)] = frame[known & level.notna() & sex.notna()]
        rows = tallies[(u, b)]
        rows = rows[(rows["kon"] == s) & (rows["niva"] == lvl)]
        if what == "n":
            truth[key] = len(rows)
        elif k:
            truth[key] = int((rows["y"] == k).sum())
        else:
            truth[key] = int(rows["y"].str.lower().isin(["true", "1"]).sum())
    return truth


# -- the criteria check --------------------------------------------------------------------------
def read_criteria(data: dict) -> Published:
    """The counts a criteria check publishes (its JSON form) and their relations.

    Names: ``("N", g)`` and ``("A", g)`` a group's cases and cases with the outcome; per step
    ``k``: ``("R", k, g)`` the group's cases still compared (never written), ``("S", k, g)``
    set aside, ``(field, k)`` the step's counts, ``("L", k)`` cases in one-group strata (in the
    notes), ``("sn", k, s, g)`` and ``("sa", k, s, g)`` a stratum's cases and cases with the
    outcome; ``("lv", s, g)`` a level of the homogeneity test.
    """
    pub = Published()
    share = data["outcome_type"] == "share"
    groups = list(data["groups"])
    rel = pub.relations

    def put(name, value, *, hidden_if_none=True):
        if value is None:
            if hidden_if_none:
                pub.hidden.add(name)
        else:
            pub.shown[name] = round(value)

    for g, info in data["groups"].items():
        put(("N", g), info["n"])
        if share:
            put(("A", g), None if info["value"] is None else info["value"] * info["n"])
            rel.append(({("A", g): 1, ("N", g): -1}, "<="))
    rest = {g: ("N", g) for g in groups}
    notes = " ".join(data["notes"])
    set_aside_seen, last = False, None
    for k, step in enumerate(data["steps"]):
        if step["status"] == "not_testable":  # publishes no counts
            continue
        for field_name in ("n", "n_remaining", "n_set_aside", "n_unknown_need"):
            put((field_name, k), step[field_name])
        if step["share_both_present"] and step["n_remaining"] is not None:
            pub.shown[("n", k)] = round(step["share_both_present"] * step["n_remaining"])
        if step["set_aside"]:
            set_aside_seen = True
            for g, info in step["set_aside"].items():
                put(("S", k, g), info["n"])
                if info["n"] and info["share"]:  # the share gives the cases before the step
                    pub.shown[rest[g]] = round(info["n"] / info["share"])
                rel.append(({rest[g]: 1, ("R", k, g): -1, ("S", k, g): -1}, "=="))
                rest[g] = ("R", k, g)
            rel.append(({**{("S", k, g): 1 for g in groups}, ("n_set_aside", k): -1}, "=="))
        rel.append(({**{rest[g]: 1 for g in groups}, ("n_remaining", k): -1}, "=="))
        rel.append(({("n", k): 1, ("L", k): 1, ("n_remaining", k): -1}, "=="))
        if step["strata"] is None:
            continue
        label = f"{step['label']}: "
        if label in notes:
            found = re.search(re.escape(label) + r"[^(]*\(([\d\s\u00a0]+) fall\)", notes)
            if found:
                pub.shown[("L", k)] = int(re.sub(r"\D", "", found.group(1)))
            else:
                pub.hidden.add(("L", k))
        else:
            pub.shown[("L", k)] = 0
        members: dict = defaultdict(dict)
        for record in step["strata"]:
            s = record["stratum"]
            for g, info in record["groups"].items():
                put(("sn", k, s, g), info["n"])
                members["n", g][("sn", k, s, g)] = 1
                members["both" if record["included"] else "lonely", ""][("sn", k, s, g)] = 1
                if s == UNKNOWN:
                    members["unknown", ""][("sn", k, s, g)] = 1
                if share:
                    n = info["n"]
                    value = 0 if n == 0 else info["value"]  # no cases: nothing to hide
                    put(("sa", k, s, g), None if value is None else value * n)
                    rel.append(({("sa", k, s, g): 1, ("sn", k, s, g): -1}, "<="))
                    members["a", g][("sa", k, s, g)] = 1
        for (what, g), cells in members.items():
            total = {
                "n": rest.get(g),
                "a": None if set_aside_seen else ("A", g),
                "both": ("n", k),
                "lonely": ("L", k),
                "unknown": ("n_unknown_need", k),
            }[what]
            if total is not None:
                rel.append(({**cells, total: -1}, "=="))
        last = k
    if data["heterogeneity"]:
        for level in data["heterogeneity"]["strata"]:
            for g, n in level["n"].items():
                name = ("lv", level["stratum"], g)
                put(name, n)
                same = ("sn", last, level["stratum"], g)
                if same in pub.shown or same in pub.hidden:
                    rel.append(({name: 1, same: -1}, "<="))
    pub.hidden -= set(pub.shown)
    return pub


def criteria_truth(result) -> dict:
    """The true value of every count :func:`read_criteria` names, from the unprotected result."""
    truth = {}
    for _, row in result.groups.iterrows():
        g = str(row[result.group])
        truth["N", g] = row["n"]
        truth["A", g] = row.get("antal", np.nan)
    for k, step in enumerate(result.steps):
        for name in ("n", "n_remaining", "n_set_aside", "n_unknown_need"):
            truth[name, k] = getattr(step, name)
        if step.n is not None and step.n_remaining is not None:
            truth["L", k] = step.n_remaining - step.n
        for g, (count, _) in (step.set_aside_by_group or {}).items():
            truth["S", k, str(g)] = count
        if step.strata is not None:
            for _, row in step.strata.iterrows():
                s, g = str(row["stratum"]), str(row[result.group])
                truth["sn", k, s, g], truth["sa", k, s, g] = row["n"], row.get("antal", np.nan)
    for level in result.heterogeneity.strata if result.heterogeneity else ():
        for g, n in zip(result.compare, level.n, strict=True):
            truth["lv", level.stratum, str(g)] = n
    return {k: int(v) for k, v in truth.items() if v is not None and np.isfinite(float(v))}


# -- a whole report: the screening list and the checks beside it ----------------------------------
def read_report(rows: list[dict], checks: list[dict], *, sexes: tuple[str, ...]) -> Published:
    """Everything a kommun's report publishes as counts: the screening list (JSON records) and
    each criteria check on its pages (JSON form), with the relations between them.

    A check of kön within one level of one background variable, or within all cases, compares
    the same cases as a row of the list, so its groups' cases and cases with the outcome are
    the list's counts for that row (a reader sees the same group twice). The check's own names
    are kept apart by the check's number.
    """
    pub = read(rows, sexes=sexes)
    for number, data in enumerate(checks):
        check = read_criteria(data)

        def own(name, number=number):
            return ("check", number, name)

        pub.shown |= {own(name): value for name, value in check.shown.items()}
        pub.hidden |= {own(name) for name in check.hidden}
        pub.relations += [
            ({own(name): c for name, c in coeffs.items()}, sense)
            for coeffs, sense in check.relations
        ]
        filters = data.get("filters") or {}
        if data["group"] != "kon" or len(filters) > 1:
            continue
        if filters:
            ((b, levels),) = filters.items()
            if len(levels) != 1:
                continue
            lvl = str(levels[0]).lower()
        else:
            b, lvl = ALL, ""
        for sex in sexes:
            for mine, theirs in (("N", "n"), ("A", "antal")):
                same = (theirs, data["outcome"], "", b, lvl, sex)
                if pub.cell(same) is not None and (
                    own((mine, sex)) in pub.shown or own((mine, sex)) in pub.hidden
                ):
                    pub.relations.append(({own((mine, sex)): 1, same: -1}, "=="))
    pub.hidden -= set(pub.shown)
    return pub


def report_truth(data: pd.DataFrame, pub: Published, results: list) -> dict:
    """The true value of every count :func:`read_report` names (``results``: the unprotected
    checks, in the order of the report)."""
    truth = true_counts(data, {k for k in [*pub.shown, *pub.hidden] if k[0] != "check"})
    for number, result in enumerate(results):
        truth |= {("check", number, name): v for name, v in criteria_truth(result).items()}
    return truth
