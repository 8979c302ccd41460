import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol, TypeVar

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Executable,
    Integer,
    Row,
    RowMapping,
    Select,
    SQLColumnExpression,
    String,
    Table,
    Uuid,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer, joinedload, selectinload
from sqlalchemy.sql.elements import BindParameter

from domain.accounts.models import (
    Account,
    AccountCsm,
    AccountImport,
    AccountView,
    AttributeTrigger,
    ChurnEvent,
    CsmAssignmentPeriod,
    CsmScoreEntry,
    CustomField,
    LifecycleStage,
    NpsResponse,
    StagePeriod,
    StatusUpdate,
    Tier,
)
from domain.accounts.schemas import AccountRead
from domain.common.base import Base
from domain.common.bulk_sql import (
    Write,
    among,
    among_named,
    column_arrays,
    insert_rows,
    table_of,
    unnest_parameters,
    without_jit,
)
from domain.common.db import CompiledByShape
from domain.common.json_sql import json_object
from domain.common.repository import view_named as shared_view_named
from domain.common.repository import views_of
from domain.filters.compile import Ordering
from domain.health.models import HealthModel
from domain.tenancy.accounts import VisibleAccounts
from domain.users.actor import Actor
from domain.users.repository import PRINCIPAL_CHECK, PrincipalCheck

SelectT = TypeVar("SelectT", bound=Select[Any])
ConfigModel = TypeVar("ConfigModel", Tier, LifecycleStage, CustomField, AttributeTrigger)


BY_NAME = Ordering(Account.name, column="name")


def _ordered(stmt: SelectT, order: Ordering, descending: bool) -> SelectT:
    """Sort by a value with empty values last either way, and the id as a stable tie-break.
    The value's joins add at most one row per account, so they change no count or page."""
    for target, on in order.joins:
        stmt = stmt.outerjoin(target, on)
    value = order.value
    return stmt.order_by(
        value.desc().nulls_last() if descending else value.asc().nulls_last(), Account.id
    )


def _search_pattern(q: str) -> str:
    """`q` anywhere in a text, as an ILIKE pattern (its own wildcards taken literally)."""
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _count(stmt: Select[Account]) -> Select[int]:
    return select(func.count()).select_from(stmt.subquery())


def _page_of(
    stmt: Select[Account],
    order: Ordering,
    descending: bool,
    *,
    limit: int | BindParameter[int],
    offset: int | BindParameter[int],
    reader: ColumnElement[Any] | None = None,
) -> Select[Any]:
    """One page of `stmt`'s accounts, sorted: each account's id and its `AccountRead` as JSON
    written by PostgreSQL (its own columns and its CSMs' ids; `json_object`), and the total.
    The total rides on every row as an uncorrelated subquery, which PostgreSQL counts once (an
    InitPlan) beside the page's own scan: one statement and one round trip. The CSMs are
    gathered once for the page's accounts after the page is chosen: a subquery per listed row
    scanned `account_csms` for each (two fifths of the page's time in PostgreSQL). With
    `reader` (the check of the signed-in user), every row carries it."""
    page = (
        _ordered(
            stmt.with_only_columns(
                *Account.__table__.c,
                order.value.label("sort_value"),
                _count(stmt).scalar_subquery().label("total"),
            ),
            order,
            descending,
        )
        .limit(limit)
        .offset(offset)
        .cte("page")
    )
    csms = (
        select(AccountCsm.account_id, func.array_agg(AccountCsm.user_id).label("ids"))
        .where(AccountCsm.account_id.in_(select(page.c.id)))
        .group_by(AccountCsm.account_id)
        .subquery("csms")
    )
    value = page.c.sort_value
    return (
        select(
            page.c.id,
            json_object(
                AccountRead,
                {
                    **{column.name: page.c[column.name] for column in Account.__table__.c},
                    "csm_ids": func.coalesce(csms.c.ids, text("'{}'::uuid[]")),
                },
            ).label("json"),
            page.c.total,
            *(() if reader is None else (reader,)),
        )
        .select_from(page.outerjoin(csms, csms.c.account_id == page.c.id))
        # The page's own order, from the value it was chosen by.
        .order_by(value.desc().nulls_last() if descending else value.asc().nulls_last(), page.c.id)
    )


# `_common_page`'s statements, by shape: a handful at most (who sees what, searched or not,
# churned, sort column and direction, deleted).
_COMMON_PAGES = CompiledByShape()


