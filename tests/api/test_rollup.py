"""Hierarchy rollup: a parent's timeline, interactions, notes and tickets with `rollup=true`
include every live descendant the caller may see, each item naming its account."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.common import clock
from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem
from tests.interaction_factories import create_interaction, create_note, create_ticket

LISTS = ("interactions", "notes", "tickets")


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


@dataclass
class Tree:
    """A -> B, A -> C, C -> D: one interaction, note and ticket on each, A's the oldest."""

    a: Account
    b: Account
    c: Account
    d: Account


async def _tree(session: AsyncSession, org: Organisation, *, csms: dict[str, list[User]]) -> Tree:
    a = await create_account(session, org, name="A Corp", csms=csms.get("a"))
    b = await create_account(session, org, name="B Corp", parent_id=a.id, csms=csms.get("b"))
    c = await create_account(session, org, name="C Corp", parent_id=a.id, csms=csms.get("c"))
    d = await create_account(session, org, name="D Corp", parent_id=c.id, csms=csms.get("d"))
    for day, account in enumerate((a, b, c, d), start=1):
        at = datetime(2025, 1, day, 12, tzinfo=UTC)
        await create_interaction(session, account, subject=f"Call {account.name}", occurred_at=at)
        await create_note(session, account, body=f"<p>Note {account.name}</p>", created_at=at)
        await create_ticket(session, account, subject=f"Ticket {account.name}", opened_at=at)
    return Tree(a, b, c, d)


