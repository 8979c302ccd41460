"""The health score's maths (SPEC "Health score", exactly): a metric's value mapped to 0-100, a
component the mean of its metrics' scores, the score the weighted mean of the components that
have data, each rounded half up to a whole number. Scores are computed set-based in SQL over all
accounts; these plain functions are the executable definition the SQL is held to, and what an
account's breakdown is explained with."""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

HUNDRED = Decimal(100)
# Metric scores are kept to ten places (halves up), in SQL and here alike, so both round a
# component's mean the same way; no score reads differently at that precision.
METRIC_SCORE_PLACES = 10
_METRIC_SCORE_QUANTUM = Decimal(1).scaleb(-METRIC_SCORE_PLACES)


@dataclass(frozen=True)
class Linear:
    """0 at or below `low`, 100 at or above `high`, a straight line between; `invert` turns it
    round (100 at or below `low`, 0 at or above `high`)."""

    low: Decimal
    high: Decimal
    invert: bool = False

    def __post_init__(self) -> None:
        if self.low >= self.high:
            raise ValueError("the 0 bound must be below the 100 bound")


@dataclass(frozen=True)
class Range:
    """Values from `start` (inclusive; None: no lower bound) up to `end` (exclusive; None: no
    upper bound) score `score`."""

    start: Decimal | None
    end: Decimal | None
    score: Decimal


@dataclass(frozen=True)
class Ranges:
    """Ordered ranges covering every value, without gaps or overlaps."""

    ranges: tuple[Range, ...]

    def __post_init__(self) -> None:
        if problem := ranges_problem(self.ranges):
            raise ValueError(problem)


@dataclass(frozen=True)
class Percentile:
    """100 times the value's percent rank among the accounts scored by the same model that have a
    value for the metric."""


@dataclass(frozen=True)
class Values:
    """A dimension (tier, stage, a text or select custom field) mapped to numbers: each listed
    value scores its score; any other value scores `other` (None: it counts as no data)."""

    scores: tuple[tuple[str, Decimal], ...]
    other: Decimal | None = None

    def __post_init__(self) -> None:
        if problem := values_problem(self.scores, self.other):
            raise ValueError(problem)

    def score_of(self, value: str) -> Decimal | None:
        return dict(self.scores).get(value, self.other)


Mapping = Linear | Ranges | Percentile | Values
NumericMapping = Linear | Ranges | Percentile


def values_problem(scores: Sequence[tuple[str, Decimal]], other: Decimal | None) -> str | None:
    """Why a dimension's value scores are not a mapping, or None when they are."""
    if not scores:
        return "map at least one value"
    seen: set[str] = set()
    for value, score in scores:
        if value in seen:
            return f"the value {value!r} is mapped twice"
        seen.add(value)
        if not Decimal(0) <= score <= HUNDRED:
            return f"a value's score must be between 0 and 100, not {score}"
    if other is not None and not Decimal(0) <= other <= HUNDRED:
        return f"the other values' score must be between 0 and 100, not {other}"
    return None


def repeated_names(names: Sequence[str]) -> list[int]:
    """The positions of the names an earlier one already has: a model's components are told
    apart by name (the breakdown, "what changed since"), so each is named once."""
    seen: set[str] = set()
    repeated = []
    for i, name in enumerate(names):
        if name in seen:
            repeated.append(i)
        seen.add(name)
    return repeated


def ranges_problem(ranges: Sequence[Range]) -> str | None:
    """Why ranges do not cover every value exactly once, or None when they do."""
    if not ranges:
        return "give at least one range"
    if ranges[0].start is not None:
        return f"values below {ranges[0].start} have no score: the first range needs no lower bound"
    if ranges[-1].end is not None:
        return f"values from {ranges[-1].end} have no score: the last range needs no upper bound"
    for r in ranges:
        if not Decimal(0) <= r.score <= HUNDRED:
            return f"a range's score must be between 0 and 100, not {r.score}"
        if r.start is not None and r.end is not None and r.start >= r.end:
            return f"the range from {r.start} to {r.end} is empty"
    for before, after in itertools.pairwise(ranges):
        assert before.end is not None and after.start is not None  # checked above, for mypy
        if before.end < after.start:
            return f"values from {before.end} up to {after.start} have no score (a gap)"
        if before.end > after.start:
            return f"values from {after.start} up to {before.end} are in two ranges (an overlap)"
    return None


