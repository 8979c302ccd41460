"""A year of history, so the health score's backtest has something real to say: the customers
lost over the year (more often those whose metrics were poor), and a metric snapshot and a
health score for every day of the year before the month the nightly runs recorded
(`metrics_story`). Set-based: one statement writes the snapshots, one per health model the
scores."""

import random
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Uuid,
    case,
    cast,
    column,
    func,
    literal,
    select,
    values,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account, ChurnEvent, LifecycleStage, Tier
from domain.health import service as health
from domain.metrics.models import AccountMetricSnapshot
from domain.metrics.trend import TREND_WINDOW_DAYS
from domain.orgs.models import Organisation
from scripts.demo.shared import PLAN_SEATS, SEAT_PRICES

YEAR = 365
# Customers lost during the year, beside the demo's own churned accounts.
FORMER_CUSTOMERS = 40
# How far before its churn an account's metrics start to slide.
DECLINE_DAYS = 120
# What the people of scripts/demo/usage.py do in expectation, per unit of their chance of being
# active on a weekday (a weekend day a third as likely): active days in 30 and in 7 days,
# sessions an active day, events a session, and minutes a session (as the demo's measure).
_ACTIVE_DAYS_30 = 30 * (5 + 2 * 0.3) / 7
_ACTIVE_DAYS_7 = 5 + 2 * 0.3
_SESSIONS_A_DAY = 1.25
_EVENTS_A_SESSION = 3
_MINUTES_A_SESSION = 12.4
_NAMES = [
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Litware",
    "Adventure Works",
    "Proseware",
    "Lucerne",
    "Coho",
    "Wingtip",
    "Fourth Coffee",
    "Alpine Ski",
    "Margie's Travel",
    "Trey Research",
    "Blue Yonder",
    "Humongous",
    "Woodgrove",
    "Graphic Design",
    "Wide World",
    "Relecloud",
]
_KINDS = ["Traders", "Bank", "Airlines", "Software", "Insurance", "Partners", "Media", "Foods"]
_REASONS = [
    "Budget cuts",
    "Moved to a competitor",
    "Low adoption: the team never took it up",
    "Champion left the company",
    "Acquired; the parent company uses another tool",
    "Product no longer needed after a reorganisation",
]


def churn_chance(health: float) -> float:
    """A year's chance of churning for an account of latent health 0 (poor) to 1 (good)."""
    return 0.02 + 0.8 * (1 - health) ** 3


def latent_health(rng: random.Random, *, churned: bool) -> float:
    """An account's latent health given whether it churned: uniform before knowing, so the
    churned are mostly, not only, the poor ones (drawn by rejection)."""
    most = churn_chance(0) if churned else 1 - churn_chance(1)
    while True:
        health = rng.random()
        chance = churn_chance(health) if churned else 1 - churn_chance(health)
        if rng.random() * most < chance:
            return health


async def year_story(session: AsyncSession, org: Organisation, today: date) -> None:
    rng = random.Random(365)
    former = await _former_customers(session, org, today, rng)
    accounts = list(
        await session.scalars(
            select(Account).where(Account.org_id == org.id, Account.deleted_at.is_(None))
        )
    )
    # In a fixed order, so that each account's day-to-day noise (seeded by its place) is the
    # same on every load.
    accounts.sort(key=lambda a: a.external_id)
    people = [
        (
            a.id,
            seed,
            latent_health(rng, churned=True) if a.churned_on is not None else None,
            a.churned_on,
            a.joined_on or today - timedelta(days=YEAR),
            *former.get(a.id, (None, None)),
        )
        for seed, a in enumerate(accounts)
    ]
    # The month before today the nightly runs recorded; the year before it is written here.
    until = today - timedelta(days=TREND_WINDOW_DAYS)
    since = today - timedelta(days=YEAR - 1)
    await _snapshots(session, org, people, since, until)
    await health.replay_history(session, org.id, since=since, until=until)


