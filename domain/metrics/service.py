"""Use cases of the metrics area: the catalog, computed metrics, the set-based refresh of current
values and activity ranks, daily snapshots, and reads (an account's metrics, a metric's history,
aggregates) over the accounts the caller may see."""

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import ACCOUNT_FIELD_KEYS, DEFAULT_VIEW_SORT, Account, CustomField
from domain.audit import service as audit
from domain.churn.models import ChurnModel
from domain.common import clock
from domain.common.jobs import enqueue
from domain.filters.compile import FieldDef, FieldType, Ordering
from domain.freshness import service as freshness
from domain.metrics import formula
from domain.metrics.catalog import (
    FIELD_PREFIX,
    ChurnFeature,
    ChurnScorer,
    Context,
    Metric,
    MetricKind,
    field_expression,
    metrics_catalog,
)
from domain.metrics.errors import (
    ComputedMetricNotFound,
    InvalidRange,
    MetricInUse,
    MetricKeyTaken,
    MetricNotFound,
)
from domain.metrics.models import AccountMetricValues, ComputedMetric
from domain.metrics.repository import (
    REFRESH_GROUPS,
    SHOWN,
    MetricsRepository,
    Named,
    Users,
    ViewOfOwner,
    Views,
)
from domain.metrics.schemas import (
    AccountMetricRead,
    AccountMetricsRead,
    ActivityRankRead,
    ComputedMetricCreate,
    ComputedMetricUpdate,
    ContactActivityRankRead,
    MetricAggregateRead,
    MetricHistoryRead,
    MetricPoint,
    MetricRead,
)
from domain.metrics.trend import trend_arrow
from domain.orgs.models import Organisation
from domain.revenue.mrr import minor_unit_exponent
from domain.tenancy import accounts
from domain.usage import service as usage
from domain.usage.models import Contact
from domain.users.actor import Actor, require
from domain.users.permissions import Permission

REFRESH_JOB = "metrics.refresh_org"
TREND_DAYS = 7
MAX_HISTORY_DAYS = 731


def _context(org: Organisation, today: date) -> Context:
    return Context(today=today, currency_exponent=minor_unit_exponent(org.base_currency))


def churn_scorer(model: ChurnModel | None) -> ChurnScorer | None:
    """A trained churn model as the metric catalog scores with it."""
    if model is None or model.intercept is None or model.refused is not None:
        return None
    return ChurnScorer(
        features=tuple(
            ChurnFeature(f["key"], f["mean"], f["scale"], f["coefficient"]) for f in model.features
        ),
        intercept=model.intercept,
        horizon_days=model.horizon_days,
        trained_on=model.trained_at.date(),
    )


async def _metrics(repo: MetricsRepository, org: Organisation, today: date) -> dict[str, Metric]:
    return metrics_catalog(
        custom_fields=await repo.custom_fields(),
        computed=await repo.computed(),
        ctx=_context(org, today),
        churn=churn_scorer(await repo.live_churn_model()),
    )


async def org_metrics(
    session: AsyncSession, org_id: uuid.UUID, *, today: date | None = None
) -> dict[str, Metric]:
    repo = MetricsRepository(session, org_id)
    org = await repo.organisation()
    return await _metrics(repo, org, today or clock.today_in(org.time_zone, clock.now()))


# A stored metric is read for a whole list by joining its values once (the values table has
# one row per account at most), not by a subquery per account.
_VALUES_JOIN = ((AccountMetricValues.__table__, AccountMetricValues.account_id == Account.id),)


def _field(m: Metric) -> FieldDef:
    return FieldDef(
        f"{FIELD_PREFIX}{m.key}",
        m.label,
        FieldType.NUMBER,
        field_expression(m),
        format=str(m.format),
        order=Ordering(m.expression, _VALUES_JOIN) if m.stored else None,
    )


async def metric_fields(session: AsyncSession, org_id: uuid.UUID, today: date) -> list[FieldDef]:
    """Every metric as a filter-language field `metric.<key>` (NUMBER), for the filter builder,
    list columns, sorting and exports. Computed metrics whose formula no longer compiles are
    left out."""
    return [
        _field(m) for m in (await org_metrics(session, org_id, today=today)).values() if m.valid
    ]


