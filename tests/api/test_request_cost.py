"""What a signed-in read costs the database: the statements it sends (issue 10). The load
benchmark (tests/benchmarks/test_load.py) measures the time; these keep the round trips from
creeping back."""

import asyncio
import json
import uuid

import pytest
from httpx import AsyncClient
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import service as accounts
from domain.accounts.schemas import AccountListRead
from domain.audit.models import AuditEntry
from domain.common.db import (
    CompiledOnce,
    create_engine,
    create_read_sessionmaker,
    create_sessionmaker,
)
from domain.common.pagination import Page
from domain.common.settings import Settings
from domain.freshness.models import AccountChange
from domain.interactions.models import Interaction, Note, Ticket
from domain.orgs.models import Organisation
from domain.users import service as users
from domain.users.actor import Actor
from domain.users.models import Role, User, UserStatus
from domain.users.permissions import Permission
from tests.factories import auth_headers, create_account, create_org, create_user


async def test_me_is_one_query(
    client: AsyncClient, settings: Settings, admin: User, statements: list[str]
) -> None:
    response = await client.get("/api/v1/me", headers=auth_headers(settings, admin))

    assert response.status_code == 200
    # The user, their role and their organisation (for the 2FA policy and the profile) at once.
    assert len(statements) == 1, "\n".join(s[:80] for s in statements)


async def test_org_requiring_2fa_still_refuses_an_unenrolled_user_with_that_one_query(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    admin: User,
    statements: list[str],
) -> None:
    org.requires_mfa = True
    await session.flush()
    statements.clear()

    response = await client.get("/api/v1/accounts", headers=auth_headers(settings, admin))

    assert response.status_code == 403
    assert response.json()["code"] == "mfa_enrolment_required"
    assert len(statements) == 1, "\n".join(s[:80] for s in statements)


async def test_account_list_page_is_two_queries(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    admin: User,
    statements: list[str],
) -> None:
    csm = await create_user(session, org)
    for _ in range(3):
        await create_account(session, org, csms=[csm, admin])
    statements.clear()

    response = await client.get("/api/v1/accounts", headers=auth_headers(settings, admin))

    assert response.status_code == 200
    assert [sorted(a["csm_ids"]) for a in response.json()["items"]] == [
        sorted([str(csm.id), str(admin.id)])
    ] * 3
    assert response.json()["total"] == 3
    # The signed-in user, then the page with each account's CSMs and the total.
    assert len(statements) == 2, "\n".join(s[:80] for s in statements)


async def test_an_account_and_its_csms_are_one_query(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    admin: User,
    statements: list[str],
) -> None:
    csm = await create_user(session, org, role_name="CSM")
    account = await create_account(session, org, csms=[csm, admin])
    lonely = await create_account(session, org)
    await session.flush()
    statements.clear()

    response = await client.get(
        f"/api/v1/accounts/{account.id}", headers=auth_headers(settings, admin)
    )
    without = await client.get(
        f"/api/v1/accounts/{lonely.id}", headers=auth_headers(settings, admin)
    )

    assert response.status_code == 200
    assert sorted(response.json()["csm_ids"]) == sorted([str(csm.id), str(admin.id)])
    assert response.json()["name"] == account.name
    assert without.json()["csm_ids"] == []
    # Per request: the signed-in user, then the account with its CSMs.
    assert len(statements) == 4, "\n".join(s[:80] for s in statements)


async def test_an_account_s_timeline_checks_the_account_in_one_query(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    admin: User,
    statements: list[str],
) -> None:
    account = await create_account(session, org, csms=[admin])
    await session.flush()
    statements.clear()

    response = await client.get(
        f"/api/v1/accounts/{account.id}/timeline", headers=auth_headers(settings, admin)
    )

    assert response.status_code == 200
    # The signed-in user, whether the account is visible, the page (empty: then its count).
    assert len(statements) == 4, "\n".join(s[:80] for s in statements)


async def test_account_list_past_the_end_still_counts_the_total(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    admin: User,
) -> None:
    for _ in range(3):
        await create_account(session, org)
    headers = auth_headers(settings, admin)

    past_the_end = await client.get("/api/v1/accounts?offset=3", headers=headers)
    no_match = await client.get("/api/v1/accounts?q=nothing-matches-this", headers=headers)

    assert past_the_end.status_code == 200
    assert (past_the_end.json()["items"], past_the_end.json()["total"]) == ([], 3)
    assert no_match.status_code == 200
    assert (no_match.json()["items"], no_match.json()["total"]) == ([], 0)


