"""Alert rules and alerts through the API: validation, the rules table, the alert lifecycle,
bulk actions, preview reasons and "why no alert", scoped to the accounts the caller may see."""

from datetime import date, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import delete, event, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.accounts.models import CustomField
from domain.alerts import service as alerts
from domain.alerts.models import EvaluationTrigger
from domain.alerts.schemas import AlertFilters, AlertRuleCreate
from domain.common.jobs import OutboundJob
from domain.common.settings import Settings
from domain.health import service as health
from domain.orgs.models import Organisation
from domain.users.actor import Actor
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem

API = "/api/v1"
AT_RISK = {"kind": "compare", "field": "name", "op": "starts_with", "value": "Risky"}


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


def _rule(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "At risk",
        "type": "churn",
        "description": "Usage dropped",
        "condition": AT_RISK,
        **overrides,
    }


async def _create(client: AsyncClient, headers: dict[str, str], **overrides: Any) -> Any:
    response = await client.post(f"{API}/alert-rules", headers=headers, json=_rule(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def _evaluate(session: AsyncSession, org: Organisation) -> None:
    await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE)
    await session.commit()


class TestRules:
    async def test_create_read_update_delete(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        rule = await _create(client, headers, retrigger_delay_days=14, creates_task=True)
        assert (rule["retrigger_delay_days"], rule["creates_task"], rule["is_active"]) == (
            14,
            True,
            True,
        )
        assert (rule["last_triggered_at"], rule["triggers_last_30_days"]) == (None, 0)

        changed = await client.patch(
            f"{API}/alert-rules/{rule['id']}",
            headers=headers,
            json={"is_active": False, "never_retrigger": True},
        )
        assert changed.status_code == 200, changed.text
        assert (changed.json()["is_active"], changed.json()["never_retrigger"]) == (False, True)
        listed = (await client.get(f"{API}/alert-rules", headers=headers)).json()
        assert [r["name"] for r in listed] == ["At risk"]

        deleted = await client.delete(f"{API}/alert-rules/{rule['id']}", headers=headers)
        assert deleted.status_code == 204
        gone = await client.get(f"{API}/alert-rules/{rule['id']}", headers=headers)
        assert_problem(gone, 404, "alert_rule_not_found")

    async def test_an_unknown_field_is_a_422_naming_the_valid_ones(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        condition = {"kind": "compare", "field": "mrrr", "op": "gt", "value": 5000}
        response = await client.post(
            f"{API}/alert-rules", headers=headers, json=_rule(condition=condition)
        )
        body = assert_problem(response, 422, "invalid_filter")
        assert "'mrrr'" in body["detail"] and "valid fields are:" in body["detail"]
        assert "renewal_on" in body["detail"] and "health.band" in body["detail"]

    async def test_bad_values_are_422s_and_a_taken_name_409(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        for bad in (
            {"type": "mystery"},
            {"retrigger_delay_days": -1},
            {"name": ""},
            {"condition": {"kind": "compare", "field": "name", "op": "gt", "value": 3}},
        ):
            response = await client.post(f"{API}/alert-rules", headers=headers, json=_rule(**bad))
            assert_problem(response, 422)
        await _create(client, headers)
        assert_problem(
            await client.post(f"{API}/alert-rules", headers=headers, json=_rule()),
            409,
            "alert_rule_name_taken",
        )

    async def test_a_csm_cannot_change_rules(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, settings: Settings
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        await session.commit()
        response = await client.post(
            f"{API}/alert-rules", headers=auth_headers(settings, csm), json=_rule()
        )
        assert_problem(response, 403)

    async def test_a_rules_evaluations_are_for_who_configures_rules(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
    ) -> None:
        # An evaluation counts every account of the organisation, not only a CSM's own.
        rule = await _create(client, headers)
        csm = await create_user(session, org, role_name="CSM")
        await session.commit()
        path = f"{API}/alert-rules/{rule['id']}/evaluations"
        assert_problem(
            await client.get(path, headers=auth_headers(settings, csm)), 403, "permission_denied"
        )
        assert (await client.get(path, headers=headers)).status_code == 200

    async def test_run_now_queues_the_rules_evaluation(
        self, client: AsyncClient, headers: dict[str, str], session: AsyncSession
    ) -> None:
        rule = await _create(client, headers)
        response = await client.post(f"{API}/alert-rules/{rule['id']}/run", headers=headers)
        assert response.status_code == 202, response.text
        jobs = list(
            await session.scalars(
                select(OutboundJob).where(OutboundJob.name == alerts.EVALUATE_RULE_JOB)
            )
        )
        assert [j.kwargs["rule_id"] for j in jobs] == [rule["id"]]


class TestLifecycle:
    async def test_fired_listed_snoozed_dismissed_and_deleted(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
    ) -> None:
        account = await create_account(session, org, name="Risky Co")
        await create_account(session, org, name="Calm Co")
        rule = await _create(client, headers)
        await _evaluate(session, org)

        page = (await client.get(f"{API}/alerts", headers=headers)).json()
        assert page["total"] == 1
        (alert,) = page["items"]
        assert (alert["account_id"], alert["rule_name"], alert["type"]) == (
            str(account.id),
            "At risk",
            "churn",
        )
        assert (alert["status"], alert["reason"], alert["values"]) == (
            "open",
            "Usage dropped",
            {"name": "Risky Co"},
        )
        rules = (await client.get(f"{API}/alert-rules", headers=headers)).json()
        assert rules[0]["triggers_last_30_days"] == 1 and rules[0]["last_triggered_at"]
        history = (
            await client.get(f"{API}/alert-rules/{rule['id']}/evaluations", headers=headers)
        ).json()
        assert [(e["matched"], e["fired"], e["trigger"]) for e in history] == [(1, 1, "schedule")]

        for past in (date.today() - timedelta(days=400), date.today() - timedelta(days=1)):
            assert_problem(
                await client.post(
                    f"{API}/alerts/{alert['id']}/snooze",
                    headers=headers,
                    json={"until": past.isoformat()},
                ),
                422,
                "snooze_in_the_past",
            )
        until = (date.today() + timedelta(days=3)).isoformat()
        snoozed = await client.post(
            f"{API}/alerts/{alert['id']}/snooze", headers=headers, json={"until": until}
        )
        assert snoozed.json()["snoozed_until"] == until
        inbox = (await client.get(f"{API}/alerts?snoozed=false", headers=headers)).json()
        assert inbox["total"] == 0

        dismissed = await client.post(f"{API}/alerts/{alert['id']}/dismiss", headers=headers)
        assert dismissed.status_code == 200, dismissed.text
        assert dismissed.json()["status"] == "dismissed" and dismissed.json()["dismissed_by"]
        again = await client.post(f"{API}/alerts/{alert['id']}/dismiss", headers=headers)
        assert again.json()["dismissed_at"] == dismissed.json()["dismissed_at"]
        assert_problem(
            await client.post(
                f"{API}/alerts/{alert['id']}/snooze", headers=headers, json={"until": until}
            ),
            409,
            "alert_dismissed",
        )
        open_ = (await client.get(f"{API}/alerts?status=open", headers=headers)).json()
        assert open_["total"] == 0

        assert (
            await client.delete(f"{API}/alerts/{alert['id']}", headers=headers)
        ).status_code == 204
        assert (await client.get(f"{API}/alerts", headers=headers)).json()["total"] == 0
        rules = (await client.get(f"{API}/alert-rules", headers=headers)).json()
        assert (rules[0]["triggers_last_30_days"], rules[0]["last_triggered_at"]) == (0, None)

    async def test_a_rule_over_the_health_score_fires_with_its_values(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
    ) -> None:
        slipping = await create_account(session, org, name="slipping", csm_score=20)
        await create_account(session, org, name="steady", csm_score=80)
        await create_account(session, org, name="unscored")
        await health.compute(session, org.id)
        condition = {
            "kind": "all",
            "conditions": [
                {"kind": "compare", "field": "health.band", "op": "eq", "value": "poor"},
                {"kind": "compare", "field": "health.score", "op": "lt", "value": 30},
            ],
        }
        await _create(client, headers, condition=condition)
        await _evaluate(session, org)

        page = (await client.get(f"{API}/alerts", headers=headers)).json()
        assert [(a["account_id"], a["values"]) for a in page["items"]] == [
            (str(slipping.id), {"health.band": "poor", "health.score": 20})
        ]

    async def test_the_accounts_timeline_shows_the_alert_and_its_dismissal(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        admin: User,
    ) -> None:
        account = await create_account(session, org, name="Risky Co")
        await _create(client, headers)
        await _evaluate(session, org)
        (alert,) = (await client.get(f"{API}/alerts", headers=headers)).json()["items"]
        timeline = f"{API}/accounts/{account.id}/timeline"

        fired = (await client.get(timeline, headers=headers)).json()["items"]
        assert [(i["kind"], i["title"], i["detail"]) for i in fired] == [
            ("alert", "Alert: At risk", "Usage dropped")
        ]
        await client.post(f"{API}/alerts/{alert['id']}/dismiss", headers=headers)
        items = (await client.get(timeline, headers=headers)).json()["items"]
        assert [(i["kind"], i["title"], i["author_id"]) for i in items] == [
            ("alert_dismissed", "Alert dismissed: At risk", str(admin.id)),
            ("alert", "Alert: At risk", None),
        ]
        only = await client.get(f"{timeline}?kinds=alert_dismissed", headers=headers)
        assert [i["kind"] for i in only.json()["items"]] == ["alert_dismissed"]

        await client.delete(f"{API}/alerts/{alert['id']}", headers=headers)
        assert (await client.get(timeline, headers=headers)).json()["items"] == []

    async def test_bulk_dismiss_every_alert_of_a_rule_and_bulk_delete_by_id(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
    ) -> None:
        for n in range(3):
            await create_account(session, org, name=f"Risky {n}")
        rule = await _create(client, headers)
        other = await _create(client, headers, name="Other", type="renewal")
        await _evaluate(session, org)

        dismissed = await client.post(
            f"{API}/alerts/bulk-dismiss", headers=headers, json={"rule_id": rule["id"]}
        )
        assert dismissed.json() == {"count": 3}
        still_open = (await client.get(f"{API}/alerts?status=open", headers=headers)).json()
        assert {a["rule_id"] for a in still_open["items"]} == {other["id"]}
        by_type = (await client.get(f"{API}/alerts?type=renewal", headers=headers)).json()
        assert by_type["total"] == 3

        ids = [a["id"] for a in still_open["items"][:2]]
        deleted = await client.post(
            f"{API}/alerts/bulk-delete", headers=headers, json={"alert_ids": ids}
        )
        assert deleted.json() == {"count": 2}
        assert (await client.get(f"{API}/alerts", headers=headers)).json()["total"] == 4
        every = await client.post(
            f"{API}/alerts/bulk-delete", headers=headers, json={"rule_id": rule["id"]}
        )
        assert every.json() == {"count": 3}
        both = await client.post(
            f"{API}/alerts/bulk-delete",
            headers=headers,
            json={"rule_id": rule["id"], "alert_ids": ids},
        )
        assert_problem(both, 422)


class TestBrokenRules:
    async def test_a_rule_naming_a_deleted_field_shows_its_problem_and_its_skips(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
    ) -> None:
        """Deleting a field a rule names is refused; a rule stored before that was refused can
        still name one that is gone."""
        await create_account(session, org, name="Risky Co")
        field = await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={"key": "seats", "label": "Seats", "type": "number"},
        )
        assert field.status_code == 201, field.text
        broken = await _create(
            client,
            headers,
            name="Few seats",
            condition={"kind": "compare", "field": "custom.seats", "op": "lt", "value": 5},
        )
        fine = await _create(client, headers)
        assert broken["problem"] is None
        await session.execute(delete(CustomField).where(CustomField.id == field.json()["id"]))

        listed = {
            r["name"]: r["problem"]
            for r in (await client.get(f"{API}/alert-rules", headers=headers)).json()
        }
        assert listed == {
            "At risk": None,
            "Few seats": "names a field that no longer exists: custom.seats",
        }
        one = await client.get(f"{API}/alert-rules/{broken['id']}", headers=headers)
        assert one.json()["problem"] == listed["Few seats"]

        # The live chain skips it quietly; a scheduled pass records the skip, and the other
        # rule still fires.
        await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.LIVE)
        await session.commit()
        assert (
            await client.get(f"{API}/alert-rules/{broken['id']}/evaluations", headers=headers)
        ).json() == []
        await _evaluate(session, org)
        [skip] = (
            await client.get(f"{API}/alert-rules/{broken['id']}/evaluations", headers=headers)
        ).json()
        assert (skip["problem"], skip["matched"], skip["fired"], skip["trigger"]) == (
            listed["Few seats"],
            0,
            0,
            "schedule",
        )
        ran = (
            await client.get(f"{API}/alert-rules/{fine['id']}/evaluations", headers=headers)
        ).json()
        assert [(r["trigger"], r["problem"], r["fired"]) for r in ran] == [
            ("schedule", None, 0),
            ("live", None, 1),
        ]

        # Editing the condition to fields that exist clears the problem.
        mended = await client.patch(
            f"{API}/alert-rules/{broken['id']}", headers=headers, json={"condition": AT_RISK}
        )
        assert mended.status_code == 200 and mended.json()["problem"] is None, mended.text


class TestBulkClose:
    async def test_by_ids_and_by_rule_closes_tasks_and_alerts_and_refuses_plain_alerts(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        admin: User,
    ) -> None:
        for n in range(3):
            await create_account(session, org, name=f"Risky {n}", csms=[admin])
        tasks_rule = await _create(client, headers, creates_task=True)
        plain_rule = await _create(client, headers, name="Plain", type="renewal")
        await _evaluate(session, org)
        task_alerts = (
            await client.get(f"{API}/alerts", headers=headers, params={"is_task": True})
        ).json()["items"]
        plain = (
            await client.get(f"{API}/alerts", headers=headers, params={"is_task": False})
        ).json()["items"]
        assert len(task_alerts) == len(plain) == 3

        # A plain alert among the ids refuses the whole request, naming it.
        refused = await client.post(
            f"{API}/alerts/bulk-close",
            headers=headers,
            json={"alert_ids": [task_alerts[0]["id"], plain[0]["id"]], "outcome": "successful"},
        )
        assert_problem(refused, 409, "plain_alerts_selected")
        assert plain[0]["id"] in refused.json()["detail"]
        assert task_alerts[0]["id"] not in refused.json()["detail"]
        assert (
            await client.get(f"{API}/alerts", headers=headers, params={"status": "open"})
        ).json()["total"] == 6

        first = await client.post(
            f"{API}/alerts/bulk-close",
            headers=headers,
            json={"alert_ids": [task_alerts[0]["id"]], "outcome": "false_alarm"},
        )
        assert first.json() == {"count": 1}, first.text
        closed_alert = next(
            a
            for a in (await client.get(f"{API}/alerts", headers=headers)).json()["items"]
            if a["id"] == task_alerts[0]["id"]
        )
        assert (closed_alert["status"], closed_alert["outcome"]) == ("closed", "false_alarm")
        assert closed_alert["closed_at"] is not None
        task = (await client.get(f"{API}/tasks/{closed_alert['task_id']}", headers=headers)).json()
        assert (task["status"], task["outcome"], task["closed_by"]) == (
            "closed",
            "false_alarm",
            str(admin.id),
        )

        # Every open alert task of the rule: the two left (the closed one is passed over).
        rest = await client.post(
            f"{API}/alerts/bulk-close",
            headers=headers,
            json={"rule_id": tasks_rule["id"], "outcome": "successful"},
        )
        assert rest.json() == {"count": 2}
        by_outcome = (
            await client.get(f"{API}/alerts", headers=headers, params={"rule_id": tasks_rule["id"]})
        ).json()["items"]
        assert sorted(a["outcome"] for a in by_outcome) == [
            "false_alarm",
            "successful",
            "successful",
        ]
        # A plain rule's selection has no alert task to close.
        none = await client.post(
            f"{API}/alerts/bulk-close",
            headers=headers,
            json={"rule_id": plain_rule["id"], "outcome": "successful"},
        )
        assert none.json() == {"count": 0}
        assert (
            await client.get(f"{API}/alerts", headers=headers, params={"status": "open"})
        ).json()["total"] == 3

    async def test_bad_input_is_a_4xx_and_a_csm_closes_only_their_accounts_tasks(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        settings: Settings,
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        await create_account(session, org, name="Risky Mine", csms=[csm])
        await create_account(session, org, name="Risky Theirs")
        await create_account(session, other_org, name="Risky Elsewhere")
        rule = await _create(client, headers, creates_task=True)
        their_rule = await alerts.create_rule(
            session,
            Actor.system(other_org.id),
            AlertRuleCreate.model_validate(_rule(creates_task=True)),
        )
        for tenant in (org, other_org):
            await _evaluate(session, tenant)
        for body in (
            {"rule_id": rule["id"]},
            {"rule_id": rule["id"], "outcome": "maybe"},
            {"outcome": "successful"},
            {"rule_id": rule["id"], "alert_ids": [], "outcome": "successful"},
            {"alert_ids": ["not-a-uuid"], "outcome": "successful"},
        ):
            assert_problem(
                await client.post(f"{API}/alerts/bulk-close", headers=headers, json=body), 422
            )
        assert_problem(
            await client.post(
                f"{API}/alerts/bulk-close",
                headers=headers,
                json={"rule_id": str(their_rule.id), "outcome": "successful"},
            ),
            404,
        )
        their_alert = (
            await alerts.list_alerts(
                session, Actor.system(other_org.id), AlertFilters(), limit=1, offset=0
            )
        ).items[0]
        foreign = await client.post(
            f"{API}/alerts/bulk-close",
            headers=headers,
            json={"alert_ids": [str(their_alert.id)], "outcome": "successful"},
        )
        assert foreign.json() == {"count": 0}

        as_csm = auth_headers(settings, csm)
        mine = await client.post(
            f"{API}/alerts/bulk-close",
            headers=as_csm,
            json={"rule_id": rule["id"], "outcome": "unsuccessful"},
        )
        assert mine.json() == {"count": 1}
        still_open = (
            await client.get(f"{API}/alerts", headers=headers, params={"status": "open"})
        ).json()["items"]
        assert [a["account_name"] for a in still_open] == ["Risky Theirs"]
        theirs = (
            await alerts.list_alerts(
                session, Actor.system(other_org.id), AlertFilters(), limit=1, offset=0
            )
        ).items[0]
        assert theirs.status == "open"


class TestPreview:
    async def test_a_draft_and_a_saved_rule_say_why_each_account_is_held(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
    ) -> None:
        fresh = await create_account(session, org, name="Risky A")
        await create_account(session, org, name="Risky B Gone", churned_on=date(2026, 1, 1))
        await create_account(session, org, name="Calm")
        draft = await client.post(
            f"{API}/alert-rules/preview", headers=headers, json={"condition": AT_RISK}
        )
        assert draft.status_code == 200, draft.text
        body = draft.json()
        assert (body["matched"], body["would_fire"], body["held"]["churned_excluded"]) == (
            2,
            1,
            1,
        )
        assert [(a["account_name"], a["fires"], a["held"]) for a in body["accounts"]] == [
            ("Risky A", True, None),
            ("Risky B Gone", False, "churned_excluded"),
        ]

        rule = await _create(client, headers, retrigger_delay_days=7)
        await _evaluate(session, org)
        preview = (
            await client.post(f"{API}/alert-rules/{rule['id']}/preview", headers=headers)
        ).json()
        held = {a["account_name"]: a for a in preview["accounts"]}
        assert held["Risky A"]["held"] == "open_alert" and held["Risky A"]["open_alert_id"]

        await client.post(
            f"{API}/alerts/bulk-dismiss", headers=headers, json={"rule_id": rule["id"]}
        )
        preview = (
            await client.post(f"{API}/alert-rules/{rule['id']}/preview", headers=headers)
        ).json()
        verdict = next(a for a in preview["accounts"] if a["account_name"] == "Risky A")
        assert verdict["held"] == "retrigger_delay" and verdict["may_fire_from"]

        why = await client.get(f"{API}/accounts/{fresh.id}/alert-verdicts", headers=headers)
        assert why.status_code == 200, why.text
        assert [(v["rule_name"], v["matches"], v["held"]) for v in why.json()] == [
            ("At risk", True, "retrigger_delay")
        ]

    async def test_why_no_alert_answers_every_rule_in_one_statement(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        connection: AsyncConnection,
    ) -> None:
        account = await create_account(session, org, name="Risky C")
        await _create(client, headers, name="Named risky", retrigger_delay_days=3)
        await _create(client, headers, name="Named calm", condition={**AT_RISK, "value": "Calm"})
        await _create(client, headers, name="Never again", never_retrigger=True)
        await _evaluate(session, org)
        listed = (await client.get(f"{API}/alerts", headers=headers)).json()["items"]
        for alert in listed:
            if alert["rule_name"] != "Named risky":
                await client.post(f"{API}/alerts/{alert['id']}/dismiss", headers=headers)

        sent: list[str] = []

        def record(conn: object, cursor: object, statement: str, *args: object) -> None:
            sent.append(statement)

        event.listen(connection.sync_connection, "before_cursor_execute", record)
        try:
            why = await client.get(f"{API}/accounts/{account.id}/alert-verdicts", headers=headers)
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", record)
        assert why.status_code == 200, why.text
        assert [
            (v["rule_name"], v["matches"], v["held"], v["open_alert_id"] is not None)
            for v in why.json()
        ] == [
            ("Named calm", False, None, False),
            ("Named risky", True, "open_alert", True),
            ("Never again", True, "never_retrigger", False),
        ]
        assert [v["values"] for v in why.json()] == [{"name": "Risky C"}] * 3
        # The rules' verdicts come from one statement over a VALUES list of their policies.
        assert len([s for s in sent if "policies" in s]) == 1


class TestScoping:
    async def test_a_csm_sees_only_their_accounts_alerts_and_another_orgs_ids_are_404(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        settings: Settings,
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        mine = await create_account(session, org, name="Risky Mine", csms=[csm])
        await create_account(session, org, name="Risky Theirs")
        theirs = await create_account(session, other_org, name="Risky Elsewhere")
        await _create(client, headers)
        await alerts.create_rule(
            session,
            Actor.system(other_org.id),
            AlertRuleCreate.model_validate(_rule()),
        )
        for tenant in (org, other_org):
            await _evaluate(session, tenant)
        as_csm = auth_headers(settings, csm)

        page = (await client.get(f"{API}/alerts", headers=as_csm)).json()
        assert [a["account_name"] for a in page["items"]] == ["Risky Mine"]
        assert (await client.get(f"{API}/alerts", headers=headers)).json()["total"] == 2
        everything = (
            await client.post(
                f"{API}/alert-rules/preview", headers=as_csm, json={"condition": AT_RISK}
            )
        ).json()
        assert [a["account_id"] for a in everything["accounts"]] == [str(mine.id)]
        bulk = await client.post(
            f"{API}/alerts/bulk-dismiss",
            headers=as_csm,
            json={"rule_id": page["items"][0]["rule_id"]},
        )
        assert bulk.json() == {"count": 1}

        their_alert = (
            await alerts.list_alerts(
                session, Actor.system(other_org.id), AlertFilters(), limit=1, offset=0
            )
        ).items[0]
        for response in (
            await client.post(f"{API}/alerts/{their_alert.id}/dismiss", headers=headers),
            await client.delete(f"{API}/alerts/{their_alert.id}", headers=headers),
            await client.get(f"{API}/alert-rules/{their_alert.rule_id}", headers=headers),
            await client.post(f"{API}/alert-rules/{their_alert.rule_id}/preview", headers=headers),
            await client.get(f"{API}/accounts/{theirs.id}/alert-verdicts", headers=headers),
            await client.post(
                f"{API}/alerts/bulk-delete",
                headers=headers,
                json={"rule_id": str(their_alert.rule_id)},
            ),
            await client.get(
                f"{API}/alerts", headers=headers, params={"rule_id": str(their_alert.rule_id)}
            ),
        ):
            assert_problem(response, 404)
        deleted = await client.post(
            f"{API}/alerts/bulk-delete", headers=headers, json={"alert_ids": [str(their_alert.id)]}
        )
        assert deleted.json() == {"count": 0}