class AccountRepository(VisibleAccounts):
    """Every statement starts from `_scoped()`: this organisation, and for users without
    "view all accounts", only the accounts assigned to them."""

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

    def _filtered(
        self,
        *,
        q: str | None,
        condition: ColumnElement[bool] | None,
        churned: bool | None,
        deleted: bool = False,
        account_ids: list[uuid.UUID] | None = None,
        bound: bool = False,
    ) -> Select[Account]:
        """With `bound`, the scope and the search pattern are bind parameters (`_scoped`'s and
        `pattern`), for a statement compiled once per shape."""
        stmt = self._scoped(deleted=deleted, bound=bound)
        if account_ids is not None:
            stmt = stmt.where(Account.id.in_(account_ids))
        if condition is not None:
            stmt = stmt.where(condition)
        if churned is not None:
            stmt = stmt.where(
                Account.churned_on.is_not(None) if churned else Account.churned_on.is_(None)
            )
        if q:
            pattern: Any = bindparam("pattern", type_=String) if bound else _search_pattern(q)
            stmt = stmt.where(
                or_(
                    Account.name.ilike(pattern),
                    Account.domain.ilike(pattern),
                    Account.external_id.ilike(pattern),
                )
            )
        return stmt

    async def matching(
        self,
        *,
        q: str | None,
        condition: ColumnElement[bool] | None,
        churned: bool | None,
        account_ids: list[uuid.UUID] | None,
        order: Ordering = BY_NAME,
        descending: bool = False,
        limit: int,
    ) -> list[Account]:
        """Every visible account matching (at most `limit`), for bulk edits and exports."""
        stmt = self._filtered(q=q, condition=condition, churned=churned, account_ids=account_ids)
        return list(await self.session.scalars(_ordered(stmt, order, descending).limit(limit)))

    async def field_values(
        self, account_ids: list[uuid.UUID], fields: dict[str, SQLColumnExpression[Any]]
    ) -> dict[uuid.UUID, dict[str, Any]]:
        """Each listed account's values of `fields` (key -> SQL value per account), in one
        read for them all."""
        if not account_ids or not fields:
            return {}
        rows: Any = await self.session.execute(
            select(Account.id, *(e.label(k) for k, e in fields.items())).where(
                Account.org_id == self.actor.org_id, Account.id.in_(account_ids)
            )
        )
        return {r[0]: dict(zip(fields, r[1:], strict=True)) for r in rows}

    async def page(
        self,
        *,
        q: str | None,
        condition: ColumnElement[bool] | None = None,
        churned: bool | None = None,
        order: Ordering,
        descending: bool,
        limit: int,
        offset: int,
        deleted: bool,
        check: PrincipalCheck | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of the accounts' ids and JSON (`_page_of`), not ORM objects: the list is the
        most read page of the SPA, and building and tracking an object per account and per CSM
        assignment cost several times the query itself. The common shapes carry `check` in the
        page's statement."""
        if condition is None and order.column is not None:
            rows = await self._common_page(
                q=q, churned=churned, order=order, descending=descending, deleted=deleted,
                limit=limit, offset=offset, check=check,
            )  # fmt: skip
        else:
            stmt = self._filtered(q=q, condition=condition, churned=churned, deleted=deleted)
            result = await self.session.execute(
                _page_of(stmt, order, descending, limit=limit, offset=offset)
            )
            # Zipped with the keys: a RowMapping reads each column through Python, several
            # times the cost of the dict.
            keys = list(result.keys())
            rows = [dict(zip(keys, row, strict=True)) for row in result.all()]
        if rows:
            total: int = rows[0]["total"]
            for row in rows:
                del row["total"]
            return rows, total
        if not offset:
            return [], 0
        # An empty page carries no total: past the end it is counted alone.
        stmt = self._filtered(q=q, condition=condition, churned=churned, deleted=deleted)
        return [], await self.session.scalar(_count(stmt)) or 0

    async def _common_page(
        self,
        *,
        q: str | None,
        churned: bool | None,
        order: Ordering,
        descending: bool,
        deleted: bool,
        limit: int,
        offset: int,
        check: PrincipalCheck | None,
    ) -> list[dict[str, Any]]:
        """A page of the list's common shapes (no filter condition, sorted by one of the
        account's own columns): its SQL is compiled once per process and shape, and a request
        binds only its values. Building the statement and running it through the ORM cost
        about a fifth of the list's CPU in the API."""
        # What the ORM's execute would do first: this request's pending writes are then seen.
        await self.session.flush()
        shape = (
            self.actor.sees_all_accounts, bool(q), churned, order.column, descending, deleted,
            check is not None,
        )  # fmt: skip

        def build() -> Select[Any]:
            stmt = self._filtered(q=q, condition=None, churned=churned, deleted=deleted, bound=True)
            return _page_of(
                stmt,
                order,
                descending,
                limit=bindparam("limit", type_=Integer),
                offset=bindparam("offset", type_=Integer),
                reader=None if check is None else PRINCIPAL_CHECK,
            )

        values = {
            **self._scope_values(),
            "pattern": _search_pattern(q) if q else None,
            "limit": limit,
            "offset": offset,
            **(check.values if check else {}),
        }
        # Its values (organisation, user, page) change its best plan little, and PostgreSQL
        # keeps one only as cheap as planning each; a search pattern's matches change it.
        rows = await _COMMON_PAGES.run(self.session, shape, build, values, generic=not q)
        if check is not None:
            check.take(rows)
        return rows

    async def get_in_org(self, account_id: uuid.UUID) -> Account | None:
        """Any live account of the organisation, visible to the actor or not (parent links)."""
        return await self.session.scalar(
            select(Account).where(
                Account.org_id == self.actor.org_id,
                Account.id == account_id,
                Account.deleted_at.is_(None),
            )
        )

    async def ancestor_ids(self, account_id: uuid.UUID) -> list[uuid.UUID]:
        """`account_id` and every ancestor above it, nearest first (one recursive query)."""
        chain = (
            select(Account.id, Account.parent_id, literal(0).label("depth"))
            .where(Account.org_id == self.actor.org_id, Account.id == account_id)
            .cte("chain", recursive=True)
        )
        parent = (
            select(Account.id, Account.parent_id, (chain.c.depth + 1).label("depth"))
            .join(chain, Account.id == chain.c.parent_id)
            .where(Account.org_id == self.actor.org_id, chain.c.depth < 1000)
        )
        chain = chain.union(parent)
        rows = await self.session.scalars(select(chain.c.id).order_by(chain.c.depth))
        return list(rows)

    async def children(self, account_id: uuid.UUID) -> list[tuple[Account, int]]:
        """Visible direct children with how many descendants each has (any depth)."""
        tree = (
            select(Account.id.label("root"), Account.id.label("node"))
            .where(
                Account.org_id == self.actor.org_id,
                Account.parent_id == account_id,
                Account.deleted_at.is_(None),
            )
            .cte("tree", recursive=True)
        )
        below = (
            select(tree.c.root, Account.id)
            .join(tree, Account.parent_id == tree.c.node)
            .where(Account.org_id == self.actor.org_id, Account.deleted_at.is_(None))
        )
        # UNION, not UNION ALL: a loop already in the data ends the walk instead of running on.
        tree = tree.union(below)
        counts = (
            select(tree.c.root, (func.count() - 1).label("descendants"))
            .group_by(tree.c.root)
            .subquery()
        )
        rows = await self.session.execute(
            self._scoped()
            .add_columns(counts.c.descendants)
            .join(counts, counts.c.root == Account.id)
            .order_by(Account.name)
        )
        return [(account, int(n)) for account, n in rows]

    async def history(
        self, account_id: uuid.UUID
    ) -> tuple[
        list[StagePeriod],
        list[CsmAssignmentPeriod],
        list[CsmScoreEntry],
        list[NpsResponse],
        list[StatusUpdate],
    ]:
        org = self.actor.org_id

        async def rows(model: Any, order: Any) -> list[Any]:
            return list(
                await self.session.scalars(
                    select(model)
                    .where(model.org_id == org, model.account_id == account_id)
                    .order_by(order.desc())
                )
            )

        return (
            await rows(StagePeriod, StagePeriod.entered_at),
            await rows(CsmAssignmentPeriod, CsmAssignmentPeriod.assigned_at),
            await rows(CsmScoreEntry, CsmScoreEntry.recorded_at),
            await rows(NpsResponse, NpsResponse.responded_at),
            await rows(StatusUpdate, StatusUpdate.posted_at),
        )

    async def open_periods(
        self, account_id: uuid.UUID
    ) -> tuple[StagePeriod | None, list[CsmAssignmentPeriod]]:
        org = self.actor.org_id
        stage = await self.session.scalar(
            select(StagePeriod).where(
                StagePeriod.org_id == org,
                StagePeriod.account_id == account_id,
                StagePeriod.left_at.is_(None),
            )
        )
        csms = await self.session.scalars(
            select(CsmAssignmentPeriod).where(
                CsmAssignmentPeriod.org_id == org,
                CsmAssignmentPeriod.account_id == account_id,
                CsmAssignmentPeriod.unassigned_at.is_(None),
            )
        )
        return stage, list(csms)

    async def nps_scores_since_latest_window(self, account_id: uuid.UUID) -> list[int]:
        """Every NPS score within 30 days of the account's latest one."""
        latest = (
            select(func.max(NpsResponse.responded_at))
            .where(NpsResponse.org_id == self.actor.org_id, NpsResponse.account_id == account_id)
            .scalar_subquery()
        )
        rows = await self.session.scalars(
            select(NpsResponse.score).where(
                NpsResponse.org_id == self.actor.org_id,
                NpsResponse.account_id == account_id,
                NpsResponse.responded_at >= latest - timedelta(days=30),
            )
        )
        return list(rows)

    async def matching_ids(
        self,
        *,
        q: str | None,
        condition: ColumnElement[bool] | None,
        churned: bool | None,
        account_ids: list[uuid.UUID] | None,
        limit: int,
        by_name: bool = True,
    ) -> list[uuid.UUID]:
        """The ids of the accounts `matching` would return (the first `limit` by name, in no
        particular order), without loading them: bulk writes read what they need themselves.
        One array, not a row per account: 100,000 rows took a bulk edit half a second to read.
        Without `by_name`, any `limit` of them: for a caller that refuses more than it asks
        for, sorting them all by name is wasted."""
        stmt = self._filtered(q=q, condition=condition, churned=churned, account_ids=account_ids)
        if by_name:
            stmt = _ordered(stmt, BY_NAME, False)
        chosen = stmt.limit(limit).subquery()
        return await self.session.scalar(select(func.array_agg(chosen.c.id))) or []


class ConfigRepository:
    """Tiers, lifecycle stages, custom fields and saved views of one organisation."""

    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    async def attribute_writes_to(self, trigger_id: uuid.UUID | None) -> None:
        """Set the transaction's `tenure.trigger_id` (cleared with None), which audit entries
        take as the attribute trigger whose run wrote them."""
        value = "" if trigger_id is None else str(trigger_id)
        await self.session.execute(select(func.set_config("tenure.trigger_id", value, True)))

    async def all(self, model: type[ConfigModel]) -> list[ConfigModel]:
        order = model.key if model is CustomField else model.position  # type: ignore[attr-defined]
        return list(
            await self.session.scalars(
                select(model).where(model.org_id == self.org_id).order_by(order, model.id)
            )
        )

    async def health_model_names(self) -> list[str]:
        """The names of the health models scoring accounts (the health model field's choices)."""
        rows = await self.session.scalars(
            select(HealthModel.name)
            .where(HealthModel.org_id == self.org_id, HealthModel.deleted_at.is_(None))
            .order_by(HealthModel.filter.is_(None), HealthModel.priority, HealthModel.name)
        )
        return list(rows)

    async def triggers(self) -> list[AttributeTrigger]:
        """The attribute triggers in the order they run."""
        rows = await self.session.scalars(
            select(AttributeTrigger)
            .where(AttributeTrigger.org_id == self.org_id)
            .order_by(AttributeTrigger.position, AttributeTrigger.name, AttributeTrigger.id)
        )
        return list(rows)

    async def get(self, model: type[ConfigModel], item_id: uuid.UUID) -> ConfigModel | None:
        return await self.session.scalar(
            select(model).where(model.org_id == self.org_id, model.id == item_id)
        )

    async def name_taken(
        self,
        model: type[Tier] | type[LifecycleStage] | type[AttributeTrigger],
        name: str,
        except_id: uuid.UUID | None,
    ) -> bool:
        # Both sides lowered by PostgreSQL, as a unique index on lower(name) compares them
        # (Python's str.lower() does not always agree with it).
        stmt = select(model.id).where(
            model.org_id == self.org_id, func.lower(model.name) == func.lower(name)
        )
        if except_id:
            stmt = stmt.where(model.id != except_id)
        return (await self.session.scalar(stmt)) is not None

    async def live_accounts_with(
        self, model: type[Tier] | type[LifecycleStage], item_id: uuid.UUID
    ) -> int:
        """How many live accounts of the organisation (visible to anyone or not) have this tier
        or stage."""
        column = Account.tier_id if model is Tier else Account.stage_id
        count = await self.session.scalar(
            select(func.count()).where(
                Account.org_id == self.org_id, Account.deleted_at.is_(None), column == item_id
            )
        )
        return count or 0

    async def triggers_setting(
        self, model: type[Tier] | type[LifecycleStage], item_id: uuid.UUID
    ) -> list[str]:
        """The names of the attribute triggers that set this tier or stage, in run order."""
        column = AttributeTrigger.tier_id if model is Tier else AttributeTrigger.stage_id
        rows = await self.session.scalars(
            select(AttributeTrigger.name)
            .where(AttributeTrigger.org_id == self.org_id, column == item_id)
            .order_by(AttributeTrigger.position, AttributeTrigger.name, AttributeTrigger.id)
        )
        return list(rows)

    async def close_open_stage_periods(self, stage_id: uuid.UUID, at: datetime) -> None:
        """End the open periods in this stage (only deleted accounts can still be in a stage
        that is being removed), so no open period is left without its stage."""
        await self.session.execute(
            update(table_of(StagePeriod))
            .values(left_at=at)
            .where(
                StagePeriod.org_id == self.org_id,
                StagePeriod.stage_id == stage_id,
                StagePeriod.left_at.is_(None),
            )
        )

    async def live_accounts_holding(self, key: str, values: Sequence[str]) -> dict[str, int]:
        """How many live accounts of the organisation (visible to anyone or not) hold each of
        `values` in the custom field `key`; values no account holds are left out."""
        value = Account.custom_values[key].astext
        rows = await self.session.execute(
            select(value, func.count())
            .where(Account.org_id == self.org_id, Account.deleted_at.is_(None), value.in_(values))
            .group_by(value)
        )
        return {held: count for held, count in rows}

    async def custom_field_by_key(self, key: str) -> CustomField | None:
        return await self.session.scalar(
            select(CustomField).where(CustomField.org_id == self.org_id, CustomField.key == key)
        )

    def _views_of(
        self, seen_by: uuid.UUID | None, *, every_owner: bool, owner_id: uuid.UUID | None = None
    ) -> Select[AccountView]:
        return views_of(
            AccountView, self.org_id, seen_by=seen_by, every_owner=every_owner, owner_id=owner_id
        )

    async def views(
        self,
        *,
        seen_by: uuid.UUID | None,
        every_owner: bool = False,
        owner_id: uuid.UUID | None = None,
    ) -> list[AccountView]:
        """The shared views and the user's own (`every_owner`: every user's), by name; only
        `owner_id`'s when it is given."""
        stmt = self._views_of(seen_by, every_owner=every_owner, owner_id=owner_id)
        return list(await self.session.scalars(stmt.order_by(AccountView.name, AccountView.id)))

    async def view(
        self, view_id: uuid.UUID, *, seen_by: uuid.UUID | None, every_owner: bool = False
    ) -> AccountView | None:
        return await self.session.scalar(
            self._views_of(seen_by, every_owner=every_owner).where(AccountView.id == view_id)
        )

    async def view_named(
        self, name: str, *, owner_id: uuid.UUID, shared: bool, except_id: uuid.UUID | None
    ) -> AccountView | None:
        return await shared_view_named(
            self.session,
            AccountView,
            self.org_id,
            name,
            owner_id=owner_id,
            shared=shared,
            except_id=except_id,
        )


async def all_organisations_with_active_triggers(session: AsyncSession) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(AttributeTrigger.org_id).where(AttributeTrigger.is_active.is_(True)).distinct()
    )
    return list(rows)


