import uuid

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.accounts.models import Account, AccountCsm
from domain.accounts.schemas import AccountSort
from domain.users.actor import Actor


class AccountRepository:
    """Every statement starts from `_scoped()`: this organisation, and for users without
    "view all accounts", only the accounts assigned to them."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    def _scoped(self, *, deleted: bool = False) -> Select[Account]:
        stmt = (
            select(Account)
            .options(selectinload(Account.csm_assignments))
            .where(Account.org_id == self.actor.org_id)
        )
        stmt = stmt.where(
            Account.deleted_at.is_not(None) if deleted else Account.deleted_at.is_(None)
        )
        if not self.actor.sees_all_accounts:
            stmt = stmt.where(
                exists().where(
                    AccountCsm.account_id == Account.id, AccountCsm.user_id == self.actor.user_id
                )
            )
        return stmt

    async def get(self, account_id: uuid.UUID, *, deleted: bool = False) -> Account | None:
        return await self.session.scalar(
            self._scoped(deleted=deleted).where(Account.id == account_id)
        )

    async def external_id_taken(self, external_id: str, *, except_id: uuid.UUID | None) -> bool:
        # Checked against the whole organisation, not just what the caller may see.
        stmt = select(Account.id).where(
            Account.org_id == self.actor.org_id,
            Account.external_id == external_id,
            Account.deleted_at.is_(None),
        )
        if except_id:
            stmt = stmt.where(Account.id != except_id)
        return (await self.session.scalar(stmt)) is not None

    async def page(
        self,
        *,
        q: str | None,
        sort: AccountSort,
        descending: bool,
        limit: int,
        offset: int,
        deleted: bool,
    ) -> tuple[list[Account], int]:
        stmt = self._scoped(deleted=deleted)
        if q:
            pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(
                or_(
                    Account.name.ilike(pattern),
                    Account.domain.ilike(pattern),
                    Account.external_id.ilike(pattern),
                )
            )
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        column = getattr(Account, sort.value)
        order = column.desc().nulls_last() if descending else column.asc().nulls_last()
        rows = await self.session.scalars(
            stmt.order_by(order, Account.id).limit(limit).offset(offset)
        )
        return list(rows), total or 0