async def current_values(
    session: AsyncSession, actor: Actor, account_ids: Sequence[uuid.UUID], keys: Sequence[str]
) -> dict[uuid.UUID, dict[str, Decimal | None]]:
    """The current value of each metric in `keys` (currency in major units) for each of these
    accounts the caller may see: one query for all of them (a page of the account list, an
    export), never one per account."""
    if not account_ids or not keys:
        return {}
    repo = MetricsRepository(session, actor.org_id)
    org = await repo.organisation()
    catalog = await _metrics(repo, org, clock.today_in(org.time_zone, clock.now()))
    chosen = []
    for key in dict.fromkeys(keys):
        metric = catalog.get(key)
        if metric is None or not metric.valid:
            raise MetricNotFound(f"No metric has the key {key!r}")
        chosen.append(metric)
    visible = accounts.visible_account_ids(session, actor)
    return await repo.current(chosen, account_ids, visible)


def _read(m: Metric) -> MetricRead:
    return MetricRead(
        key=m.key,
        field=f"{FIELD_PREFIX}{m.key}",
        label=m.label,
        format=m.format,
        kind=m.kind,
        description=m.description,
        formula=m.formula,
        valid=m.valid,
    )


async def list_metrics(session: AsyncSession, actor: Actor) -> list[MetricRead]:
    return [_read(m) for m in (await org_metrics(session, actor.org_id)).values()]


# Computed metrics


async def list_computed(session: AsyncSession, actor: Actor) -> list[ComputedMetric]:
    return await MetricsRepository(session, actor.org_id).computed()


async def claim_key(session: AsyncSession, org_id: uuid.UUID, key: str) -> str | None:
    """What already has `key` among the keys custom fields and metrics share, as a message
    names it; None when it is free, and then no other custom field or computed metric can take
    it until this transaction ends. Custom fields are `custom.<key>` in filters and metrics
    `metric.<key>`, but a numeric custom field is also a metric, a metric named like one of the
    account's own fields is hidden behind it, and the column picker offers a custom field's key
    once (its metric or another metric of that key, hidden)."""
    return await _claim_key(MetricsRepository(session, org_id), key)


async def _claim_key(repo: MetricsRepository, key: str) -> str | None:
    await repo.take_key_turn()
    if key in ACCOUNT_FIELD_KEYS:
        return f"the account's own field {key!r}"
    for custom in await repo.custom_fields():
        if custom.key == key:
            return f"the custom field {custom.label!r}"
    org = await repo.organisation()
    existing = await _metrics(repo, org, clock.today_in(org.time_zone, clock.now()))
    if key in existing:
        return f"the metric {existing[key].label!r}"
    return None


def _check_formulas(
    existing: dict[str, Metric], computed: dict[str, str], *, key: str, new_formula: str
) -> None:
    """The formula names only metrics that exist and no metric comes to depend on itself."""
    formulas = {**computed, key: new_formula}
    known = {k for k, m in existing.items() if m.kind is not MetricKind.COMPUTED} | set(formulas)
    formula.validate(new_formula, known)
    formula.dependency_order(formulas)


async def create_computed(
    session: AsyncSession, actor: Actor, data: ComputedMetricCreate
) -> ComputedMetric:
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = MetricsRepository(session, actor.org_id)
    if holder := await _claim_key(repo, data.key):
        raise MetricKeyTaken(f"{data.key!r} is already the key of {holder}")
    org = await repo.organisation()
    existing = await _metrics(repo, org, clock.today_in(org.time_zone, clock.now()))
    computed = {c.key: c.formula for c in await repo.computed()}
    _check_formulas(existing, computed, key=data.key, new_formula=data.formula)
    metric = ComputedMetric(org_id=actor.org_id, **data.model_dump())
    session.add(metric)
    await session.flush()
    audit.record_for(
        session,
        actor,
        "computed_metric.created",
        "computed_metric",
        metric.id,
        after=data.model_dump(mode="json"),
    )
    return metric


async def _get_computed(repo: MetricsRepository, metric_id: uuid.UUID) -> ComputedMetric:
    metric = await repo.get_computed(metric_id)
    if metric is None:
        raise ComputedMetricNotFound()
    return metric


