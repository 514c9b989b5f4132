"""The criteria as they will be applied: from the catalogue, with a user's overrides.

Tabell 1 (decisions on interventions) and Tabell 2 (participation) list the criteria in order;
each is a rule (``stratify`` or ``set_aside``) over some variables. The catalogue says which
variables answer each criterion; a call (or the command line's ``--need``, ``--alternative`` and
``--attitude``) may name others. This module turns both into a list of :class:`Spec`, checking
every name and value first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from isuwork.analysis.criteria.estimate import finite
from isuwork.domain.catalog import Criterion, load_catalog
from isuwork.domain.selection import as_list
from isuwork.domain.vocabulary import CRITERIA_KINDS, NO, YES
from isuwork.exceptions import ParameterError

Kind = Literal["insats", "delaktighet"]


@dataclass(frozen=True)
class Spec:
    """A criterion as it will be applied: rule plus variables and their set-aside values."""

    code: str
    label: str
    rule: str
    variables: tuple[str, ...]
    when: str
    values: dict[str, tuple[str, ...]]
    profile: tuple[str, ...] = ()


def resolve_kind(outcome: str, kind: str | None = None) -> Kind:
    """The criteria table for an outcome: ``kind`` when given, else the outcome's catalogue role.

    Raises
    ------
    ParameterError
        When ``kind`` is not ``'insats'``/``'delaktighet'``, or it is None and the outcome's
        role in the catalogue is neither.
    """
    if kind is not None:
        if kind not in CRITERIA_KINDS:
            raise ParameterError(
                f"Okänd typ av kriterier '{kind}'. Tillåtna: 'insats' (Tabell 1, beslut om "
                f"insats) och 'delaktighet' (Tabell 2)."
            )
        return kind  # type: ignore[return-value]
    catalog = load_catalog()
    role = catalog.variables[outcome].role if outcome in catalog else None
    if role in CRITERIA_KINDS:
        return role  # type: ignore[return-value]
    raise ParameterError(
        f"Kan inte avgöra vilka kriterier som gäller för utfallet '{outcome}' (roll: "
        f"{role or 'okänd'}). Ange kind='insats' (Tabell 1, beslut om insats) eller "
        f"kind='delaktighet' (Tabell 2), på kommandoraden --kind."
    )


def check_compare(compare: Sequence[str]) -> tuple[str, str]:
    """The two compared levels as a pair of texts; a Swedish error unless they are two."""
    if isinstance(compare, str) or len(compare) != 2:
        raise ParameterError(
            f"compare ska vara två grupper att jämföra, till exempel ('kvinna', 'man'); "
            f"fick {compare!r}."
        )
    first, second = (str(v) for v in compare)
    if first == second:
        raise ParameterError(
            f"De två grupperna som jämförs måste vara olika; fick '{first}' två gånger."
        )
    return first, second


def check_numbers(
    *,
    alpha: float,
    min_diff: float | None,
    min_group: int,
    min_n: int,
    margin: float | None = None,
) -> None:
    """A Swedish error for ``alpha``, ``min_diff``, ``margin``, ``min_group`` or ``min_n`` out of
    range."""
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha ska ligga mellan 0 och 1 (till exempel 0,05); fick {alpha}.")
    for name, value in (("min_diff", min_diff), ("margin", margin)):
        if value is not None and (not finite(value) or value < 0):
            raise ParameterError(
                f"{name} ska vara ett tal som är 0 eller större (andel för ja/nej-utfall, "
                f"samma enhet som utfallet annars); fick {value}."
            )
    if int(min_group) < 1:
        raise ParameterError(f"min_group ska vara minst 1; fick {min_group}.")
    if int(min_n) < 1:
        raise ParameterError(f"min_n ska vara minst 1; fick {min_n}.")


def _need_criterion(kind: Kind) -> Criterion:
    """The need criterion: from Tabell 1, with the participation need variables for Tabell 2."""
    catalog = load_catalog()
    need = next(c for c in catalog.criteria("insats") if c.rule == "stratify")
    if kind == "delaktighet":
        need = replace(need, variables=catalog.participation_need)
    return need


def criteria_specs(
    kind: Kind,
    overrides: Mapping[str, Any] | None,
    *,
    df: pd.DataFrame,
    group: str,
) -> list[Spec]:
    """The criteria of Tabell 1 or 2 in order, with ``overrides`` applied.

    Participation outcomes (Tabell 2) are held within need strata first, like decisions.

    Raises
    ------
    ParameterError
        For an unknown criterion code, a column that is not in ``df``, or the grouping column
        used as a criterion.
    """
    catalog = load_catalog()
    base = catalog.criteria(kind)
    if kind == "delaktighet":
        base = [_need_criterion(kind), *base]
    overrides = dict(overrides or {})
    codes = [c.code for c in base]
    unknown = sorted(set(overrides) - set(codes))
    if unknown:
        raise ParameterError(
            f"Okänt kriterium {', '.join(unknown)} för {CRITERIA_KINDS[kind]}. Tillåtna: "
            f"{', '.join(codes)}."
        )
    specs = []
    for crit in base:
        spec = Spec(
            code=crit.code,
            label=crit.label,
            rule=crit.rule,
            variables=crit.variables,
            when=crit.when,
            values=dict(crit.values),
            profile=crit.profile,
        )
        if crit.code in overrides:
            spec = _override(spec, overrides[crit.code], df=df)
        if group in spec.variables:
            raise ParameterError(
                f"Kolumnen '{group}' definierar grupperna och kan inte samtidigt användas i "
                f"kriteriet {crit.code}."
            )
        specs.append(spec)
    return specs


def _override(spec: Spec, given: Any, *, df: pd.DataFrame) -> Spec:
    if isinstance(given, str):
        given = [given]
    if isinstance(given, Mapping):
        columns = [str(c) for c in given]
        explicit = {
            str(c): tuple(_norm_value(v) for v in as_list(vals)) for c, vals in given.items()
        }
    else:
        columns = [str(c) for c in given]
        explicit = {}
    if not columns:
        raise ParameterError(f"Kriteriet {spec.code}: ange minst en kolumn.")
    absent = [c for c in columns if c not in df.columns]
    if absent:
        raise ParameterError(
            f"Kriteriet {spec.code}: kolumnen {', '.join(absent)} finns inte i data. "
            f"Kolumner i data: {', '.join(map(str, df.columns))}."
        )
    if spec.rule == "stratify":
        return replace(spec, variables=tuple(columns), values={}, profile=())
    values = {}
    for col in columns:
        if col in explicit and explicit[col]:
            values[col] = explicit[col]
        elif col in spec.values:
            values[col] = spec.values[col]
        else:
            values[col] = (YES,)
    return replace(spec, variables=tuple(columns), values=values, when="any")


def _norm_value(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return YES if value else NO
    return str(value).strip().lower()
