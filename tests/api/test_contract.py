"""The API's contract, checked over every route the app has: request bodies refuse fields they
do not know, every operation documents the problems it can answer, and every domain error is
found in its area's errors.py."""

import importlib
import pkgutil
import re
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

import api
import domain
import workers
from domain.common.batches import MAX_BATCH
from domain.common.errors import DomainError
from domain.integration.models import ApiScope
from domain.orgs.models import Organisation
from tests.factories import create_account, create_api_key
from tests.helpers import PROBLEM_JSON, assert_problem

# Request schemas that accept fields they do not name, and why.
ACCEPT_UNKNOWN_FIELDS = {
    # Segment's HTTP Tracking API: Segment sends `integrations`, `sentAt`, `version`, ... that
    # Tenure has no use for; refusing them would refuse Segment itself.
    "SegmentIdentify": "Segment's spec",
    "SegmentGroup": "Segment's spec",
    "SegmentTrack": "Segment's spec",
    "SegmentPage": "Segment's spec",
    "SegmentAlias": "Segment's spec",
    "SegmentBatch": "Segment's spec",
    # Multipart form fields FastAPI generates for the CSV upload: a form's extra parts are not
    # read at all.
    "Body_startAccountImport": "a multipart form",
}


# Path parameters that do not name a record looked up by it, so never answer 404, and why.
NOT_LOOKED_UP = {
    "token": "an invitation token that is invalid, expired or used answers 409 alike",
    "org_id": "a webhook for an unknown organisation answers 401, like a bad signature",
}


# Error statuses answered with another body, and why.
NOT_PROBLEMS = {"GET /readyz 503": "a readiness probe answers which of its checks failed"}


def _refs(schema: Any) -> set[str]:
    """Names of the component schemas `schema` refers to, directly or nested inline."""
    found: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[1])
        for value in schema.values():
            found |= _refs(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _refs(value)
    return found


def _operations(app: FastAPI) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", op)
        for path, ops in app.openapi()["paths"].items()
        for method, op in ops.items()
    ]


