"""Notes: rich text stored sanitised, pinned first, and who may write them."""

import uuid
from datetime import UTC, datetime

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem
from tests.interaction_factories import create_note


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


class TestCreateNote:
    async def test_stores_sanitised_html_with_the_actor_as_author(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        admin: User,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)

        response = await client.post(
            f"/api/v1/accounts/{account.id}/notes",
            headers=headers,
            json={
                "body": '<p onclick="steal()">Champion is <b>leaving</b></p>'
                '<script>alert(1)</script><a href="javascript:alert(1)">x</a>',
            },
        )

        assert response.status_code == 201, response.text
        body = response.json()
        assert "<b>leaving</b>" in body["body"]
        assert "script" not in body["body"]
        assert "onclick" not in body["body"] and "javascript:" not in body["body"]
        assert (body["author_id"], body["is_pinned"]) == (str(admin.id), False)

    async def test_a_body_that_sanitises_to_nothing_is_422(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)

        response = await client.post(
            f"/api/v1/accounts/{account.id}/notes",
            headers=headers,
            json={"body": "<script>alert(1)</script>"},
        )

        assert_problem(response, 422, "empty_note")

    @pytest.mark.parametrize("body", ["", "x" * 100_001])
    async def test_bad_body_is_422(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        body: str,
    ) -> None:
        account = await create_account(session, org)

        response = await client.post(
            f"/api/v1/accounts/{account.id}/notes", headers=headers, json={"body": body}
        )

        assert_problem(response, 422, "validation_error")

    async def test_guest_cannot_write(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        account = await create_account(session, org)
        note = await create_note(session, account)
        guest = auth_headers(settings, await create_user(session, org, role_name="Guest"))

        created = await client.post(
            f"/api/v1/accounts/{account.id}/notes", headers=guest, json={"body": "x"}
        )
        patched = await client.patch(
            f"/api/v1/notes/{note.id}", headers=guest, json={"is_pinned": True}
        )
        deleted = await client.delete(f"/api/v1/notes/{note.id}", headers=guest)

        for response in (created, patched, deleted):
            assert_problem(response, 403, "permission_denied")


class TestListAccountNotes:
    async def test_pinned_first_then_newest(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        # One transaction stamps every row with the same now(): set the times explicitly.
        for day, text, pinned in ((1, "old", False), (2, "pinned", True), (3, "new", False)):
            await create_note(
                session,
                account,
                body=text,
                is_pinned=pinned,
                created_at=datetime(2025, 1, day, tzinfo=UTC),
            )

        response = await client.get(f"/api/v1/accounts/{account.id}/notes", headers=headers)

        body = response.json()
        assert body["total"] == 3
        assert [n["body"] for n in body["items"]] == ["pinned", "new", "old"]

    async def test_another_orgs_account_is_404(
        self,
        client: AsyncClient,
        session: AsyncSession,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, other_org)

        response = await client.get(f"/api/v1/accounts/{account.id}/notes", headers=headers)

        assert_problem(response, 404, "account_not_found")


class TestUpdateAndDeleteNote:
    async def test_pins_and_edits(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        note = await create_note(session, await create_account(session, org), body="Old")

        pinned = await client.patch(
            f"/api/v1/notes/{note.id}", headers=headers, json={"is_pinned": True}
        )
        edited = await client.patch(
            f"/api/v1/notes/{note.id}",
            headers=headers,
            json={"body": "<i>new</i><img src=x onerror=alert(1)>"},
        )

        assert pinned.json()["is_pinned"] is True
        assert edited.json()["is_pinned"] is True
        assert edited.json()["body"].startswith("<i>new</i>")
        assert "onerror" not in edited.json()["body"]

    async def test_deletes(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        note = await create_note(session, account)

        assert (await client.delete(f"/api/v1/notes/{note.id}", headers=headers)).status_code == 204
        listed = await client.get(f"/api/v1/accounts/{account.id}/notes", headers=headers)
        assert listed.json()["total"] == 0

    async def test_unknown_or_invisible_note_is_404(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        csm = await create_user(session, org)
        note = await create_note(session, await create_account(session, org))
        headers = auth_headers(settings, csm)

        for note_id in (note.id, uuid.uuid4()):
            response = await client.patch(
                f"/api/v1/notes/{note_id}", headers=headers, json={"is_pinned": True}
            )
            assert_problem(response, 404, "note_not_found")