async def _former_customers(
    session: AsyncSession, org: Organisation, today: date, rng: random.Random
) -> dict[uuid.UUID, tuple[int, float]]:
    """Customers lost during the year (after the month the nightly runs recorded), with their
    churn events; their seats and MRR then (small customers leave more often, as in a real
    book)."""
    tiers = list(await session.scalars(select(Tier).where(Tier.org_id == org.id)))
    stages = list(
        await session.scalars(
            select(LifecycleStage).where(
                LifecycleStage.org_id == org.id, LifecycleStage.name != "Trial"
            )
        )
    )
    names = sorted({f"{rng.choice(_NAMES)} {rng.choice(_KINDS)}" for _ in range(200)})
    paid = {}
    for i, name in enumerate(rng.sample(names, FORMER_CUSTOMERS)):
        churned_on = today - timedelta(days=rng.randint(TREND_WINDOW_DAYS + 1, YEAR - 1))
        reason = rng.choice(_REASONS)
        slug = name.lower().replace(" ", "-").replace("'", "")
        plan = rng.choices(list(PLAN_SEATS), weights=[5, 4, 2, 1])[0]
        seats = rng.randint(*PLAN_SEATS[plan])
        account = Account(
            id=uuid.uuid4(),
            org_id=org.id,
            external_id=f"{slug}-former-{i:02d}",
            name=name,
            domain=f"{slug}.example",
            joined_on=churned_on - timedelta(days=rng.randint(200, 1000)),
            tier_id=rng.choice(tiers).id,
            stage_id=rng.choice(stages).id,
            churned_on=churned_on,
            churn_reason=reason,
        )
        session.add(account)
        session.add(
            ChurnEvent(org_id=org.id, account_id=account.id, churned_on=churned_on, reason=reason)
        )
        paid[account.id] = (seats, seats * SEAT_PRICES[plan] / 100)
    await session.flush()
    return paid


def _noise(account: Any, day: Any, salt: str) -> Any:
    """A repeatable number in [-1, 1] per account, day and metric."""
    text = func.concat(account, day, salt)
    return cast(func.hashtext(text).op("&")(1023), Float) / 511.5 - 1


def _clamp(value: Any, low: float, high: float | None = None) -> Any:
    value = func.greatest(func.round(cast(value, Numeric)), low)
    return func.least(value, high) if high is not None else value


