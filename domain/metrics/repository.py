"""The metrics area's SQL, every statement scoped to one organisation. Refreshing, ranking and
snapshotting are set-based: one statement per metric group for the whole organisation."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Numeric,
    Select,
    SQLColumnExpression,
    cast,
    delete,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.accounts.models import Account, AccountView, AttributeTrigger, CustomField
from domain.alerts.models import AlertRule
from domain.churn.models import ChurnModel
from domain.common.bulk_sql import among
from domain.health.models import HealthModel, HealthModelVersion
from domain.interactions.models import CLOSED_TICKET_STATUSES
from domain.metrics.catalog import Metric
from domain.metrics.models import (
    AccountActivityRank,
    AccountMetricSnapshot,
    AccountMetricValues,
    ComputedMetric,
    ContactActivityRank,
)
from domain.metrics.trend import TREND_WINDOW_DAYS
from domain.orgs.models import Organisation
from domain.usage.models import Contact, ContactAccount
from domain.users.models import User

# Days of daily ranks kept (accounts and contacts): the trend's window with room for late runs.
RANK_HISTORY_DAYS = TREND_WINDOW_DAYS + 5
# jsonb_build_object takes at most 100 arguments: build the snapshot object in chunks.
_PAIRS_PER_OBJECT = 40


@dataclass(frozen=True)
class _Group:
    """Metrics computed together: their columns of `account_metric_values`, their values (SQL
    over the accounts `a` and `joins`), and the CTEs `joins` read, if any."""

    columns: tuple[str, ...]
    values: str
    joins: str
    ctes: str = ""


def _upsert(groups: Sequence[_Group], *, scoped: bool) -> str:
    """INSERT one row per live account of the organisation (or of :accounts when `scoped`) with
    the values of `groups`, updating only the rows whose values changed, so a repeated refresh
    writes nothing."""
    columns = [c for g in groups for c in g.columns]
    names = ", ".join(columns)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
    current = ", ".join(f"account_metric_values.{c}" for c in columns)
    excluded = ", ".join(f"EXCLUDED.{c}" for c in columns)
    ctes = ",\n".join(g.ctes for g in groups if g.ctes)
    scope = " AND a.id = ANY(CAST(:accounts AS uuid[]))" if scoped else ""
    return f"""{f"WITH {ctes}" if ctes else ""}