class SameCsmChange(Protocol):
    """A change of CSMs applied alike to many accounts (`bulk_writes.CsmChange`)."""

    @property
    def replace(self) -> Sequence[uuid.UUID] | None: ...
    @property
    def add(self) -> Sequence[uuid.UUID]: ...
    @property
    def remove(self) -> Sequence[uuid.UUID]: ...
    @property
    def only_if_different(self) -> bool: ...


@dataclass(frozen=True)
class StateChange:
    """What a churn or reactivation of many accounts did."""

    written: list[uuid.UUID]
    # Only when an account was refused: the live accounts found among those asked, and those
    # of them already in the state asked for.
    found: list[uuid.UUID] | None
    unchanged: list[uuid.UUID] | None


class AccountBatchRepository:
    """Set-based reads and writes for batches of accounts (bulk_writes.py): each method is one
    statement, however many accounts it covers. Accounts are read through the actor's scope;
    history rows are written for accounts already read that way."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.org_id = actor.org_id

    async def rows(self, account_ids: Iterable[uuid.UUID]) -> list[RowMapping]:
        """The live accounts among `account_ids` the actor may see, as plain rows, locked until
        the transaction ends: concurrent writers of the same account take turns (in id order,
        so they never deadlock), each reading what the one before it wrote. An edit never
        changes the account's id, so the lock leaves it free to be referenced: notes,
        interactions and tickets added to it meanwhile do not wait (their foreign-key check
        shares the key)."""
        stmt = (
            select(table_of(Account))
            .where(
                Account.org_id == self.org_id,
                among(Account.id, account_ids),
                Account.deleted_at.is_(None),
            )
            .order_by(Account.id)
            .with_for_update(key_share=True)
        )
        if not self.actor.sees_all_accounts:
            # Only then: for everyone else the subquery would be the whole organisation.
            stmt = stmt.where(
                Account.id.in_(AccountRepository(self.session, self.actor).visible_ids())
            )
        return list((await self.session.execute(stmt)).mappings())

    async def csm_rows(
        self, account_ids: Iterable[uuid.UUID]
    ) -> list[Row[uuid.UUID, uuid.UUID, uuid.UUID]]:
        """(id, account_id, user_id) of the accounts' current CSM assignments."""
        result = await self.session.execute(
            select(AccountCsm.id, AccountCsm.account_id, AccountCsm.user_id).where(
                AccountCsm.org_id == self.org_id, among(AccountCsm.account_id, account_ids)
            )
        )
        return list(result.all())

    async def open_stage_periods(
        self, account_ids: Iterable[uuid.UUID]
    ) -> list[Row[uuid.UUID, uuid.UUID, uuid.UUID | None]]:
        """(id, account_id, stage_id) of the accounts' open stage periods."""
        result = await self.session.execute(
            select(StagePeriod.id, StagePeriod.account_id, StagePeriod.stage_id).where(
                StagePeriod.org_id == self.org_id,
                among(StagePeriod.account_id, account_ids),
                StagePeriod.left_at.is_(None),
            )
        )
        return list(result.all())

    async def open_csm_periods(
        self, account_ids: Iterable[uuid.UUID]
    ) -> list[Row[uuid.UUID, uuid.UUID, uuid.UUID]]:
        """(id, account_id, user_id) of the accounts' open CSM assignment periods."""
        period = CsmAssignmentPeriod
        result = await self.session.execute(
            select(period.id, period.account_id, period.user_id).where(
                period.org_id == self.org_id,
                among(period.account_id, account_ids),
                period.unassigned_at.is_(None),
            )
        )
        return list(result.all())

    async def external_ids_in_use(self, external_ids: Iterable[str]) -> dict[str, uuid.UUID]:
        """Live accounts of the whole organisation (not only what the actor may see) holding
        any of these external ids."""
        result = await self.session.execute(
            select(Account.external_id, Account.id).where(
                Account.org_id == self.org_id,
                among(Account.external_id, external_ids),
                Account.deleted_at.is_(None),
            )
        )
        return {external_id: account_id for external_id, account_id in result}

    async def reference_holders(
        self, references: Iterable[str]
    ) -> list[tuple[str, uuid.UUID, str]]:
        """(reference, account id, external id) for each live account of the organisation
        with one of these values as its external, CRM, billing or support id."""
        wanted = set(references)
        columns = (Account.external_id, Account.crm_id, Account.billing_id, Account.support_id)
        rows = await self.session.execute(
            select(Account.id, *columns).where(
                Account.org_id == self.org_id,
                Account.deleted_at.is_(None),
                or_(*(among(column, wanted) for column in columns)),
            )
        )
        return [
            (value, account_id, external_id)
            for account_id, external_id, *ids in rows
            for value in {external_id, *ids}
            if value in wanted
        ]

    async def take_turn(self, what: Literal["hierarchy", "references"]) -> None:
        """Wait until no other transaction of this organisation is changing `what` (held until
        this one ends): its parent links, or its accounts' CRM, billing and support ids. Two
        batches each putting one account under the other, or giving one id to two accounts,
        would each find nothing wrong in what the other has not committed yet."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(f"{what}:{self.org_id}", 0)))
        )

    async def live_ids_among(self, account_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these are live accounts the actor may see (parents an account may be put
        under: one outside the actor's book is as absent as one that does not exist)."""
        stmt = select(Account.id).where(
            Account.org_id == self.org_id,
            among(Account.id, account_ids),
            Account.deleted_at.is_(None),
        )
        if not self.actor.sees_all_accounts:
            stmt = stmt.where(
                Account.id.in_(AccountRepository(self.session, self.actor).visible_ids())
            )
        return set(await self.session.scalars(stmt))

    async def parent_links(
        self, account_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, uuid.UUID | None]:
        """account id -> parent id for these accounts and every ancestor above them (one
        recursive query; UNION stops on a loop already in the data)."""
        chain = (
            select(Account.id, Account.parent_id)
            .where(Account.org_id == self.org_id, among(Account.id, account_ids))
            .cte("chain", recursive=True)
        )
        chain = chain.union(
            select(Account.id, Account.parent_id)
            .join(chain, Account.id == chain.c.parent_id)
            .where(Account.org_id == self.org_id)
        )
        result = await self.session.execute(select(chain.c.id, chain.c.parent_id))
        return {account_id: parent_id for account_id, parent_id in result}

    async def insert(self, model: type[Base], rows: list[dict[str, Any]]) -> None:
        """Many rows of one table in one statement."""
        await insert_rows(self.session, model, rows)

    def accounts_update(
        self, keys: list[str], rows: list[dict[str, Any]], *, updated_at: datetime
    ) -> Write:
        """Set the columns `keys` of each row's account (`id`) to the row's values, as one
        UPDATE ... FROM unnest(...)."""
        return Write(
            (_accounts_update, tuple(keys)),
            {
                **column_arrays(["id", *keys], rows),
                "scope_org": self.org_id,
                "written_at": updated_at,
            },
        )

    def stage_periods_closed(self, period_ids: list[uuid.UUID], at: datetime) -> Write | None:
        return self._by_ids((_periods_closed, table_of(StagePeriod), "left_at"), period_ids, at=at)

    def csm_periods_closed(self, period_ids: list[uuid.UUID], at: datetime) -> Write | None:
        period = table_of(CsmAssignmentPeriod)
        return self._by_ids((_periods_closed, period, "unassigned_at"), period_ids, at=at)

    def csm_rows_deleted(self, row_ids: list[uuid.UUID]) -> Write | None:
        return self._by_ids((_rows_deleted, table_of(AccountCsm)), row_ids)

    def _by_ids(self, shape: tuple[Any, ...], ids: list[uuid.UUID], **values: Any) -> Write | None:
        """A write of the organisation's rows among `ids` (None for none)."""
        return Write(shape, {"org": self.org_id, "ids": ids, **values}) if ids else None

    async def end_churn_events(
        self,
        account_ids: list[uuid.UUID],
        *,
        reactivated_on: date,
        reactivated_by: uuid.UUID | None,
    ) -> None:
        """Close the accounts' open churns with their reactivation date and who did it."""
        await self.session.execute(
            update(table_of(ChurnEvent))
            .values(reactivated_on=reactivated_on, reactivated_by_id=reactivated_by)
            .where(
                ChurnEvent.org_id == self.org_id,
                among(ChurnEvent.account_id, account_ids),
                ChurnEvent.reactivated_on.is_(None),
            )
        )

    def _csm_params(
        self, account_ids: list[uuid.UUID], csms: SameCsmChange | None
    ) -> dict[str, Any]:
        return {
            "org": self.org_id,
            "ids": account_ids,
            "csms": csms is not None,
            # Each user once: the statement appends to lists that already hold each user once.
            "csm_replace": (
                list(dict.fromkeys(csms.replace)) if csms and csms.replace is not None else None
            ),
            "csm_add": list(dict.fromkeys(csms.add)) if csms else [],
            "csm_remove": list(csms.remove) if csms else [],
            "only_if_different": bool(csms and csms.only_if_different),
        }

    async def same_edit(
        self,
        account_ids: list[uuid.UUID],
        *,
        fields: dict[str, Any],
        stage_name: str | None,
        custom_set: dict[str, Any] | None,
        custom_removed: list[str],
        csms: SameCsmChange | None,
        always: bool,
        now: datetime,
    ) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        """Give every one of these accounts the same `fields` (SAME_EDIT_FIELDS), custom values
        (`custom_set` merged in, `custom_removed` keys dropped) and CSM change, in one
        statement however many accounts: the accounts, their histories (stage and CSM periods,
        score entries), current CSMs and one audit entry each, with `now` as the effective time.
        An account whose fields and CSMs would stay the same is left alone unless `always`.
        The ids were chosen through the actor's scope; an account deleted since is skipped.
        Returns the accounts written, and every user their CSM lists name where the edit
        changes them (each once)."""
        if unknown := set(fields) - set(SAME_EDIT_FIELDS):
            raise ValueError(f"Not settable on every account at once: {sorted(unknown)}")
        params = {
            **self._csm_params(account_ids, csms),
            **{f"set_{key}": key in fields for key in SAME_EDIT_FIELDS},
            **{key: fields.get(key) for key in SAME_EDIT_FIELDS},
            "set_custom_values": custom_set is not None,
            "custom_set": custom_set or {},
            "custom_removed": custom_removed,
            "stage_name": stage_name,
            "always": always,
            "actor": self.actor.user_id,
            "now": now,
        }
        await without_jit(self.session)
        written, csms_listed = (await self.session.execute(_EDIT_ALL, params)).one()
        return written, csms_listed

    async def churn_all(
        self,
        account_ids: list[uuid.UUID],
        *,
        churned_on: date,
        reason: str,
        skip_churned: bool,
        now: datetime,
    ) -> StateChange:
        """Mark every one of these accounts churned on the same date for the same reason, in
        one statement however many accounts: the accounts, a churn event and an audit entry
        each. An account already churned is left alone if `skip_churned`, else (as when one is
        missing) nothing is written. The ids were chosen through the actor's scope; an account
        deleted since is missing."""
        params = {
            "org": self.org_id,
            "ids": account_ids,
            "skip": skip_churned,
            "actor": self.actor.user_id,
            "now": now,
            "churned_on": churned_on,
            "reason": reason,
        }
        await without_jit(self.session)
        return StateChange(*(await self.session.execute(_CHURN_ALL, params)).one())

    async def reactivate_all(
        self,
        account_ids: list[uuid.UUID],
        *,
        reactivated_on: date,
        skip_active: bool,
        now: datetime,
    ) -> StateChange:
        """Reactivate every one of these churned accounts on `reactivated_on` in one statement:
        the accounts, their open churn events closed and an audit entry each. An account that
        is not churned is left alone if `skip_active`, else (as when one is missing) nothing is
        written."""
        params = {
            "org": self.org_id,
            "ids": account_ids,
            "skip": skip_active,
            "actor": self.actor.user_id,
            "now": now,
            "reactivated_on": reactivated_on,
        }
        await without_jit(self.session)
        return StateChange(*(await self.session.execute(_REACTIVATE_ALL, params)).one())

    async def reload(self, account_ids: list[uuid.UUID]) -> list[Account]:
        """The accounts as ORM objects, refreshed in place if the session already holds them
        (after Core writes). By organisation, not visibility: a CSM who just unassigned
        themselves still gets the account they edited back. One account (a write's answer)
        comes with its CSMs joined in: one statement, not two, for every single edit."""
        load = joinedload if len(account_ids) == 1 else selectinload
        rows = await self.session.scalars(
            select(Account)
            .options(load(Account.csm_assignments))
            .where(Account.org_id == self.org_id, among(Account.id, account_ids))
            .execution_options(populate_existing=True)
        )
        return list(rows.unique())

    async def reload_held(self, account_ids: list[uuid.UUID]) -> None:
        """Refresh the ORM objects this session already holds for these accounts, so nothing
        reads values that Core writes have made stale."""
        held = [obj.id for obj in self.session.identity_map.values() if isinstance(obj, Account)]
        if held and (stale := list(set(held).intersection(account_ids))):
            await self.reload(stale)


