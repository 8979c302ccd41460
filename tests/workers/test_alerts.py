"""Alert rules evaluated by workers, with a moved clock: each retrigger case of SPEC.md, the
live chain's stage for changed accounts, the jobs, and two evaluations at once opening one
alert (the database's one-open-alert index decides)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.accounts.models import Account
from domain.alerts import service as alerts
from domain.alerts.models import Alert, AlertEvaluation, AlertRule, AlertStatus, EvaluationTrigger
from domain.alerts.retrigger import EarlierAlert, decide
from domain.alerts.schemas import AlertRuleCreate
from domain.common.db import create_sessionmaker
from domain.freshness import changes
from domain.orgs.models import Organisation
from domain.users.actor import Actor
from tests.factories import create_account, create_org
from workers.jobs import alerts as alert_jobs
from workers.jobs import live as live_jobs

MAR_1 = datetime(2026, 3, 1, 9, tzinfo=UTC)
AT_RISK = {"kind": "compare", "field": "name", "op": "starts_with", "value": "Risky"}


async def _rule(session: AsyncSession, org: Organisation, **overrides: Any) -> AlertRule:
    data = AlertRuleCreate.model_validate(
        {
            "name": overrides.pop("name", f"Rule {uuid.uuid4().hex[:6]}"),
            "type": "churn",
            "description": "At risk",
            "condition": AT_RISK,
            **overrides,
        }
    )
    read = await alerts.create_rule(session, Actor.system(org.id), data)
    rule = await session.get_one(AlertRule, read.id)
    return rule


async def _run(session: AsyncSession, org: Organisation, at: datetime) -> AlertEvaluation:
    await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE, now=at)
    await session.flush()
    evaluation = await session.scalar(
        select(AlertEvaluation)
        .where(AlertEvaluation.org_id == org.id, AlertEvaluation.ran_at == at)
        .order_by(AlertEvaluation.id)
    )
    assert evaluation is not None
    return evaluation


async def _alerts(session: AsyncSession, account: Account) -> list[Alert]:
    rows = await session.scalars(
        select(Alert)
        .where(Alert.account_id == account.id)
        .order_by(Alert.fired_at)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def _dismiss(session: AsyncSession, alert: Alert, at: datetime) -> None:
    alert.status, alert.dismissed_at = str(AlertStatus.DISMISSED), at
    await session.flush()


class TestRetrigger:
    async def test_fires_for_a_matching_account_with_the_reason_and_values(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        risky = await create_account(session, org, name="Risky Co")
        await create_account(session, org, name="Fine Co")
        await _rule(session, org)

        run = await _run(session, org, MAR_1)

        (alert,) = await _alerts(session, risky)
        assert (alert.status, alert.fired_at, alert.reason) == ("open", MAR_1, "At risk")
        assert alert.values == {"name": "Risky Co"}
        assert (run.matched, run.fired, run.accounts_evaluated) == (1, 1, None)

    async def test_held_while_its_alert_is_open(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        risky = await create_account(session, org, name="Risky Co")
        await _rule(session, org, retrigger_delay_days=0)
        await _run(session, org, MAR_1)

        run = await _run(session, org, MAR_1 + timedelta(days=40))

        assert len(await _alerts(session, risky)) == 1
        assert (run.matched, run.fired, run.held_open) == (1, 0, 1)

    async def test_dismissed_holds_until_the_delay_has_passed_since_it_fired_then_fires(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        # SPEC's example: fired Mar 1, dismissed Mar 3, delay 7 -> may fire from Mar 8.
        risky = await create_account(session, org, name="Risky Co")
        await _rule(session, org, retrigger_delay_days=7)
        await _run(session, org, MAR_1)
        (first,) = await _alerts(session, risky)
        await _dismiss(session, first, MAR_1 + timedelta(days=2))

        held = await _run(session, org, MAR_1 + timedelta(days=7, seconds=-1))
        assert (held.fired, held.held_by_delay) == (0, 1)
        assert len(await _alerts(session, risky)) == 1

        fired = await _run(session, org, MAR_1 + timedelta(days=7))
        assert (fired.fired, fired.held_by_delay) == (1, 0)
        assert [a.status for a in await _alerts(session, risky)] == ["dismissed", "open"]

    async def test_never_retrigger_fires_once_ever(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        risky = await create_account(session, org, name="Risky Co")
        await _rule(session, org, never_retrigger=True, retrigger_delay_days=0)
        await _run(session, org, MAR_1)
        (first,) = await _alerts(session, risky)
        await _dismiss(session, first, MAR_1)

        run = await _run(session, org, MAR_1 + timedelta(days=365))

        assert (run.fired, run.held_by_never_retrigger) == (0, 1)
        assert len(await _alerts(session, risky)) == 1

    async def test_churned_accounts_fire_only_when_the_rule_includes_them(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        churned = await create_account(session, org, name="Risky Gone", churned_on=date(2026, 2, 1))
        excluding = await _rule(session, org, name="Excluding")
        including = await _rule(session, org, name="Including", includes_churned=True)

        await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE, now=MAR_1)
        await session.flush()

        assert [a.rule_id for a in await _alerts(session, churned)] == [including.id]
        evaluation = await session.scalar(
            select(AlertEvaluation).where(AlertEvaluation.rule_id == excluding.id)
        )
        assert evaluation is not None
        assert (evaluation.matched, evaluation.fired, evaluation.excluded_churned) == (1, 0, 1)

    async def test_deleted_accounts_never_fire(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        gone = await create_account(session, org, name="Risky Deleted", deleted_at=MAR_1)
        await _rule(session, org, includes_churned=True)

        run = await _run(session, org, MAR_1)

        assert (run.matched, run.fired) == (0, 0)
        assert await _alerts(session, gone) == []

    async def test_a_deleted_alert_is_as_if_it_never_existed(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        risky = await create_account(session, org, name="Risky Co")
        await _rule(session, org, never_retrigger=True)
        await _run(session, org, MAR_1)
        (first,) = await _alerts(session, risky)
        await session.delete(first)
        await session.flush()

        run = await _run(session, org, MAR_1 + timedelta(hours=1))

        assert run.fired == 1

    async def test_inactive_rules_are_not_evaluated(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        risky = await create_account(session, org, name="Risky Co")
        await _rule(session, org, is_active=False)

        assert await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE) == 0
        assert await _alerts(session, risky) == []


class TestSqlAgreesWithDecide:
    async def test_each_case_is_classified_as_the_pure_function_decides(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        """The evaluation's SQL and retrigger.decide over the same earlier alerts and clock."""
        delay = 7
        cases: list[tuple[str, EarlierAlert | None, bool]] = [
            ("Risky none", None, False),
            ("Risky open", EarlierAlert(MAR_1, is_open=True), False),
            ("Risky recent", EarlierAlert(MAR_1 + timedelta(days=5), is_open=False), False),
            ("Risky old", EarlierAlert(MAR_1 - timedelta(days=30), is_open=False), False),
            ("Risky churned", None, True),
        ]
        now = MAR_1 + timedelta(days=6)
        for never in (False, True):
            rule = await _rule(
                session, org, never_retrigger=never, retrigger_delay_days=delay, name=f"n{never}"
            )
            for name, earlier, churned in cases:
                account = await create_account(
                    session,
                    org,
                    name=f"{name} {never}",
                    churned_on=MAR_1.date() if churned else None,
                )
                if earlier is not None:
                    session.add(
                        Alert(
                            org_id=org.id,
                            rule_id=rule.id,
                            account_id=account.id,
                            fired_at=earlier.fired_at,
                            status="open" if earlier.is_open else "dismissed",
                            reason="",
                            values={},
                        )
                    )
                expected = decide(
                    earlier,
                    churned=churned,
                    includes_churned=False,
                    never_retrigger=never,
                    retrigger_delay_days=delay,
                    now=now,
                )
                await session.flush()
                verdicts = await alerts.account_verdicts(
                    session, Actor.system(org.id), account.id, now=now
                )
                (verdict,) = [v for v in verdicts if v.rule_id == rule.id]
                assert (verdict.held, verdict.may_fire_from) == (
                    expected.held,
                    expected.may_fire_from,
                ), name


