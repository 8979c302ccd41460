"""Scores computed set-based for the organisation's accounts: the default model, segment
precedence, versions named by every score, shadow versions kept beside, churned accounts kept."""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.health import service as health
from domain.health.models import AccountHealth, AccountHealthDay
from domain.health.schemas import HealthModelCreate, HealthModelSave
from domain.orgs.models import Organisation
from domain.users.actor import Actor
from tests.factories import create_account

CSM_ONLY = [
    {
        "name": "CSM score",
        "weight": 1,
        "metrics": [{"metric": "csm_score", "mapping": {"kind": "linear", "low": 0, "high": 100}}],
    }
]
NPS_ONLY = [
    {
        "name": "NPS",
        "weight": 1,
        "metrics": [{"metric": "nps", "mapping": {"kind": "linear", "low": -100, "high": 100}}],
    }
]


def _high_score(at_least: int) -> dict[str, Any]:
    return {"kind": "compare", "field": "csm_score", "op": "gte", "value": at_least}


async def _scores(session: AsyncSession, org: Organisation) -> dict[str, tuple[int | None, str]]:
    rows = await session.execute(
        select(Account.name, AccountHealth.score, AccountHealth.band)
        .join(AccountHealth, AccountHealth.account_id == Account.id)
        .where(Account.org_id == org.id)
    )
    return {name: (score, band) for name, score, band in rows}


async def test_the_default_model_scores_with_the_data_there_is(
    session: AsyncSession, org: Organisation
) -> None:
    await create_account(session, org, name="high", csm_score=90)
    await create_account(session, org, name="low", csm_score=20)
    await create_account(session, org, name="none")

    assert await health.compute(session, org.id) == 3

    # Only the CSM score component has data: the weights are re-normalised over it alone.
    assert await _scores(session, org) == {
        "high": (90, "good"),
        "low": (20, "poor"),
        "none": (None, None),
    }
    assert await health.compute(session, org.id) == 0  # unchanged scores are not rewritten


async def test_the_first_matching_segment_scores_an_account(
    session: AsyncSession, org: Organisation
) -> None:
    actor = Actor.system(org.id)
    await create_account(session, org, name="top", csm_score=95, nps=Decimal(-20))
    await create_account(session, org, name="mid", csm_score=60, nps=Decimal(60))
    await create_account(session, org, name="rest", csm_score=10, nps=Decimal(100))
    components = [dict(c, weight=1) for c in NPS_ONLY]
    await health.create_model(
        session,
        actor,
        HealthModelCreate.model_validate(
            {"name": "Over 50", "filter": _high_score(50), "components": components}
        ),
    )
    over_90 = await health.create_model(
        session,
        actor,
        HealthModelCreate.model_validate(
            {"name": "Over 90", "filter": _high_score(90), "components": CSM_ONLY}
        ),
    )
    await health.compute(session, org.id)
    # "Over 50" is tried first: "top" matches it too.
    assert await _scores(session, org) == {
        "top": (40, "average"),
        "mid": (80, "good"),
        "rest": (10, "poor"),
    }

    models = await health.list_models(session, actor)
    await health.order_segments(
        session, actor, [over_90.id, *(m.id for m in models if m.name == "Over 50")]
    )
    await health.compute(session, org.id)
    assert (await _scores(session, org))["top"] == (95, "good")


async def test_a_new_version_rescores_and_history_keeps_the_old_one(
    session: AsyncSession, org: Organisation
) -> None:
    actor = Actor.system(org.id)
    await create_account(session, org, name="a", csm_score=50, nps=Decimal(100))
    await health.compute(session, org.id)
    await health.record_day(session, org.id)
    default = (await health.list_models(session, actor))[0]
    before = (await session.scalars(select(AccountHealthDay))).one()

    saved = await health.save_model(
        session, actor, default.id, HealthModelSave.model_validate({"components": NPS_ONLY})
    )
    await health.compute(session, org.id)

    assert saved.live.number == 2
    assert await _scores(session, org) == {"a": (100, "good")}
    assert (before.score, before.version_id) == (50, before.version_id)
    stored = (await session.scalars(select(AccountHealth))).one()
    assert stored.version_id != before.version_id


async def test_a_shadow_version_is_scored_beside_the_live_one(
    session: AsyncSession, org: Organisation
) -> None:
    actor = Actor.system(org.id)
    await create_account(session, org, name="a", csm_score=30, nps=Decimal(0))
    default = (await health.list_models(session, actor))[0]
    saved = await health.save_model(
        session,
        actor,
        default.id,
        HealthModelSave.model_validate({"components": NPS_ONLY, "shadow": True}),
    )
    await health.compute(session, org.id)
    await health.record_day(session, org.id)

    assert (saved.live.number, saved.shadow and saved.shadow.number) == (1, 2)
    assert await _scores(session, org) == {"a": (30, "poor")}
    days = {d.shadow: d.score for d in await session.scalars(select(AccountHealthDay))}
    assert days == {False: 30, True: 50}

    live = await health.make_shadow_live(session, actor, default.id)
    await health.compute(session, org.id)
    assert (live.live.number, live.shadow) == (2, None)
    assert await _scores(session, org) == {"a": (50, "average")}


async def test_churned_accounts_keep_their_last_score(
    session: AsyncSession, org: Organisation
) -> None:
    account = await create_account(session, org, name="gone", csm_score=80)
    await health.compute(session, org.id)
    account.churned_on = date(2026, 11, 1)
    account.csm_score = 10
    await session.flush()

    await health.compute(session, org.id)

    assert await _scores(session, org) == {"gone": (80, "good")}


async def test_live_scoring_of_some_accounts_equals_the_full_pass(
    session: AsyncSession, org: Organisation
) -> None:
    actor = Actor.system(org.id)
    percentile = [
        {
            "name": "Rank",
            "weight": 1,
            "metrics": [{"metric": "csm_score", "mapping": {"kind": "percentile"}}],
        }
    ]
    default = (await health.list_models(session, actor))[0]
    await health.save_model(
        session, actor, default.id, HealthModelSave.model_validate({"components": percentile})
    )
    accounts = [
        await create_account(session, org, name=f"a{i}", csm_score=i * 10) for i in range(5)
    ]

    await health.compute(session, org.id, accounts_=[accounts[1].id, accounts[4].id])

    assert await _scores(session, org) == {"a1": (25, "poor"), "a4": (100, "good")}
    await health.compute(session, org.id)
    assert (await _scores(session, org))["a2"] == (50, "average")
