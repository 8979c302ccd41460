"""Whether a rule fires for an account that matches it (SPEC "Retrigger semantics"). Pure: the
evaluation's SQL (repository.py) classifies accounts by the same rule, and a test holds the two
to each other.

A rule fires for a matching account when it has no earlier alert from the rule; or when the
earlier alert is dismissed (or, an alert task, closed), "never retrigger" is off, and at least
the retrigger delay has passed since the earlier alert FIRED (fired Mar 1, dismissed Mar 3,
delay 7: may fire again from Mar 8). At most one alert is open per rule and account. Churned
accounts fire only when the rule includes them; deleted accounts are never evaluated."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Held(StrEnum):
    """Why a matching account does not fire."""

    OPEN_ALERT = "open_alert"
    RETRIGGER_DELAY = "retrigger_delay"
    NEVER_RETRIGGER = "never_retrigger"
    CHURNED_EXCLUDED = "churned_excluded"


@dataclass(frozen=True)
class EarlierAlert:
    """The rule's latest alert for the account."""

    fired_at: datetime
    is_open: bool


@dataclass(frozen=True)
class Decision:
    held: Held | None
    # When the delay ends (held by the retrigger delay only).
    may_fire_from: datetime | None = None

    @property
    def fires(self) -> bool:
        return self.held is None


def decide(
    earlier: EarlierAlert | None,
    *,
    churned: bool,
    includes_churned: bool,
    never_retrigger: bool,
    retrigger_delay_days: int,
    now: datetime,
) -> Decision:
    """Whether a rule fires now for an account that matches it, or why not."""
    if churned and not includes_churned:
        return Decision(Held.CHURNED_EXCLUDED)
    if earlier is None:
        return Decision(None)
    if earlier.is_open:
        return Decision(Held.OPEN_ALERT)
    if never_retrigger:
        return Decision(Held.NEVER_RETRIGGER)
    may_fire_from = earlier.fired_at + timedelta(days=retrigger_delay_days)
    if now < may_fire_from:
        return Decision(Held.RETRIGGER_DELAY, may_fire_from)
    return Decision(None)