class ImportRepository:
    """CSV imports of one organisation. Without "view all accounts" an actor sees only their
    own imports: another CSM's report may name accounts they cannot see."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.org_id = actor.org_id

    def _visible(self) -> Select[AccountImport]:
        stmt = (
            select(AccountImport)
            .options(defer(AccountImport.csv_text, raiseload=True))
            .where(AccountImport.org_id == self.org_id)
        )
        if not self.actor.sees_all_accounts:
            stmt = stmt.where(AccountImport.created_by_id == self.actor.user_id)
        return stmt

    async def get(self, import_id: uuid.UUID) -> AccountImport | None:
        return await self.session.scalar(self._visible().where(AccountImport.id == import_id))

    async def latest(self, *, limit: int) -> list[AccountImport]:
        return list(
            await self.session.scalars(
                self._visible()
                .order_by(AccountImport.created_at.desc(), AccountImport.id)
                .limit(limit)
            )
        )

    async def accounts_by_external_id(
        self, external_ids: list[str]
    ) -> list[Row[str, uuid.UUID, bool, date | None, str | None]]:
        """(external id, id, visible to the actor, churned on, churn reason) of the live accounts
        of the whole organisation holding these external ids."""
        visible_ids = AccountRepository(self.session, self.actor).visible_ids()
        result = await self.session.execute(
            select(
                Account.external_id,
                Account.id,
                Account.id.in_(visible_ids),
                Account.churned_on,
                Account.churn_reason,
            ).where(
                Account.org_id == self.org_id,
                Account.deleted_at.is_(None),
                Account.external_id.in_(external_ids),
            )
        )
        return list(result.all())


async def find_import_in_any_organisation(
    session: AsyncSession, import_id: uuid.UUID, *, lock: bool, with_csv: bool
) -> AccountImport | None:
    """An import by id alone, for the jobs that run it (the import says whose it is)."""
    stmt = select(AccountImport).where(AccountImport.id == import_id)
    if not with_csv:
        stmt = stmt.options(defer(AccountImport.csv_text, raiseload=True))
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


def _changed_sql(values: Sequence[tuple[str, str, str]]) -> tuple[str, str]:
    """An audit entry's before and after (jsonb) for a set-based write of accounts, as
    `bulk_writes.changed` writes them: the fields of `values` (key, value before, value after,
    as SQL) whose values it changes. Each value is one of a date, a uuid, an integer, jsonb or
    a uuid[], which jsonb writes as pydantic's JSON does."""

    def side(pick: int) -> str:
        return " || ".join(
            f"CASE WHEN {old} IS DISTINCT FROM {new} "
            f"THEN jsonb_build_object('{key}', {(old, new)[pick]}) ELSE '{{}}'::jsonb END"
            for key, old, new in values
        )

    return side(0), side(1)


