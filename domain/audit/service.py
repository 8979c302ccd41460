import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.models import AuditEntry
from domain.audit.repository import AuditRepository, entries_write, entry_of_written_values
from domain.audit.schemas import AuditEntryRead
from domain.common.bulk_sql import Write
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


def written_for(
    actor: Actor, action: str, entity_type: str, *, after: dict[str, Any]
) -> dict[str, Any]:
    """`record_for`'s entry of a record an insert writes in the same statement: the values of
    `entry_of_written`'s parameters."""
    return entry_of_written_values(
        org_id=actor.org_id,
        actor_user_id=actor.user_id,
        action=action,
        entity_type=entity_type,
        after=after,
    )


def many_for(
    actor: Actor,
    action: str,
    entity_type: str,
    changes: list[tuple[uuid.UUID, dict[str, Any] | None, dict[str, Any] | None]],
) -> Write | None:
    """One entry per (entity id, before, after), as `record_for` writes them, as a write to
    send with the change they record (`domain.common.bulk_sql.send`): a bulk change is
    audited record by record, so each record's log reads the same whichever path changed it."""
    return entries_write(
        actor.org_id,
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
        ],
    )


# Keys of a record's snapshot that name it, in order of preference.
_NAME_KEYS = ("name", "full_name", "label", "subject", "email", "currency")


def snapshot_name(entry: AuditEntry) -> str | None:
    """The name a record had in the entry itself: the only one left once it is deleted."""
    for snapshot in (entry.after, entry.before):
        for key in _NAME_KEYS:
            value = (snapshot or {}).get(key)
            if isinstance(value, str) and value.strip():
                return value
    return None


async def list_entries(
    session: AsyncSession,
    actor: Actor,
    *,
    page: PageParams,
    entity_type: str | None = None,
    entity_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Paged[AuditEntryRead]:
    """Newest first, each entry naming its actor and the record it changed."""
    require(actor, Permission.MANAGE_USERS)
    repo = AuditRepository(session, actor.org_id)
    rows, total = await repo.page(
        page=page,
        entity_type=entity_type,
        entity_id=entity_id,
        actor_user_id=actor_user_id,
        action=action,
        since=since,
        until=until,
    )
    names = await repo.target_names(
        {(e.entity_type, e.entity_id) for e, *_ in rows if e.entity_id is not None}
    )
    items = [
        AuditEntryRead(
            id=entry.id,
            actor_user_id=entry.actor_user_id,
            actor_api_key_id=entry.actor_api_key_id,
            actor_trigger_id=entry.actor_trigger_id,
            actor_name=actor_name
            or (f"API key {key_name}" if key_name else None)
            or (f"Attribute trigger {trigger_name}" if trigger_name else None),
            action=entry.action,
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            target_name=(names.get(entry.entity_id) if entry.entity_id else None)
            or snapshot_name(entry),
            before=entry.before,
            after=entry.after,
            created_at=entry.created_at,
        )
        for entry, actor_name, key_name, trigger_name in rows
    ]
    return Paged(items=items, total=total, limit=page.limit, offset=page.offset)


async def list_actions(session: AsyncSession, actor: Actor) -> list[str]:
    """The actions recorded in the organisation, to filter the log by."""
    require(actor, Permission.MANAGE_USERS)
    return await AuditRepository(session, actor.org_id).actions()
