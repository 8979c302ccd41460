"""The alert and task reports through the API: figures per CSM, month, rule and type over
generated data, each equal to the count of its drill-down rows; periods in the organisation's
time zone; deleted alerts, tasks and accounts absent; scoped to the viewer's team; bad input."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.alerts.models import Alert, AlertRule, AlertStatus
from domain.common import clock
from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.tasks.models import Task, TaskOutcome, TaskStatus, TaskType
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_org, create_user
from tests.helpers import assert_problem

API = "/api/v1"
ALERT_METRICS = [
    "raised",
    "dismissed",
    "closed",
    "closed_successful",
    "closed_unsuccessful",
    "closed_false_alarm",
    "open",
]
TASK_METRICS = ["created", "outstanding", "overdue", "closed", "closed_on_time", "closed_late"]
# New York: UTC-5 in winter, so 03:00 UTC on Feb 1 is still January there.
ZONE = "America/New_York"


async def _rule(session: AsyncSession, org: Organisation, name: str, type_: str) -> AlertRule:
    rule = AlertRule(
        id=uuid.uuid4(),
        org_id=org.id,
        name=name,
        type=type_,
        description=name,
        condition={"kind": "compare", "field": "name", "op": "starts_with", "value": "x"},
        includes_churned=False,
        retrigger_delay_days=0,
        never_retrigger=False,
        creates_task=False,
        is_active=True,
    )
    session.add(rule)
    await session.flush()
    return rule


async def _alert(
    session: AsyncSession,
    rule: AlertRule,
    account: Account,
    fired_at: datetime,
    *,
    dismissed_at: datetime | None = None,
    closed_at: datetime | None = None,
    owner: User | None = None,
    outcome: TaskOutcome | None = None,
    task: bool = False,
) -> Alert:
    """An alert as the lifecycle leaves it: open, dismissed, or an alert task (closed with an
    outcome or open)."""
    status = AlertStatus.OPEN
    if dismissed_at is not None:
        status = AlertStatus.DISMISSED
    elif closed_at is not None:
        status = AlertStatus.CLOSED
    alert = Alert(
        id=uuid.uuid4(),
        org_id=rule.org_id,
        rule_id=rule.id,
        account_id=account.id,
        fired_at=fired_at,
        status=str(status),
        reason=rule.description,
        values={},
        dismissed_at=dismissed_at,
        closed_at=closed_at,
    )
    session.add(alert)
    await session.flush()
    if task or closed_at is not None:
        await _task(
            session,
            account,
            fired_at,
            owner=owner,
            closed_at=closed_at,
            outcome=outcome,
            alert=alert,
        )
    return alert


async def _task(
    session: AsyncSession,
    account: Account,
    created_at: datetime,
    *,
    owner: User | None,
    due_on: date | None = None,
    closed_at: datetime | None = None,
    outcome: TaskOutcome | None = None,
    alert: Alert | None = None,
) -> Task:
    task = Task(
        id=uuid.uuid4(),
        org_id=account.org_id,
        account_id=account.id,
        alert_id=alert.id if alert else None,
        type=str(TaskType.ALERT if alert else TaskType.REGULAR),
        title="Follow up",
        owner_id=owner.id if owner else None,
        due_on=due_on,
        priority="normal",
        tags=[],
        status=str(TaskStatus.CLOSED if closed_at else TaskStatus.OPEN),
        outcome=str(outcome) if outcome else None,
        closed_at=closed_at,
        created_at=created_at,
    )
    session.add(task)
    await session.flush()
    return task


class Team:
    """A manager over a CSM over another CSM, a CSM outside the team, and their accounts."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.accounts: dict[str, Account] = {}