def _target(*columns: str) -> str:
    """The live accounts among `ids`, locked in id order (as `AccountBatchRepository.rows`
    locks them): their ids and `columns` (SQL of `a`, the account). Only what the statement
    reads: carrying whole rows (custom values and all) through every later part made a tier
    trigger, a churn or a reactivation of 100,000 accounts about 5 % slower."""
    return f"""
WITH target AS (
    SELECT {", ".join(("a.id", *columns))}
    FROM accounts a
    WHERE a.org_id = :org AND a.id = ANY(:ids) AND a.deleted_at IS NULL
    ORDER BY a.id
    FOR NO KEY UPDATE OF a
)"""


# The rows an edit, a churn or a reactivation updates: the chosen accounts, found by id from an
# array. The organisation is compared in a form no index takes: while the accounts had no
# statistics for a new organisation (just imported), the planner read all its accounts through
# an index on the organisation and looked each up in the array (1 s of an edit of 10,000), or,
# joined with `chosen`, read them once per account.
_CHOSEN_ACCOUNTS = (
    "accounts.id = ANY(ARRAY(SELECT w.id FROM chosen w))"
    " AND accounts.org_id IS NOT DISTINCT FROM :org"
)

# An edit reads the accounts' CSMs and custom values only when it changes them: otherwise they
# stay as they are and no entry records them (reading the CSMs was a tenth of a stage trigger's
# statement).
_EDIT_TARGET = _target(
    "a.tier_id",
    "a.stage_id",
    "a.csm_score",
    "a.renewal_on",
    "CASE WHEN :set_custom_values THEN a.custom_values END AS custom_values",
    """CASE WHEN :csms THEN ARRAY(
        SELECT c.user_id FROM account_csms c WHERE c.org_id = :org AND c.account_id = a.id
        ORDER BY c.id) ELSE '{}'::uuid[] END AS csm_ids""",
)

