"""Tasks, alert tasks and playbooks through the API: the task lifecycle, validation, the views,
CSV export, closing an alert task with its outcome from the inbox, converting an alert, and
scoping (a CSM sees the tasks on their accounts and the tasks they own; another organisation's
ids are 404)."""

import csv
import io
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.alerts import service as alerts
from domain.alerts.models import EvaluationTrigger
from domain.common.settings import Settings
from domain.integration.models import ApiScope
from domain.orgs.models import Organisation
from domain.tasks import service as tasks
from domain.tasks.schemas import TaskCreate
from domain.users.actor import Actor
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_api_key, create_user
from tests.helpers import assert_problem

API = "/api/v1"
AT_RISK = {"kind": "compare", "field": "name", "op": "starts_with", "value": "Risky"}


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


async def _task(client: AsyncClient, headers: dict[str, str], **fields: Any) -> Any:
    response = await client.post(f"{API}/tasks", headers=headers, json={"title": "Call", **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def _alert_task_rule(client: AsyncClient, headers: dict[str, str], **overrides: Any) -> Any:
    playbook = await client.post(
        f"{API}/playbooks",
        headers=headers,
        json={
            "name": "Save it",
            "steps": [
                {"title": "Call the sponsor", "due_in_days": 2},
                {"title": "Send the deck", "due_in_days": 4},
            ],
        },
    )
    assert playbook.status_code == 201, playbook.text
    rule = await client.post(
        f"{API}/alert-rules",
        headers=headers,
        json={
            "name": "At risk",
            "type": "churn",
            "description": "Usage dropped",
            "condition": AT_RISK,
            "playbook_id": playbook.json()["id"],
            **overrides,
        },
    )
    assert rule.status_code == 201, rule.text
    return rule.json()


class TestLifecycle:
    async def test_create_update_close_reopen_delete(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        admin: User,
    ) -> None:
        account = await create_account(session, org)
        task = await _task(
            client,
            headers,
            account_id=str(account.id),
            due_on="2026-12-20",
            priority="high",
            tags=["renewal"],
        )
        assert (task["owner_id"], task["type"], task["status"], task["priority"]) == (
            str(admin.id),
            "regular",
            "open",
            "high",
        )
        sub = await _task(client, headers, account_id=str(account.id), parent_id=task["id"])
        assert sub["parent_id"] == task["id"]

        updated = await client.patch(
            f"{API}/tasks/{task['id']}",
            headers=headers,
            json={"title": "Call back", "due_on": None},
        )
        assert (updated.json()["title"], updated.json()["due_on"]) == ("Call back", None)
        assert [s["id"] for s in updated.json()["subtasks"]] == [sub["id"]]

        closed = await client.post(f"{API}/tasks/{task['id']}/close", headers=headers, json={})
        assert closed.status_code == 200, closed.text
        assert closed.json()["status"] == "closed"
        assert closed.json()["hours_to_close"] is not None and closed.json()["closed_at"]
        assert_problem(
            await client.post(f"{API}/tasks/{task['id']}/close", headers=headers, json={}),
            409,
            "task_closed",
        )
        reopened = await client.post(f"{API}/tasks/{task['id']}/reopen", headers=headers)
        assert (reopened.json()["status"], reopened.json()["closed_at"]) == ("open", None)

        assert (
            await client.delete(f"{API}/tasks/{task['id']}", headers=headers)
        ).status_code == 204
        assert_problem(await client.get(f"{API}/tasks/{sub['id']}", headers=headers), 404)
        page = (await client.get(f"{API}/tasks", headers=headers)).json()
        assert page["total"] == 0

    async def test_a_tag_given_twice_is_kept_once(
        self, client: AsyncClient, headers: dict[str, str], session: AsyncSession, org: Organisation
    ) -> None:
        account = await create_account(session, org)
        made = await client.post(
            f"{API}/tasks",
            headers=headers,
            json={"account_id": str(account.id), "title": "t", "tags": ["a", "a", " a ", "A"]},
        )
        assert made.json()["tags"] == ["a", "A"]
        changed = await client.patch(
            f"{API}/tasks/{made.json()['id']}", headers=headers, json={"tags": ["b", "b"]}
        )
        assert changed.json()["tags"] == ["b"]

    @pytest.mark.parametrize(
        "body",
        [
            {"title": ""},
            {"title": "x", "priority": "whenever"},
            {"title": "x", "due_on": "2026-13-01"},
            {"title": "x", "tags": ["x" * 65]},
            {"title": "x", "color": "red"},
        ],
    )
    async def test_bad_input_is_a_422(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        body: dict[str, Any],
    ) -> None:
        account = await create_account(session, org)
        response = await client.post(
            f"{API}/tasks", headers=headers, json={"account_id": str(account.id), **body}
        )
        assert_problem(response, 422)

    async def test_the_account_is_fixed_and_the_owner_must_be_a_user_here(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
    ) -> None:
        account = await create_account(session, org)
        task = await _task(client, headers, account_id=str(account.id))
        stranger = await create_user(session, other_org)
        assert_problem(
            await client.patch(
                f"{API}/tasks/{task['id']}", headers=headers, json={"account_id": str(account.id)}
            ),
            422,
        )
        assert_problem(
            await client.patch(
                f"{API}/tasks/{task['id']}", headers=headers, json={"owner_id": str(stranger.id)}
            ),
            409,
            "task_owner_not_found",
        )


class TestViews:
    async def test_mine_team_overdue_by_account_and_the_csv_export(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        admin: User,
    ) -> None:
        report = await create_user(session, org, full_name="Rita Report")
        # Whose team a user is on is set on the user; not themselves, not a stranger.
        team = await client.patch(
            f"{API}/users/{report.id}", headers=headers, json={"manager_id": str(admin.id)}
        )
        assert team.status_code == 200 and team.json()["manager_id"] == str(admin.id), team.text
        for bad in (report.id, uuid.uuid4()):
            assert_problem(
                await client.patch(
                    f"{API}/users/{report.id}", headers=headers, json={"manager_id": str(bad)}
                ),
                409,
                "manager_not_found",
            )
        account = await create_account(session, org, name="Acme")
        other = await create_account(session, org, name="Other")
        yesterday = (date.today() - timedelta(days=2)).isoformat()
        late = await _task(
            client, headers, account_id=str(account.id), due_on=yesterday, title="=HYPERLINK(1)"
        )
        theirs = await _task(
            client, headers, account_id=str(other.id), owner_id=str(report.id), title="Theirs"
        )

        async def ids(**params: Any) -> list[str]:
            page = (await client.get(f"{API}/tasks", headers=headers, params=params)).json()
            return [t["id"] for t in page["items"]]

        assert await ids(view="mine") == [late["id"]]
        assert await ids(view="team") == [theirs["id"]]
        assert await ids(view="overdue") == [late["id"]]
        assert await ids(account_id=str(other.id)) == [theirs["id"]]
        assert len(await ids(limit=1)) == 1

        export = await client.get(f"{API}/tasks/export", headers=headers, params={"view": "mine"})
        assert export.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(export.text)))
        assert [(r["title"], r["account_name"]) for r in rows] == [("'=HYPERLINK(1)", "Acme")]