INSERT INTO account_metric_values (account_id, org_id, {names}, updated_at)
SELECT a.id, a.org_id, {", ".join(g.values for g in groups)}, CAST(:now AS timestamptz)
FROM accounts a {" ".join(g.joins for g in groups)}
WHERE a.org_id = :org_id AND a.deleted_at IS NULL{scope}
ON CONFLICT (account_id) DO UPDATE SET {sets}, updated_at = EXCLUDED.updated_at
WHERE ({current}) IS DISTINCT FROM ({excluded})
"""


# The live chain refreshes some accounts only: each group's reads are of :accounts.
_SCOPE = " AND {alias}account_id = ANY(CAST(:accounts AS uuid[]))"


def _groups(*, scoped: bool) -> dict[str, _Group]:
    """Metric groups, each read from its own sources for every live account of the
    organisation (or of :accounts when `scoped`)."""

    def only(alias: str = "") -> str:
        return _SCOPE.format(alias=alias) if scoped else ""

    return {
        "revenue": _Group(
            ("mrr", "arr"), "m.mrr, m.arr", "LEFT JOIN account_mrr m ON m.account_id = a.id"
        ),
        "interactions": _Group(
            ("last_interaction_on",),
            "CAST(i.latest AT TIME ZONE :tz AS date)",
            f"""LEFT JOIN (
                SELECT account_id, max(occurred_at) AS latest FROM interactions
                WHERE org_id = :org_id AND occurred_at <= :now{only()} GROUP BY account_id
            ) i ON i.account_id = a.id""",
        ),
        "tickets": _Group(
            ("open_tickets",),
            "coalesce(t.n, 0)",
            f"""LEFT JOIN (
                SELECT account_id, count(*) AS n FROM tickets
                WHERE org_id = :org_id AND status <> ALL(CAST(:closed_statuses AS text[])){only()}
                GROUP BY account_id
            ) t ON t.account_id = a.id""",
        ),
        # From the daily rollups (a missing day is no usage), never the raw events.
        "usage": _Group(
            (
                "active_users_7d",
                "active_users_30d",
                "events_7d",
                "events_30d",
                "sessions_30d",
                "session_seconds_30d",
            ),
            """coalesce(c.users_7d, 0), coalesce(c.users_30d, 0),
               coalesce(u.events_7d, 0), coalesce(u.events_30d, 0),
               coalesce(u.sessions_30d, 0), coalesce(u.seconds_30d, 0)""",
            f"""LEFT JOIN (
                SELECT account_id,
                       sum(events) FILTER (WHERE day > :day_7) AS events_7d,
                       sum(events) AS events_30d,
                       sum(sessions) AS sessions_30d,
                       sum(session_seconds) AS seconds_30d
                FROM usage_daily_account
                WHERE org_id = :org_id AND day > :day_30 AND day <= :today{only()}
                GROUP BY account_id
            ) u ON u.account_id = a.id
            LEFT JOIN (
                SELECT account_id,
                       count(DISTINCT contact_id) FILTER (WHERE day > :day_7) AS users_7d,
                       count(DISTINCT contact_id) AS users_30d
                FROM usage_daily_contact
                WHERE org_id = :org_id AND day > :day_30 AND day <= :today{only()}
                GROUP BY account_id
            ) c ON c.account_id = a.id""",
        ),
        # Adoption is against every feature the organisation's accounts used: counted here by
        # the full refresh, and passed in (:org_features, counted once per live run) when
        # only some accounts are refreshed, as reading the whole organisation's 30 days for
        # each batch would cost seconds at scale.
        "features": _Group(
            ("features_used_30d", "feature_adoption"),
            """coalesce(p.n, 0),
               CASE WHEN o.n > 0 THEN round(100.0 * coalesce(p.n, 0) / o.n, 2) END""",
            "LEFT JOIN per_account p ON p.account_id = a.id CROSS JOIN org_wide o",
            ctes=f"""used AS (
    SELECT DISTINCT account_id, module, feature FROM usage_daily_feature
    WHERE org_id = :org_id AND day > :day_30 AND day <= :today{only()}
),
per_account AS (SELECT account_id, count(*) AS n FROM used GROUP BY account_id),
org_wide AS ({
                "SELECT CAST(:org_features AS bigint) AS n"
                if scoped
                else "SELECT count(*) AS n FROM (SELECT DISTINCT module, feature FROM used) f"
            })""",
        ),
    }


_ORGANISATION_FEATURES = text(
    """
