"""The metrics refresh, activity ranks and daily snapshots: set-based, idempotent, run by the
job functions and by a real arq worker."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from arq.worker import Worker
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.accounts.models import Account, CustomField, CustomFieldKind, CustomFieldType
from domain.common.settings import Settings
from domain.interactions.models import TicketStatus
from domain.metrics.models import (
    AccountActivityRank,
    AccountMetricSnapshot,
    AccountMetricValues,
    ComputedMetric,
    ContactActivityRank,
    MetricFormat,
)
from domain.metrics.trend import least_squares_slope
from domain.orgs.models import Organisation
from tests.factories import create_account
from tests.interaction_factories import create_interaction, create_ticket
from tests.metric_factories import NOW, TODAY, add_rank, add_usage, create_contact, set_mrr
from workers import queue
from workers.jobs import metrics as metric_jobs


async def _values(session: AsyncSession, account: Account) -> AccountMetricValues:
    return await session.get_one(AccountMetricValues, account.id, populate_existing=True)


async def _rank(session: AsyncSession, account: Account) -> Decimal | None:
    return (await _values(session, account)).activity_rank


async def _account_with_time(session: AsyncSession, org: Organisation, seconds: int) -> Account:
    account = await create_account(session, org)
    if seconds:
        contact = await create_contact(session, account)
        await add_usage(session, account, contact, TODAY - timedelta(days=3), seconds=seconds)
    return account


class TestRefresh:
    async def test_every_builtin_group(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        account = await create_account(session, org)
        other = await create_account(session, org)
        await set_mrr(session, account, 123_456)
        await create_interaction(session, account, occurred_at=NOW - timedelta(days=4))
        await create_interaction(session, account, occurred_at=NOW - timedelta(days=40))
        # Scheduled in the future: not an interaction that happened.
        await create_interaction(session, account, occurred_at=NOW + timedelta(days=4))
        await create_ticket(session, account)
        await create_ticket(session, account, status=TicketStatus.PENDING)
        await create_ticket(session, account, status=TicketStatus.CLOSED)
        # Solved is done too: the same closed statuses as the tickets themselves use.
        await create_ticket(session, account, status=TicketStatus.SOLVED)
        ann, bob = await create_contact(session, account), await create_contact(session, account)
        await add_usage(session, account, ann, TODAY, events=5, features=("reports", "alerts"))
        await add_usage(session, account, bob, TODAY - timedelta(days=10), events=7, seconds=60)
        # Outside the 30-day window.
        await add_usage(session, account, bob, TODAY - timedelta(days=30), events=100)
        carol = await create_contact(session, other)
        await add_usage(
            session, other, carol, TODAY, features=("reports", "alerts", "sso", "billing")
        )
        await session.commit()

        result = await metric_jobs.refresh_org(job_ctx, str(org.id))

        assert result["day"] == TODAY.isoformat()
        v = await _values(session, account)
        assert (v.mrr, v.arr) == (123_456, 123_456 * 12)
        assert v.last_interaction_on == TODAY - timedelta(days=4)
        assert v.open_tickets == 2
        assert (v.active_users_7d, v.active_users_30d) == (1, 2)
        assert (v.events_7d, v.events_30d) == (5, 12)
        assert (v.sessions_30d, v.session_seconds_30d) == (2, 660)
        assert (v.features_used_30d, v.feature_adoption) == (2, Decimal("50.00"))
        w = await _values(session, other)
        assert (w.mrr, w.open_tickets, w.last_interaction_on) == (None, 0, None)
        assert w.feature_adoption == Decimal("100.00")

    async def test_running_it_again_writes_nothing(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        account = await _account_with_time(session, org, 300)
        await session.commit()
        first = await metric_jobs.refresh_org(job_ctx, str(org.id))
        before = await _values(session, account)
        snapshot = (before.events_30d, before.activity_rank, before.updated_at)

        second = await metric_jobs.refresh_org(job_ctx, str(org.id))

        assert first["usage"] == 1
        assert all(second[g] == 0 for g in ("revenue", "usage", "features", "activity_rank"))
        after = await _values(session, account)
        assert (after.events_30d, after.activity_rank, after.updated_at) == snapshot

    async def test_deleted_accounts_are_forgotten(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        account = await create_account(session, org)
        await session.commit()
        await metric_jobs.refresh_org(job_ctx, str(org.id))
        account.deleted_at = NOW
        await session.commit()

        await metric_jobs.refresh_org(job_ctx, str(org.id))

        assert await session.get(AccountMetricValues, account.id) is None


class TestActivityRank:
    async def test_percentile_with_ties_and_inactive_accounts(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        # Active: 100, 200, 200, 400 seconds; two inactive.
        low = await _account_with_time(session, org, 100)
        tie_a = await _account_with_time(session, org, 200)
        tie_b = await _account_with_time(session, org, 200)
        top = await _account_with_time(session, org, 400)
        idle = await _account_with_time(session, org, 0)
        await session.commit()

        await metric_jobs.refresh_org(job_ctx, str(org.id))

        # 100 * (n_below + 0.5 * n_equal) / n_active
        assert await _rank(session, low) == Decimal("12.50")  # (0 + 0.5) / 4
        assert await _rank(session, tie_a) == Decimal("50.00")  # (1 + 1) / 4
        assert await _rank(session, tie_b) == Decimal("50.00")
        assert await _rank(session, top) == Decimal("87.50")  # (3 + 0.5) / 4
        assert await _rank(session, idle) == Decimal("0.00")

    async def test_other_organisations_do_not_count(
        self,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        job_ctx: dict[str, Any],
    ) -> None:
        only = await _account_with_time(session, org, 50)
        await _account_with_time(session, other_org, 10)
        await session.commit()

        await metric_jobs.refresh_org(job_ctx, str(org.id))

        assert await _rank(session, only) == Decimal("50.00")

    async def test_trend_is_the_slope_of_a_regression_over_the_last_30_daily_ranks(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        rising = await _account_with_time(session, org, 500)  # ranks 75 today
        new = await _account_with_time(session, org, 100)  # ranks 25 today, no history
        history = {-20: 10, -10: 40, -5: 50}
        # 30 days ago is outside the window: counted, it would turn the slope negative.
        for days, rank in {**history, -30: 100, -45: 100}.items():
            await add_rank(session, rising, TODAY + timedelta(days=days), rank)
        await session.commit()

        await metric_jobs.refresh_org(job_ctx, str(org.id))

        slope = least_squares_slope([*history.items(), (0, 75)])
        assert slope is not None
        assert (await _values(session, rising)).activity_rank_trend == Decimal(f"{slope:.2f}")
        wider = least_squares_slope([*history.items(), (-30, 100), (0, 75)])
        assert wider is not None and wider < 0
        # One daily rank (today's) is no trend.
        assert (await _values(session, new)).activity_rank_trend is None
        # Today's ranks are recorded in the history; days beyond what the window needs are pruned.
        kept = await session.execute(
            select(AccountActivityRank.day, AccountActivityRank.rank).where(
                AccountActivityRank.account_id == rising.id
            )
        )
        assert sorted(kept.all()) == sorted(
            [
                (TODAY + timedelta(days=d), Decimal(r))
                for d, r in {**history, -30: 100, 0: 75}.items()
            ]
        )

    async def test_a_second_refresh_the_same_day_replaces_todays_rank(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        account = await _account_with_time(session, org, 500)
        await _account_with_time(session, org, 100)
        await add_rank(session, account, TODAY - timedelta(days=1), 25)
        await session.commit()
        await metric_jobs.refresh_org(job_ctx, str(org.id))
        assert (await _values(session, account)).activity_rank_trend == Decimal("50.00")

        # The other account overtakes it: today's rank falls to 25, and so does the trend.
        await _account_with_time(session, org, 5000)
        await session.commit()
        await metric_jobs.refresh_org(job_ctx, str(org.id))

        values = await _values(session, account)
        assert (values.activity_rank, values.activity_rank_trend) == (
            Decimal("50.00"),
            Decimal("25.00"),
        )

    async def test_contacts_are_ranked_across_their_accounts(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        account = await create_account(session, org)
        busy, calm = await create_contact(session, account), await create_contact(session, account)
        idle = await create_contact(session, account)
        await add_usage(session, account, busy, TODAY, seconds=900)
        await add_usage(session, account, calm, TODAY, seconds=300)
        session.add(
            ContactActivityRank(
                contact_id=busy.id,
                day=TODAY - timedelta(days=7),
                org_id=org.id,
                session_seconds_30d=1,
                rank=Decimal("10"),
            )
        )
        await session.commit()

        await metric_jobs.refresh_org(job_ctx, str(org.id))

        rows = await session.execute(
            select(ContactActivityRank.contact_id, ContactActivityRank.rank).where(
                ContactActivityRank.org_id == org.id, ContactActivityRank.day == TODAY
            )
        )
        ranks = dict(rows.all())
        assert ranks == {busy.id: Decimal("75.00"), calm.id: Decimal("25.00"), idle.id: 0}


class TestSnapshot:
    async def test_every_kind_of_metric_once_per_day(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        session.add(
            CustomField(
                org_id=org.id,
                key="seats",
                label="Seats",
                kind=CustomFieldKind.METRIC,
                type=CustomFieldType.NUMBER,
            )
        )
        session.add(
            ComputedMetric(
                org_id=org.id,
                key="seconds_per_seat",
                label="Seconds per seat",
                format=MetricFormat.NUMBER,
                formula="session_minutes_30d * 60 / seats",
            )
        )
        account = await _account_with_time(session, org, 600)
        account.custom_values = {"seats": 4}
        await set_mrr(session, account, 10_050)
        await session.commit()

        await metric_jobs.refresh_org(job_ctx, str(org.id), snapshot=True)
        await metric_jobs.refresh_org(job_ctx, str(org.id), snapshot=True)

        snapshots = list(
            await session.scalars(
                select(AccountMetricSnapshot).where(AccountMetricSnapshot.account_id == account.id)
            )
        )
        assert [s.day for s in snapshots] == [TODAY]
        values = snapshots[0].values
        assert values["mrr"] == 100.5
        assert values["seats"] == 4
        assert values["seconds_per_seat"] == 150
        assert values["activity_rank"] == 50
        assert "days_since_last_interaction" not in values  # no value: left out

    async def test_a_second_run_changes_no_row(
        self, session: AsyncSession, org: Organisation, job_ctx: dict[str, Any]
    ) -> None:
        await _account_with_time(session, org, 600)
        await session.commit()
        first = await metric_jobs.refresh_org(job_ctx, str(org.id), snapshot=True)
        second = await metric_jobs.refresh_org(job_ctx, str(org.id), snapshot=True)
        assert (first["snapshots"], second["snapshots"]) == (1, 0)
        count = await session.scalar(
            select(func.count()).where(AccountMetricSnapshot.org_id == org.id)
        )
        assert count == 1


class TestSchedule:
    async def test_one_refresh_per_organisation_through_a_real_worker(
        self,
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        job_ctx: dict[str, Any],
    ) -> None:
        account = await _account_with_time(session, org, 600)
        await session.commit()

        queued = await metric_jobs.schedule_refresh(job_ctx)
        again = await metric_jobs.schedule_refresh(job_ctx)

        assert queued >= 1 and again == queued
        worker = Worker(
            functions=queue.worker_functions(),
            redis_settings=queue.redis_settings(settings.redis_url),
            burst=True,
            handle_signals=False,
            poll_delay=0.01,
            ctx={"sessionmaker": sessionmaker},
        )
        try:
            await worker.main()
        finally:
            await worker.close()
        # The same hour's jobs collapse into one per organisation.
        assert worker.jobs_complete == queued
        assert worker.jobs_failed == 0
        assert (await _values(session, account)).events_30d == 10
