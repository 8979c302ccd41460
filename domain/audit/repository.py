import uuid
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.models import AuditEntry
from domain.common.bulk_sql import insert_rows
from domain.common.pagination import PageParams


class AuditRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    def _scoped(self) -> Select[AuditEntry]:
        return select(AuditEntry).where(AuditEntry.org_id == self.org_id)

    async def page(
        self, *, page: PageParams, entity_type: str | None, entity_id: uuid.UUID | None
    ) -> tuple[list[AuditEntry], int]:
        stmt = self._scoped()
        if entity_type:
            stmt = stmt.where(AuditEntry.entity_type == entity_type)
        if entity_id:
            stmt = stmt.where(AuditEntry.entity_id == entity_id)
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.scalars(
            stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
        return list(rows), total or 0

    async def add_many(self, entries: list[dict[str, Any]]) -> None:
        """Many entries in one statement (created_at from the column's server default)."""
        await insert_rows(self.session, AuditEntry, [{**e, "org_id": self.org_id} for e in entries])
