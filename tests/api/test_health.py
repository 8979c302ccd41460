"""Health models through the API: validation, segments and their order, versions, shadow
versions, bands, and an account's breakdown, scoped to what the caller may see."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import ChurnEvent, Tier
from domain.common import clock
from domain.common.jobs import OutboundJob
from domain.common.settings import Settings
from domain.health import service as health
from domain.metrics import service as metrics
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem
from tests.metric_factories import add_snapshot, set_mrr

API = "/api/v1"


def _linear(metric: str, low: float, high: float, **extra: Any) -> dict[str, Any]:
    return {"metric": metric, "mapping": {"kind": "linear", "low": low, "high": high, **extra}}


def _component(name: str, weight: float, *metrics: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "weight": weight, "metrics": list(metrics)}


def _values(dimension: str, scores: dict[str, float], other: float | None) -> dict[str, Any]:
    return {
        "metric": dimension,
        "mapping": {
            "kind": "values",
            "scores": [{"value": v, "score": s} for v, s in scores.items()],
            "other": other,
        },
    }


SEGMENT_FILTER = {"kind": "compare", "field": "csm_score", "op": "gte", "value": 50}
CSM = _component("CSM score", 3, _linear("csm_score", 0, 100))
NPS = _component("NPS", 1, _linear("nps", -100, 100))


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


async def _default(client: AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    models = (await client.get(f"{API}/health/models", headers=headers)).json()
    return next(m for m in models if m["default"])


class TestModels:
    async def test_every_organisation_has_a_default_model_that_cannot_be_deleted(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        default = await _default(client, headers)

        assert default["live"]["number"] == 1 and default["filter"] is None
        names = [c["name"] for c in default["live"]["components"]]
        assert names == ["Product usage", "Engagement", "Support", "CSM score"]
        response = await client.delete(f"{API}/health/models/{default['id']}", headers=headers)
        assert_problem(response, 409, "default_health_model_kept")
        response = await client.put(
            f"{API}/health/models/{default['id']}",
            headers=headers,
            json={"filter": SEGMENT_FILTER, "components": [CSM]},
        )
        assert_problem(response, 409, "default_health_model_kept")

    @pytest.mark.parametrize(
        ("component", "problem"),
        [
            (
                _component("X", 1, _linear("no_such_metric", 0, 1)),
                "unknown metric 'no_such_metric'",
            ),
            (_component("X", 0, _linear("csm_score", 0, 1)), "greater than 0"),
            (_component("X", -2, _linear("csm_score", 0, 1)), "greater than 0"),
            (_component("X", 1, _linear("csm_score", 5, 5)), "low must be below high"),
            (
                _component(
                    "X",
                    1,
                    {
                        "metric": "open_tickets",
                        "mapping": {
                            "kind": "ranges",
                            "ranges": [
                                {"start": None, "end": 3, "score": 100},
                                {"start": 2, "end": None, "score": 0},
                            ],
                        },
                    },
                ),
                "from 2 up to 3 are in two ranges",
            ),
            (
                _component(
                    "X",
                    1,
                    {
                        "metric": "open_tickets",
                        "mapping": {
                            "kind": "ranges",
                            "ranges": [
                                {"start": None, "end": 1, "score": 100},
                                {"start": 2, "end": None, "score": 0},
                            ],
                        },
                    },
                ),
                "from 1 up to 2 have no score",
            ),
            (
                _component("X", 1, _values("no_such_field", {"a": 1}, None)),
                "unknown dimension 'no_such_field'; dimensions are: stage, tier",
            ),
            (
                _component("X", 1, _values("csm_score", {"a": 1}, None)),
                "unknown dimension 'csm_score'",
            ),
            (
                _component("X", 1, _linear("tier", 0, 1)),
                "tier: a dimension takes a values mapping",
            ),
            (
                _component(
                    "X",
                    1,
                    {
                        "metric": "tier",
                        "mapping": {
                            "kind": "values",
                            "scores": [
                                {"value": "Tier 1", "score": 100},
                                {"value": "Tier 1", "score": 50},
                            ],
                        },
                    },
                ),
                "the value 'Tier 1' is mapped twice",
            ),
            (
                _component("X", 1, {"metric": "tier", "mapping": {"kind": "values", "scores": []}}),
                "at least 1 item",
            ),
            (_component("X", 1, _values("tier", {"Tier 1": 101}, None)), "less than or equal"),
        ],
    )
    async def test_invalid_models_are_refused_and_change_nothing(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        component: dict[str, Any],
        problem: str,
    ) -> None:
        response = await client.post(
            f"{API}/health/models",
            headers=headers,
            json={"name": "Bad", "filter": SEGMENT_FILTER, "components": [component]},
        )

        body = assert_problem(response, 422)
        assert problem in str(body)
        models = (await client.get(f"{API}/health/models", headers=headers)).json()
        assert [m["name"] for m in models] == ["Default"]

    async def test_segments_are_tried_in_their_order(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org, csm_score=95, nps=Decimal(-20))
        made = []
        for name, at_least, component in (("Over 50", 50, NPS), ("Over 90", 90, CSM)):
            response = await client.post(
                f"{API}/health/models",
                headers=headers,
                json={
                    "name": name,
                    "filter": dict(SEGMENT_FILTER, value=at_least),
                    "components": [component],
                },
            )
            assert response.status_code == 201, response.text
            made.append(response.json())
        assert [m["priority"] for m in made] == [1, 2]
        response = await client.post(
            f"{API}/health/models",
            headers=headers,
            json={"name": "Over 50", "filter": SEGMENT_FILTER, "components": [CSM]},
        )
        assert_problem(response, 409, "health_model_name_taken")

        await health.compute(session, org.id)
        first = (await client.get(f"{API}/accounts/{account.id}/health", headers=headers)).json()
        response = await client.put(
            f"{API}/health/segment-order",
            headers=headers,
            json={"segment_ids": [made[1]["id"], made[0]["id"]]},
        )
        assert [m["name"] for m in response.json()] == ["Over 90", "Over 50", "Default"]
        await health.compute(session, org.id)
        second = (await client.get(f"{API}/accounts/{account.id}/health", headers=headers)).json()

        assert (first["model_name"], first["score"]) == ("Over 50", 40)
        assert (second["model_name"], second["score"]) == ("Over 90", 95)
        response = await client.put(
            f"{API}/health/segment-order", headers=headers, json={"segment_ids": [made[0]["id"]]}
        )
        assert_problem(response, 409, "segment_order_mismatch")

    async def test_a_segment_of_a_stored_metric_scores_and_previews(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        """Scoring joins the accounts' stored metric values itself: a segment's filter on one of
        them (here MRR) is read for the same account, not left without a table to read."""
        large = await create_account(session, org, csm_score=80)
        small = await create_account(session, org, csm_score=20)
        await set_mrr(session, large, 500_000)
        await set_mrr(session, small, 1_000)
        await metrics.refresh(session, org.id)
        by_mrr = {"kind": "compare", "field": "metric.mrr", "op": "gte", "value": 1000}
        percentile = _component(
            "CSM score", 1, {"metric": "csm_score", "mapping": {"kind": "percentile"}}
        )
        made = await client.post(
            f"{API}/health/models",
            headers=headers,
            json={"name": "Large", "filter": by_mrr, "components": [percentile]},
        )
        assert made.status_code == 201, made.text

        assert await health.compute(session, org.id) == 2
        scored = {
            a.id: (await client.get(f"{API}/accounts/{a.id}/health", headers=headers)).json()
            for a in (large, small)
        }
        assert (scored[large.id]["model_name"], scored[small.id]["model_name"]) == (
            "Large",
            "Default",
        )
        for model_id in (made.json()["id"], (await _default(client, headers))["id"]):
            preview = await client.post(
                f"{API}/health/models/{model_id}/preview",
                headers=headers,
                json={"components": [percentile]},
            )
            assert preview.status_code == 200, preview.text

    async def test_saving_makes_a_version_and_asks_for_a_recompute(
        self, client: AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        default = await _default(client, headers)

        saved = await client.put(
            f"{API}/health/models/{default['id']}", headers=headers, json={"components": [NPS]}
        )
        shadow = await client.put(
            f"{API}/health/models/{default['id']}",
            headers=headers,
            json={"components": [CSM, NPS], "shadow": True},
        )

        assert saved.json()["live"]["number"] == 2
        body = shadow.json()
        assert (body["live"]["number"], body["shadow"]["number"]) == (2, 3)
        jobs = await session.scalars(
            select(OutboundJob.name).where(OutboundJob.name == health.COMPUTE_JOB)
        )
        assert len(list(jobs)) == 1  # a shadow version changes no current score
        made_live = await client.post(
            f"{API}/health/models/{default['id']}/make-shadow-live", headers=headers
        )
        assert (made_live.json()["live"]["number"], made_live.json()["shadow"]) == (3, None)
        again = await client.post(
            f"{API}/health/models/{default['id']}/make-shadow-live", headers=headers
        )
        assert_problem(again, 409, "no_shadow_version")

    async def test_two_components_of_one_name_are_refused_wherever_components_are_sent(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        """The breakdown and its changes tell components apart by name: a model (created,
        saved live or in shadow, previewed, or a draft backtested) names each once."""
        default = await _default(client, headers)
        model = f"{API}/health/models/{default['id']}"
        twice = [
            _component("U", 1, _linear("csm_score", 0, 100)),
            NPS,
            _component(" U ", 2, _linear("nps", 0, 100)),  # the same name once trimmed
        ]

        for response in (
            await client.post(
                f"{API}/health/models",
                headers=headers,
                json={"name": "Twice", "filter": SEGMENT_FILTER, "components": twice},
            ),
            await client.put(model, headers=headers, json={"components": twice}),
            await client.put(model, headers=headers, json={"components": twice, "shadow": True}),
            await client.post(f"{model}/preview", headers=headers, json={"components": twice}),
            await client.post(
                f"{model}/backtest",
                headers=headers,
                json={"components": twice, "day": "2026-01-01"},
            ),
        ):
            body = assert_problem(response, 422)
            assert [(e["loc"], e["type"]) for e in body["errors"]] == [
                (["body", "components", 2, "name"], "component_name_repeated")
            ]
            assert "another component is named 'U'" in body["detail"]

        models = (await client.get(f"{API}/health/models", headers=headers)).json()
        assert [(m["name"], m["live"]["number"], m["shadow"]) for m in models] == [
            ("Default", 1, None)
        ]
        # Names differing in case are two names.
        other = [twice[0], _component("u", 1, _linear("nps", 0, 100))]
        saved = await client.put(model, headers=headers, json={"components": other})
        assert saved.status_code == 200, saved.text

    async def test_a_preview_shows_the_spread_if_saved_and_saves_nothing(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        for score, nps in ((90, -100), (50, 100), (10, 100)):
            await create_account(session, org, csm_score=score, nps=Decimal(nps))
        await create_account(session, org)
        await health.compute(session, org.id)
        default = await _default(client, headers)

        response = await client.post(
            f"{API}/health/models/{default['id']}/preview",
            headers=headers,
            json={"components": [NPS]},
        )

        assert response.status_code == 200, response.text
        assert response.json() == {
            # The default model: only the CSM score has data (90, 50, 10; none).
            "now": {"good": 1, "average": 1, "poor": 1, "no_data": 1},
            "if_saved": {"good": 2, "average": 0, "poor": 1, "no_data": 1},
        }
        assert (await _default(client, headers))["live"]["number"] == 1
        response = await client.post(
            f"{API}/health/models/{default['id']}/preview",
            headers=headers,
            json={"components": [NPS], "filter": SEGMENT_FILTER},
        )
        assert_problem(response, 409, "default_health_model_kept")

    async def test_the_models_say_how_far_the_recompute_after_a_save_has_come(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        for score in (10, 50, 90):
            await create_account(session, org, csm_score=score)
        await health.compute(session, org.id)
        default = await _default(client, headers)
        assert (default["scored_by_live"], default["scored_by_earlier"]) == (3, 0)

        await client.put(
            f"{API}/health/models/{default['id']}", headers=headers, json={"components": [NPS]}
        )
        waiting = await _default(client, headers)
        queued = await client.post(f"{API}/health/recompute", headers=headers)
        await health.compute(session, org.id)
        done = await _default(client, headers)

        assert (waiting["scored_by_live"], waiting["scored_by_earlier"]) == (0, 3)
        assert queued.status_code == 202 and queued.json()["job_id"].startswith("health:")
        assert (done["scored_by_live"], done["scored_by_earlier"]) == (3, 0)

    async def test_a_csm_reads_models_but_cannot_change_them(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, settings: Settings
    ) -> None:
        csm = auth_headers(settings, await create_user(session, org, role_name="CSM"))
        assert (await client.get(f"{API}/health/models", headers=csm)).status_code == 200
        response = await client.post(
            f"{API}/health/models",
            headers=csm,
            json={"name": "Mine", "filter": SEGMENT_FILTER, "components": [CSM]},
        )
        assert_problem(response, 403)


class TestBands:
    async def test_bands_are_configurable_and_ordered(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org, csm_score=75)
        assert (await client.get(f"{API}/health/bands", headers=headers)).json() == {
            "good_from": 71,
            "average_from": 31,
        }
        response = await client.put(
            f"{API}/health/bands", headers=headers, json={"good_from": 40, "average_from": 60}
        )
        assert_problem(response, 422)

        response = await client.put(
            f"{API}/health/bands", headers=headers, json={"good_from": 80, "average_from": 50}
        )
        await health.compute(session, org.id)

        assert response.status_code == 200
        body = (await client.get(f"{API}/accounts/{account.id}/health", headers=headers)).json()
        assert (body["score"], body["band"]) == (75, "average")


class TestBreakdown:
    async def test_the_breakdown_explains_the_score(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org, csm_score=60, nps=Decimal(50))
        default = await _default(client, headers)
        empty = _component("Seats", 4, _linear("active_users_30d", 0, 10))
        await client.put(
            f"{API}/health/models/{default['id']}",
            headers=headers,
            json={"components": [CSM, NPS, empty]},
        )
        assert (
            await client.get(f"{API}/accounts/{account.id}/health", headers=headers)
        ).json() is None

        await health.compute(session, org.id)
        body = (await client.get(f"{API}/accounts/{account.id}/health", headers=headers)).json()

        # (60·3 + 75·1) / 4 = 63.75 → 64; seats have no data: left out, weights re-normalised.
        assert (body["score"], body["band"], body["model_name"], body["version"]) == (
            64,
            "average",
            "Default",
            2,
        )
        csm, nps, seats = body["components"]
        assert (csm["score"], csm["share"], csm["contribution"], csm["could_add"]) == (
            60,
            0.75,
            45,
            30,
        )
        assert csm["metrics"] == [
            {"metric": "csm_score", "label": "CSM score", "value": 60, "score": 60}
        ]
        assert (nps["score"], nps["contribution"]) == (75, 18.75)
        assert (seats["score"], seats["share"], seats["metrics"][0]["value"]) == (None, 0, None)

    async def test_a_score_is_as_of_the_refresh_that_recomputed_it(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org, csm_score=60)
        url = f"{API}/accounts/{account.id}/health"
        first = clock.now().replace(microsecond=0) - timedelta(days=3)
        await metrics.refresh(session, org.id, now=first)
        await health.compute(session, org.id, now=first)
        await session.commit()
        scored = (await client.get(url, headers=headers)).json()
        assert datetime.fromisoformat(scored["computed_at"]) == first

        # The hourly refresh recomputes every score with the figures; one that stays the same
        # is not written, and is as of that refresh all the same (it said "3 days ago").
        later = first + timedelta(days=3)
        await metrics.refresh(session, org.id, now=later)
        assert await health.compute(session, org.id, now=later) == 0
        await session.commit()
        again = (await client.get(url, headers=headers)).json()
        assert again["score"] == scored["score"]
        assert datetime.fromisoformat(again["computed_at"]) == later

    async def test_a_dimension_mapped_to_numbers_scores_and_shows_its_value(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        tiers = {
            t.name: t.id for t in await session.scalars(select(Tier).where(Tier.org_id == org.id))
        }
        first = await create_account(session, org, tier_id=tiers["Tier 1"], csm_score=40)
        third = await create_account(session, org, tier_id=tiers["Tier 3"], csm_score=40)
        untiered = await create_account(session, org, csm_score=40)
        default = await _default(client, headers)
        tier = _component("Tier", 1, _values("tier", {"Tier 1": 100, "Tier 2": 50}, None))
        model = {"components": [CSM, tier]}

        preview = await client.post(
            f"{API}/health/models/{default['id']}/preview", headers=headers, json=model
        )
        saved = await client.put(
            f"{API}/health/models/{default['id']}", headers=headers, json=model
        )
        await health.compute(session, org.id)

        # (40·3 + 100·1) / 4 = 55; Tier 3 is not listed and there is no "other": no data, the
        # CSM score alone; without a tier, no data too.
        assert preview.json()["if_saved"] == {"good": 0, "average": 3, "poor": 0, "no_data": 0}
        assert saved.status_code == 200, saved.text
        assert saved.json()["live"]["components"][1] == tier
        scores = {}
        for account in (first, third, untiered):
            body = (await client.get(f"{API}/accounts/{account.id}/health", headers=headers)).json()
            scores[account.id] = (body["score"], body["components"][1]["metrics"][0])
        assert scores[first.id] == (
            55,
            {"metric": "tier", "label": "Tier", "value": "Tier 1", "score": 100},
        )
        assert scores[third.id] == (
            40,
            {"metric": "tier", "label": "Tier", "value": "Tier 3", "score": None},
        )
        assert scores[untiered.id][1]["value"] is None

        # Other values score 0: Tier 3 now counts, (40·3 + 0·1) / 4 = 30 (poor).
        tier = _component("Tier", 1, _values("tier", {"Tier 1": 100}, 0))
        await client.put(
            f"{API}/health/models/{default['id']}",
            headers=headers,
            json={"components": [CSM, tier]},
        )
        await health.compute(session, org.id)
        body = (await client.get(f"{API}/accounts/{third.id}/health", headers=headers)).json()
        assert (body["score"], body["components"][1]["metrics"][0]["score"]) == (30, 0)

    async def test_a_csm_sees_only_their_accounts_health(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        user = await create_user(session, org, role_name="CSM")
        mine = await create_account(session, org, csms=[user], csm_score=50)
        theirs = await create_account(session, org, csm_score=50)
        elsewhere = await create_account(session, other_org, csm_score=50)
        await health.compute(session, org.id)
        await health.compute(session, other_org.id)
        csm = auth_headers(settings, user)

        assert (await client.get(f"{API}/accounts/{mine.id}/health", headers=csm)).json()[
            "score"
        ] == 50
        response = await client.get(f"{API}/accounts/{theirs.id}/health", headers=csm)
        assert_problem(response, 404)
        response = await client.get(f"{API}/accounts/{elsewhere.id}/health", headers=headers)
        assert_problem(response, 404)


class TestHealthFields:
    async def test_filter_sort_and_show_accounts_by_health(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        for name, score in (("steady", 80), ("slipping", 20), ("middling", 50)):
            await create_account(session, org, name=name, csm_score=score)
        await create_account(session, org, name="unscored")
        await health.compute(session, org.id)

        response = await client.post(
            f"{API}/accounts/query",
            headers=headers,
            json={
                "columns": ["name", "health.score", "health.band", "health.model"],
                "sort": "health.score",
                "filter": {"kind": "compare", "field": "health.band", "op": "ne", "value": "good"},
            },
        )

        assert response.status_code == 200, response.text
        rows = [(a["name"], a["health_values"]) for a in response.json()["items"]]
        assert [name for name, _ in rows] == ["slipping", "middling", "unscored"]
        assert rows[0][1] == {"score": 20, "band": "poor", "model": "Default"}
        # Scored by the default model, which had no data for it.
        assert rows[2][1] == {"score": None, "band": None, "model": "Default"}
        fields = (await client.get(f"{API}/accounts/fields", headers=headers)).json()
        band = next(f for f in fields if f["key"] == "health.band")
        assert band["options"] == ["good", "average", "poor"]

    async def test_exports_carry_the_health_columns(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await create_account(session, org, name="steady", csm_score=80)
        await health.compute(session, org.id)

        response = await client.post(
            f"{API}/accounts/export",
            headers=headers,
            json={"columns": ["name", "health.score", "health.band", "health.change_7d"]},
        )

        assert response.status_code == 200, response.text
        assert response.text.splitlines() == [
            "Name,Health score,Health band,Health change (7 days)",
            "steady,80,good,",
        ]

    async def test_a_segment_cannot_be_chosen_by_the_health_score(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.post(
            f"{API}/health/models",
            headers=headers,
            json={
                "name": "Circular",
                "filter": {"kind": "compare", "field": "health.score", "op": "lt", "value": 30},
                "components": [CSM],
            },
        )
        assert_problem(response, 422, "invalid_filter")


class TestHistoryAndTrend:
    async def test_an_accounts_history_and_its_change_since_a_week_ago(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org, csm_score=40)
        today = clock.today_in(org.time_zone, clock.now())
        week_ago = clock.now() - timedelta(days=7)
        await health.compute(session, org.id, now=week_ago)
        await health.record_day(session, org.id, now=week_ago)
        account.csm_score = 75
        await session.flush()
        await health.compute(session, org.id)
        await health.record_day(session, org.id)

        body = (await client.get(f"{API}/accounts/{account.id}/health", headers=headers)).json()
        history = await client.get(f"{API}/accounts/{account.id}/health/history", headers=headers)

        week, month = body["changes"]
        assert (week["days"], week["score_then"], week["change"]) == (7, 40, 35)
        assert week["components"][0] == {"name": "CSM score", "then": 40, "now": 75, "change": 35}
        assert (month["days"], month["score_then"], month["change"]) == (30, None, None)
        points = history.json()["points"]
        assert [(p["day"], p["score"], p["band"]) for p in points] == [
            (str(today - timedelta(days=7)), 40, "average"),
            (str(today), 75, "good"),
        ]
        assert (history.json()["good_from"], points[0]["model_name"]) == (71, "Default")

    async def test_the_trend_counts_accounts_and_mrr_per_band_for_a_csm(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
        headers: dict[str, str],
    ) -> None:
        user = await create_user(session, org, role_name="CSM")
        mine = [
            await create_account(session, org, csms=[user], csm_score=score)
            for score in (90, 80, 10)
        ]
        await create_account(session, org, csm_score=90)  # not theirs
        a_day_ago = clock.now() - timedelta(days=1)
        await health.compute(session, org.id, now=a_day_ago)
        await health.record_day(session, org.id, now=a_day_ago)
        today = clock.today_in(org.time_zone, clock.now())
        # A past day's MRR is its snapshot's; today's is the MRR now.
        await add_snapshot(session, mine[0], today - timedelta(days=1), {"mrr": 1200.5})
        await set_mrr(session, mine[0], 150_050)
        await metrics.refresh(session, org.id)

        as_csm = await client.get(f"{API}/health/trend", headers=auth_headers(settings, user))
        everyone = await client.get(f"{API}/health/trend", headers=headers)
        one_csm = await client.get(
            f"{API}/health/trend", headers=headers, params={"csm_id": str(user.id)}
        )

        yesterday, today_ = str(today - timedelta(days=1)), str(today)
        expected = [
            {"day": yesterday, "band": "good", "accounts": 2, "mrr": 1200.5},
            {"day": yesterday, "band": "poor", "accounts": 1, "mrr": 0},
            {"day": today_, "band": "good", "accounts": 2, "mrr": 1500.5},
            {"day": today_, "band": "poor", "accounts": 1, "mrr": 0},
        ]
        assert as_csm.json()["points"] == expected
        assert one_csm.json()["points"] == expected
        assert [p["accounts"] for p in everyone.json()["points"]] == [3, 1, 3, 1]
        response = await client.get(
            f"{API}/health/trend", headers=headers, params={"since": "2026-05", "until": "2026-01"}
        )
        assert_problem(response, 422, "invalid_range")
        # Nobody of the organisation: said so, as the reports say it.
        response = await client.get(
            f"{API}/health/trend", headers=headers, params={"csm_id": str(uuid.uuid4())}
        )
        assert_problem(response, 404, "csm_not_found")

    async def test_the_trend_counts_the_active_book_of_each_day(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        """Churned accounts leave the book (SPEC "Churned vs deleted"): a day counts those not
        churned on it, though the history keeps their scores; reactivated, they count again."""
        today = clock.today_in(org.time_zone, clock.now())
        _, left, came_back = [await create_account(session, org, csm_score=90) for _ in range(3)]
        for days_ago in (3, 1):
            await health.compute(session, org.id, now=clock.now() - timedelta(days=days_ago))
            await health.record_day(session, org.id, now=clock.now() - timedelta(days=days_ago))
        session.add_all(
            [
                ChurnEvent(
                    org_id=org.id,
                    account_id=left.id,
                    churned_on=today - timedelta(days=2),
                    reason="Budget",
                ),
                ChurnEvent(
                    org_id=org.id,
                    account_id=came_back.id,
                    churned_on=today - timedelta(days=2),
                    reason="Budget",
                    reactivated_on=today,
                ),
            ]
        )
        left.churned_on = today - timedelta(days=2)
        await session.commit()

        trend = await client.get(f"{API}/health/trend", headers=headers)

        assert [(p["day"], p["accounts"]) for p in trend.json()["points"]] == [
            (str(today - timedelta(days=3)), 3),
            (str(today - timedelta(days=1)), 1),
            (str(today), 2),
        ]

    async def test_a_csm_narrows_the_trend_only_to_whose_figures_they_may_see(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, settings: Settings
    ) -> None:
        """As the team reports answer a `csm_id`: a CSM who sees only their accounts may ask
        for their own figures and, whole, those of whom they manage; another CSM is not found
        (not an empty trend that reads as "no accounts")."""
        lead = await create_user(session, org, role_name="CSM")
        report = await create_user(session, org, role_name="CSM", manager_id=lead.id)
        other = await create_user(session, org, role_name="CSM")
        await create_account(session, org, csms=[lead, report], csm_score=90)
        await create_account(session, org, csms=[report], csm_score=90)
        await create_account(session, org, csms=[other], csm_score=90)
        await health.compute(session, org.id)
        as_lead, as_report = auth_headers(settings, lead), auth_headers(settings, report)

        for headers, csm, accounts in (
            (as_lead, lead, 1),
            (as_lead, report, 2),
            (as_report, report, 2),
        ):
            response = await client.get(
                f"{API}/health/trend", headers=headers, params={"csm_id": str(csm.id)}
            )
            assert response.status_code == 200, response.text
            assert [p["accounts"] for p in response.json()["points"]] == [accounts]
        for headers, csm in ((as_lead, other), (as_report, lead), (as_report, other)):
            response = await client.get(
                f"{API}/health/trend", headers=headers, params={"csm_id": str(csm.id)}
            )
            assert_problem(response, 404, "csm_not_found")
            response = await client.get(
                f"{API}/reports/alerts", headers=headers, params={"csm_id": str(csm.id)}
            )
            assert_problem(response, 404, "csm_not_found")

    async def test_today_is_the_current_scores_in_the_organisations_day(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        """A model change made live and changed CSM scores, recomputed: the trend's today and
        an account's today are the scores the accounts have now, with no nightly history run
        since; the days before stay as recorded."""
        # A zone whose date is not UTC's at this moment: today must be the organisation's.
        org.time_zone = "Pacific/Kiritimati" if clock.now().hour >= 10 else "Pacific/Pago_Pago"
        accounts = [
            await create_account(session, org, csm_score=score) for score in (90, 80, 50, 10, None)
        ]
        today = clock.today_in(org.time_zone, clock.now())
        assert today != clock.now().date()
        await health.compute(session, org.id, now=clock.now() - timedelta(days=1))
        await health.record_day(session, org.id, now=clock.now() - timedelta(days=1))
        await health.record_day(session, org.id)  # today's recording, before the change
        default = await _default(client, headers)
        inverted = _component("CSM score", 1, _linear("csm_score", 0, 100, invert=True))
        saved = await client.put(
            f"{API}/health/models/{default['id']}",
            headers=headers,
            json={"components": [inverted], "shadow": True},
        )
        assert saved.status_code == 200, saved.text
        live = await client.post(
            f"{API}/health/models/{default['id']}/make-shadow-live", headers=headers
        )
        assert live.status_code == 200, live.text
        accounts[0].csm_score, accounts[4].csm_score = 20, 60
        await session.flush()
        await health.compute(session, org.id)  # what the recompute job does

        bands: dict[str | None, int] = {}
        for account in accounts:
            now = (await client.get(f"{API}/accounts/{account.id}/health", headers=headers)).json()
            bands[now["band"]] = bands.get(now["band"], 0) + 1
        trend = (await client.get(f"{API}/health/trend", headers=headers)).json()

        by_day: dict[str, dict[str | None, int]] = {}
        for point in trend["points"]:
            by_day.setdefault(point["day"], {})[point["band"]] = point["accounts"]
        assert trend["until"] == str(today)
        # 20, 80, 50, 10, 60 inverted: 80, 20, 50, 90, 40.
        assert by_day[str(today)] == bands == {"good": 2, "average": 2, "poor": 1}
        recorded = {"good": 2, "average": 1, "poor": 1, None: 1}
        assert by_day == {str(today - timedelta(days=1)): recorded, str(today): bands}
        history = await client.get(
            f"{API}/accounts/{accounts[0].id}/health/history", headers=headers
        )
        assert [(p["day"], p["score"], p["version"]) for p in history.json()["points"]] == [
            (str(today - timedelta(days=1)), 90, 1),
            (str(today), 80, 2),
        ]


class TestBacktest:
    async def test_a_backtest_on_a_constructed_history_reports_its_auc(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        today = clock.today_in(org.time_zone, clock.now())
        day = today - timedelta(days=100)
        # Scores then (the CSM score alone) and what happened within 90 days.
        history = {
            "kept high": (90, None),
            "kept": (80, None),
            "lost": (20, 20),
            "lost high": (85, 30),
        }
        accounts = {}
        for name, (score, churned_after) in history.items():
            churned_on = day + timedelta(days=churned_after) if churned_after else None
            account = await create_account(session, org, name=name, churned_on=churned_on)
            accounts[name] = account
            await add_snapshot(session, account, day, {"csm_score": score, "mrr": 100})
            if churned_on:
                session.add(
                    ChurnEvent(
                        org_id=org.id, account_id=account.id, churned_on=churned_on, reason="Budget"
                    )
                )
        gone = await create_account(session, org, churned_on=day - timedelta(days=1))
        await add_snapshot(session, gone, day, {"csm_score": 5})
        await session.flush()
        default = await _default(client, headers)

        response = await client.post(
            f"{API}/health/models/{default['id']}/backtest",
            headers=headers,
            json={"components": [CSM], "day": str(day), "horizon_days": 90},
        )

        assert response.status_code == 200, response.text
        body = response.json()
        # Stayed {90, 80} against churned {20, 85}: 3 of the 4 pairs ordered right.
        assert (body["accounts"], body["churned"], body["auc"]) == (4, 2, 0.75)
        good, average, poor, no_data = body["bands"]
        assert (good["band"], good["accounts"], good["churned"]) == ("good", 3, 1)
        assert good["churned_accounts"] == [
            {"id": str(accounts["lost high"].id), "name": accounts["lost high"].name}
        ]
        assert (poor["accounts"], poor["churn_rate"], poor["churned_mrr"]) == (1, 1.0, 100)
        assert body["poor_lift"] == 2.0
        assert body["currency"] == "USD"
        assert (average["accounts"], no_data["band"], no_data["accounts"]) == (0, None, 0)
        assert body["version"] is None

        # The live default version has other components: the same day, replayed as saved.
        saved = await client.post(
            f"{API}/health/models/{default['id']}/backtest",
            headers=headers,
            json={"day": str(day)},
        )
        assert saved.json()["version"] == 1
        too_recent = await client.post(
            f"{API}/health/models/{default['id']}/backtest",
            headers=headers,
            json={"day": str(today - timedelta(days=10))},
        )
        assert_problem(too_recent, 422, "invalid_range")
        unknown = await client.post(
            f"{API}/health/models/{default['id']}/backtest",
            headers=headers,
            json={"day": str(day), "version": 9},
        )
        assert_problem(unknown, 404, "health_model_not_found")
        # A day without a metric snapshot has nothing to replay: said so, with the days that do.
        for body in ({"day": "1900-01-01"}, {"day": "1900-01-01", "components": [CSM]}):
            nothing = await client.post(
                f"{API}/health/models/{default['id']}/backtest", headers=headers, json=body
            )
            problem = assert_problem(nothing, 422, "no_snapshot_for_day")
            assert f"the first was taken on {day}, the last on {day}" in problem["detail"]

        # A dimension is replayed with its value now (the snapshots hold metrics only).
        tiers = {
            t.name: t.id for t in await session.scalars(select(Tier).where(Tier.org_id == org.id))
        }
        for name, tier in (("kept high", 1), ("kept", 1), ("lost", 3), ("lost high", 3)):
            accounts[name].tier_id = tiers[f"Tier {tier}"]
        await session.flush()
        by_tier = await client.post(
            f"{API}/health/models/{default['id']}/backtest",
            headers=headers,
            json={
                "components": [_component("Tier", 1, _values("tier", {"Tier 1": 100}, 0))],
                "day": str(day),
            },
        )
        assert (by_tier.json()["accounts"], by_tier.json()["auc"]) == (4, 1.0)

    async def test_before_any_snapshot_a_backtest_says_there_is_none(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await create_account(session, org, csm_score=50)
        default = await _default(client, headers)
        day = clock.today_in(org.time_zone, clock.now()) - timedelta(days=200)

        response = await client.post(
            f"{API}/health/models/{default['id']}/backtest",
            headers=headers,
            json={"day": str(day)},
        )

        problem = assert_problem(response, 422, "no_snapshot_for_day")
        assert problem["detail"].endswith("none has been taken yet")