async def _snapshots(
    session: AsyncSession,
    org: Organisation,
    people: list[tuple[uuid.UUID, int, float | None, date | None, date, int | None, float | None]],
    since: date,
    until: date,
) -> None:
    """Each account's metrics on every day from `since` to `until` it was a customer. An
    account that stayed has its metrics of the first recorded day, drifting slowly; one that
    churned has metrics of its latent health, sliding in the months before it left. Usage is
    made the same way for both (so the year tells what usage says of churn, not how made-up
    figures differ from measured ones), and the activity rank is each day's percentile."""
    who = values(
        column("account_id", Uuid),
        column("seed", Integer),
        column("health", Float),
        column("churned_on", Date),
        column("joined_on", Date),
        column("seats", Integer),
        column("mrr", Float),
        name="who",
    ).data(people)
    day = (
        func.generate_series(since, until, timedelta(days=1))
        .table_valued("day")
        .render_derived(name="days")
    )
    on = cast(day.c.day, Date)
    first = until + timedelta(days=1)
    base = AccountMetricSnapshot.__table__.alias("base")
    kept = func.coalesce(base.c["values"], cast(literal("{}"), JSONB))

    def was(key: str) -> Any:
        return cast(kept[key].astext, Numeric)

    phase = (func.hashtext(cast(who.c.seed, String)).op("&")(1023)) / 163.0
    wave = func.sin(cast(on.op("-")(literal(since, Date)), Float) / 58.0 + phase)
    a = who.c.seed
    # Counting down to the renewal, a year earlier once it is more than a year away.
    to_renewal = was("days_to_renewal") + literal(first, Date).op("-")(on)
    # The stayers: the first recorded day's values, on a slow wave of their own.
    stayed = kept.op("||")(
        func.jsonb_build_object(
            "days_since_last_interaction",
            _clamp(was("days_since_last_interaction") - 8 * wave + 4 * _noise(a, on, "d"), 0),
            "open_tickets",
            _clamp(was("open_tickets") + _noise(a, on, "t"), 0),
            "days_to_renewal",
            case((to_renewal > YEAR, to_renewal - YEAR), else_=to_renewal),
        )
    )
    # The lost: their health, minus a slide over the months before they left, each metric
    # off it by a little of its own. Half left at a renewal.
    slide = func.greatest(0, 1 - cast(who.c.churned_on.op("-")(on), Float) / DECLINE_DAYS)

    def health(salt: str) -> Any:
        return who.c.health - 0.35 * slide + 0.15 * _noise(a, literal(""), salt)

    # As much of their licence in use as anyone's, a little less towards the end.
    utilisation = _clamp(
        58 + 40 * _noise(a, literal(""), "l") - 10 * slide + 4 * _noise(a, on, "l"), 0, 100
    )
    renewed = case(
        (_noise(a, literal(""), "r") > 0, 0),
        else_=cast(182 * (1 + _noise(a, literal(""), "o")), Integer),
    )
    lost = kept.op("||")(
        func.jsonb_build_object(
            "days_since_last_interaction",
            _clamp(4 + 80 * (1 - health("d")) + 8 * _noise(a, on, "d"), 0),
            "open_tickets",
            _clamp(6 * (1 - health("t")) + 1.5 * _noise(a, on, "t"), 0),
            "csm_score",
            _clamp(30 + 60 * (who.c.health + 0.15 * _noise(a, literal(""), "c")), 0, 100),
            "licence_utilisation",
            utilisation,
            "days_to_renewal",
            func.mod(who.c.churned_on.op("-")(on) + renewed, YEAR),
        )
    ).op("||")(
        case(
            (
                who.c.mrr.is_not(None),
                func.jsonb_build_object(
                    "seats",
                    who.c.seats,
                    "mrr",
                    who.c.mrr,
                    "arr",
                    12 * who.c.mrr,
                    "mrr_per_seat",
                    who.c.mrr / who.c.seats,
                ),
            ),
            else_=cast(literal("{}"), JSONB),
        )
    )
    # Product usage, the same way for both, as scripts/demo/usage.py makes it, in
    # expectation: the people an account's licences are in use by, each active on a weekday
    # with a chance of their own. A stayer's people and chance are those of its first recorded
    # day, on its wave; a lost one's chance follows how much its people took to the product,
    # and falls in the months before it left.
    stays = who.c.health.is_(None)
    per_chance = _ACTIVE_DAYS_30 * _SESSIONS_A_DAY  # sessions in 30 days
    ups = 1 + 0.12 * wave + 0.05 * _noise(a, on, "u")
    in_use = was("seats") * was("licence_utilisation") / 100
    people = case(
        (stays, func.coalesce(in_use, func.greatest(was("active_users_30d"), 1))),
        else_=func.coalesce(who.c.seats, 10) * utilisation / 100,
    )
    # How much its people took to the product; they use it less and less before they leave.
    took_to = func.least(1, func.greatest(0.05, 0.1 + 0.5 * health("g")))
    engaged = took_to * (1 - 0.8 * slide)
    chance = case(
        (
            stays,
            func.coalesce(was("sessions_30d"), 0) / func.greatest(people, 1) / per_chance * ups,
        ),
        else_=0.15 * func.greatest(engaged, 0.02) * (1 + 0.1 * _noise(a, on, "c")),
    )
    sessions = people * per_chance * chance
    usage = (
        select(
            who.c.account_id,
            on.label("day"),
            case((stays, stayed), else_=lost).label("other"),
            (people * (1 - func.exp(-_ACTIVE_DAYS_30 * chance))).label("active_users_30d"),
            (people * (1 - func.exp(-_ACTIVE_DAYS_7 * chance))).label("active_users_7d"),
            sessions.label("sessions_30d"),
            (sessions * _EVENTS_A_SESSION).label("events_30d"),
            (sessions * _EVENTS_A_SESSION * 7 / 30).label("events_7d"),
            (sessions * _MINUTES_A_SESSION).label("session_minutes_30d"),
            case(
                # One that does not use the product did not use it before either.
                (
                    stays & (was("feature_adoption") > 0),
                    was("feature_adoption") + 6 * wave + 3 * _noise(a, on, "f"),
                ),
                (stays, was("feature_adoption")),
                else_=100 / 6 * (1 + 5 * func.power(took_to, 1.5)),
            ).label("feature_adoption"),
        )
        .select_from(who)
        .join(day, on >= who.c.joined_on)
        .outerjoin(base, (base.c.account_id == who.c.account_id) & (base.c.day == first))
        .where((who.c.churned_on.is_(None)) | (on < who.c.churned_on))
        .subquery("usage")
    )
    # The activity rank: the day's percentile of session time among the accounts using it.
    minutes = _clamp(usage.c.session_minutes_30d, 0)
    active = minutes > 0
    rank = case(
        (
            active,
            func.round(
                cast(
                    100
                    * func.percent_rank().over(
                        partition_by=(usage.c.day, active), order_by=minutes
                    ),
                    Numeric,
                ),
                2,
            ),
        ),
        else_=0,
    )
    counts = [
        (key, _clamp(usage.c[key], 0))
        for key in (
            "active_users_30d",
            "active_users_7d",
            "sessions_30d",
            "events_30d",
            "events_7d",
        )
    ]
    rows = select(
        usage.c.account_id,
        usage.c.day,
        literal(org.id, Uuid),
        usage.c.other.op("||")(
            func.jsonb_strip_nulls(
                func.jsonb_build_object(
                    "activity_rank",
                    rank,
                    "feature_adoption",
                    _clamp(usage.c.feature_adoption, 0, 100),
                    "session_minutes_30d",
                    minutes,
                    *(part for pair in counts for part in pair),
                )
            )
        ),
        func.timezone("UTC", cast(usage.c.day, DateTime) + timedelta(hours=23)),
    )
    await session.execute(
        insert(AccountMetricSnapshot)
        .from_select(["account_id", "day", "org_id", "values", "taken_at"], rows)
        .on_conflict_do_nothing()
    )
