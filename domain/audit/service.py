import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.models import AuditEntry
from domain.audit.repository import AuditRepository
from domain.common.pagination import Paged, PageParams
from domain.tenancy.actor import Actor, require
from domain.tenancy.permissions import Permission


def record(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            org_id=org_id,
            actor_user_id=actor_user_id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )


def record_for(
    session: AsyncSession,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    record(
        session,
        org_id=actor.org_id,
        actor_user_id=actor.user_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )


async def record_many_for(
    session: AsyncSession,
    actor: Actor,
    action: str,
    entity_type: str,
    changes: list[tuple[uuid.UUID, dict[str, Any] | None, dict[str, Any] | None]],
) -> None:
    """One entry per (entity id, before, after), as `record_for` writes them, in one statement:
    a bulk change is audited record by record, so each record's log reads the same whichever
    path changed it."""
    await AuditRepository(session, actor.org_id).add_many(
        [
            {
                "actor_user_id": actor.user_id,
                "action": action,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "before": before,
                "after": after,
            }
            for entity_id, before, after in changes
        ]
    )


async def list_entries(
    session: AsyncSession,
    actor: Actor,
    *,
    page: PageParams,
    entity_type: str | None = None,
    entity_id: uuid.UUID | None = None,
) -> Paged[AuditEntry]:
    require(actor, Permission.MANAGE_USERS)
    items, total = await AuditRepository(session, actor.org_id).page(
        page=page, entity_type=entity_type, entity_id=entity_id
    )
    return Paged(items=items, total=total, limit=page.limit, offset=page.offset)
