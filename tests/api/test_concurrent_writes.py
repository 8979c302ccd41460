"""Eight clients sending the same create at once, each request in its own transaction on its own
connection (committed, unlike the rest of the suite): one wins, the others get a 409 problem (or,
for upserts, the same record), never a 500."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient, Response
from redis.asyncio import Redis
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.accounts.repository import AccountBatchRepository
from domain.alerts import service as alerts
from domain.alerts.models import EvaluationTrigger
from domain.common.db import create_read_sessionmaker, create_sessionmaker
from domain.common.settings import Settings
from domain.integration import service as integration
from domain.integration.models import ApiKey, ApiScope
from domain.orgs.models import Organisation
from domain.users.actor import Actor
from domain.users.permissions import Permission
from tests.factories import (
    auth_headers,
    create_account,
    create_api_key,
    create_org,
    create_user,
)

CLIENTS = 8


class Tenant:
    def __init__(self, org_id: uuid.UUID, admin: dict[str, str], account_id: uuid.UUID) -> None:
        self.org_id = org_id
        self.admin = admin
        self.account_id = account_id
        self.csm_ids: list[str] = []
        self.role_id = ""


@pytest.fixture
async def committed(
    app_instance: Any, engine: AsyncEngine, redis: Redis, settings: Settings
) -> AsyncIterator[tuple[AsyncClient, Tenant]]:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        org, admin = await create_org(session, name=f"concurrent-{uuid.uuid4().hex[:8]}")
        csms = [await create_user(session, org) for _ in range(3)]
        account = await create_account(session, org, external_id="shared-account")
        role_id = await session.scalar(
            text("SELECT id FROM roles WHERE org_id = :o AND name = 'CSM'"), {"o": org.id}
        )
        await session.commit()
    tenant = Tenant(org.id, auth_headers(settings, admin), account.id)
    tenant.csm_ids = [str(u.id) for u in csms]
    tenant.role_id = str(role_id)
    app_instance.state.sessionmaker = sessionmaker
    app_instance.state.read_sessionmaker = create_read_sessionmaker(engine)
    app_instance.state.engine = engine
    app_instance.state.redis = redis
    async with AsyncClient(
        transport=ASGITransport(app=app_instance), base_url="http://tenure.test"
    ) as client:
        yield client, tenant
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})


async def _at_once(send: Callable[[], Awaitable[Response]]) -> list[Response]:
    return list(await asyncio.gather(*(send() for _ in range(CLIENTS))))


def _one_winner(responses: list[Response], created: int = 201, code: str | None = None) -> None:
    """`code`: the losers' problem, the one a request sent after the winner's commit gets."""
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [created] + [409] * (CLIENTS - 1), [r.text for r in responses]
    for r in responses:
        if r.status_code == 409:
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["code"] == (code or r.json()["code"]), r.text


def _all_same_record(responses: list[Response]) -> None:
    assert all(r.status_code == 200 for r in responses), [
        r.text for r in responses if r.status_code != 200
    ]
    assert len({r.json()["id"] for r in responses}) == 1


async def test_creating_the_same_account_at_once(
    committed: tuple[AsyncClient, Tenant],
) -> None:
    client, t = committed
    body = {"external_id": "acme-race", "name": "Acme"}
    _one_winner(await _at_once(lambda: client.post("/api/v1/accounts", json=body, headers=t.admin)))


async def test_upserting_the_same_account_at_once(
    committed: tuple[AsyncClient, Tenant],
) -> None:
    client, t = committed
    body = {"external_id": "acme-upsert-race", "name": "Acme"}
    _all_same_record(
        await _at_once(lambda: client.post("/api/v1/accounts/upsert", json=body, headers=t.admin))
    )


async def test_defining_the_same_custom_field_at_once(
    committed: tuple[AsyncClient, Tenant],
) -> None:
    client, t = committed
    body = {"key": "seats_race", "label": "Seats", "type": "number"}
    _one_winner(
        await _at_once(lambda: client.post("/api/v1/custom-fields", json=body, headers=t.admin))
    )


async def test_a_custom_field_and_a_computed_metric_of_one_key_at_once(
    committed: tuple[AsyncClient, Tenant],
) -> None:
    """Each checks the other's table: one waits for the other's key to be taken or not."""
    client, t = committed
    field = {"key": "seats_clash", "label": "Seats", "type": "number"}
    metric = {"key": "seats_clash", "label": "Seats", "formula": "mrr"}
    responses = list(
        await asyncio.gather(
            *(
                client.post(f"/api/v1/{path}", json=body, headers=t.admin)
                for _ in range(CLIENTS // 2)
                for path, body in (("custom-fields", field), ("computed-metrics", metric))
            )
        )
    )
    _one_winner(responses)


async def test_adding_the_same_tier_at_once(committed: tuple[AsyncClient, Tenant]) -> None:
    client, t = committed
    body = {"name": "Platinum race"}
    _one_winner(await _at_once(lambda: client.post("/api/v1/tiers", json=body, headers=t.admin)))


async def test_adding_attribute_triggers_of_one_name_at_once(
    committed: tuple[AsyncClient, Tenant],
) -> None:
    client, t = committed
    cond = {"kind": "compare", "field": "csm_score", "op": "gt", "value": 1}
    responses = await _at_once(
        lambda: client.post(
            "/api/v1/attribute-triggers",
            json={"name": "Race", "target": "churned", "churn_reason": "r", "condition": cond},
            headers=t.admin,
        )
    )
    _one_winner(responses, code="attribute_trigger_name_taken")


@pytest.mark.parametrize(
    ("path", "code"),
    [("account-views", "account_view_name_taken"), ("task-views", "task_view_name_taken")],
)
async def test_saving_views_of_one_name_at_once(
    committed: tuple[AsyncClient, Tenant], path: str, code: str
) -> None:
    client, t = committed
    responses = await _at_once(
        lambda: client.post(
            f"/api/v1/{path}", json={"name": "Race", "is_shared": True}, headers=t.admin
        )
    )
    _one_winner(responses, code=code)


@pytest.mark.parametrize(
    ("path", "code"),
    [("account-views", "account_view_name_taken"), ("task-views", "task_view_name_taken")],
)
async def test_renaming_views_to_one_name_at_once(
    committed: tuple[AsyncClient, Tenant], path: str, code: str
) -> None:
    client, t = committed
    ids = []
    for n in range(CLIENTS):
        saved = await client.post(f"/api/v1/{path}", json={"name": f"View {n}"}, headers=t.admin)
        assert saved.status_code == 201, saved.text
        ids.append(saved.json()["id"])
    responses = await asyncio.gather(
        *(
            client.put(f"/api/v1/{path}/{id_}", json={"name": "Race"}, headers=t.admin)
            for id_ in ids
        )
    )
    _one_winner(responses, created=200, code=code)


async def test_inviting_the_same_address_at_once(committed: tuple[AsyncClient, Tenant]) -> None:
    client, t = committed
    body = {
        "email": f"race-{uuid.uuid4().hex[:6]}@example.com",
        "full_name": "Race",
        "role_id": t.role_id,
    }
    _one_winner(
        await _at_once(lambda: client.post("/api/v1/users/invitations", json=body, headers=t.admin))
    )


async def test_upserting_the_same_subscription_at_once(
    committed: tuple[AsyncClient, Tenant],
) -> None:
    client, t = committed
    body = {
        "external_id": "sub-race",
        "account_external_id": "shared-account",
        "currency": "USD",
        "starts_on": "2026-01-01",
        "items": [{"external_id": "si-race", "unit_price": 10_000, "quantity": 2}],
    }
    _all_same_record(
        await _at_once(lambda: client.post("/api/v1/subscriptions", json=body, headers=t.admin))
    )


async def test_setting_the_same_exchange_rate_at_once(
    committed: tuple[AsyncClient, Tenant],
) -> None:
    client, t = committed
    body = {"currency": "CHF", "effective_on": "2026-01-01", "rate": "1.1"}
    _all_same_record(
        await _at_once(lambda: client.post("/api/v1/fx-rates", json=body, headers=t.admin))
    )


async def test_assigning_the_same_csms_at_once(committed: tuple[AsyncClient, Tenant]) -> None:
    client, t = committed
    body = {"csm_ids": t.csm_ids}
    responses = await _at_once(
        lambda: client.patch(f"/api/v1/accounts/{t.account_id}", json=body, headers=t.admin)
    )
    # Writers of one account take turns, so each sets the same list and all succeed.
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    final = await client.get(f"/api/v1/accounts/{t.account_id}", headers=t.admin)
    assert sorted(final.json()["csm_ids"]) == sorted(t.csm_ids)


async def test_requests_of_one_key_do_not_queue_on_its_last_use(
    committed: tuple[AsyncClient, Tenant], engine: AsyncEngine
) -> None:
    """A request noting its key's use holds the key's row until it commits; another request of
    the same key (ingestion clients share one) goes on without waiting for it."""
    client, t = committed
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        org = await session.get_one(Organisation, t.org_id)
        key, headers = await create_api_key(session, org, ApiScope.READ)
        await session.commit()
    async with sessionmaker() as holder:
        noted = await integration.authenticate(holder, headers["Authorization"][7:])
        assert noted.api_key_id == key.id
        # `holder` has not committed: the row is locked, its last use still unset elsewhere.
        response = await asyncio.wait_for(
            client.get("/api/v1/accounts", headers=headers), timeout=5
        )
        assert response.status_code == 200
        await holder.commit()
    async with sessionmaker() as session:
        used = await session.scalar(select(ApiKey.last_used_at).where(ApiKey.id == key.id))
    assert used is not None


async def test_a_note_on_an_account_being_edited_does_not_wait_for_the_edit(
    committed: tuple[AsyncClient, Tenant], engine: AsyncEngine
) -> None:
    """An edit holds the account's row until it commits; a note, an interaction or a ticket
    added to the account meanwhile only references it, and goes on."""
    client, t = committed
    actor = Actor(org_id=t.org_id, user_id=None, permissions=frozenset(Permission))
    async with create_sessionmaker(engine)() as editor:
        (locked,) = await AccountBatchRepository(editor, actor).rows([t.account_id])
        assert locked["id"] == t.account_id
        note = await asyncio.wait_for(
            client.post(
                f"/api/v1/accounts/{t.account_id}/notes",
                json={"body": "<p>Call went well</p>"},
                headers=t.admin,
            ),
            timeout=5,
        )
        assert note.status_code == 201, note.text
        await editor.rollback()


@pytest.mark.parametrize("churn", [False, True])
async def test_a_bulk_edit_waiting_for_an_edit_writes_the_account_as_that_edit_left_it(
    committed: tuple[AsyncClient, Tenant], engine: AsyncEngine, churn: bool
) -> None:
    """A bulk edit (fields, or a churn) of an account another transaction is changing waits
    for that transaction, then writes the account's new version: that change is kept and
    the bulk edit's is not lost (written where its row was found, it would be)."""
    client, t = committed
    actor = Actor(org_id=t.org_id, user_id=None, permissions=frozenset(Permission))
    changes = (
        {"churn": {"churned_on": "2026-11-01", "reason": "Budget"}} if churn else {"csm_score": 77}
    )
    async with create_sessionmaker(engine)() as editor:
        await AccountBatchRepository(editor, actor).rows([t.account_id])
        await editor.execute(
            text("UPDATE accounts SET name = 'Renamed meanwhile' WHERE id = :id"),
            {"id": t.account_id},
        )
        bulk = asyncio.create_task(
            client.post(
                "/api/v1/accounts/bulk-edit",
                json={"selection": {"account_ids": [str(t.account_id)]}, "changes": changes},
                headers=t.admin,
            )
        )
        await asyncio.sleep(0.5)
        assert not bulk.done()  # waiting for the editor's lock
        await editor.commit()
    response = await asyncio.wait_for(bulk, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json() == {"matched": 1, "updated": 1}
    account = (await client.get(f"/api/v1/accounts/{t.account_id}", headers=t.admin)).json()
    assert account["name"] == "Renamed meanwhile"
    if churn:
        assert account["churned_on"] == "2026-11-01"
    else:
        assert account["csm_score"] == 77


async def test_two_batches_putting_accounts_under_each_other_at_once_make_no_loop(
    committed: tuple[AsyncClient, Tenant],
) -> None:
    """Each batch alone is fine; together they would make each account the other's parent, and
    each would find no loop in what the other had not committed yet."""
    client, t = committed
    for attempt in range(5):
        a, b = f"loop-{attempt}-a", f"loop-{attempt}-b"
        created = await client.post(
            "/api/v1/accounts/batch",
            json={"items": [{"external_id": a, "name": a}, {"external_id": b, "name": b}]},
            headers=t.admin,
        )
        assert created.json()["accepted"] == 2, created.text
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/v1/accounts/batch",
                    json={"items": [{"external_id": child, "parent_external_id": parent}]},
                    headers=t.admin,
                )
                for child, parent in ((a, b), (b, a))
            )
        )
        assert all(r.status_code in (200, 422) for r in responses), [r.text for r in responses]
        accepted = [r.json().get("accepted", 0) if r.status_code == 200 else 0 for r in responses]
        assert sum(accepted) == 1, [r.text for r in responses]
        found = await client.get(f"/api/v1/accounts?q={a}", headers=t.admin)
        account_a = next(i for i in found.json()["items"] if i["external_id"] == a)
        children = await client.get(f"/api/v1/accounts/{account_a['id']}/children", headers=t.admin)
        assert children.status_code == 200


