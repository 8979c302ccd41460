"""Saved task views and the grouped task list through the API: views saved, shared, made the
default and deleted; bad input refused and nothing changed; groups counted by the database
within what the caller may see (a CSM's groups count only their tasks, another organisation's
ids are 404)."""

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.tasks import views
from domain.tasks.schemas import TaskViewWrite
from domain.users.actor import Actor
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem

API = "/api/v1"


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


async def _task(client: AsyncClient, headers: dict[str, str], **fields: Any) -> Any:
    response = await client.post(f"{API}/tasks", headers=headers, json={"title": "Call", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def _day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


async def _groups(
    client: AsyncClient, headers: dict[str, str], group_by: str, **params: Any
) -> dict[str | None, tuple[str, int, list[str]]]:
    response = await client.get(
        f"{API}/tasks/groups", headers=headers, params={"group_by": group_by, **params}
    )
    assert response.status_code == 200, response.text
    return {
        g["key"]: (g["label"], g["count"], [t["title"] for t in g["items"]])
        for g in response.json()["groups"]
    }


class TestSavedViews:
    async def test_save_share_default_and_delete(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        admin: User,
        settings: Settings,
    ) -> None:
        account = await create_account(session, org, name="Acme")
        body = {
            "name": "My week",
            "filters": {
                "view": "mine",
                "status": "open",
                "tags": ["qbr"],
                "due": "next_7_days",
                "account_id": str(account.id),
            },
            "group_by": "due",
        }
        created = await client.post(f"{API}/task-views", headers=headers, json=body)
        assert created.status_code == 201, created.text
        view = created.json()
        assert (view["group_by"], view["filters"]["tags"], view["is_default"]) == (
            "due",
            ["qbr"],
            False,
        )
        shared = await client.post(
            f"{API}/task-views",
            headers=headers,
            json={"name": "Urgent", "is_shared": True, "filters": {"priority": "urgent"}},
        )
        assert shared.status_code == 201, shared.text

        csm = await create_user(session, org, role_name="CSM")
        as_csm = auth_headers(settings, csm)
        seen = (await client.get(f"{API}/task-views", headers=as_csm)).json()
        assert [v["name"] for v in seen] == ["Urgent"]
        assert_problem(
            await client.put(f"{API}/task-views/{view['id']}/default", headers=as_csm), 404
        )
        # A CSM makes the shared view their default, but may neither share nor edit it.
        made = await client.put(f"{API}/task-views/{shared.json()['id']}/default", headers=as_csm)
        assert made.status_code == 200 and made.json()["is_default"], made.text
        assert_problem(
            await client.post(
                f"{API}/task-views", headers=as_csm, json={"name": "Mine", "is_shared": True}
            ),
            403,
        )
        assert_problem(
            await client.put(
                f"{API}/task-views/{shared.json()['id']}", headers=as_csm, json={"name": "x"}
            ),
            403,
        )

        default = await client.put(f"{API}/task-views/{view['id']}/default", headers=headers)
        assert default.json()["is_default"] is True
        again = await client.put(f"{API}/task-views/{shared.json()['id']}/default", headers=headers)
        assert again.json()["is_default"] is True
        listed = {
            v["name"]: v["is_default"]
            for v in (await client.get(f"{API}/task-views", headers=headers)).json()
        }
        assert listed == {"My week": False, "Urgent": True}

        renamed = await client.put(
            f"{API}/task-views/{view['id']}",
            headers=headers,
            json={**body, "name": "This week", "group_by": None},
        )
        assert (renamed.json()["name"], renamed.json()["group_by"]) == ("This week", None)

        # Deleting the shared view takes it away as everyone's default.
        deleted = await client.delete(f"{API}/task-views/{shared.json()['id']}", headers=headers)
        assert deleted.status_code == 204
        assert [
            v["is_default"] for v in (await client.get(f"{API}/task-views", headers=headers)).json()
        ] == [False]
        assert (await client.get(f"{API}/task-views", headers=as_csm)).json() == []

        await client.put(f"{API}/task-views/{view['id']}/default", headers=headers)
        assert (
            await client.delete(f"{API}/task-views/default", headers=headers)
        ).status_code == 204
        assert [
            v["is_default"] for v in (await client.get(f"{API}/task-views", headers=headers)).json()
        ] == [False]

    async def test_a_name_is_unique_among_the_owners_views_and_the_shared_ones(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        settings: Settings,
    ) -> None:
        async def save(who: dict[str, str], name: str, shared: bool = False) -> Any:
            return await client.post(
                f"{API}/task-views", headers=who, json={"name": name, "is_shared": shared}
            )

        async def edit(who: dict[str, str], view: Any, name: str, shared: bool = False) -> Any:
            return await client.put(
                f"{API}/task-views/{view['id']}",
                headers=who,
                json={"name": name, "is_shared": shared},
            )

        colleague = auth_headers(settings, await create_user(session, org, role_name="Admin"))
        csm = auth_headers(settings, await create_user(session, org, role_name="CSM"))
        mine = (await save(headers, "My week")).json()
        other = (await save(headers, "Overdue")).json()
        team = (await save(colleague, "Team", shared=True)).json()
        await save(colleague, "Private")

        refused = {
            "created": await save(headers, " MY WEEK "),
            "created shared": await save(headers, "my week", shared=True),
            "renamed": await edit(headers, other, "My Week"),
            "created as another's shared": await save(headers, "TEAM", shared=True),
            "shared": await edit(headers, other, "team", shared=True),
            "renamed for its owner": await edit(headers, team, "PRIVATE", shared=True),
        }

        details = {
            case: assert_problem(answer, 409, "task_view_name_taken")["detail"]
            for case, answer in refused.items()
        }
        assert details == {
            "created": "You already have a task view named 'MY WEEK'",
            "created shared": "You already have a task view named 'my week'",
            "renamed": "You already have a task view named 'My Week'",
            "created as another's shared": "A shared task view is already named 'TEAM'",
            "shared": "A shared task view is already named 'team'",
            "renamed for its owner": "The view's owner already has a task view named 'PRIVATE'",
        }
        # A view keeps its own name in any case; another user's personal view, a personal view
        # beside another's shared one and another organisation's view may share a name.
        stranger = await create_user(session, other_org, role_name="Admin")
        allowed = [
            await edit(headers, mine, "MY WEEK"),
            await save(csm, "My week"),
            await save(colleague, "Overdue"),
            await save(headers, "Team"),
            await save(auth_headers(settings, stranger), "Team", shared=True),
        ]
        assert [a.status_code for a in allowed] == [200, 201, 201, 201, 201], [
            a.text for a in allowed
        ]
        listed = (await client.get(f"{API}/task-views", headers=headers)).json()
        assert sorted((v["name"], v["is_shared"]) for v in listed) == [
            ("MY WEEK", False),
            ("Overdue", False),
            ("Team", False),
            ("Team", True),
        ]

    async def test_those_who_configure_product_look_after_every_users_views(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        admin: User,
        settings: Settings,
    ) -> None:
        """As for the account list's views: an admin lists, edits and deletes anyone's task
        views, but makes only a view they see their default; a CSM keeps to their own and the
        shared ones, another's personal view not found."""
        sam = await create_user(session, org, role_name="CSM", full_name="Sam Lee")
        csm = auth_headers(settings, sam)
        other_csm = auth_headers(settings, await create_user(session, org, role_name="CSM"))
        created = await client.post(f"{API}/task-views", headers=csm, json={"name": "My week"})
        assert created.status_code == 201, created.text
        sams = created.json()
        await client.post(
            f"{API}/task-views", headers=headers, json={"name": "Team", "is_shared": True}
        )

        async def listed(who: dict[str, str], **params: str) -> Any:
            response = await client.get(f"{API}/task-views", headers=who, params=params)
            return [v["name"] for v in response.json()] if response.is_success else response

        assert await listed(headers) == ["Team"]
        assert await listed(headers, owner="all") == ["My week", "Team"]
        assert await listed(headers, owner=str(sam.id)) == ["My week"]
        assert await listed(csm, owner=str(admin.id)) == ["Team"]
        assert_problem(await listed(other_csm, owner="all"), 403)
        url = f"{API}/task-views/{sams['id']}"
        assert_problem(await client.put(url, headers=other_csm, json={"name": "x"}), 404)
        assert_problem(await client.delete(url, headers=other_csm), 404)
        assert_problem(await client.put(f"{url}/default", headers=headers), 404)

        renamed = await client.put(url, headers=headers, json={"name": "Sam's week"})
        assert (renamed.status_code, renamed.json()["owner_id"]) == (200, str(sam.id))
        assert await listed(csm) == ["Sam's week", "Team"]
        assert (await client.delete(url, headers=headers)).status_code == 204
        assert await listed(csm) == ["Team"]

    async def test_bad_input_changes_nothing(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
    ) -> None:
        elsewhere = await create_account(session, other_org, name="Elsewhere")
        for body in (
            {"name": ""},
            {"name": "x", "group_by": "colour"},
            {"name": "x", "filters": {"due": "someday"}},
            {"name": "x", "filters": {"colour": "red"}},
            {"name": "x", "filters": {"tags": [""]}},
        ):
            response = await client.post(f"{API}/task-views", headers=headers, json=body)
            assert_problem(response, 422)
        assert_problem(
            await client.post(
                f"{API}/task-views",
                headers=headers,
                json={"name": "x", "filters": {"owner_id": str(uuid.uuid4())}},
            ),
            409,
            "task_owner_not_found",
        )
        assert_problem(
            await client.post(
                f"{API}/task-views",
                headers=headers,
                json={"name": "x", "filters": {"account_id": str(elsewhere.id)}},
            ),
            404,
        )
        for method, path in (
            ("put", f"{API}/task-views/{uuid.uuid4()}/default"),
            ("delete", f"{API}/task-views/{uuid.uuid4()}"),
        ):
            assert_problem(await client.request(method, path, headers=headers), 404)
        assert (await client.get(f"{API}/task-views", headers=headers)).json() == []

    async def test_another_organisations_views_are_404(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        other_org: Organisation,
    ) -> None:
        stranger = await create_user(session, other_org, role_name="Admin")
        actor = Actor.system(other_org.id)
        foreign = await views.create_view(
            session,
            Actor(org_id=other_org.id, user_id=stranger.id, permissions=actor.permissions),
            TaskViewWrite(name="Theirs", is_shared=True),
        )
        await session.commit()
        assert (await client.get(f"{API}/task-views", headers=headers)).json() == []
        for method, path in (
            ("put", f"{API}/task-views/{foreign.id}"),
            ("put", f"{API}/task-views/{foreign.id}/default"),
            ("delete", f"{API}/task-views/{foreign.id}"),
        ):
            response = await client.request(method, path, headers=headers, json={"name": "x"})
            assert_problem(response, 404, "task_view_not_found")


class TestGroups:
    async def test_groups_count_in_sql_with_labels_and_rows(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        admin: User,
    ) -> None:
        rita = await create_user(session, org, full_name="Rita Report")
        acme = await create_account(session, org, name="Acme")
        beta = await create_account(session, org, name="Beta")
        a = str(acme.id)
        await _task(client, headers, account_id=a, title="Late", due_on=_day(-2), tags=["qbr"])
        await _task(client, headers, account_id=a, title="Now", due_on=_day(0), priority="urgent")
        await _task(
            client,
            headers,
            account_id=str(beta.id),
            title="Soon",
            due_on=_day(3),
            owner_id=str(rita.id),
            tags=["qbr", "renewal"],
        )
        await _task(client, headers, account_id=str(beta.id), title="Far", due_on=_day(40))
        await _task(client, headers, account_id=a, title="Whenever")

        assert await _groups(client, headers, "due") == {
            "overdue": ("Overdue", 1, ["Late"]),
            "today": ("Today", 1, ["Now"]),
            "this_week": ("This week", 1, ["Soon"]),
            "later": ("Later", 1, ["Far"]),
            "no_date": ("No due date", 1, ["Whenever"]),
        }
        response = await client.get(
            f"{API}/tasks/groups", headers=headers, params={"group_by": "due"}
        )
        assert [g["key"] for g in response.json()["groups"]] == [
            "overdue",
            "today",
            "this_week",
            "later",
            "no_date",
        ]
        owners = await _groups(client, headers, "owner")
        assert {k: v[:2] for k, v in owners.items()} == {
            str(admin.id): (admin.full_name, 4),
            str(rita.id): ("Rita Report", 1),
        }
        tags = await _groups(client, headers, "tag")
        assert {k: v[:2] for k, v in tags.items()} == {
            "qbr": ("qbr", 2),
            "renewal": ("renewal", 1),
            None: ("No tag", 3),
        }
        tagged = await client.get(
            f"{API}/tasks/groups", headers=headers, params={"group_by": "tag"}
        )
        # A task with two tags is in both groups, and counted once in the total.
        assert tagged.json()["total"] == 5
        priorities = await _groups(client, headers, "priority", per_group=1)
        assert priorities["normal"][1:] == (4, ["Late"])
        assert list(priorities) == ["urgent", "normal"]
        accounts = await _groups(client, headers, "account", status="open", tag=["renewal"])
        assert accounts == {str(beta.id): ("Beta", 1, ["Soon"])}
        assert await _groups(client, headers, "status", due="overdue") == {
            "open": ("Open", 1, ["Late"])
        }
        assert list(await _groups(client, headers, "type")) == ["regular"]
        # Every group is counted; only the first `max_groups` come with their tasks.
        few = await client.get(
            f"{API}/tasks/groups", headers=headers, params={"group_by": "due", "max_groups": 2}
        )
        assert (few.json()["group_count"], [g["key"] for g in few.json()["groups"]]) == (
            5,
            ["overdue", "today"],
        )
        assert_problem(
            await client.get(f"{API}/tasks/groups", headers=headers, params={"group_by": "x"}),
            422,
        )
        assert_problem(await client.get(f"{API}/tasks/groups", headers=headers), 422)

    async def test_due_and_tag_filters_on_the_list(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
    ) -> None:
        a = str((await create_account(session, org)).id)
        await _task(client, headers, account_id=a, title="Late", due_on=_day(-1), tags=["x"])
        await _task(client, headers, account_id=a, title="Week", due_on=_day(7), tags=["y"])
        await _task(client, headers, account_id=a, title="Month", due_on=_day(20))
        await _task(client, headers, account_id=a, title="None")

        async def titles(**params: Any) -> list[str]:
            page = await client.get(f"{API}/tasks", headers=headers, params=params)
            assert page.status_code == 200, page.text
            return sorted(t["title"] for t in page.json()["items"])

        assert await titles(due="overdue") == ["Late"]
        assert await titles(due="next_7_days") == ["Week"]
        assert await titles(due="next_30_days") == ["Month", "Week"]
        assert await titles(due="no_date") == ["None"]
        assert await titles(tag=["x", "y"]) == ["Late", "Week"]
        assert await titles(tag="y") == ["Week"]
        assert_problem(
            await client.get(f"{API}/tasks", headers=headers, params={"due": "soon"}), 422
        )

    async def test_a_csm_counts_only_the_tasks_they_may_see(
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
        await create_account(session, other_org, name="Elsewhere")
        await _task(client, headers, account_id=str(mine.id), title="On mine")
        await _task(client, headers, account_id=str(theirs.id), title="Hidden")
        await _task(client, headers, account_id=str(theirs.id), title="Owned", owner_id=str(csm.id))
        as_csm = auth_headers(settings, csm)

        groups = await _groups(client, as_csm, "account")
        assert {v[0]: (v[1], v[2]) for v in groups.values()} == {
            "Mine": (1, ["On mine"]),
            "Theirs": (1, ["Owned"]),
        }
        everyone = await _groups(client, headers, "account")
        assert sorted(v[1] for v in everyone.values()) == [1, 2]
