"""Notifications through the API: each task event notifies the task's owner (never the one
who made the change), the bell's list, count and marks, each user's preferences, an alert
rule's recipients validated, and scoping (another user's or organisation's notification is
404)."""

import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.alerts import service as alerts
from domain.alerts.models import EvaluationTrigger
from domain.common.settings import Settings
from domain.notifications.models import Notification
from domain.orgs.models import Organisation
from domain.users.models import User, UserStatus
from tests.factories import auth_headers, create_account, create_user, user_by_role
from tests.helpers import assert_problem

API = "/api/v1"
AT_RISK = {"kind": "compare", "field": "name", "op": "starts_with", "value": "Risky"}


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


async def _mine(client: AsyncClient, headers: dict[str, str], **params: Any) -> list[Any]:
    response = await client.get(f"{API}/notifications", headers=headers, params=params)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def _unread(client: AsyncClient, headers: dict[str, str]) -> int:
    response = await client.get(f"{API}/notifications/unread-count", headers=headers)
    assert response.status_code == 200, response.text
    count: int = response.json()["unread"]
    return count


async def _task(client: AsyncClient, headers: dict[str, str], **fields: Any) -> Any:
    response = await client.post(f"{API}/tasks", headers=headers, json={"title": "Call", **fields})
    assert response.status_code == 201, response.text
    return response.json()


