"""Every route, enumerated from the app itself (so a route is covered the day it is added):
another organisation's ids answer 404, a CSM's requests for an account not assigned to them
answer 404, and lists and totals a CSM reads leave that account out.

The objects the ids name come from tests/tenant_objects.py; a route naming an id no builder
there makes fails here until one is added."""

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.settings import Settings
from domain.integration.models import ApiScope
from domain.metrics import service as metrics
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_api_key, create_user
from tests.helpers import PROBLEM_JSON
from tests.metric_factories import NOW, set_mrr
from tests.tenant_objects import (
    ID_FACTORIES,
    NOT_OBJECT_IDS,
    NOT_OBJECT_VALUES,
    OF_AN_ACCOUNT,
    OrgObjects,
)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    params: tuple[str, ...]
    operation: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def url(self, values: dict[str, Any]) -> str:
        return self.path.format(**{p: values[p] for p in self.params})


def operations(app: FastAPI) -> list[Operation]:
    """Every documented operation of the app, from its routes."""
    schema = app.openapi()
    found = []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        # A parameter's alias is its name in the path (a route shared by several kinds of item
        # names its parameter once, by alias per kind).
        params = tuple(p.alias for p in route.dependant.path_params)
        for method in sorted(route.methods):
            op = schema["paths"][route.path_format][method.lower()]
            found.append(Operation(method, route.path_format, params, op))
    return found


class _TooDeep(Exception):
    pass


