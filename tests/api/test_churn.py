"""The churn model through the API: its status and history (what is missing before it can
train), "train now", an account's drivers, and who may see what."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.churn import service as churn
from domain.common.jobs import OutboundJob
from domain.common.settings import Settings
from domain.health import service as health
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.churn_factories import NOW, churn_history, set_current
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem

API = "/api/v1"


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


class TestStatus:
    async def test_before_enough_history_it_says_what_is_missing(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: Any
    ) -> None:
        await churn_history(session, org, days=20, churners=3)
        await churn.train(session, org.id, requested_at=NOW)
        await session.commit()

        body = (await client.get(f"{API}/churn/model", headers=headers)).json()

        assert body["live"] is None
        assert body["requirements"] == {
            "horizon_days": 90,
            "min_snapshot_days": 60,
            "min_churn_events": 10,
        }
        assert body["available"] == {"snapshot_days": 20, "churn_events": 3}
        assert "(has 20)" in body["missing"] and "(has 3)" in body["missing"]
        [run] = body["history"]
        assert run["refused"] == body["missing"] and run["features"] == []

    async def test_a_trained_model_shows_its_coefficients_check_and_backtest(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: Any
    ) -> None:
        await churn_history(session, org)
        await churn.train(session, org.id, requested_at=NOW)
        await session.commit()

        body = (await client.get(f"{API}/churn/model", headers=headers)).json()

        live = body["live"]
        assert body["missing"] is None and live["refused"] is None
        assert body["history"][0]["id"] == live["id"]
        features = {f["key"]: f for f in live["features"]}
        assert features["active_users_30d"]["label"] == "Active users (30 d)"
        assert features["active_users_30d"]["coefficient"] < 0
        assert live["held_out"]["auc"] > 0.95
        assert len(live["backtest"]["deciles"]) == 10


class TestTrainNow:
    async def test_queues_a_training_job(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: Any
    ) -> None:
        response = await client.post(f"{API}/churn/model/train", headers=headers)

        assert response.status_code == 202, response.text
        [job] = await session.scalars(
            select(OutboundJob).where(OutboundJob.name == churn.TRAIN_JOB)
        )
        assert job.job_id == response.json()["job_id"]
        assert job.job_id.startswith(f"churn:{org.id}:")

    async def test_requests_within_a_minute_are_one_training(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        first = churn.queue_training(session, org.id, NOW)
        second = churn.queue_training(session, org.id, NOW.replace(second=42))
        later = churn.queue_training(session, org.id, NOW.replace(minute=1))
        assert first == second != later

    async def test_a_csm_may_not_train_or_read_the_model(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, settings: Settings
    ) -> None:
        csm = auth_headers(settings, await create_user(session, org, role_name="CSM"))
        assert_problem(await client.post(f"{API}/churn/model/train", headers=csm), 403)
        assert_problem(await client.get(f"{API}/churn/model", headers=csm), 403)


class TestDrivers:
    async def test_the_accounts_top_driver_is_the_metric_that_drives_churn(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: Any
    ) -> None:
        await churn_history(session, org)
        await churn.train(session, org.id, requested_at=NOW)
        quiet = await create_account(session, org, name="quiet")
        await set_current(session, quiet, active_users_30d=2, events_30d=250)
        await session.commit()

        response = await client.get(f"{API}/accounts/{quiet.id}/churn-drivers", headers=headers)

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["probability"] > 80 and body["horizon_days"] == 90
        top = body["drivers"][0]
        assert (top["key"], top["value"]) == ("active_users_30d", 2)
        assert top["contribution"] > 0 and top["mean"] > 2

    async def test_no_model_yet_is_a_404_that_says_so(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: Any
    ) -> None:
        account = await create_account(session, org)
        await session.commit()
        response = await client.get(f"{API}/accounts/{account.id}/churn-drivers", headers=headers)
        assert_problem(response, 404, "no_churn_model")

    async def test_other_organisations_and_other_csms_accounts_are_not_found(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        settings: Settings,
        headers: Any,
    ) -> None:
        await churn_history(session, other_org)
        await churn.train(session, other_org.id, requested_at=NOW)
        elsewhere = await create_account(session, other_org)
        await churn_history(session, org)
        await churn.train(session, org.id, requested_at=NOW)
        user = await create_user(session, org, role_name="CSM")
        mine = await create_account(session, org, csms=[user])
        theirs = await create_account(session, org)
        await session.commit()
        csm = auth_headers(settings, user)

        for account, who in ((elsewhere, headers), (theirs, csm)):
            response = await client.get(f"{API}/accounts/{account.id}/churn-drivers", headers=who)
            assert_problem(response, 404)
        response = await client.get(f"{API}/accounts/{mine.id}/churn-drivers", headers=csm)
        assert response.status_code == 200, response.text
        # The other organisation's model is not this one's.
        status = (await client.get(f"{API}/churn/model", headers=headers)).json()
        assert [r["id"] for r in status["history"]] != []
        assert all(r["accounts"] == 60 for r in status["history"])
        assert len(status["history"]) == 1


class TestAsAMetric:
    async def test_a_health_component_and_the_account_list_use_the_probability(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: Any
    ) -> None:
        await churn_history(session, org)
        await churn.train(session, org.id, requested_at=NOW)
        quiet = await create_account(session, org, name="quiet")
        busy = await create_account(session, org, name="busy")
        await set_current(session, quiet, active_users_30d=2, events_30d=250)
        await set_current(session, busy, active_users_30d=24, events_30d=250)
        await session.commit()
        models = (await client.get(f"{API}/health/models", headers=headers)).json()
        default = next(m for m in models if m["default"])
        risk = {
            "name": "Predictive churn",
            "weight": 1,
            "metrics": [
                {
                    "metric": "churn_probability",
                    "mapping": {"kind": "linear", "low": 0, "high": 100, "invert": True},
                }
            ],
        }

        saved = await client.put(
            f"{API}/health/models/{default['id']}", headers=headers, json={"components": [risk]}
        )
        assert saved.status_code == 200, saved.text
        await health.compute(session, org.id)
        await session.commit()

        scores = {
            a.name: (await client.get(f"{API}/accounts/{a.id}/health", headers=headers)).json()
            for a in (quiet, busy)
        }
        assert scores["quiet"]["score"] < 20 < 80 < scores["busy"]["score"]
        listed = await client.get(
            f"{API}/accounts",
            headers=headers,
            params={
                "sort": "metric.churn_probability",
                "descending": "true",
                "columns": "metric.churn_probability",
                # Every account: the 60 of the history beside the two.
                "limit": 100,
            },
        )
        assert listed.status_code == 200, listed.text
        rows = [row for row in listed.json()["items"] if row["name"] in scores]
        assert [row["name"] for row in rows] == ["quiet", "busy"]
        assert rows[0]["metric_values"]["churn_probability"] > 80
