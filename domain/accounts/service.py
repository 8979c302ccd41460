import datetime as dt
import functools
import uuid
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, SQLColumnExpression
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain.accounts import bulk_writes
from domain.accounts.bulk_writes import snapshot
from domain.accounts.errors import (
    AccountNotDeleted,
    AccountNotFound,
    ExternalIdTaken,
)
from domain.accounts.fields import (
    HEALTH_PREFIX,
    account_fields,
    check_columns,
    dimensions,
    health_fields,
    needs_fields,
    sort_order,
)
from domain.accounts.models import (
    Account,
    CustomField,
    LifecycleStage,
    NpsResponse,
    StatusUpdate,
    Tier,
)
from domain.accounts.repository import (
    AccountBatchRepository,
    AccountRepository,
    ConfigRepository,
)
from domain.accounts.schemas import (
    AccountCreate,
    AccountHistoryRead,
    AccountSort,
    AccountUpdate,
    ChurnCreate,
    CsmPeriodRead,
    NpsResponseCreate,
    NpsResponseRead,
    ScoreEntryRead,
    StagePeriodRead,
    StatusUpdateCreate,
    StatusUpdateRead,
)
from domain.audit import service as audit
from domain.common import clock
from domain.common.pagination import Paged
from domain.filters.compile import FieldDef, Ordering, compile_condition
from domain.filters.schemas import Condition
from domain.metrics import service as metrics

# Defined below every area (domain.tenancy), so the areas under accounts can use them too;
# named here as well for the routers.
from domain.tenancy.accounts import account_ids_by_reference as account_ids_by_reference
from domain.tenancy.accounts import check_visible as check_visible
from domain.tenancy.accounts import get_account as get_account
from domain.tenancy.accounts import read_account as read_account
from domain.tenancy.accounts import visible_account_id_list as visible_account_id_list
from domain.tenancy.accounts import visible_account_ids as visible_account_ids
from domain.tenancy.clock import org_today as org_today
from domain.users import auth
from domain.users.actor import Actor, require
from domain.users.permissions import Permission
from domain.users.repository import PrincipalCheck
from domain.users.tokens import TokenClaims

METRIC_PREFIX = "metric."
DEFAULT_STAGES = ("Trial", "Onboarding", "Established", "Renewal")
DEFAULT_TIERS = ("Tier 1", "Tier 2", "Tier 3")


def add_default_configuration(session: AsyncSession, org_id: uuid.UUID) -> None:
    """The lifecycle stages and tiers a new organisation starts with (it can change them)."""
    session.add_all(
        [LifecycleStage(org_id=org_id, name=n, position=i) for i, n in enumerate(DEFAULT_STAGES)]
        + [Tier(org_id=org_id, name=n, position=i) for i, n in enumerate(DEFAULT_TIERS)]
    )


async def filter_fields(session: AsyncSession, actor: Actor) -> dict[str, FieldDef]:
    """Every field the filter language, list columns and exports can use: the account's own,
    custom fields, and the metrics computed from data (`metric.<key>`)."""
    config = ConfigRepository(session, actor.org_id)
    today = await org_today(session, actor.org_id)
    fields = account_fields(
        custom_fields=await config.all(CustomField),
        tiers=await config.all(Tier),
        stages=await config.all(LifecycleStage),
        today=today,
    )
    for field in await metrics.metric_fields(session, actor.org_id, today):
        # Metrics kept from the account itself (days to renewal, CSM score, NPS) are already
        # fields under their own name: one entry each in the builder and the column picker.
        if field.key.removeprefix("metric.") not in fields:
            fields.setdefault(field.key, field)
    fields.update(health_fields(today, await config.health_model_names()))
    return fields


async def dimension_fields(session: AsyncSession, org_id: uuid.UUID) -> dict[str, FieldDef]:
    """The dimensions a health model can map to numbers (tier, stage, text and select custom
    fields), each with its value per account as text."""
    config = ConfigRepository(session, org_id)
    return dimensions(
        custom_fields=await config.all(CustomField),
        tiers=await config.all(Tier),
        stages=await config.all(LifecycleStage),
    )