async def _plain_alert(client: AsyncClient, t: Tenant, engine: AsyncEngine, n: int) -> str:
    """A plain alert on the shared account, opened by a rule run now."""
    rule = await client.post(
        "/api/v1/alert-rules",
        json={
            "name": f"Race {n}",
            "type": "churn",
            "condition": {"kind": "compare", "field": "external_id", "op": "eq",
                          "value": "shared-account"},
        },
        headers=t.admin,
    )  # fmt: skip
    assert rule.status_code == 201, rule.text
    async with create_sessionmaker(engine)() as session:
        await alerts.evaluate(
            session,
            t.org_id,
            trigger=EvaluationTrigger.RUN_NOW,
            rule_id=uuid.UUID(rule.json()["id"]),
        )
        await session.commit()
    listed = await client.get(f"/api/v1/alerts?rule_id={rule.json()['id']}", headers=t.admin)
    (alert,) = listed.json()["items"]
    return str(alert["id"])


async def test_dismissing_and_converting_one_alert_at_once(
    committed: tuple[AsyncClient, Tenant], engine: AsyncEngine
) -> None:
    """Each takes its turn on the alert: it ends dismissed or an alert task, never both, and
    one conversion at most is told it made the task."""
    client, t = committed
    for attempt in range(3):
        alert_id = await _plain_alert(client, t, engine, attempt)
        url = f"/api/v1/alerts/{alert_id}"
        responses = await asyncio.gather(
            *(
                client.post(f"{url}/{'dismiss' if i % 2 else 'convert'}", headers=t.admin)
                for i in range(CLIENTS)
            )
        )
        assert all(r.status_code in (200, 201, 409) for r in responses), [r.text for r in responses]
        made = [r for r in responses if r.status_code == 201]
        assert len(made) <= 1, [r.text for r in made]
        listed = (await client.get("/api/v1/alerts?limit=200", headers=t.admin)).json()
        found = next(a for a in listed["items"] if a["id"] == alert_id)
        assert (found["status"] == "dismissed") != (found["task_id"] is not None), found
        assert bool(made) == (found["task_id"] is not None)
