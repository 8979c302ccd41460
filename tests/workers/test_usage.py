"""Sessions derived with the organisation's timeout and daily rollups, computed set-based in
SQL by the rollup job: correct on hand-built event sequences, and idempotent."""

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from arq.worker import Worker
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.accounts.models import Account
from domain.common import clock
from domain.common.settings import Settings
from domain.integration.models import ApiScope
from domain.metrics import service as metrics
from domain.metrics.models import AccountMetricValues
from domain.orgs.models import Organisation
from domain.usage import service as usage
from domain.usage.models import (
    Contact,
    UsageDailyAccount,
    UsageDailyContact,
    UsageDailyFeature,
    UsagePendingDay,
)
from domain.usage.schemas import ContactUpsert
from domain.usage.sessions import ContactDay, contact_days, every_day
from domain.users.actor import Actor
from domain.users.models import User
from domain.users.permissions import Permission
from tests.factories import auth_headers, create_account, create_api_key
from workers import queue
from workers.jobs import live as live_jobs
from workers.jobs import usage as usage_jobs

# Older than the live chain's window, so its events are pending for the organisation's rollup
# (the chain rolls up recent days: tests/workers/test_live.py).
DAY = date(2026, 9, 18)


def at(hhmm: str, day: date = DAY) -> datetime:
    return datetime.fromisoformat(f"{day.isoformat()}T{hhmm}:00+00:00")


async def send(
    session: AsyncSession, org: Organisation, *events: tuple[str, datetime, dict[str, Any]]
) -> None:
    """Events (contact, time, extra fields) of account `acme`, through the ingestion service."""
    actor = Actor(org_id=org.id, user_id=None, permissions=frozenset({Permission.INGEST_DATA}))
    body = {
        "items": [
            {
                "message_id": f"{contact}-{when.isoformat()}",
                "name": "Clicked",
                "contact_external_id": contact,
                "account_external_id": "acme",
                "occurred_at": when.isoformat(),
                **extra,
            }
            for contact, when, extra in events
        ]
    }
    result = await usage.ingest_event_batch(session, actor, json.dumps(body).encode())
    assert result.rejected == 0, result.errors


@pytest.fixture
async def acme(session: AsyncSession, org: Organisation) -> Account:
    account = await create_account(session, org, external_id="acme")
    for contact in ("u-1", "u-2"):
        await usage.upsert_contact(
            session,
            Actor(org_id=org.id, user_id=None, permissions=frozenset({Permission.INGEST_DATA})),
            ContactUpsert(external_id=contact, account_external_ids=["acme"]),
        )
    return account


async def days_of(session: AsyncSession, org: Organisation, contact: str) -> dict[date, ContactDay]:
    """The daily rollup of one contact (on `acme`) as {day: ContactDay}."""
    rows = await session.execute(
        select(
            UsageDailyContact.day,
            UsageDailyContact.events,
            UsageDailyContact.sessions,
            UsageDailyContact.session_seconds,
        )
        .join(Contact, Contact.id == UsageDailyContact.contact_id)
        .where(UsageDailyContact.org_id == org.id, Contact.external_id == contact)
        .order_by(UsageDailyContact.day)
    )
    return {day: ContactDay(events, n, seconds) for day, events, n, seconds in rows}


async def rollups(session: AsyncSession, org: Organisation) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    for model, columns in (
        (UsageDailyAccount, ("day", "events", "active_contacts", "sessions", "session_seconds")),
        (UsageDailyContact, ("contact_id", "day", "events", "sessions", "session_seconds")),
        (UsageDailyFeature, ("day", "module", "feature", "events", "active_contacts")),
    ):
        rows = await session.execute(
            select(*(getattr(model, c) for c in columns))
            .where(model.org_id == org.id)
            .order_by(*(getattr(model, c) for c in columns))
        )
        out[model.__tablename__] = [tuple(r) for r in rows]
    return out