# The accounts of a same-for-all edit with their CSMs after (`new_csm_ids`: replaced or kept,
# then added, then removed, each user once in the order first listed) the edit, and whether
# these change. The lists replaced or kept and the users added each hold a user once, so the
# new list is the kept users not removed, then the added ones not among them: no grouping of
# each account's users (4 % of the instructions of an edit of stage, score and CSM), and an
# edit that only adds keeps each list as it is read.
_EDITED = (
    _EDIT_TARGET
    + """,
edited AS MATERIALIZED (
    SELECT t.*, CASE WHEN NOT :csms THEN t.csm_ids ELSE
        CASE WHEN :csm_replace IS NULL AND cardinality(:csm_remove) = 0 THEN t.csm_ids ELSE ARRAY(
            SELECT kept.user_id
            FROM unnest(coalesce(:csm_replace, t.csm_ids)) WITH ORDINALITY AS kept(user_id, n)
            WHERE kept.user_id <> ALL(:csm_remove) ORDER BY kept.n) END
        || ARRAY(
            SELECT added.user_id FROM unnest(:csm_add) WITH ORDINALITY AS added(user_id, n)
            WHERE added.user_id <> ALL(coalesce(:csm_replace, t.csm_ids))
              AND added.user_id <> ALL(:csm_remove)
            ORDER BY added.n) END AS new_csm_ids
    FROM target t
),
csms_changed AS NOT MATERIALIZED (
    SELECT e.*, :csms AND (e.new_csm_ids IS DISTINCT FROM e.csm_ids OR NOT :only_if_different)
        AS csms_change
    FROM edited e
)"""
)


def _accounts_update(keys: tuple[str, ...], *, prefix: str) -> Executable:
    """`accounts_update`'s statement for these columns (built once per prefix by `send`)."""
    table = table_of(Account)
    values = unnest_parameters(table, ["id", *keys], prefix)
    written_at = bindparam(f"{prefix}written_at", type_=table.c.updated_at.type)
    org = bindparam(f"{prefix}scope_org", type_=Uuid())
    return (
        update(table)
        .values({**{table.c[key]: values.c[key] for key in keys}, table.c.updated_at: written_at})
        .where(table.c.org_id == org, table.c.id == values.c.id)
    )


def _periods_closed(table: Table, end_column: str, *, prefix: str) -> Executable:
    """Periods among `<prefix>ids` ended (`end_column`) at `<prefix>at`."""
    end = table.c[end_column]
    return (
        update(table)
        .values({end: bindparam(f"{prefix}at", type_=end.type)})
        .where(
            table.c.org_id == bindparam(f"{prefix}org", type_=Uuid()),
            among_named(table.c.id, prefix),
        )
    )


