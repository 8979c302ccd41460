"""Deleting a custom field or computed metric that stored configuration means something by
(account views' filters, alert rules, attribute triggers, health models' segment filters and
components, computed metrics' formulas) is refused with what names it, every user's views by
whose they are: they would stop working. Views that only show it or sort by it lose that column
or sort instead."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.settings import Settings
from domain.metrics.repository import VIEWS_SHOWN
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_user
from tests.helpers import assert_problem

API = "/api/v1"


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


def _compare(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"kind": "compare", "field": field, "op": op, "value": value}


def _health(name: str, filter: dict[str, Any], metric: str, mapping: dict[str, Any]) -> Any:
    component = {"name": name, "weight": 1, "metrics": [{"metric": metric, "mapping": mapping}]}
    return {"name": name, "filter": filter, "components": [component]}


LINEAR = {"kind": "linear", "low": 0, "high": 100}
SEGMENT = _compare("csm_score", "gte", 50)
CSM_SCORE = ("csm_score", LINEAR)


async def _post(client: AsyncClient, headers: dict[str, str], path: str, body: Any) -> Any:
    response = await client.post(f"{API}/{path}", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _seats(client: AsyncClient, headers: dict[str, str]) -> Any:
    body = {"key": "seats", "label": "Seats", "type": "number"}
    return await _post(client, headers, "custom-fields", body)


class TestDeletingACustomField:
    @pytest.mark.parametrize(
        ("path", "body", "user"),
        [
            (
                "account-views",
                {"name": "Many seats", "filter": _compare("metric.seats", "gt", 10)},
                "your personal account view “Many seats”",
            ),
            (
                "account-views",
                {
                    "name": "Team seats",
                    "is_shared": True,
                    "columns": ["custom.seats"],
                    "filter": _compare("custom.seats", "gt", 10),
                },
                "the shared account view “Team seats”",
            ),
            (
                "alert-rules",
                {
                    "name": "Few seats",
                    "type": "churn",
                    "condition": {
                        "kind": "all",
                        "conditions": [
                            _compare("name", "starts_with", "Risky"),
                            {"kind": "not", "condition": _compare("custom.seats", "gte", 5)},
                        ],
                    },
                },
                "the alert rule “Few seats”",
            ),
            (
                "alert-rules",
                {
                    "name": "Seats above NPS",
                    "type": "churn",
                    "condition": {
                        "kind": "compare_fields",
                        "field": "nps",
                        "op": "lt",
                        "other": "custom.seats",
                    },
                },
                "the alert rule “Seats above NPS”",
            ),
            (
                "attribute-triggers",
                {
                    "name": "No seats",
                    "target": "churned",
                    "churn_reason": "No seats",
                    "condition": _compare("custom.seats", "eq", 0),
                },
                "the attribute trigger “No seats”",
            ),
            (
                "health/models",
                _health("Big", _compare("custom.seats", "gte", 100), *CSM_SCORE),
                "the health model “Big”",
            ),
            (
                "health/models",
                _health("Seat use", SEGMENT, "seats", LINEAR),
                "the health model “Seat use”",
            ),
            (
                "computed-metrics",
                {"key": "per_seat", "label": "Per seat", "formula": "mrr / seats"},
                "the computed metric “per_seat”",
            ),
        ],
    )
    async def test_refused_while_something_names_it(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        path: str,
        body: dict[str, Any],
        user: str,
    ) -> None:
        field = await _seats(client, headers)
        await _post(client, headers, path, body)

        response = await client.delete(f"{API}/custom-fields/{field['id']}", headers=headers)

        problem = assert_problem(response, 409, "custom_field_in_use")
        assert problem["detail"] == (
            f"The custom field “Seats” (custom.seats) is in use by {user}. "
            "Change or delete it first."
        )
        listed = (await client.get(f"{API}/custom-fields", headers=headers)).json()
        assert [f["key"] for f in listed] == ["seats"]

    async def test_a_dimension_a_health_model_maps_to_numbers(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        body = {"key": "region", "label": "Region", "type": "category", "options": ["EMEA"]}
        field = await _post(client, headers, "custom-fields", body)
        values = {"kind": "values", "scores": [{"value": "EMEA", "score": 80}]}
        await _post(
            client, headers, "health/models", _health("Regional", SEGMENT, "custom.region", values)
        )

        response = await client.delete(f"{API}/custom-fields/{field['id']}", headers=headers)

        problem = assert_problem(response, 409, "custom_field_in_use")
        assert "by the health model “Regional”." in problem["detail"]

    async def test_names_every_users_views_by_whose_they_are_and_an_admin_clears_them(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        settings: Settings,
    ) -> None:
        field = await _seats(client, headers)
        many = _compare("custom.seats", "gt", 10)
        shared = await _post(
            client, headers, "account-views", {"name": "D view", "is_shared": True, "filter": many}
        )
        mine = await _post(client, headers, "account-views", {"name": "C view", "filter": many})
        sam = await create_user(session, org, role_name="CSM", full_name="Sam Lee")
        csm = auth_headers(settings, sam)
        theirs = await _post(client, csm, "account-views", {"name": "Mine", "filter": many})

        response = await client.delete(f"{API}/custom-fields/{field['id']}", headers=headers)

        problem = assert_problem(response, 409, "custom_field_in_use")
        assert problem["detail"] == (
            "The custom field “Seats” (custom.seats) is in use by your personal account view "
            "“C view”, the shared account view “D view”, Sam Lee's personal account view "
            "“Mine”. Change or delete them first."
        )
        # The admin finds the CSM's view among every user's, edits one, deletes the others.
        everyone = await client.get(
            f"{API}/account-views", headers=headers, params={"owner": "all"}
        )
        assert everyone.status_code == 200, everyone.text
        assert [(v["name"], v["owner_id"]) for v in everyone.json()] == [
            ("C view", mine["owner_id"]),
            ("D view", shared["owner_id"]),
            ("Mine", str(sam.id)),
        ]
        edited = await client.put(
            f"{API}/account-views/{theirs['id']}", headers=headers, json={"name": "Mine"}
        )
        assert (edited.status_code, edited.json()["filter"]) == (200, None), edited.text
        for view in (mine, shared):
            deleted = await client.delete(f"{API}/account-views/{view['id']}", headers=headers)
            assert deleted.status_code == 204, deleted.text

        response = await client.delete(f"{API}/custom-fields/{field['id']}", headers=headers)

        assert response.status_code == 204, response.text
        assert [
            v["name"] for v in (await client.get(f"{API}/account-views", headers=csm)).json()
        ] == ["Mine"]

    async def test_names_a_few_views_and_counts_the_rest(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        field = await _seats(client, headers)
        for n in range(VIEWS_SHOWN + 2):
            body = {"name": f"View {n:02}", "filter": _compare("custom.seats", "gt", n)}
            await _post(client, headers, "account-views", body)

        response = await client.delete(f"{API}/custom-fields/{field['id']}", headers=headers)

        detail = assert_problem(response, 409, "custom_field_in_use")["detail"]
        assert detail.count("your personal account view") == VIEWS_SHOWN
        assert f"“View {VIEWS_SHOWN - 1:02}” and 2 more account views. " in detail

    async def test_columns_and_sort_do_not_keep_it_they_lose_it(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        settings: Settings,
    ) -> None:
        """Columns and sort are how a view shows its accounts, not which: every user's views
        that only show the field or sort by it lose it, each change audited."""
        field = await _seats(client, headers)
        other = {"key": "region", "label": "Region", "type": "text"}
        await _post(client, headers, "custom-fields", other)
        mine = await _post(
            client,
            headers,
            "account-views",
            {
                "name": "Seats column",
                "columns": ["name", "custom.seats", "metric.seats", "custom.region"],
                "sort": "custom.region",
                "descending": True,
            },
        )
        csm = auth_headers(settings, await create_user(session, org, role_name="CSM"))
        theirs = await _post(
            client,
            csm,
            "account-views",
            {"name": "By seats", "columns": ["name"], "sort": "metric.seats", "descending": True},
        )

        response = await client.delete(f"{API}/custom-fields/{field['id']}", headers=headers)

        assert response.status_code == 204, response.text
        views = {
            v["id"]: (v["columns"], v["sort"], v["descending"])
            for v in (
                await client.get(f"{API}/account-views", headers=headers, params={"owner": "all"})
            ).json()
        }
        assert views == {
            mine["id"]: (["name", "custom.region"], "custom.region", True),
            theirs["id"]: (["name"], "name", False),
        }
        audited = await client.get(
            f"{API}/audit-log",
            headers=headers,
            params={"action": "account_view.updated", "entity_id": theirs["id"]},
        )
        (entry,) = audited.json()["items"]
        assert (entry["before"]["sort"], entry["after"]) == (
            "metric.seats",
            {
                "columns": ["name"],
                "sort": "name",
                "descending": False,
                "reason": "custom_field_deleted",
            },
        )

    async def test_what_does_not_name_it_does_not_keep_it(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        """A value that reads like its key, a field whose key starts like it, a health model's
        earlier version and a deleted health model do not use it."""
        field = await _seats(client, headers)
        other = {"key": "seats_total", "label": "Seats total", "type": "number"}
        await _post(client, headers, "custom-fields", other)
        view = {
            "name": "Look-alikes",
            "columns": ["custom.seats_total"],
            "sort": "custom.seats_total",
            "filter": _compare("name", "in", ["custom.seats", "metric.seats", "seats"]),
        }
        look_alikes = await _post(client, headers, "account-views", view)
        formula = {"key": "doubled", "label": "Doubled", "formula": "seats_total * 2"}
        await _post(client, headers, "computed-metrics", formula)
        model = await _post(
            client, headers, "health/models", _health("Earlier", SEGMENT, "seats", LINEAR)
        )
        saved = await client.put(
            f"{API}/health/models/{model['id']}",
            headers=headers,
            json={"components": _health("Earlier", SEGMENT, *CSM_SCORE)["components"]},
        )
        assert saved.status_code == 200, saved.text
        gone = await _post(
            client, headers, "health/models", _health("Gone", SEGMENT, "seats", LINEAR)
        )
        deleted = await client.delete(f"{API}/health/models/{gone['id']}", headers=headers)
        assert deleted.status_code == 204, deleted.text

        response = await client.delete(f"{API}/custom-fields/{field['id']}", headers=headers)

        assert response.status_code == 204, response.text
        (kept,) = (await client.get(f"{API}/account-views", headers=headers)).json()
        assert kept == look_alikes


class TestDeletingAComputedMetric:
    async def test_refused_while_views_rules_health_models_or_formulas_name_it(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        body = {"key": "per_seat", "label": "Per seat", "formula": "mrr / 2"}
        metric = await _post(client, headers, "computed-metrics", body)
        double = {"key": "double", "label": "Double", "formula": "per_seat * 2"}
        await _post(client, headers, "computed-metrics", double)
        view = {"name": "Per seat", "filter": _compare("metric.per_seat", "gt", 1)}
        await _post(client, headers, "account-views", view)
        shown = {"name": "Shown", "columns": ["name", "metric.per_seat"], "sort": "metric.per_seat"}
        await _post(client, headers, "account-views", shown)
        rule = {
            "name": "Cheap seats",
            "type": "churn",
            "condition": _compare("metric.per_seat", "lt", 10),
        }
        await _post(client, headers, "alert-rules", rule)
        await _post(client, headers, "health/models", _health("Value", SEGMENT, "per_seat", LINEAR))

        response = await client.delete(f"{API}/computed-metrics/{metric['id']}", headers=headers)

        problem = assert_problem(response, 409, "metric_in_use")
        assert problem["detail"] == (
            "The computed metric “Per seat” (metric.per_seat) is in use by the computed metric "
            "“double”; your personal account view “Per seat”; the alert rule “Cheap seats”; the "
            "health model “Value”. Change or delete them first."
        )
        listed = (await client.get(f"{API}/computed-metrics", headers=headers)).json()
        assert {m["key"] for m in listed} == {"per_seat", "double"}

    async def test_columns_and_sort_do_not_keep_it_they_lose_it(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        body = {"key": "per_seat", "label": "Per seat", "formula": "mrr / 2"}
        metric = await _post(client, headers, "computed-metrics", body)
        shown = {"name": "Shown", "columns": ["name", "metric.per_seat"], "sort": "metric.per_seat"}
        view = await _post(client, headers, "account-views", shown)

        response = await client.delete(f"{API}/computed-metrics/{metric['id']}", headers=headers)

        assert response.status_code == 204, response.text
        (kept,) = (await client.get(f"{API}/account-views", headers=headers)).json()
        assert (kept["columns"], kept["sort"]) == (["name"], "name")
        audited = await client.get(
            f"{API}/audit-log",
            headers=headers,
            params={"action": "account_view.updated", "entity_id": view["id"]},
        )
        (entry,) = audited.json()["items"]
        assert entry["after"]["reason"] == "computed_metric_deleted"
