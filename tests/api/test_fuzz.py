"""Schemathesis over every operation of the committed OpenAPI schema (which `make drift-check`
keeps equal to the app's), in-process against the app on the test's real PostgreSQL and Redis:
no request may answer 5xx, and every answer must match the schema's documented response.

Each operation gets the same generated requests (valid ones, and invalid ones for the 4xx
paths) sent three ways: as an admin, as a CSM with an account of their own, and with an API
key; path ids are often those of objects seeded in the caller's organisation so requests reach
real code. Generation is derandomized, so a run is reproducible. `make test` sends a few
generated requests per operation; `make fuzz` sends many more (TENURE_FUZZ_EXAMPLES) and adds
schemathesis' coverage cases, the boundary values (TENURE_FUZZ_COVERAGE per operation)."""

import logging
import os
import traceback
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from httpx import AsyncClient, Response
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.settings import Settings
from domain.integration.models import ApiScope
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_api_key, create_user
from tests.tenant_objects import ID_FACTORIES, NOT_OBJECT_VALUES, OrgObjects

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
# Loaded at import: schemathesis 4.32's `from_fixture` breaks on pytest 9.2.
SCHEMA = schemathesis.openapi.from_path(SCHEMA_PATH)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]

# Requests generated per operation (each sent three ways).
EXAMPLES = int(os.environ.get("TENURE_FUZZ_EXAMPLES", "8"))
# Also up to this many of schemathesis' coverage cases per operation (the schema's examples and
# boundary values: longest strings, largest numbers, each enum value, each missing field, ...).
# Enumerating them takes minutes (filter trees have thousands), so only `make fuzz` does.
COVERAGE = int(os.environ.get("TENURE_FUZZ_COVERAGE", "0"))
CHECKS = [not_a_server_error, response_schema_conformance]
BASE_URL = "http://tenure.test"


def generated(operation: APIOperation, seeded: dict[str, Any]) -> list[Case]:
    """`EXAMPLES` requests for the operation, the same on every run. With path parameters,
    most name the seeded objects (the rest are whatever the schema allows)."""
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if seeded:
        strategies += [
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=seeded),
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=seeded),
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=seeded),
        ]
    cases: list[Case] = []

    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(st.one_of(strategies))
    def collect(case: Case) -> None:
        cases.append(case)

    collect()
    return covered(operation, seeded) + cases


def covered(operation: APIOperation, seeded: dict[str, Any]) -> list[Case]:
    """Up to `COVERAGE` of the operation's coverage cases, spread evenly over all of them."""
    if not COVERAGE:
        return []
    cases: list[Case] = []

    def collect(case: Case) -> None:
        cases.append(case)

    test = create_test(
        operation=operation,
        test_func=collect,
        config=HypothesisTestConfig(
            project=SCHEMA.config,
            modes=[HypothesisTestMode.EXAMPLES, HypothesisTestMode.COVERAGE],
            settings=hypothesis.settings(
                database=None,
                deadline=None,
                phases=[Phase.explicit],
                suppress_health_check=list(HealthCheck),
            ),
            override=Override(path_parameters=seeded),
        ),
    )
    test()
    step = max(1, len(cases) // COVERAGE)
    return cases[::step][:COVERAGE]


def as_httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Schemathesis serialises a case for `requests`; httpx spells raw bodies `content`."""
    out = {k: v for k, v in kwargs.items() if k in ("method", "url", "headers", "params")}
    if kwargs.get("cookies"):
        # httpx deprecates per-request cookies: send them as the header they become.
        cookie = "; ".join(f"{name}={value}" for name, value in kwargs["cookies"].items())
        out["headers"] = {**out["headers"], "Cookie": cookie}
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    # A multipart case may come without any part (files None): sent as an empty body.
    if kwargs.get("files") is not None:
        out["files"] = [(name, _file(value)) for name, value in _items(kwargs["files"])]
    data = kwargs.get("data")
    if isinstance(data, bytes | str):
        out["content"] = data
    elif data is not None:
        out["data"] = data
    return out


def _items(files: Any) -> list[tuple[str, Any]]:
    return list(files.items()) if isinstance(files, dict) else list(files)


def _file(value: Any) -> Any:
    # requests sends any part as its text; httpx wants bytes (a negative case may be a number).
    if isinstance(value, tuple):
        return (value[0], _file(value[1]), *value[2:])
    return value if isinstance(value, bytes | str) else str(value).encode()


class _Errors(logging.Handler):
    """The app logs every 500 with its exception: keep them to say why a request failed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> str:
        lines = []
        for record in self.records:
            if record.exc_info and record.exc_info[1] is not None:
                exc = record.exc_info[1]
                frames = traceback.extract_tb(record.exc_info[2])[-3:]
                where = "; ".join(f"{f.filename.split('/work/')[-1]}:{f.lineno}" for f in frames)
                lines.append(f"    {type(exc).__name__}: {str(exc)[:300]} (at {where})")
        self.records.clear()
        return "\n".join(lines)


@pytest.fixture
async def callers(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    admin: User,
) -> tuple[OrgObjects, dict[str, dict[str, str]]]:
    csm = await create_user(session, org, full_name="Fuzz CSM")
    account = await create_account(session, org, name="Fuzz Account", csms=[csm])
    await create_account(session, org, name="Someone Else's")
    _, key = await create_api_key(session, org, ApiScope.INGEST, ApiScope.READ)
    objects = OrgObjects(client, session, settings, org, admin, account=account)
    return objects, {
        "admin": auth_headers(settings, admin),
        "csm": auth_headers(settings, csm),
        "api_key": key,
    }


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
async def test_no_server_error_and_answers_match_the_schema(
    operation: APIOperation,
    client: AsyncClient,
    session: AsyncSession,
    org: Organisation,
    callers: tuple[OrgObjects, dict[str, dict[str, str]]],
) -> None:
    objects, headers = callers
    seeded: dict[str, Any] = {}
    for param in operation.path_parameters:
        if param.name in ID_FACTORIES:
            seeded[param.name] = str(await objects.id_for(param.name))
        elif param.name in NOT_OBJECT_VALUES:
            seeded[param.name] = NOT_OBJECT_VALUES[param.name]
        elif param.name == "org_id":
            seeded[param.name] = str(org.id)
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    failures = []
    try:
        for case in generated(operation, seeded):
            for caller, auth in headers.items():
                kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=auth)
                session.expunge_all()
                request = client.build_request(**as_httpx(kwargs))
                # Read a multipart body now, so the checks can look at what was sent.
                await request.aread()
                try:
                    response: Response = await client.send(request)
                except Exception as exc:
                    # The app answered 500 and the test transport re-raised the exception.
                    failures.append(
                        f"as {caller}: raised {type(exc).__name__}: {str(exc)[:300]}\n"
                        f"{case.as_curl_command(headers=auth, base_url=BASE_URL)}\n"
                        f"{errors.take()}"
                    )
                    continue
                try:
                    case.validate_response(
                        response, checks=CHECKS, headers=auth, transport_kwargs=kwargs
                    )
                except FailureGroup as failure:
                    failures.append(f"as {caller}: {failure}\n{errors.take()}")
                errors.take()
    finally:
        logging.getLogger().removeHandler(errors)

    assert not failures, f"{operation.label}: {len(failures)} failing requests\n" + "\n".join(
        failures[:5]
    )
