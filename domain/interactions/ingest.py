"""Tickets and interactions as a help desk or CRM sends them: upserted by (source, external
id), the account found by any of its ids (Tenure's, the CRM's, the billing or the support
system's), each record succeeding or failing on its own. One INSERT ... ON CONFLICT per batch;
a record sent again unchanged is not written again."""

import uuid
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock
from domain.common.batches import (
    Batch,
    BatchOutcome,
    batch_items,
    read_batch,
    single,
    webhook_body,
)
from domain.common.schemas import BatchResult, RequestModel
from domain.common.types import Instant
from domain.freshness.changes import note as note_change
from domain.integration import webhooks
from domain.interactions.models import (
    CLOSED_TICKET_STATUSES,
    Interaction,
    InteractionType,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from domain.interactions.repository import InteractionBatchRepository
from domain.interactions.schemas import (
    MAX_PARTICIPANTS,
    ContactName,
    ExternalId,
    LongText,
    Outcome,
    Source,
    Subject,
    TicketSubject,
)
from domain.tenancy.accounts import account_ids_by_reference
from domain.tenancy.errors import UnknownAccount
from domain.users.actor import Actor, require
from domain.users.permissions import Permission


class TicketUpsert(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_id": "ZD-4711",
                    "source": "zendesk",
                    "account": "acme-001",
                    "subject": "SSO login fails",
                    "status": "open",
                    "priority": "high",
                    "opened_at": "2026-11-20T09:30:00Z",
                }
            ]
        },
    )

    external_id: ExternalId
    source: Source = "api"
    account: ExternalId = Field(description="The account's external, CRM, billing or support id")
    subject: TicketSubject
    status: TicketStatus = TicketStatus.OPEN
    priority: TicketPriority = TicketPriority.NORMAL
    opened_at: Instant
    closed_at: Instant | None = Field(
        None,
        description="For a solved or closed ticket; defaults to the time it arrives. Left out "
        "of an open or pending ticket (a help desk may keep a reopened ticket's old solved "
        "time)",
    )

    @model_validator(mode="after")
    def _closed_after_opened(self) -> Self:
        if self.closed_at is not None and self.closed_at < self.opened_at:
            raise ValueError("closed_at must not be before opened_at")
        return self


class InteractionUpsert(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_id": "00U5e00000abcd",
                    "source": "salesforce",
                    "account": "acme-001",
                    "type": "meeting",
                    "occurred_at": "2026-11-19T15:00:00Z",
                    "subject": "Quarterly business review",
                    "outcome": "Agreed on a renewal plan",
                    "participant_contacts": ["Jane Doe (VP Ops)"],
                }
            ]
        },
    )

    external_id: ExternalId
    source: Source = "api"
    account: ExternalId = Field(description="The account's external, CRM, billing or support id")
    type: InteractionType
    occurred_at: Instant
    subject: Subject | None = None
    body: LongText | None = None
    outcome: Outcome | None = None
    participant_contacts: list[ContactName] = Field(
        default_factory=list, max_length=MAX_PARTICIPANTS
    )


class TicketBatch(RequestModel):
    items: list[TicketUpsert] = batch_items()


class InteractionBatch(RequestModel):
    items: list[InteractionUpsert] = batch_items()


_ticket_item = TypeAdapter(TicketUpsert)
_interaction_item = TypeAdapter(InteractionUpsert)


async def _rows_with_accounts(
    session: AsyncSession,
    actor: Actor,
    items: list[tuple[int, TicketUpsert]] | list[tuple[int, InteractionUpsert]],
    outcome: BatchOutcome,
) -> list[tuple[int, Any, dict[str, Any]]]:
    """Valid, unrepeated items with their account resolved, as (index, item, row)."""
    accounts = await account_ids_by_reference(session, actor.org_id, {i.account for _, i in items})
    seen: set[tuple[str, str]] = set()
    rows = []
    for index, item in items:
        key = (item.source, item.external_id)
        if key in seen:
            outcome.reject(index, item.external_id, "external_id: repeated in this batch")
        elif item.account not in accounts:
            message = f"Unknown account {item.account!r}"
            outcome.reject(index, item.external_id, message, UnknownAccount(message))
        else:
            seen.add(key)
            row = item.model_dump(exclude={"account"})
            rows.append(
                (index, item, {**row, "org_id": actor.org_id, "account_id": accounts[item.account]})
            )
    return rows


