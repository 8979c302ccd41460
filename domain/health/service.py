"""Use cases of health scores: the organisation's models and their versions, the set-based
computation of every account's score (organisation-wide, or for the live chain's changed
accounts), the daily history, and an account's breakdown."""

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    and_,
    false,
    func,
    literal,
    not_,
    null,
    or_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import service as accounts
from domain.accounts.fields import HEALTH_PREFIX
from domain.audit import service as audit
from domain.common import clock
from domain.common.jobs import enqueue
from domain.filters.compile import FieldDef
from domain.filters.schemas import Condition
from domain.freshness import service as freshness
from domain.health import backtest as backtests
from domain.health import scoring
from domain.health.backtest import Outcome
from domain.health.compile import Component
from domain.health.errors import (
    DefaultModelKept,
    HealthModelNameTaken,
    HealthModelNotFound,
    NoShadowVersion,
    NoSnapshotForDay,
    SegmentOrderMismatch,
    UnknownHealthDimension,
    UnknownHealthMetric,
)
from domain.health.models import AccountHealth, HealthModel, HealthModelVersion
from domain.health.repository import (
    HealthDay,
    HealthRepository,
    VersionScores,
    snapshot_metrics,
)
from domain.health.schemas import (
    AccountHealthHistoryRead,
    AccountHealthRead,
    BacktestAccount,
    BacktestBand,
    BacktestRead,
    BacktestRequest,
    BandSpread,
    ComponentBreakdown,
    ComponentChange,
    HealthBands,
    HealthChange,
    HealthComponent,
    HealthModelCreate,
    HealthModelRead,
    HealthModelSave,
    HealthModelVersionRead,
    HealthPoint,
    HealthPreviewRead,
    HealthPreviewRequest,
    HealthRecomputeQueued,
    HealthTrendPoint,
    HealthTrendRead,
    MetricBreakdown,
    ValuesMapping,
    to_compile,
)
from domain.metrics import service as metrics
from domain.metrics.catalog import Metric
from domain.metrics.errors import InvalidRange
from domain.metrics.service import MAX_HISTORY_DAYS
from domain.tenancy import accounts as visible
from domain.tenancy.clock import org_today
from domain.tenancy.team import csm_account_ids
from domain.users.actor import Actor, require
from domain.users.permissions import Permission

COMPUTE_JOB = "health.compute_org"
# An account's breakdown compares its score with these many days ago.
CHANGE_DAYS = (7, 30)
DEFAULT_NAME = "Default"
_COMPONENTS: TypeAdapter[list[HealthComponent]] = TypeAdapter(list[HealthComponent])
_CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


def ranges_mapping(*edges: tuple[float | None, float]) -> dict[str, Any]:
    """A ranges mapping from (below, score) steps, the last (None, score) for every value
    above: each range starts where the one before ends."""
    bounds = [None, *(end for end, _ in edges[:-1]), None]
    return {
        "kind": "ranges",
        "ranges": [
            {"start": start, "end": end, "score": score}
            for (start, end), (_, score) in zip(itertools.pairwise(bounds), edges, strict=True)
        ],
    }


# The model every organisation starts with: built-in metrics only, the original's four areas.
DEFAULT_COMPONENTS = _COMPONENTS.validate_python(
    [
        {
            "name": "Product usage",
            "weight": 8,
            "metrics": [
                {"metric": "activity_rank", "mapping": {"kind": "linear", "low": 0, "high": 100}},
                {"metric": "feature_adoption", "mapping": {"kind": "linear", "low": 0, "high": 60}},
            ],
        },
        {
            "name": "Engagement",
            "weight": 5,
            "metrics": [
                {
                    "metric": "days_since_last_interaction",
                    "mapping": ranges_mapping((15, 100), (31, 70), (61, 40), (None, 0)),
                }
            ],
        },
        {
            "name": "Support",
            "weight": 3,
            "metrics": [
                {
                    "metric": "open_tickets",
                    "mapping": ranges_mapping((1, 100), (3, 70), (6, 40), (None, 0)),
                }
            ],
        },
        {
            "name": "CSM score",
            "weight": 3,
            "metrics": [
                {"metric": "csm_score", "mapping": {"kind": "linear", "low": 0, "high": 100}}
            ],
        },
    ]
)


def _stored(components: Sequence[HealthComponent]) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json") for c in components]


# Models and versions