def percent_rank(value: Decimal, values: Sequence[Decimal]) -> Decimal:
    """PostgreSQL's percent_rank() of `value` among `values` (which include it): the rank of the
    first of its ties, (rank - 1) / (n - 1); 0 when it is alone."""
    if len(values) <= 1:
        return Decimal(0)
    below = sum(1 for v in values if v < value)
    return Decimal(below) / Decimal(len(values) - 1)


def metric_score(
    mapping: Mapping, value: Decimal | str | None, rank: Decimal | None = None
) -> Decimal | None:
    """The 0-100 score of one metric's value (None: no data), to METRIC_SCORE_PLACES. A
    percentile mapping takes the value's percent rank (see `percent_rank`), computed over the
    model's accounts; a dimension's value (text) takes a values mapping, and a value it does
    not list without an `other` score is no data."""
    if value is None:
        return None
    if isinstance(mapping, Values) or isinstance(value, str):
        if not isinstance(mapping, Values) or not isinstance(value, str):
            raise ValueError("a dimension's value needs a values mapping, and only it")
        exact = mapping.score_of(value)
        if exact is None:
            return None
    else:
        exact = _exact_score(mapping, value, rank)
    return exact.quantize(_METRIC_SCORE_QUANTUM, rounding=ROUND_HALF_UP)


def _exact_score(mapping: NumericMapping, value: Decimal, rank: Decimal | None) -> Decimal:
    match mapping:
        case Linear(low, high, invert):
            if value <= low:
                score = Decimal(0)
            elif value >= high:
                score = HUNDRED
            else:
                score = HUNDRED * (value - low) / (high - low)
            return HUNDRED - score if invert else score
        case Ranges(ranges):
            for r in ranges:
                if (r.start is None or value >= r.start) and (r.end is None or value < r.end):
                    return r.score
            raise AssertionError("validated ranges cover every value")
        case Percentile():
            if rank is None:
                raise ValueError("a percentile mapping needs the value's percent rank")
            return HUNDRED * rank


def half_up(value: Decimal) -> int:
    """Rounded to a whole number, halves up (70.5 → 71), as the original rounds."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def component_score(scores: Sequence[Decimal | None]) -> int | None:
    """The mean of the scores of the component's metrics that have data, rounded half up; None
    when none has."""
    known = [s for s in scores if s is not None]
    if not known:
        return None
    return half_up(sum(known, Decimal(0)) / len(known))


def overall_score(components: Sequence[tuple[int | None, Decimal]]) -> int | None:
    """The weighted mean of the (score, weight) components that have a score, the weights
    re-normalised over them, rounded half up; None when no component has data (not 0)."""
    known = [(score, weight) for score, weight in components if score is not None]
    if not known:
        return None
    total = sum((w for _, w in known), Decimal(0))
    return half_up(sum((score * w for score, w in known), Decimal(0)) / total)


class Band(StrEnum):
    GOOD = "good"
    AVERAGE = "average"
    POOR = "poor"


@dataclass(frozen=True)
class Bands:
    """The lowest score of the good band and of the average band; below them, poor. The default
    is 71-100 good, 31-70 average, 0-30 poor."""

    good_from: int = 71
    average_from: int = 31

    def __post_init__(self) -> None:
        if not 0 < self.average_from < self.good_from <= 100:
            raise ValueError("bands need 0 < average's lowest score < good's lowest score ≤ 100")

    def of(self, score: int) -> Band:
        if score >= self.good_from:
            return Band.GOOD
        if score >= self.average_from:
            return Band.AVERAGE
        return Band.POOR


@dataclass(frozen=True)
class ComponentPart:
    """One component in a breakdown: its score (None: no data), its weight re-normalised over
    the components with data, the points it adds to the score and the points it could add at
    100."""

    score: int | None
    weight: Decimal
    share: Decimal
    contribution: Decimal
    could_add: Decimal


def breakdown(components: Sequence[tuple[int | None, Decimal]]) -> list[ComponentPart]:
    """Each component's part in the overall score (the exact points before rounding; they sum
    to the unrounded score). A component without data has no share and could add nothing until
    it has data."""
    total = sum((w for score, w in components if score is not None), Decimal(0))
    parts = []
    for score, weight in components:
        if score is None or total == 0:
            parts.append(ComponentPart(score, weight, Decimal(0), Decimal(0), Decimal(0)))
            continue
        share = weight / total
        parts.append(ComponentPart(score, weight, share, share * score, share * (HUNDRED - score)))
    return parts
