"""The variable catalogue: names, Swedish labels, types, codes and roles of every ISU variable.

An ISU data set has one row per investigation (utredning). Which columns exist, what they may
contain, how they are shown to people and what part they play in the analysis (background, need,
intervention, participation …) is defined once, in ``catalog.yaml``, and read through this module.
The criteria for unmotivated differences (Tabell 1 and 2 of the SKR support) are part of it, as
ordered lists of variables per criterion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import pandas as pd
import yaml

from isuwork.domain.vocabulary import SEX
from isuwork.exceptions import CatalogError, ParameterError

VarType = Literal["text", "code", "yesno", "int", "number", "date"]
Role = Literal[
    "id",
    "bakgrund",
    "behov",
    "alternativ",
    "installning",
    "delaktighet",
    "insats",
    "resultat",
    "process",
    "granskning",
]
OutcomeKind = Literal["share", "mean", "category"]
CriteriaKind = Literal["insats", "delaktighet"]

_TYPES: tuple[str, ...] = ("text", "code", "yesno", "int", "number", "date")


@dataclass(frozen=True)
class Variable:
    """One column of the ISU schema, as described in ``catalog.yaml``."""

    name: str
    label: str
    type: VarType
    role: Role
    codes: dict[str, str] = field(default_factory=dict)
    plural: dict[str, str] = field(default_factory=dict)
    ordered: bool = False
    min: float | None = None
    max: float | None = None
    required: bool = False
    unique: bool = False
    derived: str | None = None
    identifying: bool = False
    free_text: bool = False
    sensitive: bool = False
    life_area: bool = False
    outcome: OutcomeKind | None = None
    lower_is_better: bool = False
    help: str | None = None

    def code_label(self, code: Any) -> str:
        """Swedish label of one code (the code itself when unknown, e.g. for text variables)."""
        if self.type == "yesno" and isinstance(code, bool):
            return "Ja" if code else "Nej"
        return self.codes.get(str(code), str(code))

    @property
    def dtype(self) -> Any:
        """The pandas dtype this variable has in a prepared frame."""
        if self.type == "code" and self.codes:
            return pd.CategoricalDtype(list(self.codes), ordered=self.ordered)
        return {
            "text": "string",
            "code": "string",
            "yesno": "boolean",
            "int": "Int64",
            "number": "Float64",
            "date": "datetime64[ns]",
        }[self.type]


@dataclass(frozen=True)
class AgeBand:
    """An age band ``[low, high]`` (inclusive, ``high`` None = open), with code and label."""

    low: int
    high: int | None

    @property
    def code(self) -> str:
        """The band's code in data: ``65-74`` or ``90+``."""
        return f"{self.low}+" if self.high is None else f"{self.low}-{self.high}"

    @property
    def label(self) -> str:
        """The band's Swedish label: ``65–74 år`` or ``90+ år``."""
        return f"{self.low}+ år" if self.high is None else f"{self.low}–{self.high} år"


@dataclass(frozen=True)
class Criterion:
    """One criterion of Tabell 1 or 2: which variables answer it and how it is applied.

    ``rule`` is ``stratify`` (compare within strata of ``variables``) or ``set_aside`` (drop
    cases where ``values`` match: ``when='any'`` any condition, ``'all'`` every condition).
    Values of yes/no variables are given as ``'ja'``/``'nej'``. ``profile`` lists further
    variables a ``stratify`` criterion uses when they are in the data (the IBIC life areas of
    the need profile), without calling them missing when they are not.
    """

    code: str
    label: str
    question: str
    rule: Literal["stratify", "set_aside"]
    variables: tuple[str, ...]
    when: Literal["any", "all"] = "any"
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    profile: tuple[str, ...] = ()