async def _ensure_default(repo: HealthRepository) -> None:
    await repo.ensure_default(DEFAULT_NAME, _stored(DEFAULT_COMPONENTS))


def _version_read(version: HealthModelVersion) -> HealthModelVersionRead:
    return HealthModelVersionRead(
        number=version.number,
        components=_COMPONENTS.validate_python(version.components),
        created_at=version.created_at,
        created_by=version.created_by,
    )


async def list_models(session: AsyncSession, actor: Actor) -> list[HealthModelRead]:
    """Segment models in the order they are tried, then the default model."""
    repo = HealthRepository(session, actor.org_id)
    await _ensure_default(repo)
    models = await repo.models()
    versions = await repo.versions([m.id for m in models])
    scored = await repo.accounts_by_version()
    return [_model_read(m, versions, scored) for m in models]


def _model_read(
    model: HealthModel,
    versions: dict[tuple[uuid.UUID, int], HealthModelVersion],
    scored: dict[uuid.UUID, int],
) -> HealthModelRead:
    shadow = versions.get((model.id, model.shadow_version)) if model.shadow_version else None
    live = versions[(model.id, model.live_version)]
    earlier = sum(
        scored.get(v.id, 0)
        for (model_id, number), v in versions.items()
        if model_id == model.id and number != model.live_version
    )
    return HealthModelRead(
        id=model.id,
        name=model.name,
        default=model.filter is None,
        filter=_CONDITION.validate_python(model.filter) if model.filter is not None else None,
        priority=model.priority,
        live=_version_read(live),
        shadow=_version_read(shadow) if shadow else None,
        updated_at=model.updated_at,
        scored_by_live=scored.get(live.id, 0),
        scored_by_earlier=earlier,
    )


async def get_model(session: AsyncSession, actor: Actor, model_id: uuid.UUID) -> HealthModelRead:
    repo = HealthRepository(session, actor.org_id)
    model = await _model(repo, model_id)
    return _model_read(model, await repo.versions([model.id]), await repo.accounts_by_version())


async def _model(repo: HealthRepository, model_id: uuid.UUID, **kw: bool) -> HealthModel:
    model = await repo.model(model_id, **kw)
    if model is None:
        raise HealthModelNotFound()
    return model


async def _check(
    session: AsyncSession,
    actor: Actor,
    components: Sequence[HealthComponent],
    condition: Condition | None,
) -> None:
    """Every metric a component uses exists, and every dimension it maps to numbers; the
    segment's filter compiles (422 if not)."""
    used = [m for c in components for m in c.metrics]
    known = await metrics.org_metrics(session, actor.org_id)
    unknown = sorted(
        {m.metric for m in used if not isinstance(m.mapping, ValuesMapping)} - set(known)
    )
    dimensions = await accounts.dimension_fields(session, actor.org_id)
    if unknown:
        also = sorted(set(unknown) & set(dimensions))
        raise UnknownHealthMetric(
            f"unknown metric {', '.join(map(repr, unknown))}; "
            f"metrics are: {', '.join(sorted(known))}"
            + (f" ({', '.join(also)}: a dimension takes a values mapping)" if also else "")
        )
    unknown = sorted({m.metric for m in used if isinstance(m.mapping, ValuesMapping)})
    unknown = [k for k in unknown if k not in dimensions]
    if unknown:
        raise UnknownHealthDimension(
            f"unknown dimension {', '.join(map(repr, unknown))}; "
            f"dimensions are: {', '.join(sorted(dimensions))}"
        )
    if condition is not None:
        await accounts.compile_filter(
            session, actor, condition, fields=await _segment_fields(session, actor)
        )


async def _segment_fields(session: AsyncSession, actor: Actor) -> dict[str, FieldDef]:
    """What a segment's filter may use: every field but the health score's own (a segment
    chosen by the score it is about to give would go round in circles)."""
    fields = await accounts.filter_fields(session, actor)
    return {k: f for k, f in fields.items() if not k.startswith(HEALTH_PREFIX)}


