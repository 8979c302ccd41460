import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import custom_values
from domain.accounts.errors import (
    AccountNotDeleted,
    AccountNotFound,
    AlreadyChurned,
    ExternalIdTaken,
    HierarchyCycle,
    InvalidCustomValue,
    NotACsm,
    NotChurned,
    ParentNotFound,
    StageNotFound,
    TierNotFound,
)
from domain.accounts.fields import account_fields
from domain.accounts.models import (
    Account,
    AccountCsm,
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
from domain.accounts.repository import AccountRepository, ConfigRepository
from domain.accounts.schemas import (
    AccountCreate,
    AccountHistoryRead,
    AccountRead,
    AccountSort,
    AccountUpdate,
    ChurnCreate,
    CsmPeriodRead,
    NpsResponseCreate,
    NpsResponseRead,
    ScoreEntryRead,
    StagePeriodRead,
    StatusUpdateCreate,
)
from domain.audit import service as audit
from domain.common import clock
from domain.common.pagination import Paged
from domain.filters.compile import FieldDef, compile_condition
from domain.filters.schemas import Condition
from domain.orgs.models import Organisation
from domain.users import service as users
from domain.users.actor import Actor, require
from domain.users.permissions import Permission

DEFAULT_STAGES = ("Trial", "Onboarding", "Established", "Renewal")
DEFAULT_TIERS = ("Tier 1", "Tier 2", "Tier 3")


def add_default_configuration(session: AsyncSession, org_id: uuid.UUID) -> None:
    """The lifecycle stages and tiers a new organisation starts with (it can change them)."""
    session.add_all(
        [LifecycleStage(org_id=org_id, name=n, position=i) for i, n in enumerate(DEFAULT_STAGES)]
        + [Tier(org_id=org_id, name=n, position=i) for i, n in enumerate(DEFAULT_TIERS)]
    )


def visible_account_ids(session: AsyncSession, actor: Actor) -> Select[uuid.UUID]:
    """A subquery of the live accounts `actor` may see: other areas (interactions, search,
    reports) filter by it, so permission scoping has one definition."""
    return AccountRepository(session, actor).visible_ids()


def _snapshot(account: Account) -> dict[str, Any]:
    return AccountRead.model_validate(account).model_dump(
        mode="json", exclude={"created_at", "updated_at"}
    )


async def get_account(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> Account:
    account = await AccountRepository(session, actor).get(account_id)
    if account is None:
        raise AccountNotFound()
    return account


async def org_today(session: AsyncSession, org_id: uuid.UUID) -> dt.date:
    """Today in the organisation's time zone: days are computed there, not in UTC."""
    org = await session.get_one(Organisation, org_id)
    return clock.now().astimezone(ZoneInfo(org.time_zone)).date()


async def filter_fields(session: AsyncSession, actor: Actor) -> dict[str, FieldDef]:
    config = ConfigRepository(session, actor.org_id)
    return account_fields(
        custom_fields=await config.all(CustomField),
        tiers=await config.all(Tier),
        stages=await config.all(LifecycleStage),
        today=await org_today(session, actor.org_id),
    )


async def compile_filter(
    session: AsyncSession, actor: Actor, condition: Condition | None
) -> ColumnElement[bool] | None:
    """The SQL for a filter over accounts (None when there is no filter); 422 when invalid."""
    if condition is None:
        return None
    fields = await filter_fields(session, actor)
    return compile_condition(condition, fields, today=await org_today(session, actor.org_id))


async def list_accounts(
    session: AsyncSession,
    actor: Actor,
    *,
    q: str | None = None,
    sort: AccountSort = AccountSort.NAME,
    descending: bool = False,
    limit: int = 50,
    offset: int = 0,
    deleted: bool = False,
    condition: Condition | None = None,
    churned: bool | None = None,
) -> Paged[Account]:
    if deleted:
        require(actor, Permission.DELETE_ACCOUNTS)
    items, total = await AccountRepository(session, actor).page(
        q=q,
        condition=await compile_filter(session, actor, condition),
        churned=churned,
        sort=sort,
        descending=descending,
        limit=limit,
        offset=offset,
        deleted=deleted,
    )
    return Paged(items=items, total=total, limit=limit, offset=offset)


async def _validate_csms(
    session: AsyncSession, actor: Actor, csm_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    wanted = list(dict.fromkeys(csm_ids))
    if not wanted:
        return []
    found = await users.csm_ids_among(session, actor.org_id, wanted)
    if missing := [str(i) for i in wanted if i not in found]:
        raise NotACsm(f"Not a CSM in this organisation: {', '.join(missing)}")
    return wanted


async def _validate_custom_values(
    session: AsyncSession, actor: Actor, values: dict[str, Any]
) -> dict[str, Any]:
    """Check each value against its field's type; store JSON-ready values (None removes)."""
    fields = {f.key: f for f in await ConfigRepository(session, actor.org_id).all(CustomField)}
    clean: dict[str, Any] = {}
    for key, value in values.items():
        field = fields.get(key)
        if field is None:
            raise InvalidCustomValue(f"Unknown custom field {key!r}")
        clean[key] = custom_values.coerce(field, value)
    return clean


async def _check_config_ids(session: AsyncSession, actor: Actor, changes: dict[str, Any]) -> None:
    config = ConfigRepository(session, actor.org_id)
    if changes.get("tier_id") and await config.get(Tier, changes["tier_id"]) is None:
        raise TierNotFound()
    if changes.get("stage_id") and await config.get(LifecycleStage, changes["stage_id"]) is None:
        raise StageNotFound()


async def _check_parent(
    repo: AccountRepository, account_id: uuid.UUID | None, parent_id: uuid.UUID | None
) -> None:
    if parent_id is None:
        return
    if await repo.get_in_org(parent_id) is None:
        raise ParentNotFound()
    if account_id is not None and account_id in await repo.ancestor_ids(parent_id):
        raise HierarchyCycle()


async def _record_stage(
    session: AsyncSession, actor: Actor, account: Account, stage_id: uuid.UUID | None, now: Any
) -> None:
    """Close the open stage period and open one for the new stage."""
    repo = AccountRepository(session, actor)
    open_stage, _ = await repo.open_periods(account.id)
    if open_stage is not None:
        if open_stage.stage_id == stage_id:
            return
        open_stage.left_at = now
    if stage_id is not None:
        stage = await ConfigRepository(session, actor.org_id).get(LifecycleStage, stage_id)
        session.add(
            StagePeriod(
                org_id=actor.org_id,
                account_id=account.id,
                stage_id=stage_id,
                stage_name=stage.name if stage else "",
                entered_at=now,
                changed_by_id=actor.user_id,
            )
        )


async def _record_csms(
    session: AsyncSession, actor: Actor, account: Account, csm_ids: list[uuid.UUID], now: Any
) -> None:
    """Assignment history with effective dates: reports credit the owner at the time."""
    _, open_periods = await AccountRepository(session, actor).open_periods(account.id)
    current = {p.user_id: p for p in open_periods}
    for user_id, period in current.items():
        if user_id not in csm_ids:
            period.unassigned_at = now
    for user_id in csm_ids:
        if user_id not in current:
            session.add(
                CsmAssignmentPeriod(
                    org_id=actor.org_id,
                    account_id=account.id,
                    user_id=user_id,
                    assigned_at=now,
                    changed_by_id=actor.user_id,
                )
            )
    existing = {a.user_id: a for a in account.csm_assignments}
    account.csm_assignments = [
        existing.get(u) or AccountCsm(org_id=actor.org_id, user_id=u) for u in csm_ids
    ]


def _record_score(
    session: AsyncSession, actor: Actor, account: Account, score: int, now: Any
) -> None:
    session.add(
        CsmScoreEntry(
            org_id=actor.org_id,
            account_id=account.id,
            score=score,
            recorded_at=now,
            changed_by_id=actor.user_id,
        )
    )


async def create_account(session: AsyncSession, actor: Actor, data: AccountCreate) -> Account:
    require(actor, Permission.UPDATE_ACCOUNTS)
    repo = AccountRepository(session, actor)
    if await repo.external_id_taken(data.external_id, except_id=None):
        raise ExternalIdTaken()
    csm_ids = await _validate_csms(session, actor, data.csm_ids)
    fields = data.model_dump(exclude={"csm_ids", "custom_values"})
    await _check_config_ids(session, actor, fields)
    await _check_parent(repo, None, data.parent_id)
    now = clock.now()
    account = Account(
        id=uuid.uuid4(),
        org_id=actor.org_id,
        **fields,
        custom_values={
            k: v
            for k, v in (
                await _validate_custom_values(session, actor, data.custom_values or {})
            ).items()
            if v is not None
        },
        csm_assignments=[],
    )
    session.add(account)
    await session.flush()
    await _record_csms(session, actor, account, csm_ids, now)
    await _record_stage(session, actor, account, account.stage_id, now)
    if account.csm_score is not None:
        _record_score(session, actor, account, account.csm_score, now)
    await session.flush()
    # Only the server-set timestamps: a full refresh would unload the (lazy="raise") CSMs.
    await session.refresh(account, ["created_at", "updated_at"])
    audit.record_for(
        session, actor, "account.created", "account", account.id, after=_snapshot(account)
    )
    return account


async def update_account(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, data: AccountUpdate
) -> Account:
    require(actor, Permission.UPDATE_ACCOUNTS)
    repo = AccountRepository(session, actor)
    account = await get_account(session, actor, account_id)
    before = _snapshot(account)
    now = clock.now()
    changes = data.model_dump(exclude_unset=True, exclude={"csm_ids", "custom_values"})
    for required in ("name", "external_id"):
        if required in changes and changes[required] is None:
            del changes[required]
    if "external_id" in changes and await repo.external_id_taken(
        changes["external_id"], except_id=account.id
    ):
        raise ExternalIdTaken()
    await _check_config_ids(session, actor, changes)
    if "parent_id" in changes:
        await _check_parent(repo, account.id, changes["parent_id"])
    if "stage_id" in changes and changes["stage_id"] != account.stage_id:
        await _record_stage(session, actor, account, changes["stage_id"], now)
    if changes.get("csm_score") is not None and changes["csm_score"] != account.csm_score:
        _record_score(session, actor, account, changes["csm_score"], now)
    for field, value in changes.items():
        setattr(account, field, value)
    if data.custom_values is not None:
        merged = {
            **account.custom_values,
            **await _validate_custom_values(session, actor, data.custom_values),
        }
        account.custom_values = {k: v for k, v in merged.items() if v is not None}
    if data.csm_ids is not None:
        await _record_csms(
            session, actor, account, await _validate_csms(session, actor, data.csm_ids), now
        )
    account.updated_at = now
    await session.flush()
    audit.record_for(
        session,
        actor,
        "account.updated",
        "account",
        account.id,
        before=before,
        after=_snapshot(account),
    )
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
    account = await get_account(session, actor, account_id)
    if account.churned_on is not None:
        raise AlreadyChurned()
    before = _snapshot(account)
    account.churned_on = data.churned_on
    account.churn_reason = data.reason
    account.updated_at = clock.now()
    session.add(
        ChurnEvent(
            org_id=actor.org_id,
            account_id=account.id,
            churned_on=data.churned_on,
            reason=data.reason,
            changed_by_id=actor.user_id,
        )
    )
    audit.record_for(
        session,
        actor,
        "account.churned",
        "account",
        account.id,
        before=before,
        after=_snapshot(account),
    )
    return account


async def reactivate_account(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, on: dt.date | None = None
) -> Account:
    """Undo a churn: a reactivation (the churn stays in history), not new business."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    account = await get_account(session, actor, account_id)
    if account.churned_on is None:
        raise NotChurned()
    before = _snapshot(account)
    event = await session.scalar(
        select(ChurnEvent)
        .where(
            ChurnEvent.org_id == actor.org_id,
            ChurnEvent.account_id == account.id,
            ChurnEvent.reactivated_on.is_(None),
        )
        .order_by(ChurnEvent.churned_on.desc())
    )
    if event is not None:
        event.reactivated_on = on or await org_today(session, actor.org_id)
    account.churned_on = None
    account.churn_reason = None
    account.updated_at = clock.now()
    audit.record_for(
        session,
        actor,
        "account.reactivated",
        "account",
        account.id,
        before=before,
        after=_snapshot(account),
    )
    return account


async def account_history(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID
) -> AccountHistoryRead:
    account = await get_account(session, actor, account_id)
    stages, csms, scores, nps = await AccountRepository(session, actor).history(account.id)
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
        session, actor, "account.deleted", "account", account.id, before=_snapshot(account)
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
        session, actor, "account.restored", "account", account.id, after=_snapshot(account)
    )
    return account