async def row_versions(session: AsyncSession, org: Organisation) -> dict[tuple[str, str], str]:
    """Each rollup row's physical version (its ctid and creating transaction): unchanged when
    the row was not written."""
    out = {}
    for table, key in (
        ("usage_daily_contact", "contact_id::text"),
        ("usage_daily_account", "''"),
        ("usage_daily_feature", "feature"),
    ):
        rows = await session.execute(
            text(f"SELECT {key}, ctid::text || xmin::text FROM {table} WHERE org_id = :o"),
            {"o": org.id},
        )
        out.update({(table, k): v for k, v in rows})
    return out


SEQUENCE = [
    # A gap of exactly the timeout continues the session; one minute more starts a new one.
    ("u-1", at("09:00"), {"feature": "reports", "module": "analytics"}),
    ("u-1", at("09:10"), {"feature": "reports", "module": "analytics"}),
    ("u-1", at("09:40"), {"feature": "export"}),
    ("u-1", at("10:11"), {}),
    ("u-1", at("10:20"), {}),
    # A session id sent by the integrator groups its events whatever the gaps.
    ("u-1", at("12:00"), {"session_id": "s-1"}),
    ("u-1", at("13:05"), {"session_id": "s-1"}),
    ("u-2", at("09:05"), {"feature": "reports", "module": "analytics"}),
]


class TestSessions:
    async def test_derived_with_the_timeout_and_sent_session_ids(
        self, session: AsyncSession, org: Organisation, acme: Account
    ) -> None:
        await send(session, org, *SEQUENCE)

        await usage.roll_up(session, org.id)

        # u-1: 09:00-09:40 (a gap of exactly 30 minutes continues), 10:11-10:20, s-1 12:00-13:05.
        assert await days_of(session, org, "u-1") == {DAY: ContactDay(7, 3, 2400 + 540 + 3900)}
        assert await days_of(session, org, "u-2") == {DAY: ContactDay(1, 1, 0)}

    async def test_the_sql_matches_the_pure_definition(
        self, session: AsyncSession, org: Organisation, acme: Account
    ) -> None:
        org.time_zone = "Europe/Paris"
        base = at("20:00")
        # Across two midnights, with gaps either side of the timeout, a session id sent by
        # the integrator (also across midnight, and interrupted), and two events at one time.
        plan: list[tuple[int, str | None]] = [
            (0, None), (5, None), (35, None), (36, None), (80, None), (200, None),
            (229, None), (230, "s-1"), (260, "s-1"), (300, None), (301, "s-1"),
            (301, "s-2"), (340, "s-2"), (1500, None), (1529, None), (1700, "s-3"),
            (1720, None), (1800, None),
        ]  # fmt: skip
        events = [(base + timedelta(minutes=m), sid) for m, sid in plan]
        await send(
            session,
            org,
            *(
                ("u-1", t, {"message_id": f"m-{n}", **({"session_id": sid} if sid else {})})
                for n, (t, sid) in enumerate(events)
            ),
        )

        await usage.roll_up(session, org.id)

        expected = contact_days(events, timedelta(minutes=30), "Europe/Paris")
        assert len(expected) == 3
        assert await days_of(session, org, "u-1") == expected

    async def test_the_organisations_timeout_is_used(
        self, session: AsyncSession, org: Organisation, acme: Account
    ) -> None:
        org.session_timeout_minutes = 60
        await send(session, org, *SEQUENCE[:5])

        await usage.roll_up(session, org.id)

        assert await days_of(session, org, "u-1") == {DAY: ContactDay(5, 1, 80 * 60)}

    async def test_a_session_past_midnight_counts_once_and_its_time_on_each_day(
        self, session: AsyncSession, org: Organisation, acme: Account
    ) -> None:
        next_day = DAY + timedelta(days=1)
        await send(session, org, ("u-1", at("23:50"), {}), ("u-1", at("00:30", next_day), {}))
        await usage.roll_up(session, org.id)
        assert await days_of(session, org, "u-1") == {
            DAY: ContactDay(1, 1, 0),
            next_day: ContactDay(1, 1, 0),
        }

        # A late event joins the two: one session, started the day before.
        await send(session, org, ("u-1", at("00:05", next_day), {}))
        await usage.roll_up(session, org.id)

        assert await days_of(session, org, "u-1") == {
            DAY: ContactDay(1, 1, 0),
            next_day: ContactDay(2, 0, 15 * 60 + 25 * 60),
        }

    async def test_a_late_evening_event_recomputes_the_next_morning(
        self, session: AsyncSession, org: Organisation, acme: Account
    ) -> None:
        next_day = DAY + timedelta(days=1)
        await send(session, org, ("u-1", at("00:10", next_day), {}))
        await usage.roll_up(session, org.id)
        assert await days_of(session, org, "u-1") == {next_day: ContactDay(1, 1, 0)}

        await send(session, org, ("u-1", at("23:55"), {}))
        await usage.roll_up(session, org.id)

        assert await days_of(session, org, "u-1") == {
            DAY: ContactDay(1, 1, 0),
            next_day: ContactDay(1, 0, 15 * 60),
        }

    async def test_days_are_the_organisations_days(
        self, session: AsyncSession, org: Organisation, acme: Account
    ) -> None:
        org.time_zone = "America/New_York"
        await send(session, org, ("u-1", at("03:00"), {}))

        await usage.roll_up(session, org.id)

        assert list(await days_of(session, org, "u-1")) == [DAY - timedelta(days=1)]


