"""Interactions: logging calls, meetings, emails and QBRs on an account, with participants,
and who may read and write them."""

import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.models import AuditEntry
from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem
from tests.interaction_factories import create_interaction


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


def _payload(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "meeting",
        "occurred_at": "2025-03-01T10:00:00Z",
        "subject": "Kick-off",
        "body": "Walked through the onboarding plan",
        "outcome": "Agreed on dates",
        **overrides,
    }


class TestCreateInteraction:
    async def test_creates_with_participants_and_the_actor_as_author(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        admin: User,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)
        csm = await create_user(session, org)

        response = await client.post(
            f"/api/v1/accounts/{account.id}/interactions",
            headers=headers,
            json=_payload(
                participant_user_ids=[str(csm.id), str(csm.id)],
                participant_contacts=[" Jane Doe "],
            ),
        )

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["author_id"] == str(admin.id)
        assert body["account_id"] == str(account.id)
        assert body["participant_user_ids"] == [str(csm.id)]
        assert body["participant_contacts"] == ["Jane Doe"]
        assert (body["type"], body["source"]) == ("meeting", "manual")
        fetched = await client.get(f"/api/v1/interactions/{body['id']}", headers=headers)
        assert fetched.json() == body
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.entity_id == uuid.UUID(body["id"]))
        )
        assert entry is not None and entry.action == "interaction.created"

    @pytest.mark.parametrize(
        "overrides",
        [
            {"type": "lunch"},
            {"occurred_at": "yesterday"},
            {"occurred_at": "2025-03-01T10:00:00"},
            {"subject": "x" * 501},
            {"body": "x" * 100_001},
            {"participant_contacts": ["x" * 301]},
            {"participant_user_ids": ["not-a-uuid"]},
        ],
    )
    async def test_bad_payload_is_422(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        overrides: dict[str, Any],
    ) -> None:
        account = await create_account(session, org)

        response = await client.post(
            f"/api/v1/accounts/{account.id}/interactions",
            headers=headers,
            json=_payload(**overrides),
        )

        assert_problem(response, 422, "validation_error")

    async def test_participant_from_another_org_is_409(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)
        stranger = await create_user(session, other_org)

        for user_id in (stranger.id, uuid.uuid4()):
            response = await client.post(
                f"/api/v1/accounts/{account.id}/interactions",
                headers=headers,
                json=_payload(participant_user_ids=[str(user_id)]),
            )
            assert_problem(response, 409, "not_a_team_user")

    @pytest.mark.parametrize("role_name", ["Analyst", "Guest"])
    async def test_read_only_roles_cannot_write(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        role_name: str,
    ) -> None:
        account = await create_account(session, org)
        interaction = await create_interaction(session, account)
        viewer = auth_headers(settings, await create_user(session, org, role_name=role_name))

        created = await client.post(
            f"/api/v1/accounts/{account.id}/interactions", headers=viewer, json=_payload()
        )
        patched = await client.patch(
            f"/api/v1/interactions/{interaction.id}", headers=viewer, json={"subject": "x"}
        )
        deleted = await client.delete(f"/api/v1/interactions/{interaction.id}", headers=viewer)

        for response in (created, patched, deleted):
            assert_problem(response, 403, "permission_denied")
        readable = await client.get(f"/api/v1/interactions/{interaction.id}", headers=viewer)
        assert readable.status_code == 200

    async def test_unknown_account_is_404(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.post(
            f"/api/v1/accounts/{uuid.uuid4()}/interactions", headers=headers, json=_payload()
        )

        assert_problem(response, 404, "account_not_found")

    async def test_an_external_id_taken_in_its_source_is_a_conflict(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)
        unseen = await create_account(session, org)
        await create_interaction(session, unseen, external_id="42", source="hubspot")
        await create_interaction(
            session, await create_account(session, other_org), external_id="43", source="manual"
        )
        url = f"/api/v1/accounts/{account.id}/interactions"

        taken = await client.post(
            url, headers=headers, json=_payload(external_id="42", source="hubspot")
        )
        other_source = await client.post(
            url, headers=headers, json=_payload(external_id="42", source="salesforce")
        )
        other_org_id = await client.post(
            url, headers=headers, json=_payload(external_id="43", source="manual")
        )

        assert_problem(taken, 409, "interaction_external_id_taken")
        assert other_source.status_code == 201, other_source.text
        assert other_org_id.status_code == 201, other_org_id.text


class TestListAccountInteractions:
    async def test_newest_first_paginated(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        other = await create_account(session, org)
        from datetime import UTC, datetime

        made = [
            await create_interaction(
                session, account, occurred_at=datetime(2025, 1, day, tzinfo=UTC), subject=str(day)
            )
            for day in (3, 1, 2)
        ]
        await create_interaction(session, other)

        response = await client.get(
            f"/api/v1/accounts/{account.id}/interactions",
            headers=headers,
            params={"limit": 2},
        )

        body = response.json()
        assert body["total"] == 3
        assert [i["subject"] for i in body["items"]] == ["3", "2"]
        rest = await client.get(
            f"/api/v1/accounts/{account.id}/interactions",
            headers=headers,
            params={"limit": 2, "offset": 2},
        )
        assert [i["id"] for i in rest.json()["items"]] == [str(made[1].id)]

    async def test_filters_by_type(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        await create_interaction(session, account, type="qbr")
        await create_interaction(session, account, type="call")

        response = await client.get(
            f"/api/v1/accounts/{account.id}/interactions", headers=headers, params={"type": "qbr"}
        )

        assert [i["type"] for i in response.json()["items"]] == ["qbr"]


class TestUpdateAndDeleteInteraction:
    async def test_updates_fields_and_keeps_unsent_ones(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        interaction = await create_interaction(session, account, subject="Old", body="Body")

        response = await client.patch(
            f"/api/v1/interactions/{interaction.id}",
            headers=headers,
            json={"subject": "New", "type": "email", "occurred_at": None},
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["subject"], body["type"], body["body"]) == ("New", "email", "Body")
        assert body["occurred_at"] == "2025-01-01T00:00:00Z"

    async def test_bad_participant_on_update_is_409(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        interaction = await create_interaction(session, await create_account(session, org))

        response = await client.patch(
            f"/api/v1/interactions/{interaction.id}",
            headers=headers,
            json={"participant_user_ids": [str(uuid.uuid4())]},
        )

        assert_problem(response, 409, "not_a_team_user")

    async def test_deletes(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        interaction = await create_interaction(session, await create_account(session, org))

        response = await client.delete(f"/api/v1/interactions/{interaction.id}", headers=headers)

        assert response.status_code == 204
        gone = await client.get(f"/api/v1/interactions/{interaction.id}", headers=headers)
        assert_problem(gone, 404, "interaction_not_found")


class TestScoping:
    async def test_another_orgs_interaction_is_404(
        self,
        client: AsyncClient,
        session: AsyncSession,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        foreign_account = await create_account(session, other_org)
        foreign = await create_interaction(session, foreign_account)

        url = f"/api/v1/interactions/{foreign.id}"
        assert_problem(await client.get(url, headers=headers), 404)
        assert_problem(await client.patch(url, headers=headers, json={"subject": "x"}), 404)
        assert_problem(await client.delete(url, headers=headers), 404)
        listed = await client.get(
            f"/api/v1/accounts/{foreign_account.id}/interactions", headers=headers
        )
        assert_problem(listed, 404, "account_not_found")

    async def test_a_csm_sees_only_their_accounts(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        csm = await create_user(session, org)
        mine = await create_account(session, org, csms=[csm])
        theirs = await create_account(session, org)
        on_mine = await create_interaction(session, mine)
        on_theirs = await create_interaction(session, theirs)
        headers = auth_headers(settings, csm)

        assert (
            await client.get(f"/api/v1/interactions/{on_mine.id}", headers=headers)
        ).status_code == 200
        assert_problem(
            await client.get(f"/api/v1/interactions/{on_theirs.id}", headers=headers), 404
        )
        assert_problem(
            await client.post(
                f"/api/v1/accounts/{theirs.id}/interactions", headers=headers, json=_payload()
            ),
            404,
        )

    async def test_a_deleted_accounts_interactions_are_404(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        interaction = await create_interaction(session, account)
        await client.delete(f"/api/v1/accounts/{account.id}", headers=headers)

        response = await client.get(f"/api/v1/interactions/{interaction.id}", headers=headers)

        assert_problem(response, 404, "interaction_not_found")