async def _get(
    client: AsyncClient, headers: dict[str, str], account: Account, what: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/accounts/{account.id}/{what}", headers=headers, params=params
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _names(body: dict[str, Any]) -> list[str]:
    return [item["account_name"] for item in body["items"]]


class TestTimelineRollup:
    async def test_a_parent_shows_itself_and_every_descendant(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        tree = await _tree(session, org, csms={})

        body = await _get(client, headers, tree.a, "timeline", rollup="true", kinds=["interaction"])

        assert body["total"] == 4
        assert _names(body) == ["D Corp", "C Corp", "B Corp", "A Corp"]
        assert [i["account_id"] for i in body["items"]] == [
            str(x.id) for x in (tree.d, tree.c, tree.b, tree.a)
        ]
        assert [i["title"] for i in body["items"]] == [
            "Call D Corp",
            "Call C Corp",
            "Call B Corp",
            "Call A Corp",
        ]

    async def test_a_middle_node_shows_only_its_own_subtree(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        tree = await _tree(session, org, csms={})

        body = await _get(client, headers, tree.c, "timeline", rollup="true")

        assert body["total"] == 6
        assert set(_names(body)) == {"C Corp", "D Corp"}

    async def test_without_rollup_only_the_account_itself(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        tree = await _tree(session, org, csms={})

        default = await _get(client, headers, tree.a, "timeline")
        off = await _get(client, headers, tree.a, "timeline", rollup="false")

        assert default == off
        assert default["total"] == 3
        assert {i["kind"] for i in default["items"]} == {"interaction", "note", "ticket"}
        assert {i["account_id"] for i in default["items"]} == {str(tree.a.id)}
        assert set(_names(default)) == {"A Corp"}

    async def test_deleted_descendants_are_left_out(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        tree = await _tree(session, org, csms={})
        tree.b.deleted_at = clock.now()
        await session.flush()

        body = await _get(client, headers, tree.a, "timeline", rollup="true")

        assert body["total"] == 9
        assert set(_names(body)) == {"A Corp", "C Corp", "D Corp"}

    async def test_a_deleted_childs_own_children_are_no_longer_below(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        # As the account page's child counts: the walk goes through live accounts only.
        tree = await _tree(session, org, csms={})
        tree.c.deleted_at = clock.now()
        await session.flush()

        body = await _get(client, headers, tree.a, "timeline", rollup="true")

        assert set(_names(body)) == {"A Corp", "B Corp"}

    async def test_paginates_across_the_hierarchy(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        tree = await _tree(session, org, csms={})

        first = await _get(client, headers, tree.a, "timeline", rollup="true", limit=5)
        rest = await _get(client, headers, tree.a, "timeline", rollup="true", limit=10, offset=5)

        assert first["total"] == rest["total"] == 12
        ids = [i["id"] for page in (first, rest) for i in page["items"]]
        assert len(ids) == len(set(ids)) == 12


class TestListRollup:
    @pytest.mark.parametrize("what", LISTS)
    async def test_lists_roll_up_with_each_items_account_name(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        what: str,
    ) -> None:
        tree = await _tree(session, org, csms={})

        rolled = await _get(client, headers, tree.a, what, rollup="true")
        middle = await _get(client, headers, tree.c, what, rollup="true")
        alone = await _get(client, headers, tree.a, what)

        assert rolled["total"] == 4
        assert _names(rolled) == ["D Corp", "C Corp", "B Corp", "A Corp"]
        assert [i["account_id"] for i in rolled["items"]] == [
            str(x.id) for x in (tree.d, tree.c, tree.b, tree.a)
        ]
        assert middle["total"] == 2
        assert _names(middle) == ["D Corp", "C Corp"]
        assert alone["total"] == 1
        assert _names(alone) == ["A Corp"]

    @pytest.mark.parametrize("what", LISTS)
    async def test_deleted_descendants_are_left_out(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        what: str,
    ) -> None:
        tree = await _tree(session, org, csms={})
        tree.d.deleted_at = clock.now()
        await session.flush()

        body = await _get(client, headers, tree.a, what, rollup="true")

        assert _names(body) == ["C Corp", "B Corp", "A Corp"]

    async def test_pinned_notes_of_children_come_first(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        tree = await _tree(session, org, csms={})
        await create_note(
            session,
            tree.b,
            body="<p>Pinned on B</p>",
            is_pinned=True,
            created_at=datetime(2024, 1, 1, tzinfo=UTC),
        )

        body = await _get(client, headers, tree.a, "notes", rollup="true")

        assert body["items"][0]["body"] == "<p>Pinned on B</p>"
        assert body["items"][0]["account_name"] == "B Corp"

    async def test_interaction_type_filter_applies_to_the_rollup(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        tree = await _tree(session, org, csms={})

        body = await _get(client, headers, tree.a, "interactions", rollup="true", type="meeting")

        assert body["total"] == 0


class TestRollupScope:
    async def test_a_csm_sees_only_the_descendants_assigned_to_them(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
    ) -> None:
        csm = await create_user(session, org)
        # D is below C, which the CSM cannot see: D's items still roll up into A, C's do not.
        tree = await _tree(session, org, csms={"a": [csm], "d": [csm]})
        csm_headers = auth_headers(settings, csm)

        timeline = await _get(client, csm_headers, tree.a, "timeline", rollup="true")
        lists = {
            what: await _get(client, csm_headers, tree.a, what, rollup="true") for what in LISTS
        }

        assert timeline["total"] == 6
        assert set(_names(timeline)) == {"A Corp", "D Corp"}
        for body in lists.values():
            assert _names(body) == ["D Corp", "A Corp"]

    async def test_a_parent_the_csm_cannot_see_is_404_even_with_a_visible_child(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
    ) -> None:
        csm = await create_user(session, org)
        tree = await _tree(session, org, csms={"c": [csm]})
        csm_headers = auth_headers(settings, csm)

        for what in ("timeline", *LISTS):
            response = await client.get(
                f"/api/v1/accounts/{tree.a.id}/{what}",
                headers=csm_headers,
                params={"rollup": "true"},
            )
            assert_problem(response, 404, "account_not_found")
        # Their own account rolls up what is below it.
        body = await _get(client, csm_headers, tree.c, "timeline", rollup="true")
        assert body["total"] == 3
        assert set(_names(body)) == {"C Corp"}

    async def test_another_organisations_accounts_never_roll_up(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        tree = await _tree(session, org, csms={})
        # A foreign row pointing at our account (only possible by writing the table directly).
        foreign = await create_account(session, other_org, name="Foreign", parent_id=tree.b.id)
        await create_interaction(session, foreign, subject="Foreign call")

        body = await _get(client, headers, tree.a, "timeline", rollup="true")

        assert "Foreign" not in _names(body)
        assert body["total"] == 12
