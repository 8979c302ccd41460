"""The account fields the filter language, list columns and sorting can use: built-in columns,
derived values and the organisation's custom fields. Pure: built from data, returns data."""

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    case,
    exists,
    not_,
    null,
    or_,
    select,
)

from domain.accounts.errors import InvalidSort
from domain.accounts.models import (
    Account,
    AccountCsm,
    CustomField,
    CustomFieldType,
    LifecycleStage,
    Tier,
    custom_value_expression,
    format_of,
)
from domain.accounts.schemas import AccountSort
from domain.filters.compile import FieldDef, FieldType, InvalidFilter, Matcher, Ordering
from domain.filters.schemas import CompareOp
from domain.health.models import AccountHealth, AccountHealthDay, HealthModel, HealthModelVersion

_CUSTOM_TYPES = {
    CustomFieldType.TEXT: FieldType.TEXT,
    CustomFieldType.CATEGORY: FieldType.CATEGORY,
    CustomFieldType.NUMBER: FieldType.NUMBER,
    CustomFieldType.DATE: FieldType.DATE,
    CustomFieldType.BOOLEAN: FieldType.BOOLEAN,
}


def _in_order(column: SQLColumnExpression[Any], items: Sequence[Tier | LifecycleStage]) -> Ordering:
    """Tiers and stages sort in the organisation's order of them (`items`), not by name."""
    if not items:
        return Ordering(null())
    return Ordering(case({item.id: rank for rank, item in enumerate(items)}, value=column))


def _csm_matcher(op: CompareOp, value: Any) -> ColumnElement[bool]:
    def assigned(user_ids: list[str]) -> ColumnElement[bool]:
        try:
            ids = [uuid.UUID(str(v)) for v in user_ids]
        except ValueError:
            raise InvalidFilter("csm values are user ids") from None
        return exists().where(AccountCsm.account_id == Account.id, AccountCsm.user_id.in_(ids))

    anyone = exists().where(AccountCsm.account_id == Account.id)
    match op:
        case CompareOp.EQ:
            return assigned([value])
        case CompareOp.NE:
            return not_(assigned([value]))
        case CompareOp.IN:
            return assigned(value)
        case CompareOp.NOT_IN:
            return not_(assigned(value))
        case CompareOp.IS_EMPTY:
            return not_(anyone)
        case _:
            return anyone


def _by_name(column: SQLColumnExpression[Any], ids_by_name: dict[str, uuid.UUID]) -> Matcher:
    """Tier and stage are filtered by name but stored as ids: translate the names once, so the
    query compares ids (indexable, no per-row lookup of the name)."""

    def ids(names: list[str]) -> list[uuid.UUID]:
        return [ids_by_name[n] for n in names if n in ids_by_name]

    def match(op: CompareOp, value: Any) -> ColumnElement[bool]:
        match op:
            case CompareOp.EQ:
                return column.in_(ids([value]))
            case CompareOp.NE:
                return or_(column.is_(None), column.not_in(ids([value])))
            case CompareOp.IN:
                return column.in_(ids(value))
            case CompareOp.NOT_IN:
                return or_(column.is_(None), column.not_in(ids(value)))
            case CompareOp.IS_EMPTY:
                return column.is_(None)
            case _:
                return column.is_not(None)

    return match


def account_fields(
    *,
    custom_fields: Sequence[CustomField],
    tiers: Sequence[Tier],
    stages: Sequence[LifecycleStage],
    today: dt.date,
) -> dict[str, FieldDef]:
    """Every field by key. `tiers` and `stages` come in the organisation's order of them
    (position, then id), which is how the list sorts by them."""
    T = FieldType
    builtin = [
        FieldDef("name", "Name", T.TEXT, Account.name),
        FieldDef("external_id", "External id", T.TEXT, Account.external_id),
        FieldDef("crm_id", "CRM id", T.TEXT, Account.crm_id),
        FieldDef("billing_id", "Billing id", T.TEXT, Account.billing_id),
        FieldDef("support_id", "Support id", T.TEXT, Account.support_id),
        FieldDef("domain", "Domain", T.TEXT, Account.domain),
        FieldDef("joined_on", "Join date", T.DATE, Account.joined_on),
        FieldDef("renewal_on", "Renewal date", T.DATE, Account.renewal_on),
        FieldDef("days_to_renewal", "Days to renewal", T.NUMBER, Account.renewal_on - today),
        FieldDef("days_since_joined", "Days since joined", T.NUMBER, today - Account.joined_on),
        FieldDef(
            "tier",
            "Tier",
            T.CATEGORY,
            matcher=_by_name(Account.tier_id, {t.name: t.id for t in tiers}),
            options=tuple(t.name for t in tiers),
            order=_in_order(Account.tier_id, tiers),
        ),
        FieldDef(
            "stage",
            "Lifecycle stage",
            T.CATEGORY,
            matcher=_by_name(Account.stage_id, {s.name: s.id for s in stages}),
            options=tuple(s.name for s in stages),
            order=_in_order(Account.stage_id, stages),
        ),
        FieldDef("csm", "CSM", T.USERS, matcher=_csm_matcher),
        FieldDef("csm_score", "CSM score", T.NUMBER, Account.csm_score),
        FieldDef("nps", "NPS", T.NUMBER, Account.nps),
        FieldDef("status_title", "Latest status", T.TEXT, Account.status_title),
        FieldDef("churned", "Churned", T.BOOLEAN, Account.churned_on.is_not(None)),
        FieldDef("churned_on", "Churn date", T.DATE, Account.churned_on),
        FieldDef("has_parent", "Has a parent account", T.BOOLEAN, Account.parent_id.is_not(None)),
    ]
    fields = {f.key: f for f in builtin}
    for cf in custom_fields:
        key = f"custom.{cf.key}"
        fields[key] = FieldDef(
            key,
            cf.label,
            _CUSTOM_TYPES[cf.type],
            custom_value_expression(cf),
            options=tuple(cf.options),
            format=format_of(cf).value,
        )
    return fields


