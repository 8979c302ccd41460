"""Which accounts an actor may see, and which account another system's reference names: the
one definition every area (interactions, usage, revenue, metrics, search, reports) scopes by."""

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Exists,
    Integer,
    Select,
    Uuid,
    any_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.accounts.models import Account, AccountCsm
from domain.common.db import CompiledByShape
from domain.tenancy.actor import Actor, require_account_reader
from domain.tenancy.errors import AccountNotFound

# Above this many accounts a list of ids costs more to send and plan than it saves.
VISIBLE_LIST_AT_MOST = 20_000

# The one-account reads behind most account pages (the account itself, or whether the actor
# may see it), compiled once per process and shape (who sees what, which columns): through the
# ORM, an account and its CSMs were two statements and a fifth of the account page's CPU.
_ONE_ACCOUNT = CompiledByShape()
_ID_LISTS = CompiledByShape()


class VisibleAccounts:
    """Every statement starts from `_scoped()`: this organisation, and for users without
    "view all accounts", only the accounts assigned to them."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        require_account_reader(actor)
        self.session = session
        self.actor = actor

    def _scoped(self, *, deleted: bool = False, bound: bool = False) -> Select[Account]:
        """With `bound`, the organisation and the user are the bind parameters `scope_org_id`
        and `scope_user_id` (valued by `_scope_values()`), not this actor's ids: a statement
        compiled once per shape, for every actor of that shape."""
        org_id: Any = bindparam("scope_org_id", type_=Uuid) if bound else self.actor.org_id
        user_id: Any = bindparam("scope_user_id", type_=Uuid) if bound else self.actor.user_id
        return (
            select(Account)
            .options(selectinload(Account.csm_assignments))
            .where(*_scope(org_id, user_id, sees_all=self.actor.sees_all_accounts, deleted=deleted))
        )

    def _scope_values(self) -> dict[str, Any]:
        """The values of `_scoped(bound=True)`'s parameters for this actor."""
        return scope_values(self.actor)

    def visible_ids(self) -> Select[uuid.UUID]:
        """Ids of the live accounts the actor may see, for other areas to filter by."""
        stmt = select(Account.id).where(
            Account.org_id == self.actor.org_id, Account.deleted_at.is_(None)
        )
        if not self.actor.sees_all_accounts:
            stmt = stmt.where(
                exists().where(
                    AccountCsm.account_id == Account.id, AccountCsm.user_id == self.actor.user_id
                )
            )
        return stmt

    async def visible_id_list(self, *, at_most: int) -> list[uuid.UUID] | None:
        """The visible account ids as a list when the actor is scoped to at most `at_most`
        of them, else None. A list lets PostgreSQL intersect index bitmaps (e.g. a CSM's
        accounts with a full-text match) instead of probing each account in turn."""
        if self.actor.sees_all_accounts:
            return None

        def build() -> Select[Any]:
            # The same accounts as `visible_ids()`, found from the CSM's assignments by primary
            # key: as a join, the planner hashes every account of the organisation instead.
            assigned = (
                select(func.array_agg(AccountCsm.account_id))
                .where(AccountCsm.user_id == bindparam("scope_user_id", type_=Uuid))
                .scalar_subquery()
            )
            return select(Account.id).where(
                # An array, not `IN (subquery)`: probed by primary key, not joined.
                Account.id == any_(cast(assigned, ARRAY(Uuid))),
                Account.org_id == bindparam("scope_org_id", type_=Uuid),
                Account.deleted_at.is_(None),
            )

        return await self._id_list("visible", build, at_most)

    async def deleted_id_list(self, *, at_most: int) -> list[uuid.UUID] | None:
        """For an actor who sees the whole organisation, its deleted accounts as a list (few,
        from a partial index), else None; None too above `at_most` of them. "None of these"
        is then the same scope as `visible_ids()`, and a statement filters by it without
        joining every live account."""
        if not self.actor.sees_all_accounts:
            return None
        return await self._id_list(
            "deleted",
            lambda: select(Account.id).where(
                Account.org_id == bindparam("scope_org_id", type_=Uuid),
                Account.deleted_at.is_not(None),
            ),
            at_most,
        )

    async def _id_list(
        self, shape: str, build: Callable[[], Select[Any]], at_most: int
    ) -> list[uuid.UUID] | None:
        """The ids `build`'s statement selects, at most `at_most` of them, else None: a read
        behind every search, compiled once."""
        await self.session.flush()
        rows = await _ID_LISTS.run(
            self.session,
            shape,
            lambda: build().limit(bindparam("limit", type_=Integer)),
            {**self._scope_values(), "limit": at_most + 1},
        )
        return [row["id"] for row in rows] if len(rows) <= at_most else None

    async def get(self, account_id: uuid.UUID, *, deleted: bool = False) -> Account | None:
        return await self.session.scalar(
            self._scoped(deleted=deleted).where(Account.id == account_id)
        )

    async def read(self, account_id: uuid.UUID) -> dict[str, Any] | None:
        """A live visible account as a plain dict: its columns and its `csm_ids`."""
        rows = await self._one(account_id, with_columns=True)
        return rows[0] if rows else None

    async def is_visible(self, account_id: uuid.UUID) -> bool:
        """Whether the account is live and the actor may see it."""
        return bool(await self._one(account_id, with_columns=False))

    async def _one(self, account_id: uuid.UUID, *, with_columns: bool) -> list[dict[str, Any]]:
        # What the ORM's execute would do first: this request's pending writes are then seen.
        await self.session.flush()

        def build() -> Select[Any]:
            stmt = self._scoped(bound=True).where(Account.id == bindparam("account_id", type_=Uuid))
            if not with_columns:
                return stmt.with_only_columns(Account.id)
            csm_ids = (
                select(func.array_agg(AccountCsm.user_id))
                .where(AccountCsm.account_id == Account.id)
                .scalar_subquery()
            )
            return stmt.with_only_columns(
                *Account.__table__.c,
                func.coalesce(csm_ids, text("'{}'::uuid[]")).label("csm_ids"),
            )

        shape = (self.actor.sees_all_accounts, with_columns)
        values = {**self._scope_values(), "account_id": account_id}
        return await _ONE_ACCOUNT.run(self.session, shape, build, values)

    async def subtree_ids(self, account_id: uuid.UUID) -> list[uuid.UUID]:
        """`account_id` and its live descendants (any depth) that the actor may see, in one
        recursive query. The walk goes through live accounts only, as `children` counts them,
        and through accounts the actor cannot see: a CSM still gets a grandchild of theirs
        below someone else's child. UNION stops on a loop already in the data."""
        tree = (
            select(Account.id, literal(0).label("depth"))
            .where(
                Account.org_id == self.actor.org_id,
                Account.id == account_id,
                Account.deleted_at.is_(None),
            )
            .cte("tree", recursive=True)
        )
        below = (
            select(Account.id, (tree.c.depth + 1).label("depth"))
            .join(tree, Account.parent_id == tree.c.id)
            .where(
                Account.org_id == self.actor.org_id,
                Account.deleted_at.is_(None),
                tree.c.depth < 1000,
            )
        )
        tree = tree.union(below)
        rows = await self.session.scalars(
            select(tree.c.id).distinct().where(tree.c.id.in_(self.visible_ids()))
        )
        return list(rows)