class TestAlertTasks:
    async def test_the_inbox_closes_an_alert_task_with_an_outcome(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
    ) -> None:
        await create_account(session, org, name="Risky Co")
        await _alert_task_rule(client, headers, creates_task=True)
        await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE)
        await session.commit()

        (alert,) = (
            await client.get(f"{API}/alerts", headers=headers, params={"is_task": True})
        ).json()["items"]
        assert alert["task_id"] and alert["outcome"] is None
        task = (await client.get(f"{API}/tasks/{alert['task_id']}", headers=headers)).json()
        assert [s["title"] for s in task["subtasks"]] == ["Call the sponsor", "Send the deck"]
        assert_problem(
            await client.post(f"{API}/alerts/{alert['id']}/dismiss", headers=headers),
            409,
            "alert_is_task",
        )
        assert_problem(
            await client.post(f"{API}/alerts/{alert['id']}/close", headers=headers, json={}),
            422,
            "task_outcome_required",
        )
        assert_problem(
            await client.post(
                f"{API}/alerts/{alert['id']}/close", headers=headers, json={"outcome": "maybe"}
            ),
            422,
        )

        closed = await client.post(
            f"{API}/alerts/{alert['id']}/close", headers=headers, json={"outcome": "false_alarm"}
        )

        assert closed.status_code == 200, closed.text
        assert (closed.json()["status"], closed.json()["outcome"]) == ("closed", "false_alarm")
        task = (await client.get(f"{API}/tasks/{alert['task_id']}", headers=headers)).json()
        assert (task["status"], task["outcome"]) == ("closed", "false_alarm")
        assert_problem(
            await client.post(f"{API}/tasks/{task['id']}/reopen", headers=headers),
            409,
            "alert_task_reopen",
        )

    async def test_converting_a_plain_alert_makes_its_task_once_and_delete_takes_both(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
    ) -> None:
        await create_account(session, org, name="Risky Co")
        await _alert_task_rule(client, headers)
        await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE)
        await session.commit()
        (alert,) = (await client.get(f"{API}/alerts", headers=headers)).json()["items"]
        # Without an alert task the playbook's steps are tasks linked to the alert.
        linked = (await client.get(f"{API}/tasks", headers=headers)).json()
        assert {t["type"] for t in linked["items"]} == {"playbook"}

        # A plain alert is dismissed, not closed with an outcome.
        assert_problem(
            await client.post(
                f"{API}/alerts/{alert['id']}/close", headers=headers, json={"outcome": "successful"}
            ),
            409,
            "alert_not_task",
        )
        made = await client.post(f"{API}/alerts/{alert['id']}/convert", headers=headers)

        assert made.status_code == 201, made.text
        assert made.json()["tasks_created"] == 1
        assert_problem(
            await client.post(f"{API}/alerts/{alert['id']}/convert", headers=headers),
            409,
            "alert_already_task",
        )
        task_id = made.json()["task_id"]
        assert (await client.delete(f"{API}/tasks/{task_id}", headers=headers)).status_code == 204
        assert (await client.get(f"{API}/alerts", headers=headers)).json()["total"] == 0
        assert (await client.get(f"{API}/tasks", headers=headers)).json()["total"] == 0