@pytest.fixture
async def team(session: AsyncSession, org: Organisation, admin: User) -> Team:
    org.time_zone = ZONE
    t = Team()
    t.users["admin"] = admin
    t.users["manager"] = manager = await create_user(session, org, full_name="Mona Manager")
    t.users["ana"] = ana = await create_user(
        session, org, full_name="Ana CSM", manager_id=manager.id
    )
    t.users["ben"] = ben = await create_user(session, org, full_name="Ben CSM", manager_id=ana.id)
    t.users["cy"] = cy = await create_user(session, org, full_name="Cy Outsider")
    for name, csms in (
        ("ana's", [ana]),
        ("ben's", [ben]),
        ("cy's", [cy]),
        ("shared", [ana, cy]),
        ("nobody's", []),
        ("manager's", [manager]),
    ):
        t.accounts[name] = await create_account(session, org, name=name, csms=csms)
    return t


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def _generate(session: AsyncSession, org: Organisation, team: Team, seed: int) -> None:
    """Alerts and tasks at random over three months, in every state the lifecycle allows."""
    rng = random.Random(seed)
    rules = [
        await _rule(session, org, f"Rule {i}", type_)
        for i, type_ in enumerate(["churn", "renewal", "expansion", "churn", "engagement"] * 2)
    ]
    # The database keeps a rule to one open alert per account.
    open_pairs: set[tuple[uuid.UUID, uuid.UUID]] = set()
    owners: list[User | None] = [*team.users.values(), None]
    accounts = list(team.accounts.values())
    start = datetime(2025, 11, 20, tzinfo=UTC)

    def moment(after: datetime) -> datetime | None:
        later = after + timedelta(hours=rng.randint(1, 24 * 50))
        return later if rng.random() < 0.7 and later < datetime(2026, 2, 10, tzinfo=UTC) else None

    for _ in range(80):
        fired = start + timedelta(hours=rng.randint(0, 24 * 75))
        rule, account = rng.choice(rules), rng.choice(accounts)
        resolved = moment(fired)
        if resolved is None:
            if (rule.id, account.id) in open_pairs:
                continue
            open_pairs.add((rule.id, account.id))
        if rng.random() < 0.5:
            await _alert(session, rule, account, fired, dismissed_at=resolved)
        else:
            await _alert(
                session,
                rule,
                account,
                fired,
                closed_at=resolved,
                owner=rng.choice(owners),
                outcome=rng.choice(list(TaskOutcome)) if resolved else None,
                task=True,
            )
    for _ in range(80):
        created = start + timedelta(hours=rng.randint(0, 24 * 75))
        due = (created + timedelta(days=rng.randint(-2, 20))).date() if rng.random() < 0.8 else None
        await _task(
            session,
            rng.choice(accounts),
            created,
            owner=rng.choice(owners),
            due_on=due,
            closed_at=moment(created),
        )
    await session.commit()


def _key(row: dict[str, Any], group_by: str) -> dict[str, Any]:
    """The drill-down parameters that select a report row's rows."""
    params: dict[str, Any] = {"since": row["since"], "until": row["until"]}
    if group_by == "csm":
        params.update({"csm_id": row["csm_id"]} if row["csm_id"] else {"unassigned": "true"})
    elif group_by == "rule":
        params["rule_id"] = row["rule_id"]
    elif group_by == "type":
        params["type"] = row["type"]
    return params


async def _drill_total(
    client: AsyncClient, headers: dict[str, str], path: str, metric: str, params: dict[str, Any]
) -> int:
    response = await client.get(
        f"{API}/reports/{path}/rows",
        headers=headers,
        params={**params, "metric": metric, "limit": 200},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["items"]) == min(body["total"], 200)
    return int(body["total"])


class TestEveryFigureIsItsRows:
    @pytest.mark.parametrize("viewer", ["admin", "manager", "ben"])
    async def test_alert_figures_equal_their_drill_rows(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        team: Team,
        settings: Settings,
        viewer: str,
    ) -> None:
        await _generate(session, org, team, seed=13)
        headers = auth_headers(settings, team.users[viewer])
        checked = 0
        for group_by in ("csm", "month", "rule", "type"):
            response = await client.get(
                f"{API}/reports/alerts",
                headers=headers,
                params={"since": "2025-11", "until": "2026-01", "group_by": group_by},
            )
            assert response.status_code == 200, response.text
            for row in response.json()["rows"]:
                for metric in ALERT_METRICS:
                    total = await _drill_total(
                        client, headers, "alerts", metric, _key(row, group_by)
                    )
                    assert total == row[metric], (group_by, row, metric)
                    checked += row[metric]
        assert checked > 0

    @pytest.mark.parametrize("viewer", ["admin", "manager", "ben"])
    async def test_task_figures_equal_their_drill_rows(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        team: Team,
        settings: Settings,
        viewer: str,
    ) -> None:
        await _generate(session, org, team, seed=21)
        headers = auth_headers(settings, team.users[viewer])
        checked = 0
        for group_by in ("csm", "month"):
            response = await client.get(
                f"{API}/reports/tasks",
                headers=headers,
                params={"since": "2025-11", "until": "2026-01", "group_by": group_by},
            )
            assert response.status_code == 200, response.text
            for row in response.json()["rows"]:
                for metric in TASK_METRICS:
                    total = await _drill_total(
                        client, headers, "tasks", metric, _key(row, group_by)
                    )
                    assert total == row[metric], (group_by, row, metric)
                    checked += row[metric]
        assert checked > 0