async def update_computed(
    session: AsyncSession, actor: Actor, metric_id: uuid.UUID, data: ComputedMetricUpdate
) -> ComputedMetric:
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = MetricsRepository(session, actor.org_id)
    metric = await _get_computed(repo, metric_id)
    # A description sent as null is taken away (the schema refuses null for the others).
    changes = data.model_dump(exclude_unset=True)
    if "formula" in changes:
        org = await repo.organisation()
        existing = await _metrics(repo, org, clock.today_in(org.time_zone, clock.now()))
        computed = {c.key: c.formula for c in await repo.computed()}
        _check_formulas(existing, computed, key=metric.key, new_formula=changes["formula"])
    before = {name: getattr(metric, name) for name in changes}
    for name, value in changes.items():
        setattr(metric, name, value)
    await session.flush()
    audit.record_for(
        session,
        actor,
        "computed_metric.updated",
        "computed_metric",
        metric.id,
        before={k: str(v) if v is not None else None for k, v in before.items()},
        after=data.model_dump(mode="json", exclude_unset=True),
    )
    return metric


async def delete_computed(session: AsyncSession, actor: Actor, metric_id: uuid.UUID) -> None:
    """Remove a computed metric nothing stored means something by: while other computed
    metrics, account views' filters, alert rules, attribute triggers or health models use it,
    it is refused (409) with what uses it, as they would stop working (a view answers 422, a
    rule is skipped). Views that only show it or sort by it lose that column or sort."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = MetricsRepository(session, actor.org_id)
    metric = await _get_computed(repo, metric_id)
    keys = [f"{FIELD_PREFIX}{metric.key}"]
    users = await _users(repo, keys=keys, metric=metric.key)
    if users.count:
        raise MetricInUse(
            users_detail(
                f"The computed metric “{metric.label}” ({FIELD_PREFIX}{metric.key})",
                users,
                reader=actor.user_id,
            )
        )
    await _forget_in_views(session, actor, repo, keys, reason="computed_metric_deleted")
    audit.record_for(
        session,
        actor,
        "computed_metric.deleted",
        "computed_metric",
        metric.id,
        before={"key": metric.key, "label": metric.label, "formula": metric.formula},
    )
    await session.delete(metric)


def _names(text: str) -> set[str]:
    try:
        return formula.metric_names(text)
    except formula.InvalidFormula:
        return set()


async def _users(repo: MetricsRepository, *, keys: list[str], metric: str | None) -> Users:
    """What names any of the filter-language `keys` in a filter, or `metric` (a metric's key:
    health models score it, formulas use it) when it is given."""
    scored = [*keys, metric] if metric else keys
    users = await repo.naming(keys, scored=scored)
    if metric is None:
        return users
    computed = sorted(
        c.key for c in await repo.computed() if c.key != metric and metric in _names(c.formula)
    )
    return replace(users, computed=Named(computed[:SHOWN], len(computed)))


async def _custom_field_names(
    repo: MetricsRepository, field: CustomField
) -> tuple[list[str], str | None]:
    """The filter-language keys that name the custom field (`custom.<key>`, and while it is
    the metric of its key, a number whose key no built-in or computed metric had first,
    `metric.<key>`), and that metric's key (as formulas and health models name it)."""
    org = await repo.organisation()
    catalog = await _metrics(repo, org, clock.today_in(org.time_zone, clock.now()))
    found = catalog.get(field.key)
    if found is None or found.kind is not MetricKind.CUSTOM:
        return [f"custom.{field.key}"], None
    return [f"custom.{field.key}", f"{FIELD_PREFIX}{field.key}"], field.key


async def custom_field_users(session: AsyncSession, actor: Actor, field: CustomField) -> Users:
    """What names the custom field in what it means: filters, formulas, health models."""
    repo = MetricsRepository(session, actor.org_id)
    keys, metric = await _custom_field_names(repo, field)
    return await _users(repo, keys=keys, metric=metric)