class TestPlaybooks:
    async def test_crud_and_validation(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        settings: Settings,
        session: AsyncSession,
        org: Organisation,
    ) -> None:
        body = {"name": "Onboard", "steps": [{"title": "Kick-off", "due_in_days": 1}]}
        created = await client.post(f"{API}/playbooks", headers=headers, json=body)
        assert created.status_code == 201, created.text
        pid = created.json()["id"]
        assert_problem(await client.post(f"{API}/playbooks", headers=headers, json=body), 409)
        for bad in (
            {"name": "X", "steps": [{"title": "a", "assignee": "user"}]},
            {"name": "X", "steps": [{"title": "a", "due_in_days": -1}]},
            {"name": "", "steps": []},
        ):
            assert_problem(await client.post(f"{API}/playbooks", headers=headers, json=bad), 422)
        renamed = await client.put(
            f"{API}/playbooks/{pid}", headers=headers, json={**body, "name": "Onboarding"}
        )
        assert renamed.json()["name"] == "Onboarding"
        csm = await create_user(session, org)
        assert_problem(
            await client.put(
                f"{API}/playbooks/{pid}", headers=auth_headers(settings, csm), json=body
            ),
            403,
        )
        assert_problem(
            await client.post(
                f"{API}/alert-rules",
                headers=headers,
                json={
                    "name": "R",
                    "type": "churn",
                    "condition": AT_RISK,
                    "playbook_id": "00000000-0000-0000-0000-000000000000",
                },
            ),
            409,
            "rule_playbook_not_found",
        )
        assert (await client.delete(f"{API}/playbooks/{pid}", headers=headers)).status_code == 204
        assert (await client.get(f"{API}/playbooks", headers=headers)).json() == []


