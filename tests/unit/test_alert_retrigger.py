from datetime import UTC, datetime, timedelta

from domain.alerts.retrigger import Decision, EarlierAlert, Held, decide

MAR_1 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _decide(
    earlier: EarlierAlert | None,
    now: datetime,
    *,
    churned: bool = False,
    includes_churned: bool = False,
    never_retrigger: bool = False,
    retrigger_delay_days: int = 7,
) -> Decision:
    return decide(
        earlier,
        churned=churned,
        includes_churned=includes_churned,
        never_retrigger=never_retrigger,
        retrigger_delay_days=retrigger_delay_days,
        now=now,
    )


def test_spec_example_fired_mar_1_dismissed_mar_3_delay_7_may_fire_from_mar_8() -> None:
    dismissed = EarlierAlert(MAR_1, is_open=False)
    mar_8 = MAR_1 + timedelta(days=7)

    held = _decide(dismissed, MAR_1 + timedelta(days=2))
    assert (held.fires, held.held, held.may_fire_from) == (False, Held.RETRIGGER_DELAY, mar_8)
    assert not _decide(dismissed, mar_8 - timedelta(seconds=1)).fires
    assert _decide(dismissed, mar_8).fires


def test_fires_with_no_earlier_alert() -> None:
    assert _decide(None, MAR_1) == Decision(None)


def test_an_open_alert_holds_whatever_the_delay() -> None:
    assert _decide(EarlierAlert(MAR_1, is_open=True), MAR_1 + timedelta(days=999)).held == (
        Held.OPEN_ALERT
    )


def test_never_retrigger_holds_after_any_earlier_alert() -> None:
    earlier = EarlierAlert(MAR_1, is_open=False)
    decision = _decide(earlier, MAR_1 + timedelta(days=999), never_retrigger=True)
    assert decision.held is Held.NEVER_RETRIGGER
    assert _decide(None, MAR_1, never_retrigger=True).fires


def test_churned_accounts_only_when_included() -> None:
    assert _decide(None, MAR_1, churned=True).held is Held.CHURNED_EXCLUDED
    assert _decide(None, MAR_1, churned=True, includes_churned=True).fires


def test_a_zero_delay_fires_again_as_soon_as_dismissed() -> None:
    assert _decide(EarlierAlert(MAR_1, is_open=False), MAR_1, retrigger_delay_days=0).fires
