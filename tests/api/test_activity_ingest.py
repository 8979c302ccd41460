"""Help desks and CRMs send tickets and interactions in batches, upserted by their own ids,
resolved to accounts by any system's id, and sent through signed webhooks too."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook

from domain.common.settings import Settings
from domain.integration.models import ApiScope
from domain.interactions.models import Interaction, Ticket
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_api_key
from tests.helpers import assert_problem


@pytest.fixture
async def key(session: AsyncSession, org: Organisation) -> dict[str, str]:
    _, headers = await create_api_key(session, org, ApiScope.INGEST)
    return headers


async def _send(
    client: AsyncClient, headers: dict[str, str], url: str, items: list[Any]
) -> dict[str, Any]:
    response = await client.post(url, headers=headers, json={"items": items})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ticket(**overrides: Any) -> dict[str, Any]:
    return {
        "external_id": "ZD-1",
        "source": "zendesk",
        "account": "acme",
        "subject": "SSO fails",
        "priority": "high",
        "opened_at": "2026-11-20T09:30:00Z",
        **overrides,
    }


class TestTickets:
    async def test_upserted_by_source_and_id_and_found_by_the_support_id(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        account = await create_account(session, org, external_id="acme", support_id="zd-org-9")
        url = "/api/v1/tickets/batch"

        first = await _send(client, key, url, [_ticket(account="zd-org-9")])
        again = await _send(client, key, url, [_ticket(account="zd-org-9")])
        solved = await _send(client, key, url, [_ticket(status="solved")])

        assert first["accepted"] == again["accepted"] == solved["accepted"] == 1
        tickets = list(
            await session.scalars(
                select(Ticket)
                .where(Ticket.org_id == org.id)
                .execution_options(populate_existing=True)
            )
        )
        assert len(tickets) == 1
        (ticket,) = tickets
        assert (ticket.account_id, ticket.status, ticket.priority) == (account.id, "solved", "high")
        assert ticket.closed_at is not None
        record = {"index": 0, "external_id": "ZD-1", "id": str(ticket.id)}
        assert first["records"] == again["records"] == solved["records"] == [record]

    async def test_unknown_accounts_and_bad_records_are_refused_alone(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        await create_account(session, org, external_id="acme")

        body = await _send(
            client,
            key,
            "/api/v1/tickets/batch",
            [
                _ticket(),
                _ticket(external_id="ZD-2", account="ghost"),
                _ticket(external_id="ZD-3", opened_at="yesterday"),
                _ticket(),
                _ticket(external_id="ZD-4", status="lost"),
                _ticket(external_id="ZD-5", status="closed", closed_at="2026-11-19T09:30:00Z"),
            ],
        )

        assert body["accepted"] == 1
        assert [(e["index"], e["id"]) for e in body["errors"]] == [
            (1, "ZD-2"),
            (2, "ZD-3"),
            (3, "ZD-1"),
            (4, "ZD-4"),
            (5, "ZD-5"),
        ]
        assert "ghost" in body["errors"][0]["message"]
        assert "closed_at must not be before opened_at" in body["errors"][4]["message"]

    async def test_another_organisations_account_is_unknown(
        self,
        client: AsyncClient,
        session: AsyncSession,
        other_org: Organisation,
        key: dict[str, str],
    ) -> None:
        await create_account(session, other_org, external_id="acme")

        body = await _send(client, key, "/api/v1/tickets/batch", [_ticket()])

        assert body["rejected"] == 1


class TestInteractions:
    async def test_synced_interactions_are_upserted_and_searchable(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        admin: User,
        key: dict[str, str],
    ) -> None:
        await create_account(session, org, external_id="acme", crm_id="001ACME")
        item = {
            "external_id": "00U1",
            "source": "salesforce",
            "account": "001ACME",
            "type": "meeting",
            "occurred_at": "2026-11-19T15:00:00Z",
            "subject": "Quarterly business review",
            "body": "Discussed the escalation path",
        }

        first = await _send(client, key, "/api/v1/interactions/batch", [item])
        again = await _send(
            client, key, "/api/v1/interactions/batch", [{**item, "outcome": "Renewal agreed"}]
        )

        rows = list(
            await session.scalars(
                select(Interaction)
                .where(Interaction.org_id == org.id)
                .execution_options(populate_existing=True)
            )
        )
        assert [(r.source, r.outcome) for r in rows] == [("salesforce", "Renewal agreed")]
        record = {"index": 0, "external_id": "00U1", "id": str(rows[0].id)}
        assert first["records"] == again["records"] == [record]
        found = await client.get(
            "/api/v1/interactions/search",
            headers=auth_headers(settings, admin),
            params={"q": "escalation"},
        )
        assert found.json()["total"] == 1

    async def test_a_read_key_cannot_send_them(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        _, read = await create_api_key(session, org, ApiScope.READ)

        response = await client.post(
            "/api/v1/interactions/batch", headers=read, json={"items": [{}]}
        )

        assert_problem(response, 403)


class TestSingleRecords:
    async def test_one_ticket_and_one_interaction_are_upserted_and_answer_their_ids(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        await create_account(session, org, external_id="acme", crm_id="001ACME")
        interaction = {
            "external_id": "00U1",
            "source": "salesforce",
            "account": "001ACME",
            "type": "call",
            "occurred_at": "2026-11-19T15:00:00Z",
            "subject": "Check-in",
        }

        ticket = await client.post("/api/v1/tickets", headers=key, json=_ticket())
        again = await client.post("/api/v1/tickets", headers=key, json=_ticket(status="solved"))
        call = await client.post("/api/v1/interactions", headers=key, json=interaction)

        [stored] = (
            await session.scalars(
                select(Ticket)
                .where(Ticket.org_id == org.id)
                .execution_options(populate_existing=True)
            )
        ).all()
        assert ticket.json()["id"] == again.json()["id"] == str(stored.id)
        assert stored.status == "solved" and stored.closed_at is not None
        [synced] = await session.scalars(select(Interaction).where(Interaction.org_id == org.id))
        assert call.json()["id"] == str(synced.id)

    async def test_a_refused_record_is_a_problem_and_writes_nothing(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        unknown = await client.post("/api/v1/tickets", headers=key, json=_ticket(account="zz"))
        malformed = await client.post("/api/v1/tickets", headers=key, json={"source": "x"})

        assert "zz" in assert_problem(unknown, 409, code="account_not_found")["detail"]
        assert_problem(malformed, 422)
        assert (await session.scalars(select(Ticket).where(Ticket.org_id == org.id))).all() == []


async def test_tickets_arrive_by_signed_webhook_too(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    admin: User,
) -> None:
    await create_account(session, org, external_id="acme")
    rotated = await client.post("/api/v1/webhook-secrets", headers=auth_headers(settings, admin))
    secret = rotated.json()["secret"]
    body = json.dumps({"type": "tickets.upsert", "data": {"items": [_ticket()]}})
    webhook_id = f"msg_{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, now, body),
        "content-type": "application/json",
    }

    response = await client.post(f"/api/v1/webhooks/{org.id}", content=body, headers=headers)

    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1
    assert await session.scalar(select(Ticket.external_id).where(Ticket.org_id == org.id)) == "ZD-1"