async def upsert_tickets(session: AsyncSession, actor: Actor, body: bytes) -> BatchResult:
    """Tickets by (source, external id), a JSON body `{"items": [...]}`."""
    require(actor, Permission.INGEST_DATA)
    batch = read_batch(body, TicketBatch, _ticket_item, what="ticket", id_keys=("external_id",))
    return await _upsert_tickets(session, actor, batch)


async def _upsert_tickets(
    session: AsyncSession, actor: Actor, batch: Batch[TicketUpsert]
) -> BatchResult:
    outcome = batch.outcome()
    rows = await _rows_with_accounts(session, actor, batch.items, outcome)
    now = clock.now()
    for _, item, row in rows:
        if item.status in CLOSED_TICKET_STATUSES and item.closed_at is None:
            row["closed_at"] = now
        if item.status not in CLOSED_TICKET_STATUSES:
            row["closed_at"] = None
    await _upsert(
        session,
        actor.org_id,
        Ticket,
        [row for _, _, row in rows],
        ("account_id", "subject", "status", "priority", "opened_at", "closed_at"),
    )
    await _stored(session, Ticket, actor.org_id, rows, outcome)
    return outcome.result()


async def upsert_interactions(session: AsyncSession, actor: Actor, body: bytes) -> BatchResult:
    """Interactions by (source, external id), a JSON body `{"items": [...]}`."""
    require(actor, Permission.INGEST_DATA)
    batch = read_batch(
        body, InteractionBatch, _interaction_item, what="interaction", id_keys=("external_id",)
    )
    return await _upsert_interactions(session, actor, batch)


async def _upsert_interactions(
    session: AsyncSession, actor: Actor, batch: Batch[InteractionUpsert]
) -> BatchResult:
    outcome = batch.outcome()
    rows = await _rows_with_accounts(session, actor, batch.items, outcome)
    await _upsert(
        session,
        actor.org_id,
        Interaction,
        [row for _, _, row in rows],
        ("account_id", "type", "occurred_at", "subject", "body", "outcome", "participant_contacts"),
    )
    await _stored(session, Interaction, actor.org_id, rows, outcome)
    return outcome.result()


async def _stored(
    session: AsyncSession,
    model: type[Ticket] | type[Interaction],
    org_id: uuid.UUID,
    rows: list[tuple[int, Any, dict[str, Any]]],
    outcome: BatchOutcome,
) -> None:
    """The written records, with their ids, into `outcome` (a record sent again unchanged was
    not written, so its id is read rather than returned by the upsert)."""
    if not rows:
        return
    keys = [(item.source, item.external_id) for _, item, _ in rows]
    ids = await InteractionBatchRepository(session, org_id).ids_by_key(model, keys)
    for index, item, _ in rows:
        outcome.stored(index, item.external_id, ids[(item.source, item.external_id)])
    outcome.accepted += len(rows)


async def upsert_ticket(session: AsyncSession, actor: Actor, item: TicketUpsert) -> uuid.UUID:
    """One ticket as a batch item would be upserted; its id."""
    require(actor, Permission.INGEST_DATA)
    result = await _upsert_tickets(session, actor, Batch.of(item))
    single(result)
    return result.records[0].id


async def upsert_interaction(
    session: AsyncSession, actor: Actor, item: InteractionUpsert
) -> uuid.UUID:
    """One interaction as a batch item would be upserted; its id."""
    require(actor, Permission.INGEST_DATA)
    result = await _upsert_interactions(session, actor, Batch.of(item))
    single(result)
    return result.records[0].id


async def _upsert(
    session: AsyncSession,
    org_id: uuid.UUID,
    model: type[Ticket] | type[Interaction],
    rows: list[dict[str, Any]],
    columns: tuple[str, ...],
) -> None:
    if not rows:
        return
    changed = await InteractionBatchRepository(session, org_id).upsert(model, rows, columns)
    await note_change(session, org_id, changed)


@webhooks.handles("tickets.upsert", TicketBatch, TicketUpsert)
async def _tickets_webhook(session: AsyncSession, actor: Actor, data: Any) -> BatchResult:
    return await upsert_tickets(session, actor, webhook_body(data))


@webhooks.handles("interactions.upsert", InteractionBatch, InteractionUpsert)
async def _interactions_webhook(session: AsyncSession, actor: Actor, data: Any) -> BatchResult:
    return await upsert_interactions(session, actor, webhook_body(data))