def scope_values(actor: Actor) -> dict[str, Any]:
    """The parameters `scope_org_id` and `scope_user_id` of a statement built once for every
    actor of a shape (`visible_account_bound`)."""
    return {"scope_org_id": actor.org_id, "scope_user_id": actor.user_id}


def visible_account_bound(account_id: Any, *, sees_all: bool) -> Exists:
    """Whether the account `account_id` (an expression) is live and visible to the actor
    whose ids are the parameters `scope_values` gives: for a statement built once per shape
    (`Actor.sees_all_accounts`) that checks its account itself."""
    scope = _scope(
        bindparam("scope_org_id", type_=Uuid),
        bindparam("scope_user_id", type_=Uuid),
        sees_all=sees_all,
        deleted=False,
    )
    return select(Account.id).where(Account.id == account_id, *scope).exists()


def _scope(
    org_id: Any, user_id: Any, *, sees_all: bool, deleted: bool
) -> list[ColumnElement[bool]]:
    """The accounts of the organisation, live (or deleted), and for an actor who does not see
    them all, only those assigned to the user."""
    scope = [
        Account.org_id == org_id,
        Account.deleted_at.is_not(None) if deleted else Account.deleted_at.is_(None),
    ]
    if not sees_all:
        scope.append(
            exists().where(AccountCsm.account_id == Account.id, AccountCsm.user_id == user_id)
        )
    return scope