async def forget_custom_field_in_views(
    session: AsyncSession, actor: Actor, field: CustomField
) -> None:
    """The custom field, about to be deleted, leaves the columns and sort of every user's
    account views (`_forget_in_views`)."""
    repo = MetricsRepository(session, actor.org_id)
    keys, _ = await _custom_field_names(repo, field)
    await _forget_in_views(session, actor, repo, keys, reason="custom_field_deleted")


async def _forget_in_views(
    session: AsyncSession, actor: Actor, repo: MetricsRepository, keys: list[str], *, reason: str
) -> None:
    """Take `keys` out of the columns of every user's account views, and put back the default
    sort (by name, ascending) where one of them was the sort: columns and sort are how a view
    shows its accounts, not which, so they do not keep a field from being deleted (a filter
    does). Each view changed is audited, saying why."""
    for view in await repo.views_showing(keys):
        before = {"columns": view.columns, "sort": view.sort, "descending": view.descending}
        view.columns = [c for c in view.columns if c not in keys]
        if view.sort in keys:
            view.sort, view.descending = DEFAULT_VIEW_SORT, False
        audit.record_for(
            session,
            actor,
            "account_view.updated",
            "account_view",
            view.id,
            before=before,
            after={
                "columns": view.columns,
                "sort": view.sort,
                "descending": view.descending,
                "reason": reason,
            },
        )


async def option_users(
    session: AsyncSession, actor: Actor, field: CustomField, options: Sequence[str]
) -> Users:
    """What compares the custom field with any of `options` in a stored filter."""
    repo = MetricsRepository(session, actor.org_id)
    return await repo.comparing(f"custom.{field.key}", options)


def _listed(noun: str, named: Named) -> str:
    names = ", ".join(f"“{n}”" for n in named.names)
    more = named.count - len(named.names)
    return f"the {noun}{'' if named.count == 1 else 's'} {names}" + (
        f" and {more:,} more" if more else ""
    )


def _view(view: ViewOfOwner, reader: uuid.UUID | None) -> str:
    if view.is_shared:
        return f"the shared account view “{view.name}”"
    whose = "your" if view.owner_id == reader else f"{view.owner_name}'s"
    return f"{whose} personal account view “{view.name}”"


def _listed_views(views: Views, reader: uuid.UUID | None) -> str:
    named = ", ".join(_view(v, reader) for v in views.shown)
    more = views.count - len(views.shown)
    return named + (f" and {more:,} more account view{'' if more == 1 else 's'}" if more else "")


def users_detail(what: str, users: Users, *, reader: uuid.UUID | None) -> str:
    """What uses something that cannot be removed yet, and what to do first."""
    them = "it" if users.count == 1 else "them"
    return f"{what} is in use by {listed(users, reader=reader)}. Change or delete {them} first."


def listed(users: Users, *, reader: uuid.UUID | None) -> str:
    """The users found, a few of each kind by name (computed metrics by key), account views
    with whose they are (`reader`'s own are "your")."""
    parts = [_listed("computed metric", users.computed)] if users.computed.count else []
    if users.views.count:
        parts.append(_listed_views(users.views, reader))
    parts += [
        _listed(noun, named)
        for noun, named in (
            ("alert rule", users.alert_rules),
            ("attribute trigger", users.triggers),
            ("health model", users.health_models),
        )
        if named.count
    ]
    return "; ".join(parts)


# Refresh, ranks and snapshots (jobs; every organisation, no actor)


@dataclass
class Refreshed:
    today: date
    groups: dict[str, int] = field(default_factory=dict)
    contacts_ranked: int = 0


async def refresh(
    session: AsyncSession, org_id: uuid.UUID, *, now: datetime | None = None
) -> Refreshed:
    """Recompute the current values of every built-in metric for every live account of the
    organisation (one statement per metric group), then account and contact activity ranks.
    Rows whose values did not change are not written, so running it again does nothing."""
    started = time.perf_counter()
    now = now or clock.now()
    repo = MetricsRepository(session, org_id)
    org = await repo.organisation()
    today = clock.today_in(org.time_zone, now)
    done = Refreshed(today=today)
    await repo.forget_deleted_accounts()
    for group in REFRESH_GROUPS:
        done.groups[group] = await repo.refresh_group(group, today=today, now=now, tz=org.time_zone)
    done.groups["activity_rank"] = await repo.rank_accounts(today=today, now=now)
    done.contacts_ranked = await repo.rank_contacts(today=today)
    # Rows it did not change keep when they last changed: this says every figure is as of now.
    await freshness.record_refresh(
        session,
        org_id,
        at=now,
        accounts=await repo.live_accounts(),
        seconds=round(time.perf_counter() - started, 3),
    )
    return done