class TestRequestBodiesRefuseUnknownFields:
    def test_every_request_schema_forbids_unknown_fields(self, app_instance: FastAPI) -> None:
        components = app_instance.openapi()["components"]["schemas"]
        # Webhook envelopes, one per type: Standard Webhooks senders add members Tenure has
        # no use for (`timestamp`).
        mapping = components["Webhook"]["discriminator"]["mapping"]
        envelopes = {ref.rsplit("/", 1)[1] for ref in mapping.values()}
        lax: dict[str, str] = {}
        for label, op in _operations(app_instance):
            todo = _refs(op.get("requestBody", {}))
            seen: set[str] = set()
            while todo:
                name = todo.pop()
                if name in seen or name in ACCEPT_UNKNOWN_FIELDS or name in envelopes:
                    continue
                seen.add(name)
                schema = components[name]
                if "properties" in schema and schema.get("additionalProperties") is not False:
                    lax.setdefault(name, label)
                todo |= _refs(schema)

        assert not lax, (
            "These request schemas silently ignore unknown fields: make them inherit "
            "domain.common.schemas.RequestModel (or list them, with why, in "
            "ACCEPT_UNKNOWN_FIELDS): "
            + ", ".join(f"{n} (in {op})" for n, op in sorted(lax.items()))
        )

    async def test_a_misspelled_subscription_field_answers_422(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        await create_account(session, org, external_id="acme")
        _, headers = await create_api_key(session, org, ApiScope.INGEST)
        subscription = {
            "external_id": "sub_1",
            "account_external_id": "acme",
            "currency": "USD",
            "starts_on": "2026-01-01",
            "ends_at": "2027-01-01",
            "items": [
                {
                    "external_id": "si_1",
                    "kind": "plan",
                    "name": "Business",
                    "unit_price": 1000,
                    "interval_months": 1,
                }
            ],
        }

        response = await client.post("/api/v1/subscriptions", headers=headers, json=subscription)
        good = await client.post(
            "/api/v1/subscriptions",
            headers=headers,
            json={**{k: v for k, v in subscription.items() if k != "ends_at"}},
        )

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["body", "ends_at"]
        assert good.status_code == 200, good.text

    async def test_a_misspelled_nested_field_answers_422(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        _, headers = await create_api_key(session, org, ApiScope.INGEST)

        response = await client.post(
            "/api/v1/events",
            headers=headers,
            json={
                "message_id": "m-1",
                "name": "Exported",
                "contact_external_id": "u-1",
                "occurred_at": "2026-01-01T00:00:00Z",
                "feature_name": "reports",
            },
        )

        assert_problem(response, 422, "validation_error")


class TestBatchBodies:
    def test_records_refer_to_their_schemas(self, app_instance: FastAPI) -> None:
        components = app_instance.openapi()["components"]["schemas"]
        batches = [(label, op) for label, op in _operations(app_instance) if "/batch" in label]
        assert len(batches) == 10
        for label, op in batches:
            body = op["requestBody"]["content"]["application/json"]["schema"]
            [records] = [p for k, p in body["properties"].items() if k in ("items", "batch")]
            assert records["maxItems"] == MAX_BATCH, label
            names = _refs(records)
            assert names and names <= components.keys(), (label, names)

    def test_every_reference_resolves(self, app_instance: FastAPI) -> None:
        document = app_instance.openapi()
        assert _refs(document) <= document["components"]["schemas"].keys()


class TestEveryOperationDocumentsItsProblems:
    """Generated clients type the errors an operation declares, so it must declare those it
    can answer: 422 when it takes any input, 401 when it needs a credential, 404 when its path
    names something; each as an RFC 9457 problem."""

    def test_declares_the_statuses_its_inputs_imply(self, app_instance: FastAPI) -> None:
        missing = []
        for label, op in _operations(app_instance):
            declared = set(op["responses"])
            params = op.get("parameters", [])
            expected = set()
            if params or "requestBody" in op:
                expected.add("422")
            if op.get("security"):
                expected.add("401")
            if any(p["in"] == "path" and p["name"] not in NOT_LOOKED_UP for p in params):
                expected.add("404")
            if expected - declared:
                missing.append(f"{label}: {sorted(expected - declared)}")

        assert not missing, "Declare these in the route's `responses=problem(...)`:\n" + "\n".join(
            missing
        )

    def test_every_problem_is_documented_as_problem_json(self, app_instance: FastAPI) -> None:
        wrong = []
        for label, op in _operations(app_instance):
            for status, response in op["responses"].items():
                if not status.startswith(("4", "5")) or f"{label} {status}" in NOT_PROBLEMS:
                    continue
                schema = response.get("content", {}).get(PROBLEM_JSON, {}).get("schema")
                if schema != {"$ref": "#/components/schemas/ProblemDetail"}:
                    wrong.append(f"{label} {status}")

        assert not wrong, (
            "These problems are not documented as application/problem+json ProblemDetail "
            "(FastAPI's default 422 is not what the API answers): use api.errors.problem:\n"
            + "\n".join(wrong)
        )


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def _import_all(*packages: ModuleType) -> None:
    for package in packages:
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not info.name.endswith(".__main__"):
                importlib.import_module(info.name)


class TestDomainErrorsLiveInErrorsModules:
    """An area's errors.py lists every problem its services can answer, so a client (or a
    reviewer choosing a status) reads them in one place."""

    def test_every_domain_error_is_defined_in_an_errors_module(self) -> None:
        _import_all(api, domain, workers)
        ours = (f"{api.__name__}.", f"{domain.__name__}.", f"{workers.__name__}.")

        strays = sorted(
            f"{error.__module__}.{error.__qualname__}"
            for error in _subclasses(DomainError)
            if error.__module__.startswith(ours)
            and not re.fullmatch(r"domain\.\w+\.errors", error.__module__)
        )

        assert not strays, (
            "Define these in their area's errors.py (domain/<area>/errors.py) and import them "
            "from there:\n" + "\n".join(strays)
        )