class TestScoping:
    async def test_a_csm_sees_tasks_on_their_accounts_and_their_own_and_other_orgs_ids_are_404(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        settings: Settings,
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        mine = await create_account(session, org, name="Mine", csms=[csm])
        theirs = await create_account(session, org, name="Theirs")
        elsewhere = await create_account(session, other_org, name="Elsewhere")
        await _task(client, headers, account_id=str(mine.id), title="On mine")
        owned = await _task(
            client, headers, account_id=str(theirs.id), owner_id=str(csm.id), title="Owned"
        )
        hidden = await _task(client, headers, account_id=str(theirs.id), title="Hidden")
        as_csm = auth_headers(settings, csm)

        page = (await client.get(f"{API}/tasks", headers=as_csm)).json()

        assert sorted(t["title"] for t in page["items"]) == ["On mine", "Owned"]
        assert_problem(await client.get(f"{API}/tasks/{hidden['id']}", headers=as_csm), 404)
        assert (await client.get(f"{API}/tasks/{owned['id']}", headers=as_csm)).status_code == 200
        assert_problem(
            await client.post(
                f"{API}/tasks", headers=as_csm, json={"account_id": str(theirs.id), "title": "x"}
            ),
            404,
        )
        assert_problem(
            await client.post(
                f"{API}/tasks",
                headers=headers,
                json={"account_id": str(elsewhere.id), "title": "x"},
            ),
            404,
        )
        foreign = await tasks.create_task(
            session,
            Actor.system(other_org.id),
            TaskCreate(account_id=elsewhere.id, title="Theirs"),
        )
        await session.commit()
        for method in ("get", "delete"):
            response = await client.request(method, f"{API}/tasks/{foreign.id}", headers=headers)
            assert_problem(response, 404, "task_not_found")
        assert_problem(
            await client.post(f"{API}/tasks/{foreign.id}/close", headers=headers, json={}), 404
        )


class TestOnlyThoseWhoUpdateAccountsWorkThem:
    """A guest ("view all, change nothing") and a read-only API key see tasks and alerts but
    change none of them: each write is a 403 that leaves the task and the alert as they were."""

    @pytest.mark.parametrize("who", ["guest", "read key"])
    async def test_tasks_and_alerts_are_read_only(
        self,
        who: str,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
    ) -> None:
        account = await create_account(session, org, name="Risky Co")
        await _alert_task_rule(client, headers)
        await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE)
        task = await _task(client, headers, account_id=str(account.id))
        if who == "guest":
            reader = auth_headers(settings, await create_user(session, org, role_name="Guest"))
        else:
            _, reader = await create_api_key(session, org, ApiScope.READ)
        await session.commit()
        (alert,) = (await client.get(f"{API}/alerts", headers=reader)).json()["items"]
        assert (await client.get(f"{API}/tasks/{task['id']}", headers=reader)).status_code == 200
        tasks_before = (await client.get(f"{API}/tasks", headers=headers)).json()["total"]

        task_url, alert_url = f"{API}/tasks/{task['id']}", f"{API}/alerts/{alert['id']}"
        selection = {"alert_ids": [alert["id"]]}
        for method, url, body in (
            ("POST", f"{API}/tasks", {"title": "Call", "account_id": str(account.id)}),
            ("PATCH", task_url, {"title": "Renamed"}),
            ("POST", f"{task_url}/close", {}),
            ("POST", f"{task_url}/reopen", None),
            ("DELETE", task_url, None),
            ("POST", f"{alert_url}/dismiss", None),
            ("POST", f"{alert_url}/snooze", {"until": "2030-01-01"}),
            ("POST", f"{alert_url}/convert", None),
            ("POST", f"{alert_url}/close", {"outcome": "successful"}),
            ("DELETE", alert_url, None),
            ("POST", f"{API}/alerts/bulk-dismiss", selection),
            ("POST", f"{API}/alerts/bulk-delete", selection),
            ("POST", f"{API}/alerts/bulk-close", {**selection, "outcome": "successful"}),
        ):
            response = await client.request(method, url, headers=reader, json=body)
            assert_problem(response, 403, "permission_denied")

        after = (await client.get(task_url, headers=headers)).json()
        assert (after["title"], after["status"]) == (task["title"], "open")
        (unchanged,) = (await client.get(f"{API}/alerts", headers=headers)).json()["items"]
        assert (unchanged["status"], unchanged["snoozed_until"], unchanged["task_id"]) == (
            "open",
            None,
            None,
        )
        assert (await client.get(f"{API}/tasks", headers=headers)).json()["total"] == tasks_before