async def offered_fields(session: AsyncSession, actor: Actor) -> list[FieldDef]:
    """The fields to offer in the filter builder and the column picker: a custom metric once,
    as its custom field (`custom.<key>`), though `metric.<key>` works in filters, columns and
    sorts too (computed metrics and saved filters may name it so)."""
    fields = await filter_fields(session, actor)
    return [
        field
        for key, field in fields.items()
        if not (
            key.startswith(METRIC_PREFIX) and f"custom.{key.removeprefix(METRIC_PREFIX)}" in fields
        )
    ]


async def compile_filter(
    session: AsyncSession,
    actor: Actor,
    condition: Condition | None,
    *,
    fields: dict[str, FieldDef] | None = None,
) -> ColumnElement[bool] | None:
    """The SQL for a filter over accounts (None when there is no filter); 422 when invalid."""
    if condition is None:
        return None
    fields = fields or await filter_fields(session, actor)
    return compile_condition(condition, fields, today=await org_today(session, actor.org_id))


async def list_order(
    session: AsyncSession, actor: Actor, sort: str, *, fields: dict[str, FieldDef] | None = None
) -> Ordering:
    """How to sort the account list by `sort` (a column or a sortable field); 422 otherwise."""
    if fields is None and needs_fields(sort):
        fields = await filter_fields(session, actor)
    return sort_order(sort, fields or {})


def metric_keys(columns: Iterable[str]) -> list[str]:
    """The metrics among these columns (`metric.<key>` -> `<key>`)."""
    return [c.removeprefix(METRIC_PREFIX) for c in columns if c.startswith(METRIC_PREFIX)]


async def list_accounts(
    session: AsyncSession,
    actor: Actor,
    *,
    q: str | None = None,
    sort: str = AccountSort.NAME,
    descending: bool = False,
    limit: int = 50,
    offset: int = 0,
    deleted: bool = False,
    condition: Condition | None = None,
    churned: bool | None = None,
    columns: Sequence[str] = (),
    presumed_for: TokenClaims | None = None,
) -> Paged[str]:
    """A page of the accounts the caller may see, each with the values of the metric and health
    columns among `columns` (read for the whole page at once): each account is already the
    JSON of its `AccountListRead` (`page_json` writes the page). With `presumed_for`, `actor` is
    the signed-in user as last found (`auth.presumed_actor`), checked by the page's statement."""
    read = functools.partial(
        _list_accounts, session, q=q, sort=sort, descending=descending, limit=limit,
        offset=offset, deleted=deleted, condition=condition, churned=churned, columns=columns,
    )  # fmt: skip
    if presumed_for is None:
        return await read(actor, None)
    return await auth.presuming(session, presumed_for, actor, read)


async def _list_accounts(
    session: AsyncSession,
    actor: Actor,
    check: PrincipalCheck | None,
    *,
    q: str | None,
    sort: str,
    descending: bool,
    limit: int,
    offset: int,
    deleted: bool,
    condition: Condition | None,
    churned: bool | None,
    columns: Sequence[str],
) -> Paged[str]:
    if deleted:
        require(actor, Permission.DELETE_ACCOUNTS)
    # The organisation's fields are read once, and only when something needs them.
    fields = None
    if condition is not None or columns or needs_fields(sort):
        fields = await filter_fields(session, actor)
        check_columns(columns, fields)
    items, total = await AccountRepository(session, actor).page(
        q=q,
        condition=await compile_filter(session, actor, condition, fields=fields),
        churned=churned,
        order=await list_order(session, actor, sort, fields=fields),
        descending=descending,
        limit=limit,
        offset=offset,
        deleted=deleted,
        check=check,
    )
    ids = [a["id"] for a in items]
    values = await metrics.current_values(session, actor, ids, metric_keys(columns))
    health = await health_values(session, actor, ids, columns, fields)
    listed = [
        # The account's JSON as PostgreSQL wrote it, its closing brace replaced by the rest.
        account["json"][:-1] + _column_values(values.get(account["id"]), health.get(account["id"]))
        for account in items
    ]
    return Paged(items=listed, total=total, limit=limit, offset=offset)


