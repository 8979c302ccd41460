"""Support tickets: external ids unique per source, closing and reopening, scoping."""

import uuid
from datetime import UTC, datetime

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.settings import Settings
from domain.interactions.models import TicketStatus
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem
from tests.interaction_factories import create_ticket


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


def _url(account_id: uuid.UUID) -> str:
    return f"/api/v1/accounts/{account_id}/tickets"


class TestCreateTicket:
    async def test_creates_open(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)

        response = await client.post(
            _url(account.id),
            headers=headers,
            json={
                "subject": "SSO broken",
                "opened_at": "2025-02-01T09:00:00Z",
                "external_id": "ZD-1",
                "source": "zendesk",
                "priority": "urgent",
            },
        )

        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["status"], body["priority"], body["closed_at"]) == ("open", "urgent", None)
        fetched = await client.get(f"/api/v1/tickets/{body['id']}", headers=headers)
        assert fetched.json() == body

    async def test_created_closed_gets_a_closed_time(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)

        response = await client.post(
            _url(account.id),
            headers=headers,
            json={"subject": "Old", "opened_at": "2025-02-01T09:00:00Z", "status": "solved"},
        )

        assert response.json()["closed_at"] is not None

    async def test_external_id_is_unique_per_source(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)
        await create_ticket(session, account, external_id="42", source="zendesk")
        # The same id elsewhere does not count.
        await create_ticket(session, await create_account(session, other_org), external_id="43")

        def post(external_id: str, source: str) -> dict[str, str]:
            return {
                "subject": "S",
                "opened_at": "2025-02-01T09:00:00Z",
                "external_id": external_id,
                "source": source,
            }

        taken = await client.post(_url(account.id), headers=headers, json=post("42", "zendesk"))
        other_source = await client.post(
            _url(account.id), headers=headers, json=post("42", "intercom")
        )
        other_org_id = await client.post(
            _url(account.id), headers=headers, json=post("43", "manual")
        )

        assert_problem(taken, 409, "ticket_external_id_taken")
        assert other_source.status_code == 201
        assert other_org_id.status_code == 201

    @pytest.mark.parametrize(
        "overrides",
        [
            {"status": "lost"},
            {"priority": "meh"},
            {"subject": ""},
            {"subject": "x" * 501},
            {"opened_at": "2025-02-01"},
        ],
    )
    async def test_bad_payload_is_422(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        overrides: dict[str, str],
    ) -> None:
        account = await create_account(session, org)

        response = await client.post(
            _url(account.id),
            headers=headers,
            json={"subject": "S", "opened_at": "2025-02-01T09:00:00Z", **overrides},
        )

        assert_problem(response, 422, "validation_error")

    async def test_closed_before_opened_is_422(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)

        response = await client.post(
            _url(account.id),
            headers=headers,
            json={
                "subject": "S",
                "status": "closed",
                "opened_at": "2025-02-01T09:00:00Z",
                "closed_at": "2025-01-01T09:00:00Z",
            },
        )

        assert_problem(response, 422, "ticket_closed_before_opened")

    async def test_analyst_cannot_write(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        account = await create_account(session, org)
        analyst = auth_headers(settings, await create_user(session, org, role_name="Analyst"))

        response = await client.post(
            _url(account.id),
            headers=analyst,
            json={"subject": "S", "opened_at": "2025-02-01T09:00:00Z"},
        )

        assert_problem(response, 403, "permission_denied")


class TestUpdateTicket:
    async def test_closing_sets_and_reopening_clears_closed_at(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        ticket = await create_ticket(session, await create_account(session, org))
        url = f"/api/v1/tickets/{ticket.id}"

        closed = await client.patch(url, headers=headers, json={"status": "closed"})
        reopened = await client.patch(url, headers=headers, json={"status": "pending"})
        solved_at = await client.patch(
            url, headers=headers, json={"status": "solved", "closed_at": "2025-01-02T00:00:00Z"}
        )

        assert closed.status_code == 200, closed.text
        assert closed.json()["closed_at"] is not None
        assert reopened.json()["closed_at"] is None
        assert solved_at.json()["closed_at"] == "2025-01-02T00:00:00Z"

    @pytest.mark.parametrize(
        "change",
        [
            # Its stored opened time (2025-01-01) is after the closed time sent.
            {"status": "closed", "closed_at": "2024-01-01T00:00:00Z"},
            # Its stored closed time (2025-01-02) is before the opened time sent.
            {"opened_at": "2025-02-01T00:00:00Z"},
        ],
    )
    async def test_closed_before_the_stored_opened_time_is_a_conflict(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        change: dict[str, str],
    ) -> None:
        ticket = await create_ticket(
            session,
            await create_account(session, org),
            status=TicketStatus.CLOSED,
            closed_at=datetime(2025, 1, 2, tzinfo=UTC),
        )

        response = await client.patch(f"/api/v1/tickets/{ticket.id}", headers=headers, json=change)

        body = assert_problem(response, 409, "ticket_times_conflict")
        assert "2025-" in body["detail"]

    async def test_a_change_closed_before_its_own_opened_time_is_422(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        ticket = await create_ticket(session, await create_account(session, org))

        response = await client.patch(
            f"/api/v1/tickets/{ticket.id}",
            headers=headers,
            json={
                "status": "closed",
                "opened_at": "2025-02-01T00:00:00Z",
                "closed_at": "2025-01-15T00:00:00Z",
            },
        )

        assert_problem(response, 422, "ticket_closed_before_opened")

    async def test_an_open_ticket_has_no_closed_time(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        ticket = await create_ticket(session, await create_account(session, org))
        url = f"/api/v1/tickets/{ticket.id}"

        stored_open = await client.patch(
            url, headers=headers, json={"closed_at": "2025-03-01T00:00:00Z"}
        )
        sent_open = await client.patch(
            url, headers=headers, json={"status": "pending", "closed_at": "2025-03-01T00:00:00Z"}
        )

        assert_problem(stored_open, 409, "ticket_not_closed")
        assert_problem(sent_open, 422, "open_ticket_has_no_close_time")

    async def test_deletes(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        ticket = await create_ticket(session, account)

        response = await client.delete(f"/api/v1/tickets/{ticket.id}", headers=headers)

        assert response.status_code == 204
        assert (await client.get(_url(account.id), headers=headers)).json()["total"] == 0


class TestScoping:
    async def test_another_orgs_ticket_is_404(
        self,
        client: AsyncClient,
        session: AsyncSession,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        ticket = await create_ticket(session, await create_account(session, other_org))

        url = f"/api/v1/tickets/{ticket.id}"
        assert_problem(await client.get(url, headers=headers), 404, "ticket_not_found")
        assert_problem(await client.patch(url, headers=headers, json={"subject": "x"}), 404)
        assert_problem(await client.delete(url, headers=headers), 404)

    async def test_a_csm_sees_only_tickets_of_their_accounts(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        csm = await create_user(session, org)
        mine = await create_account(session, org, csms=[csm])
        await create_ticket(session, mine, opened_at=datetime(2025, 1, 2, tzinfo=UTC))
        theirs = await create_ticket(session, await create_account(session, org))
        headers = auth_headers(settings, csm)

        assert (await client.get(_url(mine.id), headers=headers)).json()["total"] == 1
        assert_problem(await client.get(f"/api/v1/tickets/{theirs.id}", headers=headers), 404)
        assert_problem(await client.get(_url(theirs.account_id), headers=headers), 404)
