import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    Insert,
    Select,
    String,
    Uuid,
    bindparam,
    column,
    func,
    insert,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.models import AuditEntry
from domain.common.base import Base
from domain.common.bulk_sql import Write, insert_write
from domain.common.pagination import PageParams
from domain.users.models import User

# The table and name column of each kind of audited record. Looked up by table name rather than
# imported, so the audit log (which every area writes to) depends on none of them.
_TARGET_NAMES: dict[str, tuple[str, str]] = {
    "account": ("accounts", "name"),
    "user": ("users", "full_name"),
    "role": ("roles", "name"),
    "custom_field": ("custom_fields", "label"),
    "computed_metric": ("computed_metrics", "label"),
    "attribute_trigger": ("attribute_triggers", "name"),
    "account_view": ("account_views", "name"),
    "api_key": ("api_keys", "name"),
    "ticket": ("tickets", "subject"),
    "interaction": ("interactions", "subject"),
}

# The integration area's keys, by name only: it writes audit entries, so the audit area, below
# it, does not import its models.
_API_KEYS = table("api_keys", column("id", Uuid()), column("org_id", Uuid()), column("name"))
_TRIGGERS = table(
    "attribute_triggers", column("id", Uuid()), column("org_id", Uuid()), column("name")
)


class AuditRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    def _scoped(self) -> Select[AuditEntry]:
        return select(AuditEntry).where(AuditEntry.org_id == self.org_id)

    async def page(
        self,
        *,
        page: PageParams,
        entity_type: str | None,
        entity_id: uuid.UUID | None,
        actor_user_id: uuid.UUID | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> tuple[list[tuple[AuditEntry, str | None, str | None, str | None]], int]:
        """A page of entries, newest first, each with its actor's name and the names of the
        API key and the attribute trigger that wrote it."""
        stmt = self._scoped()
        if entity_type:
            stmt = stmt.where(AuditEntry.entity_type == entity_type)
        if entity_id:
            stmt = stmt.where(AuditEntry.entity_id == entity_id)
        if actor_user_id:
            stmt = stmt.where(AuditEntry.actor_user_id == actor_user_id)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        if since:
            stmt = stmt.where(AuditEntry.created_at >= since)
        if until:
            stmt = stmt.where(AuditEntry.created_at < until)
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.execute(
            stmt.add_columns(User.full_name, _API_KEYS.c.name, _TRIGGERS.c.name)
            .outerjoin(User, (User.id == AuditEntry.actor_user_id) & (User.org_id == self.org_id))
            .outerjoin(
                _API_KEYS,
                (_API_KEYS.c.id == AuditEntry.actor_api_key_id)
                & (_API_KEYS.c.org_id == self.org_id),
            )
            .outerjoin(
                _TRIGGERS,
                (_TRIGGERS.c.id == AuditEntry.actor_trigger_id)
                & (_TRIGGERS.c.org_id == self.org_id),
            )
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
        return [(entry, name, key, trigger) for entry, name, key, trigger in rows], total or 0

    async def target_names(self, targets: set[tuple[str, uuid.UUID]]) -> dict[uuid.UUID, str]:
        """The current names of these records (kind, id), of the organisation only; a deleted
        record, or a kind without a name, is left out."""
        by_kind: dict[str, set[uuid.UUID]] = {}
        for kind, entity_id in targets:
            if kind in _TARGET_NAMES:
                by_kind.setdefault(kind, set()).add(entity_id)
        names: dict[uuid.UUID, str] = {}
        for kind, ids in by_kind.items():
            table_name, column = _TARGET_NAMES[kind]
            table = Base.metadata.tables.get(table_name)
            if table is None:
                continue
            rows = await self.session.execute(
                select(table.c.id, table.c[column]).where(
                    table.c.org_id == self.org_id, table.c.id.in_(ids)
                )
            )
            names.update({row_id: name for row_id, name in rows if name})
        return names

    async def actions(self) -> list[str]:
        """Every action recorded in the organisation, in order."""
        rows = await self.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.org_id == self.org_id)
            .distinct()
            .order_by(AuditEntry.action)
        )
        return list(rows)


def entries_write(org_id: uuid.UUID, entries: list[dict[str, Any]]) -> Write | None:
    """Entries of the organisation as one write, for a statement that sends others too
    (created_at from the column's server default)."""
    return insert_write(AuditEntry, [{**e, "org_id": org_id} for e in entries])


def entry_of_written(written: CTE) -> Insert:
    """The audit entry of the record `written` (an INSERT ... RETURNING its `id`, as a CTE)
    made, for the same statement: there is an entry only if the record was written. Its
    values are the parameters `entry_of_written_values` gives (a statement built once)."""
    return insert(AuditEntry).from_select(
        ["id", "org_id", "actor_user_id", "action", "entity_type", "entity_id", "after"],
        select(
            bindparam("audit_id", type_=Uuid),
            bindparam("audit_org_id", type_=Uuid),
            bindparam("audit_actor_user_id", type_=Uuid),
            bindparam("audit_action", type_=String),
            bindparam("audit_entity_type", type_=String),
            written.c.id,
            bindparam("audit_after", type_=JSONB),
        ).select_from(written),
    )


def entry_of_written_values(
    *,
    org_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
    action: str,
    entity_type: str,
    after: dict[str, Any],
) -> dict[str, Any]:
    return {
        "audit_id": uuid.uuid4(),
        "audit_org_id": org_id,
        "audit_actor_user_id": actor_user_id,
        "audit_action": action,
        "audit_entity_type": entity_type,
        "audit_after": after,
    }