async def create_model(
    session: AsyncSession, actor: Actor, data: HealthModelCreate
) -> HealthModelRead:
    """A segment model, tried after the existing ones; its first version is live."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    await _check(session, actor, data.components, data.filter)
    repo = HealthRepository(session, actor.org_id)
    await _ensure_default(repo)
    model_id = await repo.add_segment_model(data.name, _filter(data.filter))
    if model_id is None:
        raise HealthModelNameTaken(f"A health model is already named {data.name!r}")
    await repo.add_version(model_id, 1, _stored(data.components), created_by=actor.user_id)
    audit.record_for(
        session,
        actor,
        "health_model.created",
        "health_model",
        model_id,
        after=data.model_dump(mode="json"),
    )
    request_compute(session, actor.org_id)
    return await get_model(session, actor, model_id)


def _filter(condition: Condition) -> dict[str, Any]:
    return _CONDITION.dump_python(condition, mode="json")  # type: ignore[no-any-return]


async def save_model(
    session: AsyncSession, actor: Actor, model_id: uuid.UUID, data: HealthModelSave
) -> HealthModelRead:
    """A new version of the model: live (scores are recomputed) or in shadow beside the live
    one. Earlier versions and the scores they gave are kept as they were."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = HealthRepository(session, actor.org_id)
    model = await _model(repo, model_id, for_update=True)
    if model.filter is None and data.filter is not None:
        raise DefaultModelKept("The default model scores every account no segment matches")
    await _check(session, actor, data.components, data.filter)
    if data.name is not None and data.name != model.name:
        if not await repo.name_free(data.name, except_id=model.id):
            raise HealthModelNameTaken(f"A health model is already named {data.name!r}")
        model.name = data.name
    if data.filter is not None:
        model.filter = _filter(data.filter)
    number = await repo.last_version(model.id) + 1
    await repo.add_version(model.id, number, _stored(data.components), created_by=actor.user_id)
    if data.shadow:
        model.shadow_version = number
    else:
        model.live_version, model.shadow_version = number, None
    await session.flush()
    audit.record_for(
        session,
        actor,
        "health_model.saved",
        "health_model",
        model.id,
        after={"version": number, **data.model_dump(mode="json")},
    )
    if not data.shadow or data.filter is not None:
        request_compute(session, actor.org_id)
    return await get_model(session, actor, model.id)


async def make_shadow_live(
    session: AsyncSession, actor: Actor, model_id: uuid.UUID
) -> HealthModelRead:
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = HealthRepository(session, actor.org_id)
    model = await _model(repo, model_id, for_update=True)
    if model.shadow_version is None:
        raise NoShadowVersion()
    model.live_version, model.shadow_version = model.shadow_version, None
    await session.flush()
    audit.record_for(
        session,
        actor,
        "health_model.shadow_made_live",
        "health_model",
        model.id,
        after={"version": model.live_version},
    )
    request_compute(session, actor.org_id)
    return await get_model(session, actor, model.id)


async def delete_model(session: AsyncSession, actor: Actor, model_id: uuid.UUID) -> None:
    """A segment model stops scoring (its accounts go to the next model); the scores its
    versions gave stay in history."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = HealthRepository(session, actor.org_id)
    model = await _model(repo, model_id, for_update=True)
    if model.filter is None:
        raise DefaultModelKept()
    await repo.retire(model.id)
    audit.record_for(
        session,
        actor,
        "health_model.deleted",
        "health_model",
        model.id,
        before={"name": model.name},
    )
    request_compute(session, actor.org_id)


async def order_segments(
    session: AsyncSession, actor: Actor, segment_ids: list[uuid.UUID]
) -> list[HealthModelRead]:
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = HealthRepository(session, actor.org_id)
    segments = [m.id for m in await repo.models() if m.filter is not None]
    if sorted(segment_ids) != sorted(segments):
        raise SegmentOrderMismatch()
    await repo.set_priorities(segment_ids)
    audit.record_for(
        session,
        actor,
        "health_model.reordered",
        "health_model",
        None,
        after={"segment_ids": [str(i) for i in segment_ids]},
    )
    request_compute(session, actor.org_id)
    return await list_models(session, actor)


async def bands(session: AsyncSession, actor: Actor) -> HealthBands:
    stored = await HealthRepository(session, actor.org_id).bands()
    return (
        HealthBands()
        if stored is None
        else HealthBands(good_from=stored.good_from, average_from=stored.average_from)
    )


async def set_bands(session: AsyncSession, actor: Actor, data: HealthBands) -> HealthBands:
    require(actor, Permission.CONFIGURE_PRODUCT)
    await HealthRepository(session, actor.org_id).save_bands(data.good_from, data.average_from)
    audit.record_for(
        session, actor, "health_bands.saved", "health_bands", None, after=data.model_dump()
    )
    request_compute(session, actor.org_id)
    return data


def request_compute(session: AsyncSession, org_id: uuid.UUID) -> str:
    """Every account's score recomputed by a worker after this transaction commits; the job's
    id. Each request is its own job: one asked for while another runs may see a change the
    running one read too late (computing is idempotent, a repeat costs only time)."""
    job_id = f"health:{org_id}:{uuid.uuid4().hex}"
    enqueue(session, COMPUTE_JOB, job_id=job_id, org_id=str(org_id))
    return job_id


def recompute(session: AsyncSession, actor: Actor) -> HealthRecomputeQueued:
    """Every account's score, now, in the background (also hourly and after a model changes)."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    return HealthRecomputeQueued(job_id=request_compute(session, actor.org_id))