def _rows(body: dict[str, Any], *keys: str) -> dict[Any, dict[str, Any]]:
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in body["rows"]}


async def _report(
    client: AsyncClient, headers: dict[str, str], path: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"{API}/reports/{path}",
        headers=headers,
        params={"since": "2026-01", "until": "2026-01", **params},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


JAN = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def alerts_of_january(session: AsyncSession, org: Organisation, team: Team) -> None:
    """January 2026 in New York (05:00 UTC Jan 1 to 05:00 UTC Feb 1), alert by alert."""
    usage = await _rule(session, org, "Usage drop", "churn")
    renewal = await _rule(session, org, "Renewal soon", "renewal")
    u, a = team.users, team.accounts
    # Ana's account: raised and dismissed in January.
    await _alert(
        session, usage, a["ana's"], JAN + timedelta(days=4), dismissed_at=JAN + timedelta(days=5)
    )
    # Raised in December, closed by Ben in January after 21 days.
    await _alert(
        session,
        usage,
        a["ben's"],
        JAN - timedelta(days=12),
        closed_at=JAN + timedelta(days=9),
        owner=u["ben"],
        outcome=TaskOutcome.SUCCESSFUL,
    )
    # Jan 31, 22:00 in New York: January's, open, for both CSMs of the shared account.
    await _alert(session, renewal, a["shared"], datetime(2026, 2, 1, 3, tzinfo=UTC))
    # Feb 1, 01:00 in New York: not January's.
    await _alert(session, usage, a["shared"], datetime(2026, 2, 1, 6, tzinfo=UTC))
    # No CSM anywhere: unassigned; a false alarm after a day.
    await _alert(
        session,
        renewal,
        a["nobody's"],
        JAN + timedelta(days=9),
        closed_at=JAN + timedelta(days=10),
        outcome=TaskOutcome.FALSE_ALARM,
    )
    # Raised in December (the 1st, 19:00 in New York), still open at January's end.
    await _alert(session, renewal, a["ana's"], JAN - timedelta(days=30))
    # Cy's account, but Ana owns the alert task: Ana's; unsuccessful after two days.
    await _alert(
        session,
        usage,
        a["cy's"],
        JAN + timedelta(days=1, hours=12),
        closed_at=JAN + timedelta(days=3, hours=12),
        owner=u["ana"],
        outcome=TaskOutcome.UNSUCCESSFUL,
    )
    # Of a deleted account: never counted.
    gone = await create_account(session, org, name="gone", csms=[u["ana"]])
    gone.deleted_at = clock.now()
    await _alert(session, usage, gone, JAN + timedelta(days=2))
    await session.commit()


class TestAlertFigures:
    async def test_per_csm_in_the_organisations_january(
        self,
        client: AsyncClient,
        settings: Settings,
        team: Team,
        alerts_of_january: None,
    ) -> None:
        body = await _report(client, auth_headers(settings, team.users["admin"]), "alerts")
        rows = _rows(body, "csm_name")
        assert set(rows) == {"Ana CSM", "Ben CSM", "Cy Outsider", None}
        figures = ["raised", "dismissed", "closed", "closed_successful"]
        figures += ["closed_unsuccessful", "closed_false_alarm", "open"]
        assert {name: [row[f] for f in figures] for name, row in rows.items()} == {
            "Ana CSM": [3, 1, 1, 0, 1, 0, 2],
            "Ben CSM": [0, 0, 1, 1, 0, 0, 0],
            "Cy Outsider": [1, 0, 0, 0, 0, 0, 1],
            None: [1, 0, 1, 0, 0, 1, 0],
        }
        assert rows["Ben CSM"]["median_hours_to_close"] == 21 * 24
        assert rows["Ana CSM"]["mean_hours_to_close"] == 48
        assert (body["since"], body["until"], rows[None]["since"]) == (
            "2026-01-01",
            "2026-01-31",
            "2026-01-01",
        )

    async def test_by_month_rule_and_type(
        self,
        client: AsyncClient,
        settings: Settings,
        team: Team,
        alerts_of_january: None,
    ) -> None:
        headers = auth_headers(settings, team.users["admin"])
        months = await _report(
            client, headers, "alerts", since="2025-12", until="2026-02-15", group_by="month"
        )
        assert [(r["since"], r["until"], r["raised"], r["open"]) for r in months["rows"]] == [
            ("2025-12-01", "2025-12-31", 2, 2),
            ("2026-01-01", "2026-01-31", 4, 2),
            ("2026-02-01", "2026-02-15", 1, 3),
        ]
        january = months["rows"][1]
        assert (january["closed"], january["median_hours_to_close"]) == (3, 48)
        assert january["mean_hours_to_close"] == (21 * 24 + 24 + 48) / 3

        by_rule = _rows(await _report(client, headers, "alerts", group_by="rule"), "rule_name")
        assert {k: r["raised"] for k, r in by_rule.items()} == {"Renewal soon": 2, "Usage drop": 2}
        by_type = _rows(await _report(client, headers, "alerts", group_by="type"), "type")
        assert {k: r["closed"] for k, r in by_type.items()} == {"churn": 2, "renewal": 1}

    async def test_a_deleted_alert_leaves_the_report(
        self,
        client: AsyncClient,
        settings: Settings,
        team: Team,
        alerts_of_january: None,
    ) -> None:
        headers = auth_headers(settings, team.users["admin"])
        ben = str(team.users["ben"].id)
        (closed,) = (
            await client.get(
                f"{API}/reports/alerts/rows",
                headers=headers,
                params={"metric": "closed", "csm_id": ben, "since": "2026-01", "until": "2026-01"},
            )
        ).json()["items"]
        deleted = await client.delete(f"{API}/alerts/{closed['id']}", headers=headers)
        assert deleted.status_code == 204
        rows = _rows(await _report(client, headers, "alerts"), "csm_name")
        assert "Ben CSM" not in rows
        month = await _report(client, headers, "alerts", group_by="month")
        assert month["rows"][0]["closed"] == 2


class TestScope:
    async def test_a_manager_sees_their_team_down_the_line_and_a_csm_only_themselves(
        self,
        client: AsyncClient,
        settings: Settings,
        team: Team,
        alerts_of_january: None,
    ) -> None:
        u = team.users
        as_manager = auth_headers(settings, u["manager"])
        rows = _rows(await _report(client, as_manager, "alerts"), "csm_name")
        # Ben reports to Ana, who reports to the manager; Cy to no one; the shared account's
        # alert counts for Ana only.
        assert set(rows) == {"Ana CSM", "Ben CSM"}
        assert rows["Ana CSM"]["raised"] == 3
        month = await _report(client, as_manager, "alerts", group_by="month")
        assert (month["rows"][0]["raised"], month["rows"][0]["closed"]) == (3, 2)

        as_ben = auth_headers(settings, u["ben"])
        assert set(_rows(await _report(client, as_ben, "alerts"), "csm_name")) == {"Ben CSM"}
        as_cy = auth_headers(settings, u["cy"])
        cy = _rows(await _report(client, as_cy, "alerts"), "csm_name")
        assert [(k, r["raised"], r["closed"]) for k, r in cy.items()] == [("Cy Outsider", 1, 0)]
        for headers, csm in ((as_ben, u["ana"]), (as_manager, u["cy"])):
            response = await client.get(
                f"{API}/reports/alerts", headers=headers, params={"csm_id": str(csm.id)}
            )
            assert_problem(response, 404, "csm_not_found")
        unassigned = await _report(client, as_manager, "alerts", unassigned="true")
        assert unassigned["rows"] == []

    async def test_another_organisation_is_never_counted_nor_named(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        team: Team,
        alerts_of_january: None,
    ) -> None:
        other, their_admin = await create_org(session, name="Elsewhere", time_zone=ZONE)
        their_csm = await create_user(session, other, full_name="Their CSM")
        account = await create_account(session, other, csms=[their_csm])
        rule = await _rule(session, other, "Theirs", "churn")
        await _alert(session, rule, account, JAN + timedelta(days=3))
        await _task(session, account, JAN + timedelta(days=3), owner=their_csm)
        await session.commit()

        theirs = await _report(client, auth_headers(settings, their_admin), "alerts")
        assert [(r["csm_name"], r["raised"]) for r in theirs["rows"]] == [("Their CSM", 1)]
        headers = auth_headers(settings, team.users["admin"])
        ours = _rows(await _report(client, headers, "alerts"), "csm_name")
        assert "Their CSM" not in ours and ours["Ana CSM"]["raised"] == 3
        for path, metric in (
            ("alerts", None),
            ("tasks", None),
            ("alerts/rows", "raised"),
            ("tasks/rows", "created"),
        ):
            response = await client.get(
                f"{API}/reports/{path}",
                headers=headers,
                params={"csm_id": str(their_csm.id), **({"metric": metric} if metric else {})},
            )
            assert_problem(response, 404, "csm_not_found")


@pytest.fixture
async def tasks_of_january(session: AsyncSession, org: Organisation, team: Team) -> None:
    u, a = team.users, team.accounts
    day = JAN + timedelta(hours=12)
    # Ana: closed late (due the 10th, closed the 12th), and on time on Jan 31 in New York
    # (Feb 1 in UTC); one open since December, closed in February.
    await _task(
        session,
        a["ana's"],
        day - timedelta(days=12),
        owner=u["ana"],
        due_on=date(2026, 1, 10),
        closed_at=day + timedelta(days=11),
    )
    await _task(
        session,
        a["ana's"],
        day + timedelta(days=2),
        owner=u["ana"],
        due_on=date(2026, 1, 31),
        closed_at=datetime(2026, 2, 1, 3, tzinfo=UTC),
    )
    await _task(
        session, a["cy's"], day - timedelta(days=31), owner=u["ana"], closed_at=day + timedelta(40)
    )
    # Ben: overdue, outstanding but due on the last day, closed the next day without a due day.
    await _task(
        session, a["ben's"], day + timedelta(days=4), owner=u["ben"], due_on=date(2026, 1, 20)
    )
    await _task(
        session, a["ben's"], day + timedelta(days=5), owner=u["ben"], due_on=date(2026, 1, 31)
    )
    await _task(
        session, a["ben's"], day + timedelta(days=6), owner=u["ben"], closed_at=day + timedelta(7)
    )
    # No owner.
    await _task(session, a["nobody's"], day + timedelta(days=8), owner=None)
    await session.commit()


class TestTaskFigures:
    async def test_per_owner_in_the_organisations_january(
        self, client: AsyncClient, settings: Settings, team: Team, tasks_of_january: None
    ) -> None:
        headers = auth_headers(settings, team.users["admin"])
        rows = _rows(await _report(client, headers, "tasks"), "csm_name")
        figures = ["created", "outstanding", "overdue", "closed", "closed_on_time", "closed_late"]
        assert {name: [row[f] for f in figures] for name, row in rows.items()} == {
            "Ana CSM": [1, 1, 0, 2, 1, 1],
            "Ben CSM": [3, 2, 1, 1, 1, 0],
            None: [1, 1, 0, 0, 0, 0],
        }
        assert rows["Ben CSM"]["median_hours_to_close"] == 24
        assert rows[None]["median_hours_to_close"] is None

    async def test_a_deleted_task_and_a_deleted_accounts_tasks_leave_the_report(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        team: Team,
        tasks_of_january: None,
    ) -> None:
        headers = auth_headers(settings, team.users["admin"])
        ben = str(team.users["ben"].id)
        overdue = (
            await client.get(
                f"{API}/reports/tasks/rows",
                headers=headers,
                params={"metric": "overdue", "csm_id": ben, "since": "2026-01", "until": "2026-01"},
            )
        ).json()["items"]
        assert [t["due_on"] for t in overdue] == ["2026-01-20"]
        assert (
            await client.delete(f"{API}/tasks/{overdue[0]['id']}", headers=headers)
        ).status_code == 204
        team.accounts["ana's"].deleted_at = clock.now()
        await session.commit()
        rows = _rows(await _report(client, headers, "tasks"), "csm_name")
        assert (rows["Ben CSM"]["overdue"], rows["Ben CSM"]["created"]) == (0, 2)
        # Ana keeps only the task on Cy's account.
        assert (rows["Ana CSM"]["outstanding"], rows["Ana CSM"]["closed"]) == (1, 0)

    async def test_by_month_outstanding_at_each_months_end(
        self, client: AsyncClient, settings: Settings, team: Team, tasks_of_january: None
    ) -> None:
        headers = auth_headers(settings, team.users["admin"])
        body = await _report(
            client, headers, "tasks", since="2025-12", until="2026-02", group_by="month"
        )
        assert [
            (r["since"], r["created"], r["outstanding"], r["closed"]) for r in body["rows"]
        ] == [
            ("2025-12-01", 2, 2, 0),
            ("2026-01-01", 5, 4, 3),
            ("2026-02-01", 0, 3, 1),
        ]

    async def test_a_period_not_ended_counts_overdue_as_of_today(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, team: Team
    ) -> None:
        # Asked for a range ending next month, tasks due later this month counted as overdue.
        today = clock.today_in(ZONE, clock.now())
        ben = team.users["ben"]
        for due in (today - timedelta(days=1), today, today + timedelta(days=10)):
            await _task(session, team.accounts["ben's"], clock.now(), owner=ben, due_on=due)
        await session.commit()
        headers = auth_headers(settings, team.users["admin"])
        ahead = today + timedelta(days=40)
        span = {"since": f"{today:%Y-%m}", "until": f"{ahead:%Y-%m}"}

        (row,) = (await _report(client, headers, "tasks", **span))["rows"]
        months = await _report(client, headers, "tasks", **span, group_by="month")

        assert (row["outstanding"], row["overdue"]) == (3, 1)
        assert [(r["outstanding"], r["overdue"]) for r in months["rows"]] == [(3, 1)] * len(
            months["rows"]
        )
        drill = await client.get(
            f"{API}/reports/tasks/rows", headers=headers, params={"metric": "overdue", **span}
        )
        assert [t["due_on"] for t in drill.json()["items"]] == [str(today - timedelta(days=1))]


class TestBadInput:
    @pytest.mark.parametrize(
        "params",
        [
            {"since": "2026-13"},
            {"since": "yesterday"},
            {"since": "2026-02", "until": "2026-01"},
            {"since": "2020-01", "until": "2026-01"},
            {"group_by": "weekday"},
            {"csm_id": "not-a-uuid"},
        ],
    )
    async def test_bad_periods_and_groupings_are_422(
        self, client: AsyncClient, settings: Settings, team: Team, params: dict[str, str]
    ) -> None:
        headers = auth_headers(settings, team.users["admin"])
        for path in ("alerts", "tasks"):
            response = await client.get(f"{API}/reports/{path}", headers=headers, params=params)
            assert_problem(response, 422)

    async def test_a_since_after_today_without_until_says_until_is_today(
        self, client: AsyncClient, settings: Settings, team: Team
    ) -> None:
        headers = auth_headers(settings, team.users["admin"])
        for path in ("alerts", "tasks"):
            response = await client.get(
                f"{API}/reports/{path}", headers=headers, params={"since": "2999-01-01"}
            )
            assert "after today" in assert_problem(response, 422, "invalid_range")["detail"]

    async def test_drill_needs_a_known_metric_and_not_both_a_csm_and_unassigned(
        self, client: AsyncClient, settings: Settings, team: Team
    ) -> None:
        headers = auth_headers(settings, team.users["admin"])
        for path, metric in (("alerts", "overdue"), ("tasks", "raised")):
            response = await client.get(
                f"{API}/reports/{path}/rows", headers=headers, params={"metric": metric}
            )
            assert_problem(response, 422)
        response = await client.get(
            f"{API}/reports/tasks/rows",
            headers=headers,
            params={"metric": "closed", "csm_id": str(team.users["ana"].id), "unassigned": "true"},
        )
        assert_problem(response, 422, "invalid_selection")
        response = await client.get(
            f"{API}/reports/alerts", headers=headers, params={"csm_id": str(uuid.uuid4())}
        )
        assert_problem(response, 404, "csm_not_found")
        assert (await client.get(f"{API}/reports/alerts")).status_code == 401