def minimal(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> Any:
    """The smallest instance of a JSON schema that validates (its examples when it has some),
    so a body's validation never answers before the id is looked up."""
    if depth > 12:
        raise _TooDeep
    if "$ref" in schema:
        return minimal(components[schema["$ref"].rsplit("/", 1)[1]], components, depth + 1)
    if "examples" in schema and not isinstance(schema["examples"], dict):
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    if "default" in schema:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            # A recursive schema (a filter's condition tree) ends at one of its leaves.
            for option in options:
                try:
                    return minimal(option, components, depth + 1)
                except _TooDeep:
                    continue
            raise _TooDeep
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        # Constants too: a union's discriminator (a filter node's `kind`) is one.
        wanted = [n for n, p in props.items() if n in schema.get("required", []) or "const" in p]
        return {name: minimal(props[name], components, depth + 1) for name in wanted}
    if kind == "array":
        return [minimal(schema.get("items", {}), components, depth + 1)] * schema.get("minItems", 0)
    if kind == "string":
        formats = {"uuid": str(uuid.uuid4()), "date": "2026-01-01", "email": "a@example.com"}
        return formats.get(
            schema.get("format", ""), "2026-01-01T00:00:00Z" if schema.get("format") else "x"
        ) * (1 if schema.get("format") else max(1, schema.get("minLength", 1)))
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return None


def request_body(op: Operation, components: dict[str, Any]) -> dict[str, Any]:
    content = op.operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return {"json": minimal(content["application/json"]["schema"], components)}
    return {}


def is_problem(response: Response, status: int) -> bool:
    return (
        response.status_code == status
        and response.headers.get("content-type") == PROBLEM_JSON
        and response.json()["status"] == status
    )


async def _call(
    client: AsyncClient,
    session: AsyncSession,
    op: Operation,
    values: dict[str, Any],
    headers: dict[str, str],
    components: dict[str, Any],
) -> Response:
    session.expunge_all()
    return await client.request(
        op.method, op.url(values), headers=headers, **request_body(op, components)
    )


def id_operations(app: FastAPI) -> list[Operation]:
    return [
        op
        for op in operations(app)
        if op.params and not set(op.params) <= set(NOT_OBJECT_IDS) | {"org_id"}
    ]


class TestEveryIdHasABuilder:
    def test_every_id_in_a_path_has_a_factory(self, app_instance: FastAPI) -> None:
        missing = {
            f"{op}: `{param}`"
            for op in operations(app_instance)
            for param in op.params
            if param not in ID_FACTORIES and param not in NOT_OBJECT_IDS
        }

        assert not missing, (
            "These routes name ids the tenant matrix cannot build an object for. Add a builder "
            "to ID_FACTORIES in tests/tenant_objects.py (or, if the parameter is not an "
            "organisation's object, to NOT_OBJECT_IDS with why): " + ", ".join(sorted(missing))
        )


@pytest.fixture
async def foreign(
    client: AsyncClient, session: AsyncSession, settings: Settings, other_org: Organisation
) -> OrgObjects:
    from tests.factories import user_by_role

    admin = await user_by_role(session, other_org, "Admin")
    return OrgObjects(client, session, settings, other_org, admin)


class TestAnotherOrganisationsIdsAnswer404:
    @pytest.mark.parametrize("caller", ["admin", "api_key"])
    async def test_every_id_route(
        self,
        app_instance: FastAPI,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        admin: User,
        foreign: OrgObjects,
        caller: str,
    ) -> None:
        if caller == "admin":
            headers = auth_headers(settings, admin)
        else:
            _, headers = await create_api_key(session, org, ApiScope.FULL)
        components = app_instance.openapi()["components"]["schemas"]
        wrong = []
        for op in id_operations(app_instance):
            values = {
                p: NOT_OBJECT_VALUES[p] if p in NOT_OBJECT_IDS else await foreign.id_for(p)
                for p in op.params
            }
            response = await _call(client, session, op, values, headers, components)
            # Routes for signed-in users only, or beyond the key's scopes, refuse a key
            # whatever the id: that tells nothing about the id.
            if caller == "api_key" and (is_problem(response, 401) or is_problem(response, 403)):
                continue
            if not is_problem(response, 404):
                wrong.append(f"{op} -> {response.status_code} {response.text[:200]}")

        assert not wrong, "Another organisation's ids must answer 404:\n" + "\n".join(wrong)


@dataclass
class Book:
    csm: User
    mine: OrgObjects
    theirs: OrgObjects


@pytest.fixture
async def book(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    admin: User,
) -> Book:
    csm = await create_user(session, org, full_name="Matrix CSM")
    colleague = await create_user(session, org)
    mine = await create_account(session, org, name="Matrix Mine", csms=[csm])
    theirs = await create_account(session, org, name="Matrix Theirs", csms=[colleague])
    return Book(
        csm,
        OrgObjects(client, session, settings, org, admin, account=mine),
        OrgObjects(client, session, settings, org, admin, account=theirs),
    )


class TestACsmReachesOnlyTheirAccounts:
    async def test_every_route_of_an_account_they_are_not_assigned(
        self,
        app_instance: FastAPI,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        book: Book,
    ) -> None:
        headers = auth_headers(settings, book.csm)
        components = app_instance.openapi()["components"]["schemas"]
        wrong = []
        for op in id_operations(app_instance):
            if not set(op.params) & OF_AN_ACCOUNT:
                continue
            # Only account objects vary; any other parameter gets a valid value.
            theirs = {
                p: NOT_OBJECT_VALUES[p] if p in NOT_OBJECT_IDS else await book.theirs.id_for(p)
                for p in op.params
            }
            response = await _call(client, session, op, theirs, headers, components)
            if is_problem(response, 404):
                continue
            if is_problem(response, 403):
                # A permission the CSM lacks for any account tells nothing about this one.
                mine = {
                    p: NOT_OBJECT_VALUES[p] if p in NOT_OBJECT_IDS else await book.mine.id_for(p)
                    for p in op.params
                }
                own = await _call(client, session, op, mine, headers, components)
                if is_problem(own, 403):
                    continue
            wrong.append(f"{op} -> {response.status_code} {response.text[:200]}")

        assert not wrong, "An account not assigned to the CSM must answer 404:\n" + "\n".join(wrong)

    async def test_lists_never_mention_an_account_they_are_not_assigned(
        self,
        app_instance: FastAPI,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        book: Book,
    ) -> None:
        for param in sorted(OF_AN_ACCOUNT):
            await book.theirs.id_for(param)
            await book.mine.id_for(param)
        hidden = [str(v) for v in book.theirs.built.values()] + ["Matrix Theirs"]
        headers = auth_headers(settings, book.csm)
        components = app_instance.openapi()["components"]["schemas"]
        reads = [
            op
            for op in operations(app_instance)
            if not op.params
            and (
                op.method == "GET"
                or op.path in ("/api/v1/accounts/query", "/api/v1/accounts/export")
            )
        ]
        leaks = []
        for op in reads:
            response = await _call(client, session, op, {}, headers, components)
            found = [h for h in hidden if re.search(re.escape(h), response.text, re.IGNORECASE)]
            if found:
                leaks.append(f"{op} mentions {found}")

        assert not leaks, "A CSM's lists must leave out accounts not assigned to them:\n" + (
            "\n".join(leaks)
        )
        mine = await client.get("/api/v1/accounts", headers=headers)
        assert [a["name"] for a in mine.json()["items"]] == ["Matrix Mine"]

    async def test_totals_count_only_their_accounts(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        admin: User,
        book: Book,
    ) -> None:
        assert book.mine.account and book.theirs.account
        await set_mrr(session, book.mine.account, 1_000)
        await set_mrr(session, book.theirs.account, 50_000)
        await metrics.refresh(session, org.id, now=NOW)
        await session.commit()
        as_csm = auth_headers(settings, book.csm)
        as_admin = auth_headers(settings, admin)

        async def read(path: str, headers: dict[str, str]) -> Any:
            session.expunge_all()
            response = await client.get(f"/api/v1{path}", headers=headers)
            assert response.status_code == 200, response.text
            return response.json()

        assert (await read("/accounts", as_csm))["total"] == 1
        assert (await read("/accounts", as_admin))["total"] == 2
        csm_mrr = await read("/metrics/mrr/aggregate", as_csm)
        admin_mrr = await read("/metrics/mrr/aggregate", as_admin)
        # Minor units: 1,000 cents are 10.00.
        assert (csm_mrr["count"], csm_mrr["max"]) == (1, 10)
        assert (admin_mrr["count"], admin_mrr["max"]) == (2, 500)