# Computation


@dataclass(frozen=True)
class _Scored:
    """One version to score and the accounts it scores (its model's segment)."""

    model_id: uuid.UUID
    version: HealthModelVersion
    assignment: ColumnElement[bool]
    shadow: bool
    # The segments tried before this model's (a draft's new filter comes after them too).
    earlier: tuple[ColumnElement[bool], ...] = ()


@dataclass(frozen=True)
class Plan:
    """What scoring an organisation needs, read once (a live run reuses it for its batches)."""

    org_id: uuid.UUID
    scored: list[_Scored]
    metrics: dict[str, Metric]
    # Each dimension's value per account as text, for values mappings.
    dimensions: dict[str, SQLColumnExpression[Any]]
    bands: scoring.Bands


async def plan(session: AsyncSession, org_id: uuid.UUID, today: date) -> Plan:
    repo = HealthRepository(session, org_id)
    await _ensure_default(repo)
    models = await repo.models()
    versions = await repo.versions([m.id for m in models])
    actor = Actor.system(org_id)
    fields = await _segment_fields(session, actor)
    earlier: list[ColumnElement[bool]] = []
    scored = []
    for model in models:  # segments in order, the default last
        before = tuple(earlier)
        if model.filter is None:
            condition: ColumnElement[bool] = not_(or_(false(), *earlier))
        else:
            compiled = await accounts.compile_filter(
                session, actor, _CONDITION.validate_python(model.filter), fields=fields
            )
            matches = func.coalesce(compiled, false()) if compiled is not None else literal(True)
            condition = and_(matches, not_(or_(false(), *earlier)))
            earlier.append(matches)
        live = versions[(model.id, model.live_version)]
        scored.append(_Scored(model.id, live, condition, shadow=False, earlier=before))
        if model.shadow_version is not None:
            shadow = versions[(model.id, model.shadow_version)]
            scored.append(_Scored(model.id, shadow, condition, shadow=True, earlier=before))
    stored_bands = await repo.bands()
    return Plan(
        org_id=org_id,
        scored=scored,
        metrics=await metrics.org_metrics(session, org_id, today=today),
        dimensions={
            k: f.expression
            for k, f in (await accounts.dimension_fields(session, org_id)).items()
            if f.expression is not None
        },
        bands=scoring.Bands(stored_bands.good_from, stored_bands.average_from)
        if stored_bands
        else scoring.Bands(),
    )


def _scores(
    plan: Plan,
    scored: _Scored,
    now: datetime,
    accounts_: Sequence[uuid.UUID] | None,
    *,
    draft: Sequence[HealthComponent] | None = None,
) -> VersionScores:
    """What scoring the version's accounts needs: every live, non-churned account of its
    segment, or `accounts_` only; with `draft`'s components instead of the version's."""
    components = to_compile(
        list(draft) if draft is not None else _COMPONENTS.validate_python(scored.version.components)
    )
    expressions = {k: m.expression for k, m in plan.metrics.items() if m.valid}
    expressions.update(_dimensions(plan, components))
    used = {m.metric for c in components for m in c.metrics}
    # A metric or dimension removed since the version was saved has no value: no data.
    expressions.update({k: null() for k in used - set(expressions)})
    return VersionScores(
        org_id=plan.org_id,
        version_id=scored.version.id,
        components=components,
        metrics=expressions,
        assignment=scored.assignment,
        bands=plan.bands,
        now=now,
        accounts=accounts_,
    )


def _dimensions(plan: Plan, components: Sequence[Component]) -> dict[str, SQLColumnExpression[Any]]:
    """The dimensions the components map to numbers, as each account has them now."""
    mapped = {
        m.metric for c in components for m in c.metrics if isinstance(m.mapping, scoring.Values)
    }
    return {k: plan.dimensions[k] for k in mapped if k in plan.dimensions}