def _rows_deleted(table: Table, *, prefix: str) -> Executable:
    return delete(table).where(
        table.c.org_id == bindparam(f"{prefix}org", type_=Uuid()), among_named(table.c.id, prefix)
    )


# Settable by an edit that is the same for every account (bulk edits, attribute triggers).
SAME_EDIT_FIELDS = ("tier_id", "stage_id", "csm_score", "renewal_on")

_EDITED_PARAMS: tuple[BindParameter[Any], ...] = (
    bindparam("org", type_=Uuid()),
    bindparam("ids", type_=ARRAY(Uuid())),
    bindparam("csms", type_=Boolean()),
    bindparam("csm_replace", type_=ARRAY(Uuid())),
    bindparam("csm_add", type_=ARRAY(Uuid())),
    bindparam("csm_remove", type_=ARRAY(Uuid())),
    bindparam("only_if_different", type_=Boolean()),
)

_EDIT_ALL_PARAMS: tuple[BindParameter[Any], ...] = (
    *(bindparam(f"set_{key}", type_=Boolean()) for key in (*SAME_EDIT_FIELDS, "custom_values")),
    bindparam("tier_id", type_=Uuid()),
    bindparam("stage_id", type_=Uuid()),
    bindparam("csm_score", type_=Integer()),
    bindparam("renewal_on", type_=Date()),
    bindparam("custom_set", type_=JSONB()),
    bindparam("custom_removed", type_=ARRAY(String())),
    bindparam("stage_name", type_=String()),
    bindparam("always", type_=Boolean()),
    bindparam("actor", type_=Uuid()),
    bindparam("now", type_=DateTime(timezone=True)),
)


def _edited_value(key: str, alias: str) -> str:
    """An account's `key` (of SAME_EDIT_FIELDS or custom_values) after a same-for-all edit."""
    if key == "custom_values":
        return (
            f"CASE WHEN :set_custom_values THEN ({alias}.custom_values || :custom_set)"
            f" - :custom_removed ELSE {alias}.custom_values END"
        )
    return f"CASE WHEN :set_{key} THEN :{key} ELSE {alias}.{key} END"


_EDITED_KEYS = (*SAME_EDIT_FIELDS, "custom_values")
# The accounts are updated by id from an array, each from its own row (as locked by `target`
# in the same statement): a join with `chosen` was planned as a nested loop over both while
# just-imported accounts had no statistics (100 s for 10,000 accounts). Not where `target`
# found them (ctid): one another transaction changed while this one waited for its lock has
# moved, and the update would skip it.
_UPDATED_COLUMNS = ", ".join(f"{key} = {_edited_value(key, 'accounts')}" for key in _EDITED_KEYS)

# The accounts a same-for-all edit writes: all of them if `always`, else those whose fields or
# CSMs it changes (so whose snapshot it changes: the rest of the snapshot stays as it was).
_CHOSEN = " OR ".join(
    (
        ":always",
        "e.csms_change",
        *(f"{_edited_value(key, 'e')} IS DISTINCT FROM e.{key}" for key in _EDITED_KEYS),
    )
)
# What the edit changes of an account, for its audit entry.
_EDIT_BEFORE, _EDIT_AFTER = _changed_sql(
    [
        *((key, f"e.{key}", _edited_value(key, "e")) for key in _EDITED_KEYS),
        ("csm_ids", "e.csm_ids", "e.new_csm_ids"),
    ]
)


def _ids_of_chosen(table: str, where: str, chosen_where: str) -> str:
    """The ids of `table`'s rows (`r`) of the chosen accounts (`w`, those `chosen_where` holds
    for) that `where` holds for, as an array for the statement to write them by id. Found
    account by account through the rows' account index (LATERAL, kept apart by OFFSET 0):
    joined with `chosen` as tables, a history whose statistics did not know the organisation
    yet was planned as a nested loop of every history row over every chosen account (10^10
    rows for 100,000 accounts)."""
    return f"""ARRAY(
        SELECT r.id FROM chosen w, LATERAL (
            SELECT r.id FROM {table} r
            WHERE r.org_id = :org AND r.account_id = w.id AND {where}
            OFFSET 0) r
        WHERE {chosen_where})"""


def _none_of_chosen(table: str, where: str) -> str:
    """That no row (`r`) of `table` of the chosen account (`w`) holds `where`: looked up
    account by account through the rows' account index (OFFSET 0 keeps the subquery a probe per
    account; `where` compares other columns in forms no index takes, so no other index joins
    the probe). As `NOT IN` over the statement's ids, the planner read the whole history, every
    organisation's, to build its hash: 1.4 s of an edit of 100,000 accounts beside 925,000
    stage periods."""
    return f"""NOT EXISTS (
            SELECT FROM {table} r
            WHERE r.org_id = :org AND r.account_id = w.id AND {where}
            OFFSET 0)"""


# The open stage periods, not at the new stage, of the accounts whose stage changes.
_STAGES_LEFT = _ids_of_chosen(
    "stage_history",
    "r.left_at IS NULL AND r.stage_id IS DISTINCT FROM :stage_id",
    ":set_stage_id AND w.old_stage_id IS DISTINCT FROM :stage_id",
)
# An edit that only adds CSMs ends no one's period and removes no one: their rows are not
# looked for (a fifth of a second per 100,000 accounts each).
_REMOVES_CSMS = "w.csms_change AND (:csm_replace IS NOT NULL OR cardinality(:csm_remove) > 0)"
_CSM_PERIODS_ENDED = _ids_of_chosen(
    "csm_assignment_history",
    "r.unassigned_at IS NULL AND r.user_id <> ALL(w.new_csm_ids)",
    _REMOVES_CSMS,
)
_CSMS_REMOVED = _ids_of_chosen("account_csms", "r.user_id <> ALL(w.new_csm_ids)", _REMOVES_CSMS)
# The user compared without `=`: ANDed with the account's index by a planner that thought the
# history small, the users' index read a CSM's whole history (32,500 rows) for every probe, 65 s
# of an edit of 100,000 just-generated accounts.
# A probe per account, not an anti-join with the open periods read once as a CTE: while the
# accounts had no statistics yet (just imported), that was planned as a nested loop over the
# whole CTE for each account (6 s of an edit of 10,000).
_NO_OPEN_PERIOD_AT_THE_NEW_STAGE = _none_of_chosen(
    "stage_history", "r.left_at IS NULL AND r.stage_id IS NOT DISTINCT FROM :stage_id"
)
_NOT_ASSIGNED_YET = _none_of_chosen(
    "csm_assignment_history", "r.unassigned_at IS NULL AND r.user_id IS NOT DISTINCT FROM u"
)