async def organisation_features(session: AsyncSession, org_id: uuid.UUID, today: date) -> int:
    """How many features the organisation's accounts used in the 30 days to `today` (what
    feature adoption is measured against)."""
    return await MetricsRepository(session, org_id).organisation_features(today=today)


async def refresh_accounts(
    session: AsyncSession,
    org_id: uuid.UUID,
    account_ids: Sequence[uuid.UUID],
    *,
    now: datetime,
    org_features: int,
) -> int:
    """The live chain's refresh: every metric group for these accounts only, in one statement,
    as the full refresh computes them (ranks, relative to the whole organisation, stay with
    it), feature adoption against `org_features` (see `organisation_features`)."""
    repo = MetricsRepository(session, org_id)
    org = await repo.organisation()
    today = clock.today_in(org.time_zone, now)
    await repo.refresh_accounts(
        account_ids, today=today, now=now, tz=org.time_zone, org_features=org_features
    )
    return len(account_ids)


async def snapshot(session: AsyncSession, org_id: uuid.UUID, *, now: datetime | None = None) -> int:
    """Record today's value of every metric (built-in, numeric custom, computed) of every live
    account; a second run on the same day replaces that day's values."""
    now = now or clock.now()
    repo = MetricsRepository(session, org_id)
    org = await repo.organisation()
    today = clock.today_in(org.time_zone, now)
    usable = [m for m in (await _metrics(repo, org, today)).values() if m.valid]
    return await repo.snapshot(usable, day=today, now=now)


def request_refresh(session: AsyncSession, actor: Actor, *, now: datetime | None = None) -> str:
    """Queue a refresh and snapshot of the caller's organisation (duplicates within a minute
    collapse into one job)."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    job_id = f"metrics:{actor.org_id}:{(now or clock.now()):%Y%m%d%H%M}"
    enqueue(session, REFRESH_JOB, job_id=job_id, org_id=str(actor.org_id), snapshot=True)
    return job_id


# Reads


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def computed_at(changed_at: datetime | None, refreshed_at: datetime | None) -> datetime | None:
    """As of when an account's figures are: the last refresh of every account, or the last
    recompute that changed them if later (one that changes nothing writes nothing). None
    before their first computation."""
    if changed_at is None or refreshed_at is None:
        return changed_at
    return max(changed_at, refreshed_at)


async def account_metrics(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID
) -> AccountMetricsRead:
    """The account's current metrics with the change since the snapshot 7 days earlier, when
    they were computed and whether a change waits to update them."""
    repo = MetricsRepository(session, actor.org_id)
    org = await repo.organisation()
    today = clock.today_in(org.time_zone, clock.now())
    catalog = [m for m in (await _metrics(repo, org, today)).values() if m.valid]
    await accounts.check_visible(session, actor, account_id)
    visible = accounts.visible_account_ids(session, actor)
    current = (await repo.current(catalog, [account_id], visible)).get(account_id)
    if current is None:  # pragma: no cover  # check_visible checked visibility
        raise MetricNotFound()
    compared_with = today - timedelta(days=TREND_DAYS)
    before = await repo.snapshot_values(account_id, compared_with)
    fresh = await freshness.account_freshness(session, actor.org_id, account_id)
    items = []
    for m in catalog:
        value, previous = _number(current[m.key]), _number(before.get(m.key))
        change = None if value is None or previous is None else round(value - previous, 4)
        items.append(
            AccountMetricRead(
                key=m.key,
                label=m.label,
                format=m.format,
                kind=m.kind,
                value=value,
                previous=previous,
                change=change,
            )
        )
    slope = _number(current.get("activity_rank_trend"))
    return AccountMetricsRead(
        account_id=account_id,
        currency=org.base_currency,
        as_of=today,
        compared_with=compared_with,
        metrics=items,
        activity_rank=ActivityRankRead(
            rank=_number(current.get("activity_rank")), trend=slope, trend_arrow=trend_arrow(slope)
        ),
        computed_at=computed_at(await repo.changed_at(account_id), fresh.refreshed_at),
        updating=fresh.updating,
    )


async def _metric(repo: MetricsRepository, org: Organisation, key: str) -> Metric:
    metric = (await _metrics(repo, org, clock.today_in(org.time_zone, clock.now()))).get(key)
    if metric is None or not metric.valid:
        raise MetricNotFound(f"No metric has the key {key!r}")
    return metric


async def metric_history(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    key: str,
    *,
    since: date | None = None,
    until: date | None = None,
) -> MetricHistoryRead:
    """A metric's daily snapshots for one visible account (the last 90 days by default)."""
    repo = MetricsRepository(session, actor.org_id)
    org = await repo.organisation()
    await accounts.check_visible(session, actor, account_id)
    metric = await _metric(repo, org, key)
    until = until or clock.today_in(org.time_zone, clock.now())
    since = since or until - timedelta(days=89)
    if since > until or (until - since).days > MAX_HISTORY_DAYS:
        raise InvalidRange(f"The range must run forward and span at most {MAX_HISTORY_DAYS} days")
    points = await repo.history(account_id, key, since=since, until=until)
    return MetricHistoryRead(
        account_id=account_id,
        key=metric.key,
        label=metric.label,
        format=metric.format,
        points=[MetricPoint(day=d, value=_number(v)) for d, v in points],
    )