# `AccountListRead.metric_values` and `health_values`.
_METRIC_VALUES = TypeAdapter(dict[str, float | None])
_HEALTH_VALUES = TypeAdapter(dict[str, float | str | None])
# Most pages ask for neither kind of column.
_NO_COLUMN_VALUES = ',"metric_values":{},"health_values":{}}'


def _column_values(metric: dict[str, Any] | None, scored: dict[str, Any] | None) -> str:
    """The end of a listed account's JSON: `AccountListRead`'s fields beyond `AccountRead`'s,
    numbers as the schema's floats (scores are integers in the database)."""
    if not metric and not scored:
        return _NO_COLUMN_VALUES
    metric_values = {k: None if v is None else float(v) for k, v in (metric or {}).items()}
    health = {k: float(v) if isinstance(v, int | Decimal) else v for k, v in (scored or {}).items()}
    return (
        f',"metric_values":{_METRIC_VALUES.dump_json(metric_values).decode()}'
        f',"health_values":{_HEALTH_VALUES.dump_json(health).decode()}}}'
    )


async def health_values(
    session: AsyncSession,
    actor: Actor,
    account_ids: list[uuid.UUID],
    columns: Sequence[str],
    fields: dict[str, FieldDef] | None,
) -> dict[uuid.UUID, dict[str, Any]]:
    """The health columns among `columns` (`health.<key>` -> `<key>`) of these accounts, read
    for them all at once."""
    wanted = [c for c in columns if c.startswith(HEALTH_PREFIX)]
    return await AccountRepository(session, actor).field_values(
        account_ids, {c.removeprefix(HEALTH_PREFIX): _expression(fields, c) for c in wanted}
    )


def _expression(fields: dict[str, FieldDef] | None, key: str) -> SQLColumnExpression[Any]:
    field = (fields or {}).get(key)
    assert field is not None and field.expression is not None  # checked as a column
    return field.expression


async def create_account(session: AsyncSession, actor: Actor, data: AccountCreate) -> Account:
    require(actor, Permission.UPDATE_ACCOUNTS)
    new = bulk_writes.NewAccount(data)
    await bulk_writes.write_accounts(session, actor, [new])
    return await _written(session, actor, new.id, data.csm_ids)


async def update_account(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, data: AccountUpdate
) -> Account:
    require(actor, Permission.UPDATE_ACCOUNTS)
    await bulk_writes.write_accounts(session, actor, [bulk_writes.AccountEdit.of(account_id, data)])
    return await _written(session, actor, account_id, data.csm_ids)


async def _written(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, csm_ids: list[uuid.UUID] | None
) -> Account:
    """The account as just written, its CSMs in the order the request listed them."""
    (account,) = await AccountBatchRepository(session, actor).reload([account_id])
    if csm_ids:
        order = {user_id: i for i, user_id in enumerate(dict.fromkeys(csm_ids))}
        listed = sorted(account.csm_assignments, key=lambda a: order.get(a.user_id, len(order)))
        # Loaded state, not a change to flush.
        set_committed_value(account, "csm_assignments", listed)
    return account