# The audit entries read the accounts' rows as `edited` holds them: what they record carried
# through `chosen` (which every write reads) cost more than building it.
_EDIT_ALL = text(
    _EDITED
    + f""",
chosen AS (
    SELECT e.id, e.new_csm_ids, e.csms_change, e.stage_id AS old_stage_id,
           e.csm_score AS old_csm_score, e.csm_ids AS old_csm_ids
    FROM csms_changed e WHERE {_CHOSEN}
),
updated AS (
    UPDATE accounts SET {_UPDATED_COLUMNS}, updated_at = :now
    WHERE {_CHOSEN_ACCOUNTS}
),
closed_stages AS (
    UPDATE stage_history SET left_at = :now
    WHERE id = ANY({_STAGES_LEFT})
),
opened_stages AS (
    INSERT INTO stage_history (id, org_id, account_id, changed_by_id, stage_id, stage_name,
                               entered_at)
    SELECT time_ordered_uuid(), :org, w.id, :actor, :stage_id, :stage_name, :now FROM chosen w
    WHERE :set_stage_id AND :stage_id IS NOT NULL AND w.old_stage_id IS DISTINCT FROM :stage_id
      AND {_NO_OPEN_PERIOD_AT_THE_NEW_STAGE}
),
scores AS (
    INSERT INTO csm_score_history (id, org_id, account_id, changed_by_id, score, recorded_at)
    SELECT time_ordered_uuid(), :org, w.id, :actor, :csm_score, :now FROM chosen w
    WHERE :set_csm_score AND :csm_score IS NOT NULL
      AND w.old_csm_score IS DISTINCT FROM :csm_score
),
closed_csm_periods AS (
    UPDATE csm_assignment_history SET unassigned_at = :now
    WHERE id = ANY({_CSM_PERIODS_ENDED})
),
opened_csm_periods AS (
    INSERT INTO csm_assignment_history (id, org_id, account_id, changed_by_id, user_id,
                                        assigned_at)
    SELECT time_ordered_uuid(), :org, w.id, :actor, u, :now FROM chosen w, unnest(w.new_csm_ids) u
    WHERE w.csms_change
      AND {_NOT_ASSIGNED_YET}
),
removed_csms AS (
    DELETE FROM account_csms
    WHERE id = ANY({_CSMS_REMOVED})
),
added_csms AS (
    INSERT INTO account_csms (id, org_id, account_id, user_id)
    SELECT time_ordered_uuid(), :org, w.id, u FROM chosen w, unnest(w.new_csm_ids) u
    WHERE w.csms_change AND u <> ALL(w.old_csm_ids)
),
audited AS (
    INSERT INTO audit_log (id, org_id, actor_user_id, action, entity_type, entity_id, before,
                           after)
    SELECT time_ordered_uuid(), :org, :actor, 'account.updated', 'account', e.id,
           {_EDIT_BEFORE}, {_EDIT_AFTER}
    FROM csms_changed e
    WHERE {_CHOSEN}
)
SELECT ARRAY(SELECT id FROM chosen) AS written,
       ARRAY(SELECT DISTINCT u FROM chosen w, unnest(w.new_csm_ids) u WHERE w.csms_change)
           AS csms_listed"""
).bindparams(*_EDITED_PARAMS, *_EDIT_ALL_PARAMS)

# Churn and reactivation of many accounts, each one statement however many accounts: the
# accounts to change among `target` (not churned yet, or churned), none of them when another
# account is refused (one missing, or already in the state asked for) unless `skip`; each
# returns every locked account and whether it could change, so the caller knows which were
# written or names the refused one.
_STATE_CHANGE_PARAMS: tuple[BindParameter[Any], ...] = (
    bindparam("org", type_=Uuid()),
    bindparam("ids", type_=ARRAY(Uuid())),
    bindparam("skip", type_=Boolean()),
    bindparam("actor", type_=Uuid()),
    bindparam("now", type_=DateTime(timezone=True)),
)


def _state_change(to_change: str, changes: Sequence[tuple[str, str]], action: str) -> str:
    """`chosen`: the accounts of `target` for which `to_change` holds, each written `changes`
    (column, new value as SQL) and `action` audited (the entries read `target` itself: carried
    in `chosen`, which every write reads, what they record cost more than building it)."""
    chosen = f"{to_change} AND (:skip OR NOT EXISTS (SELECT FROM refused))"
    before, after = _changed_sql([(column, f"t.{column}", value) for column, value in changes])
    return (
        _target(*(f"a.{column}" for column, _ in changes))
        + f""",
refused AS (
    SELECT t.id FROM target t WHERE NOT ({to_change})
    UNION ALL
    SELECT NULL WHERE (SELECT count(*) FROM target)
                      < (SELECT count(DISTINCT i) FROM unnest(:ids) i)
),
chosen AS (
    SELECT t.id FROM target t WHERE {chosen}
),
updated AS (
    UPDATE accounts SET {", ".join(f"{c} = {v}" for c, v in changes)}, updated_at = :now
    WHERE {_CHOSEN_ACCOUNTS}
),
audited AS (
    INSERT INTO audit_log (id, org_id, actor_user_id, action, entity_type, entity_id, before,
                           after)
    SELECT time_ordered_uuid(), :org, :actor, '{action}', 'account', t.id, {before}, {after}
    FROM target t WHERE {chosen}
)"""
    )


# What a churn or reactivation answers, in one row: the accounts it wrote and, when one was
# refused (nothing written unless `skip`), the accounts it locked and those of them already in
# the state asked for, to name the first refused. Arrays, not a row per account: 100,000 rows
# cost the caller a quarter of a second to read.
_STATE_CHANGED = """
SELECT ARRAY(SELECT w.id FROM chosen w) AS written,
       CASE WHEN EXISTS (SELECT FROM refused) THEN ARRAY(SELECT t.id FROM target t) END AS found,
       CASE WHEN EXISTS (SELECT FROM refused)
            THEN ARRAY(SELECT r.id FROM refused r WHERE r.id IS NOT NULL) END AS unchanged"""

_CHURN_ALL = text(
    _state_change(
        "t.churned_on IS NULL",
        [("churned_on", ":churned_on"), ("churn_reason", ":reason")],
        "account.churned",
    )
    + """,
events AS (
    INSERT INTO churn_events (id, org_id, account_id, changed_by_id, churned_on, reason)
    SELECT time_ordered_uuid(), :org, w.id, :actor, :churned_on, :reason FROM chosen w
)"""
    + _STATE_CHANGED
).bindparams(
    *_STATE_CHANGE_PARAMS,
    bindparam("churned_on", type_=Date()),
    bindparam("reason", type_=String()),
)

_REACTIVATE_ALL = text(
    _state_change(
        "t.churned_on IS NOT NULL",
        [("churned_on", "CAST(NULL AS date)"), ("churn_reason", "CAST(NULL AS varchar)")],
        "account.reactivated",
    )
    + """,
ended AS (
    UPDATE churn_events e SET reactivated_on = :reactivated_on, reactivated_by_id = :actor
    WHERE e.org_id = :org AND e.account_id = ANY(ARRAY(SELECT w.id FROM chosen w))
      AND e.reactivated_on IS NULL
)"""
    + _STATE_CHANGED
).bindparams(*_STATE_CHANGE_PARAMS, bindparam("reactivated_on", type_=Date()))
