"""Inbound webhooks, signed the Standard Webhooks way: HMAC-SHA256 over
`{webhook-id}.{webhook-timestamp}.{body}` with the organisation's secret, timestamps within
five minutes, and each webhook-id processed once (a replay or retry gets the first answer).

The body is `{"type": ..., "data": ...}`; each area registers the types it ingests with
`handles`, and what their data is, so a webhook carries exactly what the batch API would."""

import base64
import binascii
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, ValidationError, create_model
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from domain.audit import service as audit
from domain.common import clock
from domain.common.batches import describe
from domain.common.errors import InvalidBatch
from domain.common.schemas import BatchResult
from domain.freshness import changes
from domain.integration.errors import InvalidWebhookSignature, UnknownWebhookType
from domain.integration.models import WebhookDelivery, WebhookSecret
from domain.integration.repository import IntegrationRepository
from domain.integration.schemas import WebhookReceipt
from domain.tenancy.actor import Actor, require
from domain.tenancy.permissions import Permission

SECRET_PREFIX = "whsec_"
# After a rotation the old secret keeps working this long, so senders can switch over.
ROTATION_GRACE = timedelta(hours=24)

Handler = Callable[[AsyncSession, Actor, Any], Awaitable[BatchResult]]
HANDLERS: dict[str, Handler] = {}
# The schemas a webhook type's data may have, for the API's documentation: its handler checks
# the data itself, item by item.
DATA: dict[str, tuple[type[BaseModel], ...]] = {}


def handles(webhook_type: str, *data: type[BaseModel]) -> Callable[[Handler], Handler]:
    """Register the ingestion function for one webhook type, whose data is one of `data`."""

    def register(handler: Handler) -> Handler:
        HANDLERS[webhook_type] = handler
        DATA[webhook_type] = data
        return handler

    return register


class WebhookEnvelope(BaseModel):
    type: str = Field(min_length=1, max_length=100)
    data: Any


# The documented body is built from the registry at run time: mypy sees special forms where
# pydantic gets types, and a tuple of types makes a Union only when subscripted (UP007).


def documented_body() -> Any:
    """The body of an inbound webhook as a type pydantic can describe: one envelope per
    registered type (`accounts.upsert` is `AccountsUpsertWebhook`), told apart by `type`."""
    envelopes = tuple(_envelope(t, data) for t, data in sorted(DATA.items()))
    return Annotated[Union[envelopes], Field(discriminator="type")]  # noqa: UP007


def _envelope(webhook_type: str, data: tuple[type[BaseModel], ...]) -> type[BaseModel]:
    words = webhook_type.replace(".", "_").split("_")
    tag: Any = Literal[webhook_type]
    one_of: Any = Union[data]  # noqa: UP007
    return create_model(
        "".join(word.capitalize() for word in words) + "Webhook",
        # Members other than these (Standard Webhooks' `timestamp`) are ignored, not refused.
        __doc__=f"A webhook of type `{webhook_type}`",
        type=(tag, ...),
        data=(one_of, ...),
    )


async def list_secrets(session: AsyncSession, actor: Actor) -> list[WebhookSecret]:
    require(actor, Permission.CONFIGURE_CONNECTORS)
    return await IntegrationRepository(session, actor.org_id).secrets()


async def rotate_secret(session: AsyncSession, actor: Actor) -> WebhookSecret:
    """A new signing secret; the current one is retired and still accepted for a day."""
    require(actor, Permission.CONFIGURE_CONNECTORS)
    now = clock.now()
    for current in await _live_secrets(session, actor.org_id, now=now):
        if current.retired_at is None:
            current.retired_at = now
    secret = WebhookSecret(
        id=uuid.uuid4(),
        org_id=actor.org_id,
        secret=SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode(),
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(secret)
    await session.flush()
    audit.record_for(session, actor, "webhook_secret.rotated", "webhook_secret", secret.id)
    return secret


async def _live_secrets(
    session: AsyncSession, org_id: uuid.UUID, *, now: datetime
) -> list[WebhookSecret]:
    return await IntegrationRepository(session, org_id).secrets_live_since(now - ROTATION_GRACE)


def _verified(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, dict(headers), json_parse=False)
    # The library lets malformed headers escape as ValueError or binascii.Error.
    except (WebhookVerificationError, ValueError, binascii.Error):
        return False
    return True


async def receive(
    session: AsyncSession, org_id: uuid.UUID, body: bytes, headers: Mapping[str, str]
) -> WebhookReceipt:
    """Verify, deduplicate and ingest one inbound webhook."""
    now = clock.now()
    live = await _live_secrets(session, org_id, now=now)
    if not any(_verified(s.secret, body, headers) for s in live):
        raise InvalidWebhookSignature()
    try:
        envelope = WebhookEnvelope.model_validate_json(body)
    except ValidationError as exc:
        # As a batch route answers a body it cannot read: where the envelope is wrong.
        raise InvalidBatch(f"Not a webhook envelope: {describe(exc, 'body')}") from None
    handler = HANDLERS.get(envelope.type)
    if handler is None:
        known = ", ".join(sorted(HANDLERS)) or "none"
        raise UnknownWebhookType(f"Unknown webhook type {envelope.type!r}; known: {known}")
    webhook_id = headers.get("webhook-id", "")[:200]
    # Claim the id first: of two concurrent deliveries only one gets the row.
    repo = IntegrationRepository(session, org_id)
    claimed = await repo.claim_delivery(webhook_id, type=envelope.type, received_at=now)
    if claimed is None:
        first = await repo.delivery(webhook_id)
        assert first is not None
        return WebhookReceipt.model_validate(
            {
                "webhook_id": webhook_id,
                "type": first.type,
                "accepted": first.accepted,
                "rejected": first.rejected,
                "errors": first.errors,
                "records": first.records,
                "replayed": True,
                "change": first.change,
            }
        )
    actor = Actor(org_id=org_id, user_id=None, permissions=frozenset({Permission.INGEST_DATA}))
    outcome = await handler(session, actor, envelope.data)
    delivery = await session.get_one(WebhookDelivery, claimed)
    delivery.accepted = outcome.accepted
    delivery.rejected = outcome.rejected
    errors = [e.model_dump() for e in outcome.errors[:100]]
    delivery.errors = errors
    delivery.records = [r.model_dump(mode="json") for r in outcome.records]
    delivery.change = await changes.issued(session)
    return WebhookReceipt.model_validate(
        {
            "webhook_id": webhook_id,
            "type": envelope.type,
            "accepted": outcome.accepted,
            "rejected": outcome.rejected,
            "errors": errors,
            "records": delivery.records,
            "replayed": False,
            "change": delivery.change,
        }
    )