async def aggregate(
    session: AsyncSession, actor: Actor, key: str, *, day: date | None = None
) -> MetricAggregateRead:
    """Count, count distinct, sum, average, min, max and median of a metric over the accounts
    the caller may see: current values, or those snapshotted on `day`."""
    repo = MetricsRepository(session, actor.org_id)
    org = await repo.organisation()
    metric = await _metric(repo, org, key)
    if day is not None and day >= clock.today_in(org.time_zone, clock.now()):
        day = None
    row = await repo.aggregate(metric, accounts.visible_account_ids(session, actor), day=day)
    return MetricAggregateRead(
        key=key,
        day=day,
        count=row["count"],
        count_distinct=row["count_distinct"],
        **{k: _number(row[k]) for k in ("sum", "avg", "min", "max", "median")},
    )


def _contact_rank(contact: Contact, rank: Any, seconds: Any, slope: Any) -> ContactActivityRankRead:
    trend = None if slope is None else round(float(slope), 2)
    return ContactActivityRankRead(
        contact_id=contact.id,
        external_id=contact.external_id,
        name=contact.name,
        email=contact.email,
        activity_rank=_number(rank),
        session_minutes_30d=None if seconds is None else round(seconds / 60, 1),
        trend=trend,
        trend_arrow=trend_arrow(trend),
    )


async def contact_activity_ranks(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    *,
    contact_ids: list[uuid.UUID] | None = None,
) -> list[ContactActivityRankRead]:
    """The contacts of a visible account (or those of them in `contact_ids`) with their
    activity rank and its trend over the last 30 daily ranks, highest rank first."""
    await accounts.check_visible(session, actor, account_id)
    repo = MetricsRepository(session, actor.org_id)
    org = await repo.organisation()
    rows = await repo.contact_ranks(
        today=clock.today_in(org.time_zone, clock.now()),
        account_id=account_id,
        contact_ids=contact_ids,
    )
    return [_contact_rank(*row) for row in rows]


async def contact_activity_rank(
    session: AsyncSession, actor: Actor, contact_id: uuid.UUID
) -> ContactActivityRankRead:
    """One contact's activity rank and trend, if the actor may see the contact."""
    contact = await usage.get_visible_contact(session, actor, contact_id)
    repo = MetricsRepository(session, actor.org_id)
    org = await repo.organisation()
    rows = await repo.contact_ranks(
        today=clock.today_in(org.time_zone, clock.now()), contact_ids=[contact.id]
    )
    return _contact_rank(*rows[0])