SELECT count(*) FROM (
    SELECT DISTINCT module, feature FROM usage_daily_feature
    WHERE org_id = :org_id AND day > :day_30 AND day <= :today
) f
"""
)


# The full refresh: one statement a group, each counting the rows it changed.
REFRESH_GROUPS = {name: _upsert([g], scoped=False) for name, g in _groups(scoped=False).items()}
# The live chain's: every group in one statement, so an account's row gets one new version a
# batch however many of its groups changed.
_ACCOUNT_REFRESH = _upsert(list(_groups(scoped=True).values()), scoped=True)

# Percentile rank of 30-day session time among the active (time > 0):
# 100 * (n_below + 0.5 * n_equal) / n_active; inactive → 0. Needs the usage group first.
# Recorded as the day's rank in the history the trend is computed from.
_RANK_ACCOUNTS = """
WITH active AS (
    SELECT v.account_id, v.session_seconds_30d AS s
    FROM account_metric_values v JOIN accounts a ON a.id = v.account_id
    WHERE v.org_id = :org_id AND a.deleted_at IS NULL AND v.session_seconds_30d > 0
),
ranked AS (
    SELECT account_id,
           round(100.0 * ((rank() OVER (ORDER BY s)) - 1 + 0.5 * count(*) OVER (PARTITION BY s))
                 / count(*) OVER (), 2) AS r
    FROM active
)
INSERT INTO account_activity_ranks (account_id, day, org_id, rank)
SELECT a.id, CAST(:today AS date), a.org_id, coalesce(r.r, 0)
FROM accounts a LEFT JOIN ranked r ON r.account_id = a.id
WHERE a.org_id = :org_id AND a.deleted_at IS NULL
ON CONFLICT (account_id, day) DO UPDATE SET rank = EXCLUDED.rank
WHERE account_activity_ranks.rank IS DISTINCT FROM EXCLUDED.rank
"""

# The day's rank and its trend: the slope of the least-squares line through the ranks of the
# window's days (rank points per day; `domain.metrics.trend` is its definition), NULL with
# fewer than two. One pass over the window's history (30 narrow rows per account, read by
# the (org_id, day) index) hashed by account; the day offset keeps the regression's x small.
_ACCOUNT_TRENDS = _upsert(
    [
        _Group(
            ("activity_rank", "activity_rank_trend"),
            "coalesce(h.rank, 0), round(CAST(h.slope AS numeric), 2)",
            "LEFT JOIN history h ON h.account_id = a.id",
            ctes="""history AS (
    SELECT account_id,
           max(rank) FILTER (WHERE day = :today) AS rank,
           regr_slope(CAST(rank AS float8), CAST(day - CAST(:today AS date) AS float8)) AS slope
    FROM account_activity_ranks
    WHERE org_id = :org_id AND day > :window_start AND day <= :today
    GROUP BY account_id
)""",
        )
    ],
    scoped=False,
)

_RANK_CONTACTS = """
WITH seconds AS (
    SELECT contact_id, sum(session_seconds) AS s FROM usage_daily_contact
    WHERE org_id = :org_id AND day > :day_30 AND day <= :today
    GROUP BY contact_id
),
ranked AS (
    SELECT contact_id,
           round(100.0 * ((rank() OVER (ORDER BY s)) - 1 + 0.5 * count(*) OVER (PARTITION BY s))
                 / count(*) OVER (), 2) AS r
    FROM seconds WHERE s > 0
)
INSERT INTO contact_activity_ranks (contact_id, day, org_id, session_seconds_30d, rank)
SELECT c.id, CAST(:today AS date), c.org_id, coalesce(s.s, 0), coalesce(r.r, 0)
FROM contacts c
LEFT JOIN seconds s ON s.contact_id = c.id
LEFT JOIN ranked r ON r.contact_id = c.id
WHERE c.org_id = :org_id
ON CONFLICT (contact_id, day) DO UPDATE
SET session_seconds_30d = EXCLUDED.session_seconds_30d, rank = EXCLUDED.rank
WHERE (contact_activity_ranks.session_seconds_30d, contact_activity_ranks.rank)
      IS DISTINCT FROM (EXCLUDED.session_seconds_30d, EXCLUDED.rank)