def _named(column: SQLColumnExpression[Any], items: Sequence[Tier | LifecycleStage]) -> Any:
    """A tier's or stage's name from its id, without a join (NULL without one)."""
    if not items:
        return null()
    return case({item.id: item.name for item in items}, value=column)


def dimensions(
    *,
    custom_fields: Sequence[CustomField],
    tiers: Sequence[Tier],
    stages: Sequence[LifecycleStage],
) -> dict[str, FieldDef]:
    """The dimensions a health model can map to numbers, each with its text value per account:
    the tier, the lifecycle stage and the text and select custom fields."""
    T = FieldType
    fields = [
        FieldDef("tier", "Tier", T.CATEGORY, _named(Account.tier_id, tiers), options=_names(tiers)),
        FieldDef(
            "stage",
            "Lifecycle stage",
            T.CATEGORY,
            _named(Account.stage_id, stages),
            options=_names(stages),
        ),
        *(
            FieldDef(
                f"custom.{cf.key}",
                cf.label,
                _CUSTOM_TYPES[cf.type],
                custom_value_expression(cf),
                options=tuple(cf.options),
            )
            for cf in custom_fields
            if cf.type in (CustomFieldType.TEXT, CustomFieldType.CATEGORY)
        ),
    ]
    return {f.key: f for f in fields}


def _names(items: Sequence[Tier | LifecycleStage]) -> tuple[str, ...]:
    return tuple(item.name for item in items)


HEALTH_PREFIX = "health."
_BANDS = ("good", "average", "poor")


def _health_of_account(column: SQLColumnExpression[Any]) -> Any:
    # Correlated with the account only: a list sorted by the score joins account_health too.
    return (
        select(column)
        .where(AccountHealth.account_id == Account.id)
        .correlate_except(AccountHealth)
        .scalar_subquery()
    )


def _health_change(today: dt.date, days: int) -> Any:
    """The score now minus the score `days` ago (the live score's history; null when either
    is missing)."""
    before = (
        select(AccountHealthDay.score)
        .where(
            AccountHealthDay.account_id == Account.id,
            AccountHealthDay.day == today - dt.timedelta(days=days),
            AccountHealthDay.shadow.is_(False),
        )
        .correlate_except(AccountHealthDay)
        .scalar_subquery()
    )
    return _health_of_account(AccountHealth.score) - before


def health_fields(today: dt.date, model_names: Sequence[str]) -> dict[str, FieldDef]:
    """The health score's fields (`health.<key>`): the score, its band, the model that gave
    it and its change over 7 and 30 days."""
    T = FieldType
    joined = ((AccountHealth.__table__, AccountHealth.account_id == Account.id),)
    model = (
        select(HealthModel.name)
        .join(HealthModelVersion, HealthModelVersion.model_id == HealthModel.id)
        .join(AccountHealth, AccountHealth.version_id == HealthModelVersion.id)
        .where(AccountHealth.account_id == Account.id)
        .correlate_except(AccountHealth, HealthModelVersion, HealthModel)
        .scalar_subquery()
    )
    fields = [
        FieldDef(
            f"{HEALTH_PREFIX}score",
            "Health score",
            T.NUMBER,
            _health_of_account(AccountHealth.score),
            order=Ordering(AccountHealth.score, joined),
        ),
        FieldDef(
            f"{HEALTH_PREFIX}band",
            "Health band",
            T.CATEGORY,
            _health_of_account(AccountHealth.band),
            options=_BANDS,
            order=Ordering(
                case({b: rank for rank, b in enumerate(_BANDS)}, value=AccountHealth.band), joined
            ),
        ),
        FieldDef(
            f"{HEALTH_PREFIX}model", "Health model", T.CATEGORY, model, options=tuple(model_names)
        ),
        FieldDef(
            f"{HEALTH_PREFIX}change_7d",
            "Health change (7 days)",
            T.NUMBER,
            _health_change(today, 7),
        ),
        FieldDef(
            f"{HEALTH_PREFIX}change_30d",
            "Health change (30 days)",
            T.NUMBER,
            _health_change(today, 30),
        ),
    ]
    return {f.key: f for f in fields}


SORT_COLUMNS = frozenset(AccountSort)


def needs_fields(sort: str) -> bool:
    """Whether sorting by `sort` needs the organisation's fields (it is not a plain column)."""
    return sort not in SORT_COLUMNS


def sort_order(sort: str, fields: Mapping[str, FieldDef]) -> Ordering:
    """How the account list sorts by `sort`: one of the account's own columns, or a sortable
    field; InvalidSort (422) otherwise."""
    if sort in SORT_COLUMNS:
        return Ordering(getattr(Account, sort), column=sort)
    field = fields.get(sort)
    order = field.sort_order() if field is not None else None
    if order is None:
        raise InvalidSort(f"The account list cannot be sorted by {sort!r}")
    return order


def check_columns(columns: Iterable[str], fields: Mapping[str, FieldDef]) -> None:
    if unknown := [c for c in columns if c not in fields]:
        raise InvalidFilter(f"Unknown columns: {', '.join(unknown)}")