def _replayed_metrics(
    plan: Plan, components: Sequence[Component]
) -> dict[str, SQLColumnExpression[Any]]:
    """The components' metrics as a replayed day's snapshot holds them. The snapshots hold
    metrics only: a dimension is replayed with its value now."""
    numeric = {
        m.metric for c in components for m in c.metrics if not isinstance(m.mapping, scoring.Values)
    }
    replayed = {**snapshot_metrics(sorted(numeric)), **_dimensions(plan, components)}
    # A dimension removed since the version was saved has no value: no data.
    return {m.metric: replayed.get(m.metric, null()) for c in components for m in c.metrics}


async def compute(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    accounts_: Sequence[uuid.UUID] | None = None,
    now: datetime | None = None,
    plan_: Plan | None = None,
) -> int:
    """Every live, non-churned account's current score (or `accounts_`' only), one statement
    per model; an unchanged score is not rewritten. Returns the accounts whose score changed."""
    now = now or clock.now()
    if plan_ is None:
        plan_ = await plan(session, org_id, await org_today(session, org_id, now=now))
    repo = HealthRepository(session, org_id)
    written = 0
    for scored in plan_.scored:
        if not scored.shadow:
            written += await repo.store_scores(_scores(plan_, scored, now, accounts_))
    return written


async def record_day(
    session: AsyncSession, org_id: uuid.UUID, *, now: datetime | None = None
) -> int:
    """Today's history: the current scores, and each shadow version's scores beside them."""
    now = now or clock.now()
    today = await org_today(session, org_id, now=now)
    plan_ = await plan(session, org_id, today)
    repo = HealthRepository(session, org_id)
    written = await repo.record_day(today)
    for scored in plan_.scored:
        if scored.shadow:
            written += await repo.record_shadow_day(today, _scores(plan_, scored, now, None))
    return written


async def replay_history(
    session: AsyncSession, org_id: uuid.UUID, *, since: date, until: date
) -> int:
    """The daily history from `since` to `until` rebuilt from the metric snapshots of those
    days, by the live versions of today's models (as a backtest replays them): one statement
    per model. For history recorded before scores were (a loaded or imported past)."""
    now = clock.now()
    plan_ = await plan(session, org_id, await org_today(session, org_id, now=now))
    repo = HealthRepository(session, org_id)
    written = 0
    for scored in plan_.scored:
        if scored.shadow:
            continue
        live = _scores(plan_, scored, now, None)
        written += await repo.record_replayed_days(
            replace(
                live,
                metrics=_replayed_metrics(plan_, live.components),
                replay_day=since,
                replay_until=until,
            )
        )
    return written