"""

_FORGET_DELETED = """
DELETE FROM account_metric_values v USING accounts a
WHERE v.org_id = :org_id AND a.id = v.account_id AND a.deleted_at IS NOT NULL
"""


# What names a field or metric in stored configuration, or compares a field with some values,
# as jsonpath over the filter language's JSON (domain/filters/schemas.py: only compare,
# compare_fields and date nodes have a `field`, only compare_fields an `other`; a value is never
# read as a field) and over a health model version's components. Strict: lax mode unwraps every
# list it meets, an `all` node's conditions too, and would match one node's field with another
# node's value.
_NAMES_FIELD = "strict $.** ? (@.field == $keys[*] || @.other == $keys[*])"
_COMPARES_WITH = (
    "strict $.** ? (@.field == $key && (@.value == $values[*] || @.value[*] == $values[*]))"
)
_SCORES = "strict $[*].metrics[*] ? (@.metric == $keys[*])"
# How many names of each kind of user a message lists (it says how many there are in all).
SHOWN = 3
# Account views are named with their owners up to this many: the one who deletes a field
# must find each, most likely in another user's list.
VIEWS_SHOWN = 10


def _matches(column: SQLColumnExpression[Any], path: str, variables: dict[str, Any]) -> Any:
    """Whether the JSON in `column` has an item `path` finds (false when it is NULL)."""
    found = func.jsonb_path_exists(
        column, literal_column(f"'{path}'::jsonpath"), literal(variables, JSONB)
    )
    return func.coalesce(found, False)


@dataclass(frozen=True)
class Named:
    """The first names (SHOWN, by name) of the things found, and how many were found."""

    names: list[str]
    count: int


NONE = Named([], 0)


@dataclass(frozen=True)
class ViewOfOwner:
    """An account view found, with whose it is (a personal view is seen by its owner only)."""

    name: str
    is_shared: bool
    owner_id: uuid.UUID
    owner_name: str


@dataclass(frozen=True)
class Views:
    """The first account views found (VIEWS_SHOWN, by name), and how many were found."""

    shown: list[ViewOfOwner]
    count: int


NO_VIEWS = Views([], 0)


@dataclass(frozen=True)
class Users:
    """The stored configuration that names a field or metric in what it means, or compares a
    field with some of its values: account views' filters (every user's, personal ones too),
    alert rules, attribute triggers, health models and computed metrics."""

    views: Views = NO_VIEWS
    alert_rules: Named = NONE
    triggers: Named = NONE
    health_models: Named = NONE
    computed: Named = NONE

    @property
    def count(self) -> int:
        return self.views.count + sum(
            n.count
            for n in (
                self.alert_rules,
                self.triggers,
                self.health_models,
                self.computed,
            )
        )


def _as_number(value: SQLColumnExpression[Any]) -> ColumnElement[Any]:
    return cast(value, Numeric)


class MetricsRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    async def organisation(self) -> Organisation:
        return await self.session.get_one(Organisation, self.org_id)

    # Definitions

    async def custom_fields(self) -> list[CustomField]:
        rows = await self.session.scalars(
            select(CustomField).where(CustomField.org_id == self.org_id).order_by(CustomField.key)
        )
        return list(rows)

    async def computed(self) -> list[ComputedMetric]:
        rows = await self.session.scalars(
            select(ComputedMetric)
            .where(ComputedMetric.org_id == self.org_id)
            .order_by(ComputedMetric.key)
        )
        return list(rows)

    async def live_churn_model(self) -> ChurnModel | None:
        """The newest churn model that trained (refused runs score nothing)."""
        return await self.session.scalar(
            select(ChurnModel)
            .where(ChurnModel.org_id == self.org_id, ChurnModel.refused.is_(None))
            .order_by(ChurnModel.trained_at.desc(), ChurnModel.id)
            .limit(1)
        )

    async def get_computed(self, metric_id: uuid.UUID) -> ComputedMetric | None:
        return await self.session.scalar(
            select(ComputedMetric).where(
                ComputedMetric.org_id == self.org_id, ComputedMetric.id == metric_id
            )
        )

    async def take_key_turn(self) -> None:
        """Wait until no other transaction of this organisation is giving a custom field or
        computed metric its key (held until this one ends): two requests taking one key at
        once, one in each table, would each find it free."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(f"keys:{self.org_id}", 0)))
        )

    # What uses a field or metric

    async def naming(self, keys: Sequence[str], *, scored: Sequence[str]) -> Users:
        """What names any of `keys` (filter-language keys) in a filter: an account view's, an
        alert rule's or attribute trigger's condition, a health model's segment; or any of
        `scored` in the components of a health model's live or shadow version. A view's
        columns and sort are not looked at: they change how it shows its accounts, not which
        (`views_showing`)."""
        variables = {"keys": list(keys)}
        return await self._users(
            lambda column: _matches(column, _NAMES_FIELD, variables),
            in_components=lambda column: _matches(column, _SCORES, {"keys": list(scored)}),
        )

    async def comparing(self, key: str, values: Sequence[str]) -> Users:
        """What compares the field `key` with any of `values` in a stored filter (an account
        view's, alert rule's, attribute trigger's or health model's)."""
        variables = {"key": key, "values": list(values)}
        return await self._users(lambda column: _matches(column, _COMPARES_WITH, variables))

    async def views_showing(self, keys: Sequence[str]) -> list[AccountView]:
        """Every user's account views with any of `keys` among their columns or as their
        sort."""
        rows = await self.session.scalars(
            select(AccountView)
            .where(
                AccountView.org_id == self.org_id,
                or_(AccountView.columns.overlap(list(keys)), AccountView.sort.in_(keys)),
            )
            .order_by(AccountView.id)
        )
        return list(rows)

    async def _users(
        self,
        in_filter: Callable[[SQLColumnExpression[Any]], ColumnElement[bool]],
        *,
        in_components: Callable[[SQLColumnExpression[Any]], ColumnElement[bool]] | None = None,
    ) -> Users:
        health = in_filter(HealthModel.filter)
        if in_components is not None:
            scoring = exists().where(
                HealthModelVersion.model_id == HealthModel.id,
                HealthModelVersion.number.in_(
                    [HealthModel.live_version, HealthModel.shadow_version]
                ),
                in_components(HealthModelVersion.components),
            )
            health = or_(health, scoring)
        return Users(
            views=await self._views(in_filter(AccountView.filter)),
            alert_rules=await self._named(
                AlertRule.name, AlertRule.org_id == self.org_id, in_filter(AlertRule.condition)
            ),
            triggers=await self._named(
                AttributeTrigger.name,
                AttributeTrigger.org_id == self.org_id,
                in_filter(AttributeTrigger.condition),
            ),
            health_models=await self._named(
                HealthModel.name,
                HealthModel.org_id == self.org_id,
                HealthModel.deleted_at.is_(None),
                health,
            ),
        )

    async def _views(self, using: ColumnElement[bool]) -> Views:
        rows = (
            await self.session.execute(
                select(
                    AccountView.name,
                    AccountView.is_shared,
                    AccountView.owner_id,
                    User.full_name,
                    func.count().over(),
                )
                .join(User, User.id == AccountView.owner_id)
                .where(AccountView.org_id == self.org_id, using)
                .order_by(AccountView.name, User.full_name, AccountView.id)
                .limit(VIEWS_SHOWN)
            )
        ).all()
        return Views(
            [
                ViewOfOwner(name, shared, owner, owner_name)
                for name, shared, owner, owner_name, _ in rows
            ],
            rows[0][4] if rows else 0,
        )

    async def _named(self, name: InstrumentedAttribute[str], *where: Any) -> Named:
        rows = (
            await self.session.execute(
                select(name, func.count().over()).where(*where).order_by(name).limit(SHOWN)
            )
        ).all()
        return Named([n for n, _ in rows], rows[0][1] if rows else 0)

    # Refresh

    def _params(self, *, today: date, now: datetime, tz: str) -> dict[str, Any]:
        return {
            "org_id": self.org_id,
            "today": today,
            "day_7": today - timedelta(days=7),
            "day_30": today - timedelta(days=30),
            "now": now,
            "tz": tz,
            # One definition of a closed ticket for the whole product (interactions area).
            "closed_statuses": sorted(s.value for s in CLOSED_TICKET_STATUSES),
        }

    async def refresh_group(self, group: str, *, today: date, now: datetime, tz: str) -> int:
        result = await self.session.execute(
            text(REFRESH_GROUPS[group]), self._params(today=today, now=now, tz=tz)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DML

    async def organisation_features(self, *, today: date) -> int:
        """How many features the organisation's accounts used in the last 30 days."""
        params = {"org_id": self.org_id, "today": today, "day_30": today - timedelta(days=30)}
        return int(await self.session.scalar(_ORGANISATION_FEATURES, params) or 0)

    async def refresh_accounts(
        self,
        accounts: Sequence[uuid.UUID],
        *,
        today: date,
        now: datetime,
        tz: str,
        org_features: int,
    ) -> int:
        result = await self.session.execute(
            text(_ACCOUNT_REFRESH),
            {
                **self._params(today=today, now=now, tz=tz),
                "accounts": list(accounts),
                "org_features": org_features,
            },
        )
        return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DML

    async def forget_deleted_accounts(self) -> None:
        await self.session.execute(text(_FORGET_DELETED), {"org_id": self.org_id})

    async def rank_accounts(self, *, today: date, now: datetime) -> int:
        """Record today's rank of every live account, then set each one's current rank and
        trend from the history; returns the accounts whose values changed."""
        params = {
            **self._params(today=today, now=now, tz="UTC"),
            "window_start": today - timedelta(days=TREND_WINDOW_DAYS),
        }
        await self.session.execute(text(_RANK_ACCOUNTS), params)
        result = await self.session.execute(text(_ACCOUNT_TRENDS), params)
        await self.session.execute(
            delete(AccountActivityRank).where(
                AccountActivityRank.org_id == self.org_id,
                AccountActivityRank.day < today - timedelta(days=RANK_HISTORY_DAYS),
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DML

    async def rank_contacts(self, *, today: date) -> int:
        result = await self.session.execute(
            text(_RANK_CONTACTS),
            {"org_id": self.org_id, "today": today, "day_30": today - timedelta(days=30)},
        )
        await self.session.execute(
            delete(ContactActivityRank).where(
                ContactActivityRank.org_id == self.org_id,
                ContactActivityRank.day < today - timedelta(days=RANK_HISTORY_DAYS),
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DML

    # Snapshots

    async def snapshot(self, metrics: list[Metric], *, day: date, now: datetime) -> int:
        """Upsert every live account's metrics for `day`: one statement for the organisation."""
        objects = []
        for start in range(0, len(metrics), _PAIRS_PER_OBJECT):
            pairs: list[Any] = []
            for m in metrics[start : start + _PAIRS_PER_OBJECT]:
                pairs += [literal(m.key), _as_number(m.expression)]
            objects.append(func.jsonb_build_object(*pairs))
        values: Any = objects[0] if objects else func.jsonb_build_object()
        for more in objects[1:]:
            values = values.op("||")(more)
        source = (
            select(
                Account.id,
                literal(day),
                Account.org_id,
                func.jsonb_strip_nulls(values),
                literal(now),
            )
            .select_from(Account)
            .outerjoin(AccountMetricValues, AccountMetricValues.account_id == Account.id)
            .where(Account.org_id == self.org_id, Account.deleted_at.is_(None))
        )
        stmt = insert(AccountMetricSnapshot).from_select(
            ["account_id", "day", "org_id", "values", "taken_at"], source
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["account_id", "day"],
            set_={"values": stmt.excluded["values"], "taken_at": stmt.excluded.taken_at},
            where=AccountMetricSnapshot.values.is_distinct_from(stmt.excluded["values"]),
        )
        result = await self.session.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DML

    # Reads

    async def current(
        self, metrics: list[Metric], account_ids: Sequence[uuid.UUID], visible: Select[uuid.UUID]
    ) -> dict[uuid.UUID, dict[str, Any]]:
        """The current value of each metric for each of these accounts that is visible, in
        one statement however many accounts there are."""
        values = [_as_number(m.expression).label(f"m{i}") for i, m in enumerate(metrics)]
        stmt = (
            select(Account.id, *values)
            .select_from(Account)
            .outerjoin(AccountMetricValues, AccountMetricValues.account_id == Account.id)
            .where(
                Account.org_id == self.org_id,
                among(Account.id, account_ids),
                Account.id.in_(visible),
            )
        )
        rows = await self.session.execute(stmt)
        return {row[0]: {m.key: row[i + 1] for i, m in enumerate(metrics)} for row in rows}

    async def live_accounts(self) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(Account)
                .where(Account.org_id == self.org_id, Account.deleted_at.is_(None))
            )
            or 0
        )

    async def changed_at(self, account_id: uuid.UUID) -> datetime | None:
        """When the account's figures last changed (None before their first computation)."""
        return await self.session.scalar(
            select(AccountMetricValues.updated_at).where(
                AccountMetricValues.org_id == self.org_id,
                AccountMetricValues.account_id == account_id,
            )
        )

    async def snapshot_values(self, account_id: uuid.UUID, day: date) -> dict[str, Any]:
        values = await self.session.scalar(
            select(AccountMetricSnapshot.values).where(
                AccountMetricSnapshot.org_id == self.org_id,
                AccountMetricSnapshot.account_id == account_id,
                AccountMetricSnapshot.day == day,
            )
        )
        return dict(values or {})

    async def history(
        self, account_id: uuid.UUID, key: str, *, since: date, until: date
    ) -> list[tuple[date, Any]]:
        value = cast(AccountMetricSnapshot.values[key].astext, Numeric)
        rows = await self.session.execute(
            select(AccountMetricSnapshot.day, value)
            .where(
                AccountMetricSnapshot.org_id == self.org_id,
                AccountMetricSnapshot.account_id == account_id,
                AccountMetricSnapshot.day >= since,
                AccountMetricSnapshot.day <= until,
            )
            .order_by(AccountMetricSnapshot.day)
        )
        return [(d, v) for d, v in rows]

    async def aggregate(
        self, metric: Metric, visible: Select[uuid.UUID], *, day: date | None
    ) -> dict[str, Any]:
        """Count, count distinct, sum, average, min, max and median of a metric over the
        visible accounts, today (current values) or on a past day (its snapshots)."""
        if day is None:
            value = _as_number(metric.expression)
            base = (
                select(value.label("v"))
                .select_from(Account)
                .outerjoin(AccountMetricValues, AccountMetricValues.account_id == Account.id)
                .where(Account.org_id == self.org_id, Account.id.in_(visible))
            )
        else:
            snapshot_value = cast(AccountMetricSnapshot.values[metric.key].astext, Numeric)
            base = select(snapshot_value.label("v")).where(
                AccountMetricSnapshot.org_id == self.org_id,
                AccountMetricSnapshot.day == day,
                AccountMetricSnapshot.account_id.in_(visible),
            )
        sub = base.subquery()
        v = sub.c.v
        stmt = select(
            func.count(v).label("count"),
            func.count(v.distinct()).label("count_distinct"),
            func.sum(v).label("sum"),
            func.avg(v).label("avg"),
            func.min(v).label("min"),
            func.max(v).label("max"),
            func.percentile_cont(0.5).within_group(v).label("median"),
        )
        row = (await self.session.execute(stmt)).mappings().one()
        return dict(row)

    async def contact_ranks(
        self,
        *,
        today: date,
        account_id: uuid.UUID | None = None,
        contact_ids: list[uuid.UUID] | None = None,
    ) -> list[tuple[Contact, Any, Any, Any]]:
        """Contacts (those of `account_id`, and/or those in `contact_ids`) with their latest
        rank and 30-day seconds and their trend: the slope of their ranks over the trend's
        window, read per contact by the history's primary key (a few hundred contacts a
        request)."""
        now = ContactActivityRank.__table__.alias("now")
        h = ContactActivityRank
        # The organisation's latest ranking: today's once the day's first refresh ran, until
        # then the day before's (as an account's rank is its last refresh's), not no rank for
        # every contact from midnight to that refresh.
        latest = (
            select(func.max(h.day)).where(h.org_id == self.org_id, h.day <= today).scalar_subquery()
        )
        trend = (
            select(
                func.regr_slope(
                    cast(h.rank, Float), cast(h.day - cast(literal(today), Date), Float)
                ).label("slope")
            )
            .where(
                h.org_id == self.org_id,
                h.contact_id == Contact.id,
                h.day > today - timedelta(days=TREND_WINDOW_DAYS),
                h.day <= today,
            )
            .lateral("trend")
        )
        stmt = (
            select(Contact, now.c.rank, now.c.session_seconds_30d, trend.c.slope)
            .select_from(Contact)
            .outerjoin(now, (now.c.contact_id == Contact.id) & (now.c.day == latest))
            .outerjoin(trend, true())
            .where(Contact.org_id == self.org_id)
            .order_by(now.c.rank.desc().nulls_last(), Contact.external_id)
            .limit(500)
        )
        if account_id is not None:
            stmt = stmt.where(
                select(ContactAccount.contact_id)
                .where(
                    ContactAccount.contact_id == Contact.id,
                    ContactAccount.account_id == account_id,
                )
                .exists()
            )
        if contact_ids is not None:
            stmt = stmt.where(Contact.id.in_(contact_ids))
        return [(c, r, s, t) for c, r, s, t in (await self.session.execute(stmt))]