async def post_status(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, data: StatusUpdateCreate
) -> Account:
    """Post the account's latest status; earlier ones stay in its history."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    account = await get_account(session, actor, account_id)
    now = clock.now()
    session.add(
        StatusUpdate(
            org_id=actor.org_id,
            account_id=account.id,
            title=data.title,
            details=data.details,
            posted_at=now,
            changed_by_id=actor.user_id,
        )
    )
    account.status_title = data.title
    account.status_details = data.details
    account.status_at = now
    account.status_author_id = actor.user_id
    account.updated_at = now
    audit.record_for(
        session,
        actor,
        "account.status_posted",
        "account",
        account.id,
        after={"title": data.title, "details": data.details},
    )
    return account


async def record_nps(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, data: NpsResponseCreate
) -> Account:
    """Add an NPS response; the account's NPS becomes the average of every response within
    30 days of the latest one."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    account = await get_account(session, actor, account_id)
    session.add(
        NpsResponse(
            org_id=actor.org_id,
            account_id=account.id,
            score=data.score,
            contact=data.contact,
            responded_at=data.responded_at or clock.now(),
            changed_by_id=actor.user_id,
        )
    )
    await session.flush()
    scores = await AccountRepository(session, actor).nps_scores_since_latest_window(account.id)
    account.nps = current_nps(scores)
    account.updated_at = clock.now()
    audit.record_for(
        session,
        actor,
        "account.nps_recorded",
        "account",
        account.id,
        after={"score": data.score, "nps": str(account.nps)},
    )
    return account


def current_nps(scores: list[int]) -> Decimal | None:
    if not scores:
        return None
    return (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.1"), ROUND_HALF_UP)


async def churn_account(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, data: ChurnCreate
) -> Account:
    """Mark churned: the account leaves the active book but stays in churn reporting."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    await bulk_writes.churn_accounts(session, actor, [account_id], data)
    (account,) = await AccountBatchRepository(session, actor).reload([account_id])
    return account


async def reactivate_account(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, on: dt.date | None = None
) -> Account:
    """Undo a churn: a reactivation (the churn stays in history), not new business."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    await bulk_writes.reactivate_accounts(
        session, actor, [account_id], on=on or await org_today(session, actor.org_id)
    )
    (account,) = await AccountBatchRepository(session, actor).reload([account_id])
    return account


async def account_history(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID
) -> AccountHistoryRead:
    account = await get_account(session, actor, account_id)
    stages, csms, scores, nps, statuses = await AccountRepository(session, actor).history(
        account.id
    )
    now = clock.now()
    return AccountHistoryRead(
        stages=[
            StagePeriodRead(
                stage_id=p.stage_id,
                stage_name=p.stage_name,
                entered_at=p.entered_at,
                left_at=p.left_at,
                days=round(((p.left_at or now) - p.entered_at).total_seconds() / 86400, 2),
            )
            for p in stages
        ],
        csms=[CsmPeriodRead.model_validate(p) for p in csms],
        csm_scores=[ScoreEntryRead.model_validate(p) for p in scores],
        nps=[NpsResponseRead.model_validate(p) for p in nps],
        statuses=[StatusUpdateRead.model_validate(p) for p in statuses],
    )


async def account_children(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID
) -> list[tuple[Account, int]]:
    account = await get_account(session, actor, account_id)
    return await AccountRepository(session, actor).children(account.id)


async def delete_account(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> None:
    """Soft delete: the account leaves every view and report; an admin can restore it."""
    require(actor, Permission.DELETE_ACCOUNTS)
    account = await get_account(session, actor, account_id)
    account.deleted_at = clock.now()
    audit.record_for(
        session,
        actor,
        "account.deleted",
        "account",
        account.id,
        before=snapshot(account),
    )


async def restore_account(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> Account:
    require(actor, Permission.DELETE_ACCOUNTS)
    repo = AccountRepository(session, actor)
    account = await repo.get(account_id, deleted=True)
    if account is None:
        if await repo.get(account_id) is not None:
            raise AccountNotDeleted()
        raise AccountNotFound()
    if await repo.external_id_taken(account.external_id, except_id=account.id):
        raise ExternalIdTaken(
            "A live account now has this external id; change one of them before restoring"
        )
    account.deleted_at = None
    audit.record_for(
        session,
        actor,
        "account.restored",
        "account",
        account.id,
        after=snapshot(account),
    )
    return account