async def preview(
    session: AsyncSession, actor: Actor, model_id: uuid.UUID, data: HealthPreviewRequest
) -> HealthPreviewRead:
    """How the model's accounts spread across the bands now, and how they would if it were
    saved with `data` (a new filter takes the model's place in the segment order)."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = HealthRepository(session, actor.org_id)
    model = await _model(repo, model_id)
    if model.filter is None and data.filter is not None:
        raise DefaultModelKept("The default model scores every account no segment matches")
    await _check(session, actor, data.components, data.filter)
    now = clock.now()
    plan_ = await plan(session, actor.org_id, await org_today(session, actor.org_id, now=now))
    scored = next(s for s in plan_.scored if s.model_id == model.id and not s.shadow)
    if data.filter is not None:
        compiled = await accounts.compile_filter(
            session, actor, data.filter, fields=await _segment_fields(session, actor)
        )
        matches = func.coalesce(compiled, false()) if compiled is not None else literal(True)
        scored = replace(scored, assignment=and_(matches, not_(or_(false(), *scored.earlier))))
    draft = await repo.band_counts(_scores(plan_, scored, now, None, draft=data.components))
    current = await repo.current_band_counts(model.id)
    return HealthPreviewRead(now=_spread(current), if_saved=_spread(draft))


def _spread(counts: dict[str | None, int]) -> BandSpread:
    return BandSpread(
        good=counts.get(scoring.Band.GOOD, 0),
        average=counts.get(scoring.Band.AVERAGE, 0),
        poor=counts.get(scoring.Band.POOR, 0),
        no_data=counts.get(None, 0),
    )


async def backtest(
    session: AsyncSession, actor: Actor, model_id: uuid.UUID, data: BacktestRequest
) -> BacktestRead:
    """A version (or a draft) replayed over the stored metric snapshots of a past day, against
    the accounts that churned within the horizon after it: how well it separated them."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = HealthRepository(session, actor.org_id)
    model = await _model(repo, model_id)
    versions = await repo.versions([model.id])
    number = None if data.components is not None else data.version or model.live_version
    version = (
        versions.get((model.id, number))
        if number is not None
        else versions[(model.id, model.live_version)]
    )
    if version is None:
        raise HealthModelNotFound(f"The model has no version {number}")
    now = clock.now()
    today = await org_today(session, actor.org_id, now=now)
    churned_by = data.day + timedelta(days=data.horizon_days)
    if churned_by > today:
        raise InvalidRange(
            f"Replay a day at least {data.horizon_days} days ago, so its outcome is known"
        )
    taken, earliest, latest = await repo.snapshot_days(data.day)
    if not taken:
        raise NoSnapshotForDay(
            f"No metric snapshot was taken on {data.day}; "
            + (
                f"the first was taken on {earliest}, the last on {latest}"
                if earliest is not None
                else "none has been taken yet"
            )
        )
    plan_ = await plan(session, actor.org_id, today)
    scored = next(s for s in plan_.scored if s.model_id == model.id and not s.shadow)
    components = to_compile(
        list(data.components)
        if data.components is not None
        else _COMPONENTS.validate_python(version.components)
    )
    replay = VersionScores(
        org_id=actor.org_id,
        version_id=version.id,
        components=components,
        metrics=_replayed_metrics(plan_, components),
        assignment=scored.assignment,
        bands=plan_.bands,
        now=now,
        accounts=None,
        replay_day=data.day,
    )
    rows = await repo.replay(replay, churned_by=churned_by)
    outcomes = [
        Outcome(score, scoring.Band(band) if band else None, churned, Decimal(mrr))
        for _, score, band, churned, mrr in rows
    ]
    by_band = backtests.by_band(outcomes)
    churned_ids = {b.band: [rows[i][0] for i in b.churned_indexes[:100]] for b in by_band}
    names = await repo.account_names([i for ids in churned_ids.values() for i in ids])
    return BacktestRead(
        model_id=model.id,
        version=number,
        day=data.day,
        horizon_days=data.horizon_days,
        accounts=len(outcomes),
        churned=sum(1 for o in outcomes if o.churned),
        auc=backtests.auc(outcomes),
        poor_lift=backtests.lift(outcomes),
        currency=await repo.base_currency(),
        bands=[
            BacktestBand(
                band=b.band,
                accounts=b.accounts,
                churned=b.churned,
                churn_rate=b.churn_rate,
                mrr=float(b.mrr),
                churned_mrr=float(b.churned_mrr),
                churned_accounts=[
                    BacktestAccount(id=i, name=names.get(i, "")) for i in churned_ids[b.band]
                ],
            )
            for b in by_band
        ],
    )


# Reads


async def account_health(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID
) -> AccountHealthRead | None:
    """The account's score as stored and how it was made: each component's metrics (value and
    score), its share of the weights, the points it adds and could add at 100, and as of when
    (the hourly refresh recomputes every score with the figures, writing only those that
    change: as of it, or of the last change if later). None before the account was first
    scored."""
    await visible.check_visible(session, actor, account_id)
    repo = HealthRepository(session, actor.org_id)
    stored = await repo.account_health(account_id)
    if stored is None:
        return None
    found = await repo.version_and_model(stored.version_id)
    assert found is not None  # a version is never deleted while a score names it
    version, model = found
    components = _COMPONENTS.validate_python(version.components)
    labels = {k: m.label for k, m in (await metrics.org_metrics(session, actor.org_id)).items()}
    labels.update(
        {k: f.label for k, f in (await accounts.dimension_fields(session, actor.org_id)).items()}
    )
    parts = scoring.breakdown(
        [(part["score"], c.weight) for part, c in zip(stored.components, components, strict=True)]
    )
    fresh = await freshness.account_freshness(session, actor.org_id, account_id)
    today = await org_today(session, actor.org_id)
    changes = []
    for days in CHANGE_DAYS:
        day = today - timedelta(days)
        then = await repo.days(account_id, since=day, until=day)
        changes.append(await _change(days, stored, components, then[0] if then else None, repo))
    return AccountHealthRead(
        score=stored.score,
        band=scoring.Band(stored.band) if stored.band else None,
        model_id=model.id,
        model_name=model.name,
        version=version.number,
        computed_at=metrics.computed_at(stored.computed_at, fresh.refreshed_at)
        or stored.computed_at,
        components=[
            ComponentBreakdown(
                name=c.name,
                score=part.score,
                weight=float(c.weight),
                share=float(round(part.share, 4)),
                contribution=float(round(part.contribution, 2)),
                could_add=float(round(part.could_add, 2)),
                metrics=[
                    MetricBreakdown(
                        metric=m.metric,
                        label=labels.get(m.metric, m.metric),
                        value=value,
                        score=score,
                    )
                    for m, (value, score) in zip(c.metrics, stored_part["metrics"], strict=True)
                ],
            )
            for c, part, stored_part in zip(components, parts, stored.components, strict=True)
        ],
        changes=changes,
    )