class TestTaskEvents:
    async def test_a_task_given_to_someone_notifies_them_and_not_its_creator(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        csm = await create_user(session, org, full_name="Bea Csm")
        account = await create_account(session, org, name="Acme", csms=[csm])
        task = await _task(
            client,
            headers,
            account_id=str(account.id),
            owner_id=str(csm.id),
            title="Call the sponsor",
            due_on="2026-03-04",
        )
        # A task the admin gives themselves tells nobody.
        await _task(client, headers, account_id=str(account.id))

        [notification] = await _mine(client, auth_headers(settings, csm))
        assert notification["kind"] == "task_assigned"
        assert notification["title"] == "New task: Call the sponsor"
        assert notification["body"] == "On Acme, due Mar 4, 2026"
        assert notification["task_id"] == task["id"]
        assert notification["account_id"] == str(account.id)
        assert notification["account_name"] == "Acme"
        assert notification["read_at"] is None
        assert await _mine(client, headers) == []

    async def test_reassigned_updated_closed_and_reopened(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        first = await create_user(session, org)
        second = await create_user(session, org)
        account = await create_account(session, org, csms=[first, second])
        task = await _task(client, headers, account_id=str(account.id), owner_id=str(first.id))

        moved = await client.patch(
            f"{API}/tasks/{task['id']}", headers=headers, json={"owner_id": str(second.id)}
        )
        assert moved.status_code == 200, moved.text
        changed = await client.patch(
            f"{API}/tasks/{task['id']}",
            headers=headers,
            json={"due_on": "2026-04-01", "priority": "high", "tags": ["x"]},
        )
        assert changed.status_code == 200, changed.text
        # Tags alone are not worth telling the owner about.
        tags = await client.patch(
            f"{API}/tasks/{task['id']}", headers=headers, json={"tags": ["y"]}
        )
        assert tags.status_code == 200, tags.text
        closed = await client.post(f"{API}/tasks/{task['id']}/close", headers=headers, json={})
        assert closed.status_code == 200, closed.text
        reopened = await client.post(f"{API}/tasks/{task['id']}/reopen", headers=headers)
        assert reopened.status_code == 200, reopened.text

        second_sees = await _mine(client, auth_headers(settings, second))
        assert [(n["kind"], n["body"].split(". ")[-1]) for n in reversed(second_sees)] == [
            ("task_reassigned", "On " + account.name),
            ("task_updated", "Changed: due date, priority"),
            ("task_updated", "Closed"),
            ("task_updated", "Reopened"),
        ]
        assert [n["kind"] for n in await _mine(client, auth_headers(settings, first))] == [
            "task_assigned"
        ]

    async def test_the_owner_changing_their_own_task_is_not_notified(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        csm = await create_user(session, org)
        account = await create_account(session, org, csms=[csm])
        mine = auth_headers(settings, csm)
        task = await _task(client, mine, account_id=str(account.id))

        await client.patch(f"{API}/tasks/{task['id']}", headers=mine, json={"title": "Later"})
        await client.post(f"{API}/tasks/{task['id']}/close", headers=mine, json={})

        assert await _mine(client, mine) == []


class TestTheBell:
    async def test_unread_first_count_mark_one_and_all(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        csm = await create_user(session, org)
        account = await create_account(session, org, csms=[csm])
        for title in ("One", "Two", "Three"):
            await _task(
                client, headers, account_id=str(account.id), owner_id=str(csm.id), title=title
            )
        mine = auth_headers(settings, csm)
        assert await _unread(client, mine) == 3
        [newest, middle, oldest] = await _mine(client, mine)
        assert [newest["title"], oldest["title"]] == ["New task: Three", "New task: One"]

        read = await client.post(f"{API}/notifications/{middle['id']}/read", headers=mine)
        assert read.status_code == 200 and read.json()["read_at"] is not None
        assert await _unread(client, mine) == 2
        # Unread first: the read one goes last.
        assert [n["id"] for n in await _mine(client, mine)][-1] == middle["id"]
        assert [n["id"] for n in await _mine(client, mine, unread_only=True)] == [
            newest["id"],
            oldest["id"],
        ]
        again = await client.post(f"{API}/notifications/{middle['id']}/read", headers=mine)
        assert again.json()["read_at"] == read.json()["read_at"]

        everything = await client.post(f"{API}/notifications/read-all", headers=mine)
        assert everything.json() == {"marked": 2}
        assert await _unread(client, mine) == 0

    async def test_another_users_or_organisations_notification_is_404(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        csm = await create_user(session, org)
        account = await create_account(session, org, csms=[csm])
        await _task(client, headers, account_id=str(account.id), owner_id=str(csm.id))
        [theirs] = await _mine(client, auth_headers(settings, csm))
        stranger = await user_by_role(session, other_org, "Admin")

        for who in (headers, auth_headers(settings, stranger)):
            response = await client.post(f"{API}/notifications/{theirs['id']}/read", headers=who)
            assert_problem(response, 404, "notification_not_found")
            assert await _mine(client, who) == []
            assert await _unread(client, who) == 0
        unknown = await client.post(f"{API}/notifications/{uuid.uuid4()}/read", headers=headers)
        assert_problem(unknown, 404, "notification_not_found")
        stored = await session.scalar(
            select(Notification.read_at)
            .where(Notification.id == uuid.UUID(theirs["id"]))
            .execution_options(populate_existing=True)
        )
        assert stored is None


class TestPreferences:
    async def test_defaults_then_a_choice_that_turns_a_kind_off(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        csm = await create_user(session, org)
        mine = auth_headers(settings, csm)
        defaults = await client.get(f"{API}/me/notification-preferences", headers=mine)
        assert defaults.status_code == 200
        assert defaults.json()["email_digest"] == "immediate"
        kinds = defaults.json()["kinds"]
        assert all(k["in_app"] for k in kinds.values())
        assert {k for k, v in kinds.items() if v["email"]} == {
            "task_assigned",
            "task_reassigned",
            "task_overdue",
            "alert_task",
        }

        saved = await client.put(
            f"{API}/me/notification-preferences",
            headers=mine,
            json={
                "kinds": {"task_assigned": {"in_app": False, "email": False}},
                "email_digest": "daily",
            },
        )
        assert saved.status_code == 200, saved.text
        assert saved.json()["kinds"]["task_assigned"] == {"in_app": False, "email": False}
        assert saved.json()["kinds"]["task_overdue"] == {"in_app": True, "email": True}
        assert saved.json()["email_digest"] == "daily"

        account = await create_account(session, org, csms=[csm])
        await _task(client, headers, account_id=str(account.id), owner_id=str(csm.id))
        assert await _mine(client, mine) == []

    async def test_a_change_keeps_every_choice_it_does_not_send(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        mine = auth_headers(settings, await create_user(session, org))
        path = f"{API}/me/notification-preferences"

        async def change(body: dict[str, Any]) -> dict[str, Any]:
            response = await client.patch(path, headers=mine, json=body)
            assert response.status_code == 200, response.text
            answer: dict[str, Any] = response.json()
            assert (await client.get(path, headers=mine)).json() == answer
            return answer

        # Before any choice is stored, then once one is.
        first = await change({"email_digest": "daily"})
        assert first["email_digest"] == "daily"
        assert first["kinds"]["task_assigned"] == {"in_app": True, "email": True}
        second = await change({"kinds": {"task_updated": {"in_app": True, "email": True}}})
        assert second["email_digest"] == "daily"
        assert second["kinds"]["task_updated"] == {"in_app": True, "email": True}
        third = await change({"kinds": {"task_assigned": {"in_app": False, "email": False}}})
        assert third["kinds"]["task_updated"] == {"in_app": True, "email": True}
        assert third["kinds"]["task_assigned"] == {"in_app": False, "email": False}
        assert third["email_digest"] == "daily"
        # Null or nothing leaves the digest alone; a PUT still replaces everything.
        assert (await change({"email_digest": None}))["email_digest"] == "daily"
        replaced = await client.put(path, headers=mine, json={})
        assert replaced.json()["email_digest"] == "immediate"
        assert replaced.json()["kinds"]["task_updated"]["email"] is False

    async def test_a_wrong_choice_is_422_and_changes_nothing(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        mine = auth_headers(settings, await create_user(session, org))
        for body in (
            {"kinds": {"task_exploded": {"in_app": True, "email": True}}},
            {"email_digest": "weekly"},
            {"kinds": {"task_assigned": {"in_app": True}}},
        ):
            for method in ("PUT", "PATCH"):
                response = await client.request(
                    method, f"{API}/me/notification-preferences", headers=mine, json=body
                )
                assert_problem(response, 422)
        current = await client.get(f"{API}/me/notification-preferences", headers=mine)
        assert current.json()["email_digest"] == "immediate"


class TestRuleRecipients:
    async def test_defaults_to_account_owners_and_refuses_a_stranger(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        rule = {"name": "At risk", "type": "churn", "condition": AT_RISK}
        created = await client.post(f"{API}/alert-rules", headers=headers, json=rule)
        assert created.status_code == 201, created.text
        assert created.json()["notify"] == [{"role": "account_owners", "user_id": None}]

        stranger = await user_by_role(session, other_org, "Admin")
        gone = await create_user(session, org, status=UserStatus.INACTIVE)
        for user_id in (stranger.id, gone.id, uuid.uuid4()):
            response = await client.patch(
                f"{API}/alert-rules/{created.json()['id']}",
                headers=headers,
                json={"notify": [{"user_id": str(user_id)}]},
            )
            assert_problem(response, 409, "alert_recipient_not_found")
        both = await client.post(
            f"{API}/alert-rules",
            headers=headers,
            json={
                **rule,
                "name": "Both",
                "notify": [{"role": "account_owners", "user_id": str(gone.id)}],
            },
        )
        assert_problem(both, 422)

        manager = await create_user(session, org)
        changed = await client.patch(
            f"{API}/alert-rules/{created.json()['id']}",
            headers=headers,
            json={"notify": [{"role": "owners_managers"}, {"user_id": str(manager.id)}]},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["notify"] == [
            {"role": "owners_managers", "user_id": None},
            {"role": None, "user_id": str(manager.id)},
        ]
        nobody = await client.patch(
            f"{API}/alert-rules/{created.json()['id']}", headers=headers, json={"notify": []}
        )
        assert nobody.json()["notify"] == []


class TestBulkClose:
    async def test_closing_alert_tasks_in_bulk_tells_their_owners_once_each(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        csm = await create_user(session, org)
        for n in range(2):
            await create_account(session, org, name=f"Risky {n}", csms=[csm])
        rule = await client.post(
            f"{API}/alert-rules",
            headers=headers,
            json={
                "name": "At risk",
                "type": "churn",
                "condition": AT_RISK,
                "creates_task": True,
                "notify": [],
            },
        )
        assert rule.status_code == 201, rule.text
        await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE)
        await session.commit()
        as_csm = auth_headers(settings, csm)
        assert [n["kind"] for n in await _mine(client, as_csm)] == ["alert_task", "alert_task"]

        closed = await client.post(
            f"{API}/alerts/bulk-close",
            headers=headers,
            json={"rule_id": rule.json()["id"], "outcome": "false_alarm"},
        )
        assert closed.json() == {"count": 2}, closed.text
        told = [n for n in await _mine(client, as_csm) if n["kind"] == "task_updated"]
        assert sorted(n["body"].split(". ")[-1] for n in told) == ["Closed (false alarm)"] * 2
        assert {n["account_name"] for n in told} == {"Risky 0", "Risky 1"}
        # The one who closed them is not told.
        assert await _mine(client, headers) == []
