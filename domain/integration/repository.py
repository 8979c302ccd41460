"""The integration area's SQL: API keys, their call log and inbound webhooks, scoped to one
organisation; the key lookup by prefix and the retention purge span organisations."""

import uuid
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.integration.models import ApiCall, ApiKey, WebhookDelivery, WebhookSecret
from domain.users.models import Role, User, UserStatus


class IntegrationRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    # --- API keys and their log --------------------------------------------------------

    async def keys(self) -> list[ApiKey]:
        """Live keys first, newest first."""
        rows = await self.session.scalars(
            select(ApiKey)
            .where(ApiKey.org_id == self.org_id)
            .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc())
        )
        return list(rows)

    async def key(self, key_id: uuid.UUID) -> ApiKey | None:
        return await self.session.scalar(
            select(ApiKey).where(ApiKey.org_id == self.org_id, ApiKey.id == key_id)
        )

    async def live_keys_made_by(self, user_id: uuid.UUID) -> list[ApiKey]:
        rows = await self.session.scalars(
            select(ApiKey).where(
                ApiKey.org_id == self.org_id,
                ApiKey.created_by_id == user_id,
                ApiKey.revoked_at.is_(None),
            )
        )
        return list(rows)

    async def attribute_writes_to(self, key_id: uuid.UUID) -> None:
        """Set the transaction's `tenure.api_key_id` (until it ends), which audit entries
        take as the key that wrote them."""
        await self.session.execute(select(func.set_config("tenure.api_key_id", str(key_id), True)))

    async def note_key_used(
        self, key_id: uuid.UUID, at: datetime, *, unless_since: datetime
    ) -> None:
        """`at`, unless the key was noted used after `unless_since` or another request is
        noting it now: concurrent requests of one key skip its locked row instead of queueing
        behind each other's transactions (ingestion clients share a key)."""
        due = (
            select(ApiKey.id)
            .where(
                ApiKey.org_id == self.org_id,
                ApiKey.id == key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= unless_since),
            )
            # NO KEY UPDATE, as the UPDATE itself: the call log's key check (KEY SHARE) of
            # another request must not wait for it.
            .with_for_update(skip_locked=True, key_share=True)
            .scalar_subquery()
        )
        await self.session.execute(
            update(ApiKey)
            .where(ApiKey.id == due)
            .values(last_used_at=at)
            .execution_options(synchronize_session=False)
        )

    async def calls(
        self, key_id: uuid.UUID, *, only_errors: bool, limit: int, offset: int
    ) -> tuple[list[ApiCall], int]:
        """A key's calls, newest first, and how many there are."""
        stmt = select(ApiCall).where(ApiCall.org_id == self.org_id, ApiCall.api_key_id == key_id)
        if only_errors:
            stmt = stmt.where((ApiCall.rejected > 0) | (ApiCall.status >= 400))
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.scalars(
            stmt.order_by(ApiCall.received_at.desc(), ApiCall.id).limit(limit).offset(offset)
        )
        return list(rows), total or 0

    # --- inbound webhooks --------------------------------------------------------------

    async def secrets(self) -> list[WebhookSecret]:
        rows = await self.session.scalars(
            select(WebhookSecret)
            .where(WebhookSecret.org_id == self.org_id)
            .order_by(WebhookSecret.created_at.desc())
        )
        return list(rows)

    async def secrets_live_since(self, since: datetime) -> list[WebhookSecret]:
        """The current secret and those retired after `since`."""
        rows = await self.session.scalars(
            select(WebhookSecret).where(
                WebhookSecret.org_id == self.org_id,
                or_(WebhookSecret.retired_at.is_(None), WebhookSecret.retired_at > since),
            )
        )
        return list(rows)

    async def claim_delivery(
        self, webhook_id: str, *, type: str, received_at: datetime
    ) -> uuid.UUID | None:
        """The new delivery's id, or None when this webhook id was delivered before (of two
        concurrent deliveries only one gets the row)."""
        return await self.session.scalar(
            insert(WebhookDelivery)
            .values(
                id=uuid.uuid4(),
                org_id=self.org_id,
                webhook_id=webhook_id,
                type=type,
                received_at=received_at,
            )
            .on_conflict_do_nothing(index_elements=["org_id", "webhook_id"])
            .returning(WebhookDelivery.id)
        )

    async def delivery(self, webhook_id: str) -> WebhookDelivery | None:
        return await self.session.scalar(
            select(WebhookDelivery).where(
                WebhookDelivery.org_id == self.org_id, WebhookDelivery.webhook_id == webhook_id
            )
        )


async def find_key_in_any_organisation(
    session: AsyncSession, prefix: str
) -> tuple[ApiKey, list[str] | None] | None:
    """The key with this prefix, whichever organisation's (the key says which one it acts in),
    and what its maker may do now: their role's permissions, None unless they are an active
    user. One statement: it runs on every call made with a key."""
    row = (
        await session.execute(
            select(ApiKey, Role.permissions)
            .outerjoin(User, (User.id == ApiKey.created_by_id) & (User.status == UserStatus.ACTIVE))
            .outerjoin(Role, Role.id == User.role_id)
            .where(ApiKey.prefix == prefix)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def prune_all_organisations(
    session: AsyncSession, *, calls_before: datetime, deliveries_before: datetime
) -> int:
    """Delete API calls and webhook deliveries received before these times; how many went."""
    calls = await session.execute(delete(ApiCall).where(ApiCall.received_at < calls_before))
    deliveries = await session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.received_at < deliveries_before)
    )
    return sum(int(getattr(r, "rowcount", 0) or 0) for r in (calls, deliveries))