async def _change(
    days: int,
    now: AccountHealth,
    components: list[HealthComponent],
    then: HealthDay | None,
    repo: HealthRepository,
) -> HealthChange:
    if then is None:
        return HealthChange(days=days, score_then=None, change=None, components=[])
    version = await repo.version_and_model(then.version_id)
    names = [c["name"] for c in version[0].components] if version is not None else []
    before = dict(zip(names, then.components, strict=False))
    moved = []
    for c, part in zip(components, now.components, strict=True):
        earlier = before.get(c.name)
        score = part["score"]
        delta = None if earlier is None or score is None else score - earlier
        moved.append(ComponentChange(name=c.name, then=earlier, now=score, change=delta))
    moved.sort(key=lambda m: -abs(m.change or 0))
    change = None if now.score is None or then.score is None else now.score - then.score
    return HealthChange(days=days, score_then=then.score, change=change, components=moved)


async def account_history(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    *,
    since: date | None = None,
    until: date | None = None,
) -> AccountHealthHistoryRead:
    """An account's daily live scores (the last 90 days unless a range is given), with the
    band edges to draw them against. Today's is its current score: the history records the
    day only at night, and a recompute since must show."""
    await visible.check_visible(session, actor, account_id)
    today = await org_today(session, actor.org_id)
    since, until = _period(today, since, until)
    repo = HealthRepository(session, actor.org_id)
    edges = await bands(session, actor)
    return AccountHealthHistoryRead(
        account_id=account_id,
        good_from=edges.good_from,
        average_from=edges.average_from,
        points=[
            HealthPoint(
                day=d.day,
                score=d.score,
                band=scoring.Band(d.band) if d.band else None,
                model_name=d.model_name,
                version=d.version,
                components=d.components,
            )
            for d in await repo.days(account_id, since=since, until=until, today=today)
        ],
    )


def _period(today: date, since: date | None, until: date | None) -> tuple[date, date]:
    until = until or today
    since = since or until - timedelta(days=89)
    if since > until or (until - since).days > MAX_HISTORY_DAYS:
        raise InvalidRange(f"The range must run forward and span at most {MAX_HISTORY_DAYS} days")
    return since, until


async def trend(
    session: AsyncSession,
    actor: Actor,
    *,
    since: date | None = None,
    until: date | None = None,
    csm_id: uuid.UUID | None = None,
) -> HealthTrendRead:
    """Accounts and MRR per band per day over the accounts the caller may see, or with
    `csm_id` those assigned to that CSM now (a CSM whose figures the caller may see, as the
    team reports check it). Past days are the nightly history; today is the current scores and MRR,
    so a recompute shows at once."""
    today = await org_today(session, actor.org_id)
    since, until = _period(today, since, until)
    accounts_ = (
        visible.visible_account_ids(session, actor)
        if csm_id is None
        else await csm_account_ids(session, actor, csm_id)
    )
    mrr_now = (await metrics.org_metrics(session, actor.org_id, today=today))["mrr"].expression
    rows = await HealthRepository(session, actor.org_id).trend(
        accounts_, since=since, until=until, today=today, mrr_now=mrr_now
    )
    return HealthTrendRead(
        since=since,
        until=until,
        csm_id=csm_id,
        currency=await HealthRepository(session, actor.org_id).base_currency(),
        points=[
            HealthTrendPoint(
                day=day,
                band=scoring.Band(band) if band else None,
                accounts=count,
                mrr=float(mrr),
            )
            for day, band, count, mrr in rows
        ],
    )
