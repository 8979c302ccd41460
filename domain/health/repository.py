import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Numeric,
    Select,
    SQLColumnExpression,
    Uuid,
    case,
    false,
    func,
    insert,
    literal,
    literal_column,
    or_,
    over,
    select,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account, ChurnEvent
from domain.health import scoring
from domain.health.compile import (
    Component,
    compile_model,
    component_column,
    metric_score_column,
    rank_column,
    value_column,
)
from domain.health.models import (
    AccountHealth,
    AccountHealthDay,
    HealthModel,
    HealthModelVersion,
    HealthSettings,
)
from domain.health.scoring import Bands
from domain.metrics.models import AccountMetricSnapshot, AccountMetricValues
from domain.orgs.models import Organisation

H = AccountHealth
D = AccountHealthDay


@dataclass(frozen=True)
class VersionScores:
    """A version's scores to compute: its components over the metrics' SQL, for the accounts
    its model's segment takes (`assignment`), or only `accounts` of them."""

    org_id: uuid.UUID
    version_id: uuid.UUID
    components: Sequence[Component]
    metrics: Mapping[str, SQLColumnExpression[Any]]
    assignment: ColumnElement[bool]
    bands: Bands
    now: datetime
    accounts: Sequence[uuid.UUID] | None
    # Replayed on a past day: the metrics are that day's snapshot (`snapshot_metrics`), and
    # the accounts those not churned by then; each day up to `replay_until` when given.
    replay_day: date | None = None
    replay_until: date | None = None


@dataclass(frozen=True)
class HealthDay:
    """An account's live score of a day, with the number and model name of its version."""

    day: date
    version_id: uuid.UUID
    score: int | None
    band: str | None
    components: list[int | None]
    version: int
    model_name: str


def snapshot_metrics(keys: Sequence[str]) -> dict[str, SQLColumnExpression[Any]]:
    """Each metric as the day's snapshot holds it (a replay joins the snapshot of its day)."""
    return {k: AccountMetricSnapshot.values[k].astext.cast(Numeric) for k in keys}


def _version_scores(v: VersionScores) -> Select[Any]:
    """(account_id, org_id, version_id, score, band, components, computed_at) per account."""
    # A percentile ranks among all the segment's accounts: only then are the others read.
    ranks = any(isinstance(m.mapping, scoring.Percentile) for c in v.components for m in c.metrics)
    rows = select(Account.id.label("account_id"), Account.org_id.label("org_id")).select_from(
        Account
    )
    if v.replay_day is None:
        rows = rows.outerjoin(
            AccountMetricValues, AccountMetricValues.account_id == Account.id
        ).where(Account.churned_on.is_(None))
    elif v.replay_until is None:
        rows = rows.join(
            AccountMetricSnapshot,
            (AccountMetricSnapshot.account_id == Account.id)
            & (AccountMetricSnapshot.day == v.replay_day),
        ).where(
            (Account.churned_on.is_(None)) | (Account.churned_on > v.replay_day),
        )
    else:
        rows = (
            rows.add_columns(AccountMetricSnapshot.day.label("day"))
            .join(
                AccountMetricSnapshot,
                (AccountMetricSnapshot.account_id == Account.id)
                & AccountMetricSnapshot.day.between(v.replay_day, v.replay_until),
            )
            .where(
                (Account.churned_on.is_(None)) | (Account.churned_on > AccountMetricSnapshot.day),
            )
        )
    rows = rows.where(Account.org_id == v.org_id, Account.deleted_at.is_(None), v.assignment)
    if v.accounts is not None and ranks:
        # A few accounts ranked among all the segment's: the ranks alone are read for all.
        percentile = sorted(
            {
                m.metric
                for c in v.components
                for m in c.metrics
                if isinstance(m.mapping, scoring.Percentile)
            }
        )
        ranked = rows.add_columns(
            *(
                over(
                    func.percent_rank(),
                    partition_by=v.metrics[k].is_(None),
                    order_by=v.metrics[k],
                ).label(rank_column(k))
                for k in percentile
            )
        ).subquery("health_ranks")
        rows = (
            select(
                ranked.c.account_id,
                ranked.c.org_id,
                *(ranked.c[rank_column(k)] for k in percentile),
            )
            .select_from(ranked)
            .join(Account, Account.id == ranked.c.account_id)
            .outerjoin(AccountMetricValues, AccountMetricValues.account_id == Account.id)
            .where(ranked.c.account_id.in_(v.accounts))
        )
    elif v.accounts is not None:
        rows = rows.where(Account.id.in_(v.accounts))
    days = v.replay_until is not None
    s = compile_model(v.components, rows, v.metrics, rank_within="day" if days else None).subquery(
        "health_scores"
    )
    breakdown = func.jsonb_build_array(
        *(
            func.jsonb_build_object(
                "score",
                s.c[component_column(i)],
                "metrics",
                func.jsonb_build_array(
                    *(
                        func.jsonb_build_array(
                            s.c[value_column(i, j)], s.c[metric_score_column(i, j)]
                        )
                        for j in range(len(c.metrics))
                    )
                ),
            )
            for i, c in enumerate(v.components)
        )
    )
    bands = v.bands
    scores = select(
        s.c.account_id,
        s.c.org_id,
        literal(v.version_id, Uuid).label("version_id"),
        s.c.score,
        case(
            (s.c.score >= bands.good_from, str(scoring.Band.GOOD)),
            (s.c.score >= bands.average_from, str(scoring.Band.AVERAGE)),
            (s.c.score.is_not(None), str(scoring.Band.POOR)),
        ).label("band"),
        breakdown.label("components"),
        literal(v.now, DateTime(timezone=True)).label("computed_at"),
    )
    return scores.add_columns(s.c.day) if days else scores


class HealthRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    async def models(self) -> list[HealthModel]:
        """Segment models in the order they are tried, then the default model."""
        rows = await self.session.scalars(
            select(HealthModel)
            .where(HealthModel.org_id == self.org_id, HealthModel.deleted_at.is_(None))
            .order_by(HealthModel.filter.is_(None), HealthModel.priority, HealthModel.name)
        )
        return list(rows)

    async def model(self, model_id: uuid.UUID, *, for_update: bool = False) -> HealthModel | None:
        stmt = select(HealthModel).where(
            HealthModel.org_id == self.org_id,
            HealthModel.id == model_id,
            HealthModel.deleted_at.is_(None),
        )
        return await self.session.scalar(stmt.with_for_update() if for_update else stmt)

    async def ensure_default(self, name: str, components: list[dict[str, Any]]) -> None:
        """The default model with `components` as its first version, unless it exists (a
        concurrent first call makes it once: the unique indexes decide). One statement, so the
        model never exists without its version, also when a read runs it in autocommit."""
        made = (
            pg_insert(HealthModel)
            .values(id=uuid.uuid4(), org_id=self.org_id, name=name, live_version=1)
            # Whichever unique index a concurrent first call meets first (the default's or the
            # name's): with the default's alone as the arbiter, one call in ten of two at once
            # failed on the name's.
            .on_conflict_do_nothing()
            .returning(HealthModel.id)
            .cte("made")
        )
        await self.session.execute(
            insert(HealthModelVersion).from_select(
                ["id", "org_id", "model_id", "number", "components"],
                select(
                    literal(uuid.uuid4(), Uuid),
                    literal(self.org_id, Uuid),
                    made.c.id,
                    literal(1),
                    literal(components, JSONB),
                ),
            )
        )

    async def add_segment_model(self, name: str, filter: dict[str, Any]) -> uuid.UUID | None:
        """A segment model tried after the others, its version 1 live; None when the name is
        taken (by a concurrent request too: the unique index decides)."""
        top = (
            select(func.coalesce(func.max(HealthModel.priority), 0) + 1)
            .where(HealthModel.org_id == self.org_id, HealthModel.deleted_at.is_(None))
            .scalar_subquery()
        )
        return await self.session.scalar(
            pg_insert(HealthModel)
            .values(
                id=uuid.uuid4(),
                org_id=self.org_id,
                name=name,
                filter=filter,
                priority=top,
                live_version=1,
            )
            .on_conflict_do_nothing()
            .returning(HealthModel.id)
        )

    async def name_free(self, name: str, *, except_id: uuid.UUID) -> bool:
        taken = await self.session.scalar(
            select(HealthModel.id).where(
                HealthModel.org_id == self.org_id,
                HealthModel.name == name,
                HealthModel.id != except_id,
                HealthModel.deleted_at.is_(None),
            )
        )
        return taken is None

    async def retire(self, model_id: uuid.UUID) -> None:
        await self.session.execute(
            update(HealthModel)
            .where(HealthModel.org_id == self.org_id, HealthModel.id == model_id)
            .values(deleted_at=func.now(), priority=None)
        )

    async def add_version(
        self,
        model_id: uuid.UUID,
        number: int,
        components: list[dict[str, Any]],
        *,
        created_by: uuid.UUID | None,
    ) -> None:
        await self.session.execute(
            insert(HealthModelVersion).values(
                org_id=self.org_id,
                model_id=model_id,
                number=number,
                components=components,
                created_by=created_by,
            )
        )

    async def last_version(self, model_id: uuid.UUID) -> int:
        number = await self.session.scalar(
            select(func.max(HealthModelVersion.number)).where(
                HealthModelVersion.org_id == self.org_id, HealthModelVersion.model_id == model_id
            )
        )
        return number or 0

    async def versions(self, model_ids: list[uuid.UUID]) -> dict[tuple[uuid.UUID, int], Any]:
        rows = await self.session.scalars(
            select(HealthModelVersion).where(
                HealthModelVersion.org_id == self.org_id,
                HealthModelVersion.model_id.in_(model_ids),
            )
        )
        return {(v.model_id, v.number): v for v in rows}

    async def version_and_model(
        self, version_id: uuid.UUID
    ) -> tuple[HealthModelVersion, HealthModel] | None:
        row = (
            await self.session.execute(
                select(HealthModelVersion, HealthModel)
                .join(HealthModel, HealthModel.id == HealthModelVersion.model_id)
                .where(
                    HealthModelVersion.org_id == self.org_id, HealthModelVersion.id == version_id
                )
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def set_priorities(self, order: list[uuid.UUID]) -> None:
        for priority, model_id in enumerate(order, start=1):
            await self.session.execute(
                update(HealthModel)
                .where(HealthModel.org_id == self.org_id, HealthModel.id == model_id)
                .values(priority=priority)
            )

    async def bands(self) -> HealthSettings | None:
        return await self.session.get(HealthSettings, self.org_id)

    async def save_bands(self, good_from: int, average_from: int) -> None:
        stmt = pg_insert(HealthSettings).values(
            org_id=self.org_id, good_from=good_from, average_from=average_from
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[HealthSettings.org_id],
                set_={"good_from": good_from, "average_from": average_from},
            )
        )

    async def store_scores(self, scores: VersionScores) -> int:
        """Upsert the version's accounts' current scores; an unchanged score is not written
        again. Returns how many were."""
        stmt = pg_insert(H).from_select(_SCORE_COLUMNS, _version_scores(scores))
        new = stmt.excluded
        written = await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[H.account_id],
                set_={c: new[c] for c in _SCORE_COLUMNS[2:]},
                where=tuple_(H.version_id, H.score, H.components).is_distinct_from(
                    tuple_(new.version_id, new.score, new.components)
                ),
            )
        )
        return int(written.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DML

    def _as_of_today(self, day: date) -> Select[Any]:
        """The live history's rows of `day` as the current scores make them: every live
        account's current score. The nightly history records these, and a read of today takes
        them instead of the last recording, so today is never a score that has since changed."""
        return (
            select(
                H.account_id,
                literal(day).label("day"),
                false().label("shadow"),
                H.org_id,
                H.version_id,
                H.score,
                H.band,
                _component_scores(H.components).label("components"),
            )
            .join(Account, Account.id == H.account_id)
            .where(H.org_id == self.org_id, Account.deleted_at.is_(None))
        )

    async def record_day(self, day: date) -> int:
        """The day's history: every live account's current score."""
        stmt = pg_insert(D).from_select(
            ["account_id", "day", "shadow", "org_id", "version_id", "score", "band", "components"],
            self._as_of_today(day),
        )
        return await self._upsert_days(stmt)

    async def record_shadow_day(self, day: date, scores: VersionScores) -> int:
        """A shadow version's scores of the day, beside the live ones."""
        s = _version_scores(scores).subquery()
        stmt = pg_insert(D).from_select(
            ["account_id", "day", "shadow", "org_id", "version_id", "score", "band", "components"],
            select(
                s.c.account_id,
                literal(day),
                true(),
                s.c.org_id,
                s.c.version_id,
                s.c.score,
                s.c.band,
                _component_scores(s.c.components),
            ),
        )
        return await self._upsert_days(stmt)

    async def record_replayed_days(self, scores: VersionScores) -> int:
        """The version's scores of each day from `scores.replay_day` to `replay_until`, replayed
        over that day's metric snapshots, as those days' history: one statement."""
        s = _version_scores(scores).subquery()
        stmt = pg_insert(D).from_select(
            ["account_id", "day", "shadow", "org_id", "version_id", "score", "band", "components"],
            select(
                s.c.account_id,
                s.c.day,
                false(),
                s.c.org_id,
                s.c.version_id,
                s.c.score,
                s.c.band,
                _component_scores(s.c.components),
            ),
        )
        return await self._upsert_days(stmt)

    async def _upsert_days(self, stmt: Any) -> int:
        new = stmt.excluded
        written = await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[D.account_id, D.day, D.shadow],
                set_={c: new[c] for c in ("version_id", "score", "band", "components")},
            )
        )
        return int(written.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DML

    async def days(
        self, account_id: uuid.UUID, *, since: date, until: date, today: date | None = None
    ) -> list[HealthDay]:
        """The account's live scores per day in [since, until], oldest first, each with the
        number and model name of the version that gave it. With `today`, that day is the
        current score (as the history will record it), not the last recording."""
        recorded = select(D.day, D.version_id, D.score, D.band, D.components).where(
            D.org_id == self.org_id,
            D.account_id == account_id,
            D.shadow.is_(False),
            D.day >= since,
            D.day <= until,
        )
        if today is not None and since <= today <= until:
            now = self._as_of_today(today).where(H.account_id == account_id).subquery("now")
            d = union_all(
                recorded.where(D.day != today),
                select(now.c.day, now.c.version_id, now.c.score, now.c.band, now.c.components),
            ).subquery("days")
        else:
            d = recorded.subquery("days")
        rows = await self.session.execute(
            select(d, HealthModelVersion.number, HealthModel.name)
            .join(HealthModelVersion, HealthModelVersion.id == d.c.version_id)
            .join(HealthModel, HealthModel.id == HealthModelVersion.model_id)
            .order_by(d.c.day)
        )
        return [HealthDay(*r) for r in rows]

    async def trend(
        self,
        accounts: Select[Any],
        *,
        since: date,
        until: date,
        today: date,
        mrr_now: SQLColumnExpression[Any],
    ) -> list[tuple[date, str | None, int, Any]]:
        """Per day and band (None: no data) of the live scores of `accounts` (a query of
        account ids) in the active book that day (not churned), how many accounts and their MRR
        that day (major units, from the day's
        metric snapshot). `today`, when in the range, is the current scores (as the history
        will record them) with the MRR now (`mrr_now`, the MRR metric over the accounts'
        current values), not the last recording: a recompute shows in it at once."""
        mrr = AccountMetricSnapshot.values["mrr"].astext.cast(Numeric)
        recorded = (
            select(
                D.day.label("day"),
                D.band.label("band"),
                func.count().label("accounts"),
                func.coalesce(func.sum(mrr), 0).label("mrr"),
            )
            .outerjoin(
                AccountMetricSnapshot,
                (AccountMetricSnapshot.account_id == D.account_id)
                & (AccountMetricSnapshot.day == D.day),
            )
            .where(
                D.org_id == self.org_id,
                D.shadow.is_(False),
                D.day >= since,
                D.day <= until,
                D.day != today,
                D.account_id.in_(accounts),
                self._in_the_book(D.account_id, D.day),
            )
            .group_by(D.day, D.band)
        )
        if since <= today <= until:
            now = self._as_of_today(today).subquery("now")
            current = (
                select(
                    now.c.day,
                    now.c.band,
                    func.count().label("accounts"),
                    func.coalesce(func.sum(mrr_now), 0).label("mrr"),
                )
                .select_from(now)
                .outerjoin(AccountMetricValues, AccountMetricValues.account_id == now.c.account_id)
                .where(now.c.account_id.in_(accounts), self._in_the_book(now.c.account_id, today))
                .group_by(now.c.day, now.c.band)
            )
            t = union_all(recorded, current).subquery("trend")
        else:
            t = recorded.subquery("trend")
        rows = await self.session.execute(select(t).order_by(t.c.day, t.c.band))
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def _in_the_book(self, account_id: Any, day: Any) -> ColumnElement[bool]:
        """The account was in the active book on `day`: not churned then (from a churn's day
        until its reactivation). The history keeps churned accounts' scores (a backtest replays
        them); the book's trend counts only those it held."""
        churned = select(ChurnEvent.id).where(
            ChurnEvent.org_id == self.org_id,
            ChurnEvent.account_id == account_id,
            ChurnEvent.churned_on <= day,
            or_(ChurnEvent.reactivated_on.is_(None), ChurnEvent.reactivated_on > day),
        )
        return ~churned.exists()

    async def base_currency(self) -> str:
        return (
            await self.session.scalar(
                select(Organisation.base_currency).where(Organisation.id == self.org_id)
            )
            or "USD"
        )

    async def band_counts(self, scores: VersionScores) -> dict[str | None, int]:
        """How many of the version's accounts would fall in each band (None: no data)."""
        s = _version_scores(scores).subquery()
        rows = await self.session.execute(select(s.c.band, func.count()).group_by(s.c.band))
        return {band: count for band, count in rows}

    async def current_band_counts(self, model_id: uuid.UUID) -> dict[str | None, int]:
        """How many live, non-churned accounts the model's versions scored are in each band."""
        rows = await self.session.execute(
            select(H.band, func.count())
            .join(HealthModelVersion, HealthModelVersion.id == H.version_id)
            .join(Account, Account.id == H.account_id)
            .where(
                H.org_id == self.org_id,
                HealthModelVersion.model_id == model_id,
                Account.deleted_at.is_(None),
                Account.churned_on.is_(None),
            )
            .group_by(H.band)
        )
        return {band: count for band, count in rows}

    async def replay(
        self, scores: VersionScores, *, churned_by: date
    ) -> list[tuple[uuid.UUID, int | None, str | None, bool, Any]]:
        """The version's scores of its accounts on `scores.replay_day`, each with whether it
        churned after that day and by `churned_by`, and its MRR that day."""
        assert scores.replay_day is not None
        s = _version_scores(scores).subquery()
        churned = (
            select(ChurnEvent.id)
            .where(
                ChurnEvent.org_id == self.org_id,
                ChurnEvent.account_id == s.c.account_id,
                ChurnEvent.churned_on > scores.replay_day,
                ChurnEvent.churned_on <= churned_by,
            )
            .exists()
        )
        mrr = (
            select(AccountMetricSnapshot.values["mrr"].astext.cast(Numeric))
            .where(
                AccountMetricSnapshot.account_id == s.c.account_id,
                AccountMetricSnapshot.day == scores.replay_day,
            )
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(s.c.account_id, s.c.score, s.c.band, churned, func.coalesce(mrr, 0))
        )
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def snapshot_days(self, day: date) -> tuple[bool, date | None, date | None]:
        """Whether the organisation's metrics were snapshotted on `day`, and the first and
        last days they were (None: never), in one statement of index probes."""
        snapshots = select(AccountMetricSnapshot.day).where(
            AccountMetricSnapshot.org_id == self.org_id
        )
        row = (
            await self.session.execute(
                select(
                    snapshots.where(AccountMetricSnapshot.day == day).exists(),
                    snapshots.order_by(AccountMetricSnapshot.day).limit(1).scalar_subquery(),
                    snapshots.order_by(AccountMetricSnapshot.day.desc()).limit(1).scalar_subquery(),
                )
            )
        ).one()
        return row[0], row[1], row[2]

    async def account_names(self, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The names of these accounts of the organisation (a backtest's churned accounts)."""
        if not account_ids:
            return {}
        rows = await self.session.execute(
            select(Account.id, Account.name).where(
                Account.org_id == self.org_id, Account.id.in_(account_ids)
            )
        )
        return {account_id: name for account_id, name in rows}

    async def accounts_by_version(self) -> dict[uuid.UUID, int]:
        """How many live, non-churned accounts each version's score is current for."""
        rows = await self.session.execute(
            select(H.version_id, func.count())
            .join(Account, Account.id == H.account_id)
            .where(
                H.org_id == self.org_id,
                Account.deleted_at.is_(None),
                Account.churned_on.is_(None),
            )
            .group_by(H.version_id)
        )
        return {version_id: count for version_id, count in rows}

    async def account_health(self, account_id: uuid.UUID) -> AccountHealth | None:
        return await self.session.scalar(
            select(H).where(H.org_id == self.org_id, H.account_id == account_id)
        )


def _component_scores(components: Any) -> Any:
    """The components' scores alone (the history keeps no metric values)."""
    return func.jsonb_path_query_array(components, literal_column("'$[*].score'::jsonpath"))


_SCORE_COLUMNS = [
    "account_id",
    "org_id",
    "version_id",
    "score",
    "band",
    "components",
    "computed_at",
]
