"""How well a health model separated the accounts that churned from those that stayed: the
maths of a backtest, over each account's replayed score and what happened to it. Pure."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from domain.health.scoring import Band


@dataclass(frozen=True)
class Outcome:
    """An account's score on the day replayed, and whether it churned within the horizon."""

    score: int | None
    band: Band | None
    churned: bool
    mrr: Decimal = Decimal(0)


def auc(outcomes: Sequence[Outcome]) -> float | None:
    """The probability that an account that stayed scored higher than one that churned (ties
    count half): 1 separates them perfectly, 0.5 is a coin toss. Over the scored accounts;
    None without both kinds. By ranks (Mann-Whitney), not by comparing every pair."""
    scored = sorted((o.score, o.churned) for o in outcomes if o.score is not None)
    stayed = sum(1 for _, churned in scored if not churned)
    churned = len(scored) - stayed
    if not stayed or not churned:
        return None
    # The mean rank of each run of equal scores, 1-based.
    rank_sum = 0.0
    i = 0
    while i < len(scored):
        j = i
        while j < len(scored) and scored[j][0] == scored[i][0]:
            j += 1
        mean_rank = (i + 1 + j) / 2
        rank_sum += mean_rank * sum(1 for _, c in scored[i:j] if not c)
        i = j
    return (rank_sum - stayed * (stayed + 1) / 2) / (stayed * churned)


@dataclass
class BandResult:
    band: Band | None
    accounts: int = 0
    churned: int = 0
    mrr: Decimal = Decimal(0)
    churned_mrr: Decimal = Decimal(0)
    churned_indexes: list[int] = field(default_factory=list)

    @property
    def churn_rate(self) -> float | None:
        return self.churned / self.accounts if self.accounts else None


def by_band(outcomes: Sequence[Outcome]) -> list[BandResult]:
    """Good, average, poor and no data (None): accounts, churned, their MRR, and which of the
    outcomes (by index) churned."""
    results = {b: BandResult(b) for b in (Band.GOOD, Band.AVERAGE, Band.POOR, None)}
    for index, o in enumerate(outcomes):
        r = results[o.band]
        r.accounts += 1
        r.mrr += o.mrr
        if o.churned:
            r.churned += 1
            r.churned_mrr += o.mrr
            r.churned_indexes.append(index)
    return list(results.values())


def lift(outcomes: Sequence[Outcome], band: Band = Band.POOR) -> float | None:
    """How many times the band's churn rate is the rate of all accounts (None when nothing
    churned or the band is empty)."""
    total = len(outcomes)
    churned = sum(1 for o in outcomes if o.churned)
    in_band = [o for o in outcomes if o.band == band]
    if not total or not churned or not in_band:
        return None
    return (sum(1 for o in in_band if o.churned) / len(in_band)) / (churned / total)
