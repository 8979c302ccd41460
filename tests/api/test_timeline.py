"""The account timeline: every kind of history in one newest-first, paginated feed."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import (
    Account,
    ChurnEvent,
    CsmAssignmentPeriod,
    CsmScoreEntry,
    NpsResponse,
    StagePeriod,
    StatusUpdate,
)
from domain.alerts import service as alerts
from domain.alerts.models import EvaluationTrigger
from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem
from tests.interaction_factories import create_interaction, create_note, create_ticket


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


def _at(day: int) -> datetime:
    return datetime(2025, 1, day, 12, tzinfo=UTC)


async def _history(session: AsyncSession, account: Account, admin: User, csm: User) -> None:
    """One of each kind, a day apart: day 1 is the oldest."""
    common = {"org_id": account.org_id, "account_id": account.id, "changed_by_id": admin.id}
    await create_interaction(session, account, author=admin, subject="Kick-off", occurred_at=_at(1))
    session.add_all(
        [
            StagePeriod(stage_name="Onboarding", entered_at=_at(2), **common),
            CsmAssignmentPeriod(user_id=csm.id, assigned_at=_at(3), unassigned_at=_at(8), **common),
            StatusUpdate(title="On track", details="Go-live next week", posted_at=_at(5), **common),
            CsmScoreEntry(score=80, recorded_at=_at(6), **common),
            NpsResponse(score=9, contact="Jane", responded_at=_at(7), **common),
            ChurnEvent(churned_on=date(2025, 1, 10), reason="Budget cuts", **common),
        ]
    )
    await create_ticket(session, account, subject="SSO broken", opened_at=_at(4))
    await create_note(session, account, author=admin, body="<p>Hi</p>", created_at=_at(9))
    await session.flush()


async def _timeline(
    client: AsyncClient, headers: dict[str, str], account: Account, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/accounts/{account.id}/timeline", headers=headers, params=params
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestTimeline:
    async def test_merges_every_kind_newest_first(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        admin: User,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)
        csm = await create_user(session, org, full_name="Casey CSM")
        await _history(session, account, admin, csm)
        # Another account's history stays out.
        await create_interaction(session, await create_account(session, org), occurred_at=_at(5))

        body = await _timeline(client, headers, account)

        assert body["total"] == 10
        assert [i["kind"] for i in body["items"]] == [
            "churn",
            "note",
            "csm_unassigned",
            "nps_response",
            "csm_score",
            "status_update",
            "ticket",
            "csm_assigned",
            "stage_change",
            "interaction",
        ]
        by_kind = {i["kind"]: i for i in body["items"]}
        assert by_kind["churn"]["occurred_at"] == "2025-01-10T00:00:00Z"
        assert by_kind["churn"]["detail"] == "Budget cuts"
        assert by_kind["csm_assigned"]["title"] == "CSM assigned: Casey CSM"
        assert by_kind["stage_change"]["title"] == "Stage: Onboarding"
        assert by_kind["status_update"]["detail"] == "Go-live next week"
        assert by_kind["ticket"]["title"] == "Ticket opened: SSO broken"
        assert by_kind["interaction"]["title"] == "Kick-off"
        assert by_kind["interaction"]["author_id"] == str(admin.id)
        assert by_kind["note"]["detail"] == "<p>Hi</p>"

    async def test_paginates_in_the_database_with_a_total(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        admin: User,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)
        await _history(session, account, admin, await create_user(session, org))

        first = await _timeline(client, headers, account, limit=4)
        second = await _timeline(client, headers, account, limit=4, offset=4)
        last = await _timeline(client, headers, account, limit=4, offset=8)

        assert first["total"] == second["total"] == last["total"] == 10
        kinds = [i["kind"] for page in (first, second, last) for i in page["items"]]
        assert len(kinds) == len(set(kinds)) == 10
        assert [i["kind"] for i in last["items"]] == ["stage_change", "interaction"]
        # A page past the end still says how many items there are.
        beyond = await _timeline(client, headers, account, limit=4, offset=12)
        assert beyond["items"] == [] and beyond["total"] == 10
        only = await _timeline(client, headers, account, kinds=["note"], offset=5)
        assert only["items"] == [] and only["total"] == 1

    async def test_filters_by_kind(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        admin: User,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)
        await _history(session, account, admin, await create_user(session, org))

        body = await _timeline(client, headers, account, kinds=["note", "ticket"])

        assert body["total"] == 2
        assert [i["kind"] for i in body["items"]] == ["note", "ticket"]

    async def test_bad_kind_is_422(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)

        response = await client.get(
            f"/api/v1/accounts/{account.id}/timeline", headers=headers, params={"kinds": "mystery"}
        )

        assert_problem(response, 422, "validation_error")

    async def test_an_invisible_or_foreign_account_is_404(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        csm_headers = auth_headers(settings, await create_user(session, org))
        unassigned = await create_account(session, org)
        foreign = await create_account(session, other_org)

        for h, account_id in (
            (csm_headers, unassigned.id),
            (headers, foreign.id),
            (headers, uuid.uuid4()),
        ):
            response = await client.get(f"/api/v1/accounts/{account_id}/timeline", headers=h)
            assert_problem(response, 404, "account_not_found")


class TestTicketClosed:
    async def test_closing_a_ticket_adds_an_item_at_its_close_time(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)
        ticket = await create_ticket(session, account, subject="SSO broken", opened_at=_at(2))

        response = await client.patch(
            f"/api/v1/tickets/{ticket.id}",
            headers=headers,
            json={"status": "solved", "closed_at": _at(5).isoformat()},
        )
        assert response.status_code == 200, response.text
        body = await _timeline(client, headers, account)

        assert [(i["kind"], i["title"], i["occurred_at"]) for i in body["items"]] == [
            ("ticket_closed", "Ticket solved: SSO broken", "2025-01-05T12:00:00Z"),
            ("ticket", "Ticket opened: SSO broken", "2025-01-02T12:00:00Z"),
        ]
        assert body["items"][0]["id"] == str(ticket.id)
        only_closed = await _timeline(client, headers, account, kinds=["ticket_closed"])
        assert [i["kind"] for i in only_closed["items"]] == ["ticket_closed"]

    async def test_reopening_removes_the_closed_item(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)
        ticket = await create_ticket(
            session, account, status="closed", opened_at=_at(2), closed_at=_at(3)
        )
        closed = await _timeline(client, headers, account)
        assert [i["title"] for i in closed["items"]] == [
            "Ticket closed: Cannot log in",
            "Ticket opened: Cannot log in",
        ]

        response = await client.patch(
            f"/api/v1/tickets/{ticket.id}", headers=headers, json={"status": "open"}
        )
        assert response.status_code == 200, response.text
        body = await _timeline(client, headers, account)

        assert [i["kind"] for i in body["items"]] == ["ticket"]


class TestReactivation:
    async def test_names_who_reactivated_not_who_churned(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        admin: User,
        headers: dict[str, str],
    ) -> None:
        manager = await create_user(session, org, role_name="CSM Manager")
        account = await create_account(session, org)
        churned = await client.post(
            f"/api/v1/accounts/{account.id}/churn",
            headers=headers,
            json={"churned_on": "2025-01-10", "reason": "Budget cuts"},
        )
        assert churned.status_code == 200, churned.text

        reactivated = await client.post(
            f"/api/v1/accounts/{account.id}/reactivate",
            headers=auth_headers(settings, manager),
        )
        assert reactivated.status_code == 200, reactivated.text
        body = await _timeline(client, headers, account, kinds=["churn", "reactivation"])

        authors = {i["kind"]: i["author_id"] for i in body["items"]}
        assert authors == {"reactivation": str(manager.id), "churn": str(admin.id)}
        assert [i["kind"] for i in body["items"]] == ["reactivation", "churn"]
        session.expunge_all()
        event = await session.scalar(select(ChurnEvent).where(ChurnEvent.account_id == account.id))
        assert event is not None
        assert (event.changed_by_id, event.reactivated_by_id) == (admin.id, manager.id)

    async def test_a_reactivation_without_a_recorded_author_names_nobody(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        admin: User,
        headers: dict[str, str],
    ) -> None:
        # Reactivations recorded before their author was kept: unknown, not the churn's author.
        account = await create_account(session, org)
        session.add(
            ChurnEvent(
                org_id=org.id,
                account_id=account.id,
                changed_by_id=admin.id,
                churned_on=date(2025, 1, 10),
                reason="Budget cuts",
                reactivated_on=date(2025, 2, 1),
            )
        )
        await session.flush()

        body = await _timeline(client, headers, account, kinds=["reactivation"])

        assert [(i["kind"], i["author_id"]) for i in body["items"]] == [("reactivation", None)]


class TestTasks:
    async def test_created_and_closed_with_owner_and_outcome_gone_once_deleted(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        admin: User,
        headers: dict[str, str],
    ) -> None:
        csm = await create_user(session, org, full_name="Casey Csm")
        account = await create_account(session, org, csms=[csm])
        created = await client.post(
            "/api/v1/tasks",
            headers=headers,
            json={
                "account_id": str(account.id),
                "title": "Book the QBR",
                "owner_id": str(csm.id),
                "due_on": "2026-12-20",
            },
        )
        task = created.json()
        sub = await client.post(
            "/api/v1/tasks",
            headers=headers,
            json={"account_id": str(account.id), "title": "Send agenda", "parent_id": task["id"]},
        )
        closed = await client.post(f"/api/v1/tasks/{task['id']}/close", headers=headers, json={})
        assert closed.status_code == 200, closed.text

        # The account's CSM sees every task on it, whoever made or owns it.
        as_csm = auth_headers(settings, csm)
        body = await _timeline(client, as_csm, account, kinds=["task", "task_closed"])
        assert [(i["kind"], i["title"], i["detail"], i["author_id"]) for i in body["items"]] == [
            (
                "task_closed",
                "Task closed: Book the QBR",
                "Owner: Casey Csm · Due Dec 20, 2026",
                str(admin.id),
            ),
            ("task", "Task: Send agenda", f"Owner: {admin.full_name}", str(admin.id)),
            ("task", "Task: Book the QBR", "Owner: Casey Csm · Due Dec 20, 2026", str(admin.id)),
        ]
        assert sub.status_code == 201

        deleted = await client.delete(f"/api/v1/tasks/{task['id']}", headers=headers)
        assert deleted.status_code == 204
        assert (await _timeline(client, headers, account, kinds=["task", "task_closed"]))[
            "total"
        ] == 0

    async def test_an_alert_task_closed_shows_its_outcome(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        admin: User,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org, name="Risky Co", csms=[admin])
        await create_account(session, other_org, name="Risky Elsewhere")
        rule = await client.post(
            "/api/v1/alert-rules",
            headers=headers,
            json={
                "name": "At risk",
                "type": "churn",
                "creates_task": True,
                "condition": {
                    "kind": "compare",
                    "field": "name",
                    "op": "starts_with",
                    "value": "Risky",
                },
            },
        )
        assert rule.status_code == 201, rule.text
        for tenant in (org, other_org):
            await alerts.evaluate(session, tenant.id, trigger=EvaluationTrigger.RUN_NOW)
        await session.commit()
        [alert] = (await client.get("/api/v1/alerts", headers=headers)).json()["items"]
        closed = await client.post(
            f"/api/v1/alerts/{alert['id']}/close", headers=headers, json={"outcome": "false_alarm"}
        )
        assert closed.status_code == 200, closed.text

        body = await _timeline(client, headers, account, kinds=["task_closed"])
        assert [(i["title"], i["detail"]) for i in body["items"]] == [
            ("Task closed: At risk", f"Outcome: false alarm · Owner: {admin.full_name}")
        ]