class TestRollups:
    async def test_daily_rollups_per_account_contact_and_feature(
        self, session: AsyncSession, org: Organisation, acme: Account
    ) -> None:
        await send(session, org, *SEQUENCE)

        await usage.roll_up(session, org.id)

        tables = await rollups(session, org)
        assert tables["usage_daily_account"] == [(DAY, 8, 2, 4, 2400 + 540 + 3900)]
        per_contact = sorted((r[2], r[3], r[4]) for r in tables["usage_daily_contact"])
        assert per_contact == [(1, 1, 0), (7, 3, 2400 + 540 + 3900)]
        assert tables["usage_daily_feature"] == [
            (DAY, "", "export", 1, 1),
            (DAY, "analytics", "reports", 3, 2),
        ]

    async def test_recomputing_changes_nothing_and_a_repeat_batch_adds_nothing(
        self, session: AsyncSession, org: Organisation, acme: Account
    ) -> None:
        await send(session, org, *SEQUENCE)
        await usage.roll_up(session, org.id)
        before = await rollups(session, org)

        await send(session, org, *SEQUENCE)
        assert await usage.roll_up(session, org.id, days=[DAY]) == [DAY]
        await usage.roll_up(session, org.id)

        assert await rollups(session, org) == before

    async def test_recomputing_rewrites_only_the_rows_that_changed(
        self, session: AsyncSession, org: Organisation, acme: Account
    ) -> None:
        await send(session, org, *SEQUENCE)
        await usage.roll_up(session, org.id)
        before = await row_versions(session, org)

        await usage.roll_up(session, org.id, days=[DAY])
        assert await row_versions(session, org) == before

        # A new event of u-2 rewrites u-2's row, the account's and its feature's only.
        await send(
            session, org, ("u-2", at("09:20"), {"feature": "reports", "module": "analytics"})
        )
        await usage.roll_up(session, org.id)
        after = await row_versions(session, org)
        changed = {key for key in before if before[key] != after.get(key)}
        u2 = await session.scalar(select(Contact.id).where(Contact.external_id == "u-2"))
        assert changed == {
            ("usage_daily_contact", str(u2)),
            ("usage_daily_account", ""),
            ("usage_daily_feature", "reports"),
        }

    async def test_events_of_a_late_account_count_once_it_arrives(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        await send(session, org, ("u-1", at("09:00"), {}))
        actor = Actor(org_id=org.id, user_id=None, permissions=frozenset({Permission.INGEST_DATA}))
        await usage.upsert_contact(session, actor, ContactUpsert(external_id="u-1"))
        await usage.roll_up(session, org.id)
        assert (await rollups(session, org))["usage_daily_account"] == []

        await create_account(session, org, external_id="acme")
        await usage.roll_up(session, org.id)

        assert (await rollups(session, org))["usage_daily_account"] == [(DAY, 1, 1, 1, 0)]

    async def test_the_usage_series_of_an_account(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        acme: Account,
    ) -> None:
        await send(session, org, *SEQUENCE)
        await usage.roll_up(session, org.id)
        _, reader = await create_api_key(session, org, ApiScope.READ)

        response = await client.get(
            f"/api/v1/accounts/{acme.id}/usage?since=2026-09-17&until=2026-09-19", headers=reader
        )

        assert response.status_code == 200, response.text
        series = response.json()
        assert [(d["day"], d["events"], d["sessions"]) for d in series["days"]] == [
            ("2026-09-17", 0, 0),
            ("2026-09-18", 8, 4),
            ("2026-09-19", 0, 0),
        ]
        assert (series["events"], series["active_contacts"]) == (8, 2)
        assert series["top_features"][0] == {
            "feature": "reports",
            "module": "analytics",
            "events": 3,
        }
        bad = await client.get(
            f"/api/v1/accounts/{acme.id}/usage?since=2026-11-21&until=2026-11-19", headers=reader
        )
        assert bad.status_code == 422


class TestTimeoutChange:
    async def test_recent_rolled_up_days_are_re_derived_with_the_new_timeout(
        self,
        client: AsyncClient,
        session: AsyncSession,
        redis: Redis,
        settings: Settings,
        admin: User,
        org: Organisation,
        acme: Account,
    ) -> None:
        now = clock.now()
        recent = now.date() - timedelta(days=1)
        # Outside the window re-derived (the last TIMEOUT_RECOMPUTE_DAYS days).
        old = now.date() - timedelta(days=usage.TIMEOUT_RECOMPUTE_DAYS)
        for day in (recent, old):
            # 40 minutes apart: two sessions with a 30-minute timeout, one with an hour.
            await send(session, org, ("u-1", at("09:00", day), {}), ("u-1", at("09:40", day), {}))
        # The recent day is the live chain's; the organisation's rollup takes it when asked.
        await usage.roll_up(session, org.id, days=[recent])
        two = ContactDay(2, 2, 0)
        assert await days_of(session, org, "u-1") == {old: two, recent: two}
        await session.commit()

        response = await client.patch(
            "/api/v1/organisation",
            headers=auth_headers(settings, admin),
            json={"session_timeout_minutes": 60},
        )

        assert response.status_code == 200, response.text
        pending = await session.scalars(
            select(UsagePendingDay.day).where(UsagePendingDay.org_id == org.id)
        )
        assert list(pending) == [recent]
        # The rollup is asked for at once (under this quarter hour's id, whichever side of it).
        job_ids = {usage.roll_up_job_id(org.id, t) for t in (now, clock.now())}
        assert any([await redis.exists(f"arq:job:{job_id}") for job_id in job_ids])

        await session.refresh(org)  # as the rollup job's own session reads it
        await usage.roll_up(session, org.id)

        assert await days_of(session, org, "u-1") == {old: two, recent: ContactDay(2, 1, 2400)}

    async def test_saving_the_same_timeout_marks_nothing(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        admin: User,
        org: Organisation,
        acme: Account,
    ) -> None:
        await send(session, org, ("u-1", at("09:00", clock.now().date()), {}))
        await usage.roll_up(session, org.id)
        await session.commit()

        response = await client.patch(
            "/api/v1/organisation",
            headers=auth_headers(settings, admin),
            json={"session_timeout_minutes": org.session_timeout_minutes, "name": "Renamed"},
        )

        assert response.status_code == 200
        pending = await session.scalars(
            select(UsagePendingDay.day).where(UsagePendingDay.org_id == org.id)
        )
        assert list(pending) == []


class TestNightlyRollup:
    async def test_each_organisations_whole_day_is_due_once_as_its_day_ends(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        org.time_zone = "Asia/Kolkata"  # UTC+05:30: its quarter hours are not UTC's
        await session.flush()
        due_at = {
            at: (await usage.rollups_due(session, datetime.fromisoformat(at))).get(org.id)
            for at in (
                "2026-12-04T17:33:00+00:00",  # 23:03 there: the day ends
                "2026-12-04T17:48:00+00:00",  # 23:18: done already this hour
                "2026-12-04T17:03:00+00:00",  # 22:33
                "2026-12-04T18:33:00+00:00",  # 00:03 on the 5th
            )
        }
        assert list(due_at.values()) == [[date(2026, 12, 4)], None, None, None]


class TestTimeZoneChange:
    async def test_recent_days_are_re_derived_in_the_new_zone(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        admin: User,
        org: Organisation,
        acme: Account,
        job_ctx: dict[str, Any],
    ) -> None:
        assert org.time_zone == "UTC"
        today = clock.now().date()
        for back in (1, 2, 9):
            day = today - timedelta(days=back)
            # Either side of midnight UTC and of midnight in Los Angeles (08:00 UTC).
            await send(
                session,
                org,
                ("u-1", at("23:40", day - timedelta(days=1)), {}),
                ("u-1", at("00:10", day), {"feature": "reports"}),
                ("u-2", at("07:50", day), {}),
                ("u-2", at("08:10", day), {"feature": "reports"}),
            )
        # Older than the live chain re-derives, and on a day before which UTC has no usage: in
        # Los Angeles it falls on that day.
        await send(session, org, ("u-1", at("03:00", today - timedelta(days=40)), {}))
        await usage.roll_up(session, org.id)
        await session.commit()
        await live_jobs.run(job_ctx, str(org.id))  # the events' own changes
        in_utc = await rollups(session, org)

        response = await client.patch(
            "/api/v1/organisation",
            headers=auth_headers(settings, admin),
            json={"time_zone": "America/Los_Angeles"},
        )
        assert response.status_code == 200, response.text

        # The live chain brings the account's recent usage and metrics up to date at once...
        assert await live_jobs.run(job_ctx, str(org.id)) == 1
        live = await session.get_one(AccountMetricValues, acme.id, populate_existing=True)
        figures = (live.events_7d, live.active_users_7d, live.sessions_30d)
        # ...and the rollup the change asked for re-derives the rest of the window.
        await session.refresh(org)  # as the rollup job's own session reads it
        await usage.roll_up(session, org.id)
        in_los_angeles = await rollups(session, org)
        assert in_los_angeles != in_utc

        # A rollup made from nothing directly in the new zone gives the same days.
        for table in ("usage_daily_account", "usage_daily_contact", "usage_daily_feature"):
            await session.execute(text(f"DELETE FROM {table} WHERE org_id = :o"), {"o": org.id})
        await usage.roll_up(
            session, org.id, days=every_day(today - timedelta(days=60), today + timedelta(days=1))
        )
        assert await rollups(session, org) == in_los_angeles
        # And the organisation-wide refresh finds what the live chain computed.
        await metrics.refresh(session, org.id)
        full = await session.get_one(AccountMetricValues, acme.id, populate_existing=True)
        assert (full.events_7d, full.active_users_7d, full.sessions_30d) == figures


async def test_a_real_worker_schedules_and_runs_the_rollup(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: Redis,
    settings: Settings,
    org: Organisation,
    acme: Account,
) -> None:
    await send(session, org, *SEQUENCE)
    await session.commit()
    await redis.enqueue_job("usage.schedule_rollups")

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

    assert worker.jobs_complete == 2 and worker.jobs_failed == 0
    assert (await rollups(session, org))["usage_daily_account"] == [(DAY, 8, 2, 4, 6840)]
    # Nothing pending any more: the next run recomputes nothing.
    assert (
        await usage_jobs.roll_up({"sessionmaker": sessionmaker, "redis": redis}, str(org.id)) == 0
    )