async def test_a_connection_the_server_closed_is_replaced(settings: Settings) -> None:
    """Without a ping per checkout, a pooled connection the server has ended (a restart, a
    failover) must still not reach a request."""
    engine = create_engine(settings.async_database_url, pool_size=1)
    killer = create_engine(settings.async_database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            pid = await conn.scalar(text("SELECT pg_backend_pid()"))
        async with killer.connect() as conn:
            assert await conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.sleep(0.3)  # the server's goodbye reaches the idle pooled connection

        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        await engine.dispose()
        await killer.dispose()


async def test_a_read_sends_no_begin_or_commit(settings: Settings) -> None:
    """GET requests' sessions run each statement on its own (no BEGIN and COMMIT round trips);
    the pooled connection is back in a transaction for the next write's session."""
    engine = create_engine(settings.async_database_url, pool_size=1)
    transaction_id = text("SELECT pg_current_xact_id()")
    try:
        async with create_read_sessionmaker(engine)() as session:
            read = [await session.scalar(transaction_id) for _ in range(2)]
            await session.commit()
        async with create_sessionmaker(engine)() as session:
            write = [await session.scalar(transaction_id) for _ in range(2)]
            await session.commit()
    finally:
        await engine.dispose()

    assert read[0] != read[1]
    assert write[0] == write[1]


async def test_a_read_session_s_compiled_reads_share_one_connection_it_returns_on_closing(
    settings: Settings,
) -> None:
    """A read session's compiled statements run on one pooled connection of their own, each in
    its own transaction, without a transaction of the session's; closing returns it (a pool
    of one serves the next session), and the generic engine's statements lease their own."""
    engine = create_engine(settings.async_database_url, pool_size=1, max_overflow=0)
    generic = create_engine(settings.async_database_url, pool_size=1, max_overflow=0)
    started = CompiledOnce(
        select(func.transaction_timestamp().label("began"), func.pg_backend_pid().label("pid"))
    )
    started_generic = CompiledOnce(select(func.pg_backend_pid().label("pid")), generic=True)
    try:
        for _ in range(2):
            async with create_read_sessionmaker(engine, generic=generic)() as session:
                first, second = [(await started.run(session, {}))[0] for _ in range(2)]
                pids = {(await started_generic.run(session, {}))[0]["pid"] for _ in range(2)}
                assert not session.in_transaction()
                await session.commit()
            assert first["began"] != second["began"]
            assert first["pid"] == second["pid"]
            assert len(pids) == 1 and pids != {first["pid"]}
        async with asyncio.timeout(5), create_sessionmaker(engine)() as session:
            assert await session.scalar(text("SELECT 1")) == 1
        assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        assert generic.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
        await generic.dispose()


async def test_the_list_page_keeps_its_plan_on_the_engine_for_generic_plans(
    settings: Settings,
) -> None:
    """A read session given an engine for generic plans runs the list's page there (PostgreSQL
    may keep its plan instead of planning each request's), with the same rows; a search page,
    whose best plan depends on its pattern, stays on the session's own connection."""
    engine = create_engine(settings.async_database_url, pool_size=1)
    generic = create_engine(settings.async_database_url, pool_size=1, plans="generic")
    checked_out: list[object] = []
    event.listen(generic.sync_engine.pool, "checkout", lambda *args: checked_out.append(args))
    try:
        async with create_sessionmaker(engine)() as session:
            org, admin = await create_org(session, name=f"plans-{uuid.uuid4().hex[:8]}")
            for name in ("Beta", "Acme"):
                await create_account(session, org, name=name)
            await session.commit()
            nobody = Actor(org_id=org.id, user_id=None, permissions=frozenset())
            actor = users.actor_for(await users.get_user(session, nobody, admin.id))
        reads = create_read_sessionmaker(engine, generic=generic)
        async with reads() as session:
            page = await accounts.list_accounts(session, actor)
            assert [json.loads(a)["name"] for a in page.items] == ["Acme", "Beta"]
            assert page.total == 2
            assert len(checked_out) == 1
            searched = await accounts.list_accounts(session, actor, q="acm")
            assert [json.loads(a)["name"] for a in searched.items] == ["Acme"]
            assert searched.total == 1
            assert len(checked_out) == 1
        for pool, mode in ((engine, "force_custom_plan"), (generic, "auto")):
            async with pool.connect() as conn:
                assert await conn.scalar(text("SHOW plan_cache_mode")) == mode
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})
        await engine.dispose()
        await generic.dispose()