class TestLiveStage:
    async def test_a_changed_account_is_evaluated_by_the_live_chain(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        changed = await create_account(session, org, name="Risky Changed")
        unchanged = await create_account(session, org, name="Risky Unchanged")
        rule = await _rule(session, org)
        await changes.note(session, org.id, [changed.id])
        await session.commit()

        assert await live_jobs.run(job_ctx, str(org.id)) == 1

        assert len(await _alerts(session, changed)) == 1
        assert await _alerts(session, unchanged) == []
        evaluation = await session.scalar(
            select(AlertEvaluation).where(AlertEvaluation.rule_id == rule.id)
        )
        assert evaluation is not None
        assert (evaluation.trigger, evaluation.accounts_evaluated) == ("live", 1)


class TestHistory:
    async def test_live_runs_that_match_nothing_leave_no_history_and_old_history_is_pruned(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        calm = await create_account(session, org, name="Calm Co")
        rule = await _rule(session, org)
        await alerts.evaluate(
            session, org.id, trigger=EvaluationTrigger.LIVE, accounts_=[calm.id], now=MAR_1
        )
        await _run(session, org, MAR_1)

        assert await alerts.prune_evaluations(session, now=MAR_1 + timedelta(days=29)) == 0
        history = await session.scalars(
            select(AlertEvaluation.trigger).where(AlertEvaluation.rule_id == rule.id)
        )
        assert list(history) == ["schedule"]
        assert await alerts.prune_evaluations(session, now=MAR_1 + timedelta(days=31)) >= 1


class TestJobs:
    async def test_run_now_evaluates_one_rule_over_every_account_and_a_retry_opens_none(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        risky = await create_account(session, org, name="Risky Co")
        rule = await _rule(session, org, is_active=False)
        other = await _rule(session, org, name="Other")
        await session.commit()

        assert await alert_jobs.evaluate_rule(job_ctx, str(org.id), str(rule.id)) == 1
        assert await alert_jobs.evaluate_rule(job_ctx, str(org.id), str(rule.id)) == 0

        assert [a.rule_id for a in await _alerts(session, risky)] == [rule.id]
        assert other.id not in {a.rule_id for a in await _alerts(session, risky)}

    async def test_the_full_pass_is_scheduled_per_organisation_with_active_rules(
        self,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        job_ctx: dict[str, Any],
    ) -> None:
        risky = await create_account(session, org, name="Risky Co")
        await _rule(session, org)
        await session.commit()

        assert await alert_jobs.schedule_full_pass(job_ctx) >= 1
        assert await alert_jobs.evaluate_org(job_ctx, str(org.id)) == 1
        assert len(await _alerts(session, risky)) == 1


@pytest.fixture
async def committed_org(engine: AsyncEngine) -> AsyncIterator[uuid.UUID]:
    async with create_sessionmaker(engine)() as session:
        org, _ = await create_org(session, name=f"alerts-{uuid.uuid4().hex[:8]}")
        await session.commit()
    yield org.id
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})


async def test_two_evaluations_at_once_open_one_alert(
    engine: AsyncEngine, committed_org: uuid.UUID
) -> None:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        org = await session.get_one(Organisation, committed_org)
        for n in range(50):
            await create_account(session, org, name=f"Risky {n}")
        await _rule(session, org)
        await session.commit()

    async def evaluate() -> int:
        async with sessionmaker() as session:
            fired = await alerts.evaluate(
                session, committed_org, trigger=EvaluationTrigger.SCHEDULE
            )
            # Both have evaluated before either commits: the second waits on the index.
            await asyncio.sleep(0.05)
            await session.commit()
            return fired

    for round_ in range(3):
        fired = await asyncio.gather(evaluate(), evaluate())
        async with sessionmaker() as session:
            open_alerts = await session.scalar(
                select(func.count())
                .select_from(Alert)
                .where(Alert.org_id == committed_org, Alert.status == "open")
            )
        assert open_alerts == 50
        # The first round opens each account's alert once between the two; later ones none.
        assert sum(fired) == (50 if round_ == 0 else 0)