def visible_account_ids(session: AsyncSession, actor: Actor) -> Select[uuid.UUID]:
    """A subquery of the live accounts `actor` may see: other areas (interactions, search,
    reports) filter by it, so permission scoping has one definition."""
    return VisibleAccounts(session, actor).visible_ids()


async def visible_account_id_list(session: AsyncSession, actor: Actor) -> list[uuid.UUID] | None:
    """The accounts a scoped actor (a CSM) may see as a list, or None when the actor sees
    the whole organisation or more than VISIBLE_LIST_AT_MOST accounts."""
    return await VisibleAccounts(session, actor).visible_id_list(at_most=VISIBLE_LIST_AT_MOST)


async def deleted_account_id_list(session: AsyncSession, actor: Actor) -> list[uuid.UUID] | None:
    """The organisation's deleted accounts as a list, when `actor` sees the whole organisation
    and they are at most VISIBLE_LIST_AT_MOST; else None."""
    return await VisibleAccounts(session, actor).deleted_id_list(at_most=VISIBLE_LIST_AT_MOST)


async def listed_account_ids(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, rollup: bool
) -> list[uuid.UUID]:
    """The visible account whose records a page lists (404 otherwise); with `rollup`, it and
    every live descendant below it (any depth) that `actor` may see, so a parent's view can
    roll up its children."""
    visible = VisibleAccounts(session, actor)
    if not await visible.is_visible(account_id):
        raise AccountNotFound()
    return await visible.subtree_ids(account_id) if rollup else [account_id]


async def get_account(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> Account:
    account = await VisibleAccounts(session, actor).get(account_id)
    if account is None:
        raise AccountNotFound()
    return account


async def read_account(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID
) -> dict[str, Any]:
    """A visible live account as the API reads it (its columns and `csm_ids`), for a page
    that only shows it: no ORM object to build and track."""
    account = await VisibleAccounts(session, actor).read(account_id)
    if account is None:
        raise AccountNotFound()
    return account


async def check_visible(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> None:
    """Refuse (404) an account the actor may not see, or that does not exist or is deleted:
    for the pages of what belongs to an account."""
    if not await VisibleAccounts(session, actor).is_visible(account_id):
        raise AccountNotFound()


async def account_ids_by_reference(
    session: AsyncSession, org_id: uuid.UUID, references: set[str]
) -> dict[str, uuid.UUID]:
    """Live accounts by any of their ids: Tenure's external id first, then the CRM, billing
    and support ids, so a record from any system resolves to the same account."""
    if not references:
        return {}
    wanted = sorted(references)
    columns = (Account.external_id, Account.crm_id, Account.billing_id, Account.support_id)
    rows = await session.execute(
        select(Account.id, *columns).where(
            Account.org_id == org_id,
            Account.deleted_at.is_(None),
            or_(*(column.in_(wanted) for column in columns)),
        )
    )
    found: dict[str, uuid.UUID] = {}
    by_system = [dict[str, uuid.UUID]() for _ in columns]
    for account_id, *ids in rows:
        for system, value in zip(by_system, ids, strict=True):
            if value in references:
                system.setdefault(value, account_id)
    for system in reversed(by_system):
        found.update(system)
    return found