class Catalog:
    """Read access to ``catalog.yaml``. Use :func:`load_catalog` to get the shared instance."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.roles: dict[str, str] = dict(raw["roles"])
        self.variables: dict[str, Variable] = {}
        for name, spec in raw["variables"].items():
            spec = dict(spec)
            if spec.get("type") not in _TYPES:
                raise CatalogError(
                    f"Katalogen: variabeln {name} har okänd typ {spec.get('type')!r}."
                )
            if spec.get("role") not in self.roles:
                raise CatalogError(
                    f"Katalogen: variabeln {name} har okänd roll {spec.get('role')!r}."
                )
            spec["codes"] = {str(k): str(v) for k, v in (spec.get("codes") or {}).items()}
            spec["plural"] = {str(k): str(v) for k, v in (spec.get("plural") or {}).items()}
            self.variables[name] = Variable(name=name, **spec)
        self._age_groups = {
            key: [AgeBand(int(lo), None if hi is None else int(hi)) for lo, hi in bands]
            for key, bands in raw["age_groups"].items()
        }
        self.screening_background: list[str] = list(raw["screening_background"])
        #: groupings whose levels lie inside the levels of others (child -> possible parents)
        self.nested_in: dict[str, tuple[str, ...]] = {
            child: tuple(parents) for child, parents in (raw.get("nested_in") or {}).items()
        }
        crit = raw["criteria"]
        self._criteria: dict[str, list[Criterion]] = {}
        for kind in ("insats", "delaktighet"):
            items = []
            for c in crit[kind]:
                c = dict(c)
                c["variables"] = tuple(c["variables"])
                c["profile"] = tuple(c.get("profile") or ())
                c["values"] = {
                    k: tuple(str(x) for x in v) for k, v in (c.get("values") or {}).items()
                }
                items.append(Criterion(**c))
            self._criteria[kind] = items
        self.participation_need: tuple[str, ...] = tuple(crit["delaktighet_need"])
        self.age_schemes: tuple[str, ...] = tuple(raw["age_groups"])
        review = raw.get("review") or {}
        #: the case review's columns, in the review book's order, and those its key keeps
        self.review_items: tuple[str, ...] = tuple(review.get("items") or ())
        self.review_key: tuple[str, ...] = tuple(review.get("key") or ())
        self._check()

    def _check(self) -> None:
        names = set(self.variables)
        for kind, items in self._criteria.items():
            for c in items:
                unknown = (set(c.variables) | set(c.profile)) - names
                if unknown:
                    raise CatalogError(
                        f"Katalogen: kriteriet {kind}/{c.code} nämner okända {unknown}."
                    )
        unknown = set(self.screening_background) - names
        if unknown:
            raise CatalogError(f"Katalogen: screening_background nämner okända {sorted(unknown)}.")
        unknown = {n for c, ps in self.nested_in.items() for n in (c, *ps)} - names
        if unknown:
            raise CatalogError(f"Katalogen: nested_in nämner okända {sorted(unknown)}.")
        unknown = (set(self.review_items) | set(self.review_key)) - names
        if unknown:
            raise CatalogError(f"Katalogen: review nämner okända {sorted(unknown)}.")
        if SEX not in names or len(self.variables[SEX].codes) != 2:
            raise CatalogError(f"Katalogen: variabeln {SEX} ska finnas och ha två koder.")

    # -- variables ---------------------------------------------------------------------------
    def __contains__(self, name: object) -> bool:
        return name in self.variables

    def variable(self, name: str) -> Variable:
        """Return one variable; a :class:`ParameterError` in Swedish when it is unknown."""
        try:
            return self.variables[name]
        except KeyError:
            raise ParameterError(
                f"Variabeln '{name}' finns inte i katalogen. Kända variabler är: "
                f"{', '.join(sorted(self.variables))}."
            ) from None

    def label(self, name: str) -> str:
        """Swedish label of a variable; the name itself for columns outside the schema."""
        var = self.variables.get(name)
        return var.label if var else name

    def code_label(self, name: str, code: Any) -> str:
        """Swedish label of one value of a variable (the value itself when not coded)."""
        var = self.variables.get(name)
        if var is None:
            return str(code)
        if name == "aldersgrupp":
            return self.age_group_label(str(code))
        return var.code_label(code)

    def names(self, **filters: Any) -> list[str]:
        """Names of variables whose attributes equal the given values, e.g. ``life_area=True``."""
        return [
            v.name
            for v in self.variables.values()
            if all(getattr(v, key) == value for key, value in filters.items())
        ]

    @property
    def life_areas(self) -> list[str]:
        """The IBIC life-area columns ``lo_d1`` … ``lo_d9``, ``lo_trygghet``."""
        return self.names(life_area=True)

    @property
    def outcomes(self) -> list[Variable]:
        """Variables analysed as outcomes (``outcome`` set), in catalogue order."""
        return [v for v in self.variables.values() if v.outcome is not None]

    @property
    def required(self) -> list[str]:
        """Variables a prepared frame must have."""
        return self.names(required=True)

    # -- the compared groups ----------------------------------------------------------------
    @property
    def sexes(self) -> tuple[str, ...]:
        """The codes of legal sex, in catalogue order: the groups compared by default."""
        return tuple(self.variable(SEX).codes)

    def plural_label(self, name: str, code: str) -> str:
        """A group's label in the plural, for charts and headers (``kvinna`` → ``Kvinnor``)."""
        var = self.variables.get(name)
        if var is not None and code in var.plural:
            return var.plural[code]
        return self.code_label(name, code)

    def dtype(self, name: str) -> Any:
        """The pandas dtype of a variable in a prepared frame (``string`` outside the schema)."""
        if name == "aldersgrupp":
            return pd.CategoricalDtype(self.age_group_codes, ordered=True)
        var = self.variables.get(name)
        return var.dtype if var else "string"

    # -- age groups -------------------------------------------------------------------------
    def age_groups(self, verksamhet: str | None = None) -> list[AgeBand]:
        """Age bands for a verksamhet (the default scheme for other or unknown ones)."""
        return self._age_groups.get(verksamhet or "default", self._age_groups["default"])

    def age_group_label(self, code: str) -> str:
        """Label of an age-group code such as ``'65-74'`` → ``'65–74 år'``."""
        if code.endswith("+"):
            return f"{code[:-1]}+ år"
        return code.replace("-", "–") + " år" if "-" in code else code

    def age_band_sections(
        self, codes: Sequence[str], verksamheter: Sequence[str] | None = None
    ) -> list[tuple[str, list[str]]]:
        """Age-band codes grouped by the verksamheter whose scheme has them, in scheme order.

        Each section is the Swedish names of its verksamheter (of ``verksamheter``, by default
        every verksamhet of the catalogue; in the catalogue's order) and its bands, youngest
        first; a band no given verksamhet has comes last, under "Övriga".
        """
        every = list(self.variable("verksamhet").codes)
        present = every if verksamheter is None else [w for w in every if w in set(verksamheter)]
        order = {code: i for i, code in enumerate(self.age_group_codes)}
        sections: dict[tuple[str, ...], list[str]] = {}
        for code in sorted(dict.fromkeys(map(str, codes)), key=lambda c: order.get(c, len(order))):
            owners = tuple(w for w in present if code in {b.code for b in self.age_groups(w)})
            sections.setdefault(owners, []).append(code)
        first = {w: i for i, w in enumerate(present)}

        def rank(owners: tuple[str, ...]) -> tuple[int, int]:
            return (0, min(first[w] for w in owners)) if owners else (1, 0)

        return [
            (
                ", ".join(self.code_label("verksamhet", w) for w in owners) or "Övriga",
                bands,
            )
            for owners, bands in sorted(sections.items(), key=lambda item: rank(item[0]))
        ]

    @property
    def age_group_codes(self) -> list[str]:
        """Every age-group code of every scheme, ordered by lower bound, then upper bound."""
        bands = {b for scheme in self._age_groups.values() for b in scheme}
        return [b.code for b in sorted(bands, key=lambda b: (b.low, b.high or 999))]

    # -- criteria ---------------------------------------------------------------------------
    def criteria(self, kind: CriteriaKind) -> list[Criterion]:
        """The ordered criteria of Tabell 1 (``'insats'``) or Tabell 2 (``'delaktighet'``)."""
        if kind not in self._criteria:
            raise ParameterError(
                f"Okänd typ av kriterier '{kind}'. Tillåtna: {', '.join(self._criteria)}."
            )
        return list(self._criteria[kind])


@cache
def load_catalog() -> Catalog:
    """Load the catalogue shipped with isuwork (cached; treat it as read-only)."""
    text = resources.files(__package__).joinpath("catalog.yaml").read_text(encoding="utf-8")
    return Catalog(yaml.safe_load(text))
