"""MRR maths, with no I/O: item MRR, account MRR on a day in the base currency, the monthly
series, movements, renewals and churn rates, exactly as SPEC.md "Revenue definitions" states.

Money is integer minor units; rates are Decimal. Item MRR stays exact (a Fraction: a percent
discount or a division by the interval may leave part of a minor unit) until the account's sum,
which is rounded once, half up."""

import bisect
import calendar
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

# A subscription that ends and is followed by another within this many days is covered
# through the gap (no churn, no new) and counts as renewed.
RENEWAL_GAP = timedelta(days=3)

# ISO 4217 minor-unit exponents that are not 2.
_EXPONENTS = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI"), 0
    ),
    **dict.fromkeys(("VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def minor_unit_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


class DiscountKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


class MovementKind(StrEnum):
    NEW = "new"
    REACTIVATION = "reactivation"
    EXPANSION = "expansion"
    CONTRACTION = "contraction"
    CHURN = "churn"


@dataclass(frozen=True)
class Discount:
    kind: DiscountKind
    # Percent off (0-100) for PERCENT, minor units off each interval for AMOUNT.
    value: Decimal
    # For this many billing intervals from the item's start; None: forever.
    intervals: int | None = None


@dataclass(frozen=True)
class Item:
    unit_price: int
    quantity: int
    interval_months: int
    currency: str
    starts_on: date
    discount: Discount | None = None
    # Exclusive; None: with its term. A mid-term change of price or quantity is this item
    # ending on the day and another starting then.
    ends_on: date | None = None


@dataclass(frozen=True)
class Term:
    """One subscription: its term (end exclusive) and its items."""

    starts_on: date
    ends_on: date | None
    items: tuple[Item, ...]
    key: str = ""


@dataclass(frozen=True)
class Rate:
    currency: str
    effective_on: date
    rate: Decimal


class FxTable:
    """Rates to the base currency by day: the rate of a day is the latest one effective on or
    before it. Before the first known rate, the first one is used (better than dropping the
    revenue; it changes when an earlier rate is set, which triggers a recompute)."""

    def __init__(self, base_currency: str, rates: Iterable[Rate] = ()) -> None:
        self.base_currency = base_currency.upper()
        by_currency: dict[str, list[tuple[date, Decimal]]] = {}
        for r in rates:
            by_currency.setdefault(r.currency.upper(), []).append((r.effective_on, r.rate))
        self._days: dict[str, list[date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for currency, entries in by_currency.items():
            entries.sort()
            self._days[currency] = [d for d, _ in entries]
            self._rates[currency] = [r for _, r in entries]

    def rate(self, currency: str, on: date) -> Decimal | None:
        currency = currency.upper()
        if currency == self.base_currency:
            return Decimal(1)
        days = self._days.get(currency)
        if not days:
            return None
        i = bisect.bisect_right(days, on) - 1
        return self._rates[currency][max(i, 0)]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (Jan 31 + 1 = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_elapsed(start: date, on: date) -> int:
    """Whole months from `start` to `on` (0 before the first monthly anniversary)."""
    months = (on.year - start.year) * 12 + on.month - start.month
    if months > 0 and add_months(start, months) > on:
        months -= 1
    return max(months, 0)


def interval_index(item: Item, on: date) -> int:
    """Which billing interval of the item `on` falls in (0 = the first)."""
    return months_elapsed(item.starts_on, on) // item.interval_months


def discount_applies(item: Item, interval: int) -> bool:
    d = item.discount
    return d is not None and (d.intervals is None or interval < d.intervals)


def interval_charge(item: Item, interval: int) -> Fraction:
    """What the item bills for one interval, in minor units, after its discount, exactly (an
    amount discount never makes a charge negative)."""
    gross = item.unit_price * item.quantity
    d = item.discount
    if d is None or not discount_applies(item, interval):
        return Fraction(gross)
    if d.kind is DiscountKind.PERCENT:
        return gross * (100 - min(Fraction(d.value), Fraction(100))) / 100
    return Fraction(gross - min(int(d.value), gross))


def item_mrr(item: Item, interval: int = 0) -> Fraction:
    """Item MRR for one interval, in the item's currency's minor units, unrounded."""
    return interval_charge(item, interval) / item.interval_months


def item_mrr_on(item: Item, on: date) -> Fraction:
    if on < item.starts_on or (item.ends_on is not None and on >= item.ends_on):
        return Fraction(0)
    return item_mrr(item, interval_index(item, on))


def item_ended(item: Item, term: Term, on: date) -> bool:
    """Whether the item no longer runs on `on` though its term may. An item ending when its
    term does (or later) ends with the term, so the term's renewal cover holds it too."""
    end = item.ends_on
    if end is None or (term.ends_on is not None and end >= term.ends_on):
        return False
    return on >= end


def _to_base(amount: Fraction, currency: str, rate: Decimal, base_currency: str) -> Fraction:
    shift = minor_unit_exponent(base_currency) - minor_unit_exponent(currency)
    return amount * Fraction(rate) * Fraction(10) ** shift


def covered_until(terms: Sequence[Term]) -> list[date | None]:
    """Each term's effective end. When the account's next term starts 1 to RENEWAL_GAP days
    after a term ends, the earlier term covers the gap, up to that start and never past it.
    A successor that starts on the end day leaves no gap, so nothing is covered: stretching
    the earlier term to a later start would count it twice beside its successor."""
    starts = sorted(t.starts_on for t in terms)
    result: list[date | None] = []
    for t in terms:
        end = t.ends_on
        if end is not None:
            # The first term starting on or after the end: the successor, if any.
            i = bisect.bisect_left(starts, end)
            if i < len(starts) and starts[i] - end <= RENEWAL_GAP:
                end = starts[i]
        result.append(end)
    return result


def round_half_up(amount: Fraction) -> int:
    """To whole minor units, halves away from zero (as Decimal's ROUND_HALF_UP)."""
    whole = math.floor(abs(amount) + Fraction(1, 2))
    return whole if amount >= 0 else -whole


@dataclass
class AccountRevenue:
    """One account's terms with their covered ends, ready to be asked for MRR on any day.
    Items in a currency without any rate are left out of MRR: the service reports those
    currencies beside it, so the gap is visible rather than silent."""

    terms: Sequence[Term]
    fx: FxTable

    def __post_init__(self) -> None:
        self._ends = covered_until(self.terms)
        # An item's MRR in the base currency takes one of two values (with or without its
        # discount), so each is worked out once rather than on every day asked.
        self._base: dict[tuple[Item, bool], Fraction | None] = {}

    def unrounded_mrr(self, on: date) -> Fraction:
        total = Fraction(0)
        for term, end in zip(self.terms, self._ends, strict=True):
            if term.starts_on <= on and (end is None or on < end):
                total += self._term_items_mrr(term, on)
        return total

    def _item_base_mrr(self, item: Item, on: date) -> Fraction:
        if on < item.starts_on:
            return Fraction(0)
        discounted = item.discount is not None and (
            item.discount.intervals is None or discount_applies(item, interval_index(item, on))
        )
        key = (item, discounted)
        if key not in self._base:
            # The rate of the day the item started: a rate moving alone never changes MRR.
            rate = self.fx.rate(item.currency, item.starts_on)
            # Interval 0 has the discount when there is one; its last interval + 1 has not.
            d = item.discount
            amount = item_mrr(item, 0 if discounted or d is None else d.intervals or 0)
            self._base[key] = (
                None
                if rate is None
                else _to_base(amount, item.currency, rate, self.fx.base_currency)
            )
        return self._base[key] or Fraction(0)

    def _term_items_mrr(self, term: Term, on: date) -> Fraction:
        return sum(
            (
                self._item_base_mrr(item, on)
                for item in term.items
                if not item_ended(item, term, on)
            ),
            Fraction(0),
        )

    def mrr(self, on: date) -> int:
        """Account MRR on a day, in base-currency minor units, rounded half up."""
        return round_half_up(self.unrounded_mrr(on))

    def term_mrr(self, term: Term, on: date) -> int:
        return round_half_up(self._term_items_mrr(term, on))

    def first_revenue_on(self) -> date | None:
        """The first day the account had MRR, whatever day of the month it was: a term that
        began and ended inside one month still makes a later return a reactivation.

        MRR only rises when a term or item starts or a discount runs out (an item's end only
        lowers it), so those days are the only candidates."""
        candidates: set[date] = set()
        for term in self.terms:
            for item in term.items:
                first = max(item.starts_on, term.starts_on)
                candidates.add(first)
                d = item.discount
                if d is not None and d.intervals is not None:
                    candidates.add(add_months(item.starts_on, d.intervals * item.interval_months))
            candidates.add(term.starts_on)
        for day in sorted(candidates):
            if self.mrr(day) > 0:
                return day
        return None


def missing_rates(terms: Sequence[Term], fx: FxTable) -> dict[str, date]:
    """The currencies of priced items that have no rate at all (MRR leaves those items out),
    each with the first day such an item started."""
    missing: dict[str, date] = {}
    for term in terms:
        for item in term.items:
            priced = item.unit_price > 0 and item.quantity > 0
            if priced and fx.rate(item.currency, item.starts_on) is None:
                since = missing.get(item.currency, item.starts_on)
                missing[item.currency] = min(since, item.starts_on)
    return missing


def account_mrr(terms: Sequence[Term], on: date, fx: FxTable) -> int:
    return AccountRevenue(terms, fx).mrr(on)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def next_month(month: date) -> date:
    return add_months(month_start(month), 1)


@dataclass(frozen=True)
class MonthMrr:
    month: date
    # MRR on the month's last day (on `today` for the current month).
    mrr: int


def monthly_series(revenue: AccountRevenue, *, today: date) -> list[MonthMrr]:
    """MRR at the end of each month from the first term's month to today's month; the current
    month is measured today, since its last day has not happened yet."""
    if not revenue.terms:
        return []
    month = month_start(min(t.starts_on for t in revenue.terms))
    series: list[MonthMrr] = []
    while month <= today:
        series.append(MonthMrr(month, revenue.mrr(min(month_end(month), today))))
        month = next_month(month)
    return series


@dataclass(frozen=True)
class Movement:
    month: date
    kind: MovementKind
    start_mrr: int
    end_mrr: int

    @property
    def delta(self) -> int:
        return self.end_mrr - self.start_mrr


def classify(start: int, end: int, *, had_revenue: bool) -> MovementKind | None:
    if start == 0 and end > 0:
        return MovementKind.REACTIVATION if had_revenue else MovementKind.NEW
    if start > 0 and end == 0:
        return MovementKind.CHURN
    if start > 0 and end > start:
        return MovementKind.EXPANSION
    if start > 0 and end < start:
        return MovementKind.CONTRACTION
    return None


def movements(series: Sequence[MonthMrr], *, first_revenue_on: date | None) -> list[Movement]:
    """Each month's movement: the MRR at the end of the previous month against that at the end
    of the month (0 before the first month). A return from 0 is a reactivation when the
    account had revenue on any day before the month (`first_revenue_on`, see
    AccountRevenue.first_revenue_on), not only at an earlier month's end."""
    result: list[Movement] = []
    start = 0
    for point in series:
        had_revenue = first_revenue_on is not None and first_revenue_on < point.month
        kind = classify(start, point.mrr, had_revenue=had_revenue)
        if kind is not None:
            result.append(Movement(point.month, kind, start, point.mrr))
        start = point.mrr
    return result


@dataclass(frozen=True)
class Renewal:
    month: date
    # The renewed terms' MRR on their last day, and their successors' MRR when they started.
    previous_mrr: int
    renewed_mrr: int


def successors(terms: Sequence[Term], term: Term) -> list[int]:
    """The terms (by position) that follow `term`: those starting on the first day, from its
    end day to RENEWAL_GAP days later, on which another term of the account starts. A term
    starting after that (an add-on bought a day later) is not part of the renewal."""
    end = term.ends_on
    if end is None:
        return []
    following = [
        (other.starts_on, i)
        for i, other in enumerate(terms)
        if other is not term and end <= other.starts_on <= end + RENEWAL_GAP
    ]
    if not following:
        return []
    first = min(start for start, _ in following)
    return [i for start, i in following if start == first]


def renewals(revenue: AccountRevenue, *, today: date) -> list[Renewal]:
    """Terms whose end falls in a month (up to today) and that another term of the account
    follows within RENEWAL_GAP are renewed in that month; renewed MRR is the successor's MRR
    when it started."""
    by_month: dict[date, tuple[int, int, set[int]]] = {}
    terms = list(revenue.terms)
    for term in terms:
        end = term.ends_on
        if end is None or end > today or end <= term.starts_on:
            continue
        following = successors(terms, term)
        if not following:
            continue
        month = month_start(end)
        previous, renewed, seen = by_month.get(month, (0, 0, set()))
        previous += revenue.term_mrr(term, end - timedelta(days=1))
        # Two terms renewed into the same one count its MRR once.
        for i in following:
            if i not in seen:
                seen.add(i)
                renewed += revenue.term_mrr(terms[i], terms[i].starts_on)
        by_month[month] = (previous, renewed, seen)
    return [Renewal(m, p, r) for m, (p, r, _) in sorted(by_month.items())]


@dataclass(frozen=True)
class ChurnRates:
    starting_mrr: int
    starting_accounts: int
    new: int
    reactivation: int
    expansion: int
    contraction: int
    churn: int
    churned_accounts: int
    gross_mrr_churn_rate: Decimal | None
    net_mrr_churn_rate: Decimal | None
    logo_churn_rate: Decimal | None


def churn_rates(
    *,
    starting_mrr: int,
    starting_accounts: int,
    totals: Mapping[MovementKind, int],
    churned_accounts: int,
) -> ChurnRates:
    """SPEC: gross = (churn + contraction) / starting MRR; net = (churn + contraction -
    expansion - reactivation) / starting MRR; logo = accounts churned / accounts at start.
    Amounts in `totals` are positive; a rate with nothing at the start is None."""

    def amount(kind: MovementKind) -> int:
        return abs(totals.get(kind, 0))

    lost = amount(MovementKind.CHURN) + amount(MovementKind.CONTRACTION)
    won = amount(MovementKind.EXPANSION) + amount(MovementKind.REACTIVATION)
    return ChurnRates(
        starting_mrr=starting_mrr,
        starting_accounts=starting_accounts,
        new=amount(MovementKind.NEW),
        reactivation=amount(MovementKind.REACTIVATION),
        expansion=amount(MovementKind.EXPANSION),
        contraction=amount(MovementKind.CONTRACTION),
        churn=amount(MovementKind.CHURN),
        churned_accounts=churned_accounts,
        gross_mrr_churn_rate=Decimal(lost) / starting_mrr if starting_mrr else None,
        net_mrr_churn_rate=Decimal(lost - won) / starting_mrr if starting_mrr else None,
        logo_churn_rate=(
            Decimal(churned_accounts) / starting_accounts if starting_accounts else None
        ),
    )