async def test_the_signed_in_user_is_read_afresh_on_every_request(
    client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
) -> None:
    """The actor is read in one row per request, never kept: a role losing a permission, then
    the user deactivated, take effect on the same token's next request."""
    custom = Role(org_id=org.id, name="Integrator", permissions=[Permission.CONFIGURE_CONNECTORS])
    session.add(custom)
    await session.flush()
    user = await create_user(session, org)
    user.role_id = custom.id
    await session.flush()
    headers = auth_headers(settings, user)
    assert (await client.get("/api/v1/api-keys", headers=headers)).status_code == 200

    custom.permissions = []
    await session.flush()
    assert (await client.get("/api/v1/api-keys", headers=headers)).status_code == 403
    me = await client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["permissions"] == []
    assert me.json()["role"]["name"] == "Integrator"

    user.status = UserStatus.INACTIVE
    await session.flush()
    assert (await client.get("/api/v1/api-keys", headers=headers)).status_code == 401
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_the_list_written_without_row_models_reads_back_as_the_documented_page(
    client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation, admin: User
) -> None:
    await create_account(session, org, custom_values={"plan": "pro", "seats": 3}, nps=12.5)
    await create_account(session, org)
    headers = auth_headers(settings, admin)

    for response in (
        await client.get("/api/v1/accounts", headers=headers),
        await client.post("/api/v1/accounts/query", headers=headers, json={}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        page = Page[AccountListRead].model_validate_json(response.content)
        assert page.total == 2
        # Every field of the schema, none else, each written as the model writes it.
        assert json.loads(page.model_dump_json()) == response.json()


# A new record on an account: its path and body, and the statements after the caller's.
NEW_RECORDS = {
    "note": ("notes", {"body": "Kick-off went well"}, 1),
    "interaction": (
        "interactions",
        {"type": "call", "occurred_at": "2026-11-30T10:00:00Z", "subject": "Kick-off"},
        2,
    ),
    "ticket": ("tickets", {"subject": "Cannot log in", "opened_at": "2026-11-30T10:00:00Z"}, 2),
}


@pytest.mark.parametrize("kind", NEW_RECORDS)
async def test_a_new_record_checks_its_account_and_is_audited_in_its_insert(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    admin: User,
    statements: list[str],
    kind: str,
) -> None:
    path, body, after_the_caller = NEW_RECORDS[kind]
    account = await create_account(session, org)
    await session.flush()
    statements.clear()

    response = await client.post(
        f"/api/v1/accounts/{account.id}/{path}", json=body, headers=auth_headers(settings, admin)
    )

    sent = list(statements)
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["created_at"] is not None
    assert record["updated_at"] == record["created_at"]
    entry = (
        await session.execute(
            select(AuditEntry.action, AuditEntry.actor_user_id, AuditEntry.after).where(
                AuditEntry.entity_id == uuid.UUID(record["id"])
            )
        )
    ).one()
    assert entry.action == f"{kind}.created"
    assert entry.actor_user_id == admin.id
    assert entry.after == {k: v for k, v in record.items() if k not in ("created_at", "updated_at")}
    # The caller; the record, its account's check and its audit entry in one statement; and
    # for the inputs of figures, the account's change mark.
    assert len(sent) == 1 + after_the_caller, "\n".join(s[:80] for s in sent)


@pytest.mark.parametrize("kind", NEW_RECORDS)
@pytest.mark.parametrize("account_is", ["not the CSM's", "deleted", "of another organisation"])
async def test_a_new_record_on_an_account_out_of_sight_writes_nothing(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    other_org: Organisation,
    kind: str,
    account_is: str,
) -> None:
    path, body, _ = NEW_RECORDS[kind]
    csm = await create_user(session, org, role_name="CSM")
    if account_is == "of another organisation":
        account = await create_account(session, other_org)
    else:
        account = await create_account(
            session, org, csms=[] if account_is == "not the CSM's" else [csm]
        )
        if account_is == "deleted":
            account.deleted_at = account.created_at
    await session.flush()

    response = await client.post(
        f"/api/v1/accounts/{account.id}/{path}", json=body, headers=auth_headers(settings, csm)
    )

    assert response.status_code == 404, response.text
    assert response.json()["code"] == "account_not_found"
    table = {"note": Note, "interaction": Interaction, "ticket": Ticket}[kind]
    assert await session.scalar(select(func.count()).select_from(table)) == 0
    assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert await session.scalar(select(func.count()).select_from(AccountChange)) == 0


async def test_an_edit_of_a_score_is_written_with_its_history_and_audit_entry_in_one_statement(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    admin: User,
    statements: list[str],
) -> None:
    account = await create_account(session, org)
    csm = await create_user(session, org, role_name="CSM")
    await session.flush()
    headers = auth_headers(settings, admin)
    assert (
        await client.patch(
            f"/api/v1/accounts/{account.id}", json={"csm_ids": [str(csm.id)]}, headers=headers
        )
    ).status_code == 200
    statements.clear()

    response = await client.patch(
        f"/api/v1/accounts/{account.id}", json={"csm_score": 41}, headers=headers
    )

    assert response.status_code == 200
    assert response.json()["csm_score"] == 41
    assert response.json()["csm_ids"] == [str(csm.id)]
    # The account (locked), the caller, the account's update with its score entry and its audit
    # entry, the account read back with its CSMs, the change mark.
    assert len(statements) == 5, "\n".join(s[:80] for s in statements)
