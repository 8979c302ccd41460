"""Sustained event ingestion through HTTP (the app served by uvicorn in its own process, several
concurrent clients over loopback, batches of thousands with some duplicates) next to a raw COPY
of the same rows into a table with the same indexes, on the same machine. Prints events/s;
never asserts timings.

BENCH_EVENTS (unique events), BENCH_BATCH (events per request) and BENCH_CLIENTS (concurrent
clients) change the run; BENCH_SERVER_PROCESSES serves it with more processes, as production does
(one a core)."""

import asyncio
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.common.db import create_sessionmaker
from domain.common.settings import Settings
from domain.integration.models import ApiScope
from tests.factories import create_api_key, create_org

EVENTS = int(os.environ.get("BENCH_EVENTS", "400000"))
BATCH = int(os.environ.get("BENCH_BATCH", "2500"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
SERVER_PROCESSES = os.environ.get("BENCH_SERVER_PROCESSES", "1")  # read by the bench_server
ACCOUNTS = 400
CONTACTS = 4_000
# Share of each batch that repeats events of an earlier batch (retries).
DUPLICATES = 0.05
START = datetime(2026, 11, 1, tzinfo=UTC)
FEATURES = [("reports", "analytics"), ("export", "analytics"), ("invite", "admin"), (None, None)]


def _events(run: str) -> list[dict[str, Any]]:
    rng = random.Random(7)
    out = []
    for i in range(EVENTS):
        feature, module = FEATURES[i % len(FEATURES)]
        contact = rng.randrange(CONTACTS)
        # 2 % of the events name an account Tenure does not know (yet).
        account = f"acct-{contact % ACCOUNTS}" if i % 50 else f"late-{i % 97}"
        out.append(
            {
                "message_id": f"{run}-{i}",
                "name": "Feature Used",
                "feature": feature,
                "module": module,
                "contact_external_id": f"user-{contact}",
                "account_external_id": account,
                "occurred_at": (START + timedelta(seconds=i * 7)).isoformat(),
                "properties": {"plan": "pro", "n": i % 13},
            }
        )
    return out


def _bodies(events: list[dict[str, Any]]) -> list[bytes]:
    rng = random.Random(11)
    bodies = []
    for start in range(0, len(events), BATCH):
        batch = events[start : start + BATCH]
        if start:
            batch = batch + rng.sample(events[:start], int(len(batch) * DUPLICATES))
        bodies.append(json.dumps({"items": batch}).encode())
    # A whole batch retried.
    bodies.append(bodies[len(bodies) // 2])
    return bodies


async def _setup(engine: AsyncEngine) -> tuple[uuid.UUID, dict[str, str]]:
    async with create_sessionmaker(engine)() as session:
        org, _ = await create_org(session, name=f"bench-ingestion-{uuid.uuid4().hex[:8]}")
        _, headers = await create_api_key(session, org, ApiScope.INGEST)
        await session.execute(
            text(
                "INSERT INTO accounts (id, org_id, external_id, name, custom_values) "
                "SELECT gen_random_uuid(), :org, 'acct-' || n, 'Account ' || n, '{}' "
                "FROM generate_series(0, :n - 1) n"
            ),
            {"org": org.id, "n": ACCOUNTS},
        )
        await session.execute(
            text(
                "INSERT INTO contacts (id, org_id, external_id, traits) "
                "SELECT gen_random_uuid(), :org, 'user-' || n, '{}' "
                "FROM generate_series(0, :n - 1) n"
            ),
            {"org": org.id, "n": CONTACTS},
        )
        await session.commit()
        return org.id, headers


async def _through_http(
    client: AsyncClient, headers: dict[str, str], bodies: list[bytes]
) -> dict[str, Any]:
    pending = list(reversed(bodies))
    totals = {"accepted": 0, "rejected": 0, "sent": 0}

    async def worker() -> None:
        while pending:
            body = pending.pop()
            response = await client.post(
                "/api/v1/events/batch",
                content=body,
                headers={**headers, "content-type": "application/json"},
            )
            assert response.status_code == 200, response.text[:300]
            result = response.json()
            for key in ("accepted", "rejected"):
                totals[key] += result[key]

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CLIENTS)))
    totals["seconds"] = time.perf_counter() - started
    return totals


async def _raw_copy(
    engine: AsyncEngine, database_url: str, org_id: uuid.UUID, events: list[dict[str, Any]]
) -> float:
    """COPY of the same rows (ids resolved beforehand, as ingestion resolves them) into a
    table with the same primary key and indexes."""
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS bench_copy_events"))
        await conn.execute(text("CREATE TABLE bench_copy_events (LIKE usage_events INCLUDING ALL)"))
        accounts = dict(
            (
                await conn.execute(
                    text("SELECT external_id, id FROM accounts WHERE org_id = :o"), {"o": org_id}
                )
            ).all()
        )
        contacts = dict(
            (
                await conn.execute(
                    text("SELECT external_id, id FROM contacts WHERE org_id = :o"), {"o": org_id}
                )
            ).all()
        )
    columns = [
        "org_id", "message_id", "name", "feature", "module", "contact_external_id",
        "account_external_id", "account_id", "contact_id", "session_id", "occurred_at",
        "received_at", "properties",
    ]  # fmt: skip
    now = datetime.now(UTC)
    records = [
        (
            org_id,
            e["message_id"],
            e["name"],
            e["feature"],
            e["module"],
            e["contact_external_id"],
            e["account_external_id"],
            accounts.get(e["account_external_id"]),
            contacts.get(e["contact_external_id"]),
            None,
            datetime.fromisoformat(e["occurred_at"]),
            now,
            json.dumps(e["properties"]),
        )
        for e in events
    ]
    url = make_url(database_url)
    raw = await asyncpg.connect(
        host=url.query.get("host") or url.host,
        port=url.port,
        user=url.username,
        database=url.database,
    )
    try:
        await raw.set_type_codec(
            "jsonb",
            encoder=lambda s: b"\x01" + s.encode(),
            decoder=bytes,
            schema="pg_catalog",
            format="binary",
        )
        started = time.perf_counter()
        for start in range(0, len(records), BATCH):
            async with raw.transaction():
                await raw.copy_records_to_table(
                    "bench_copy_events", records=records[start : start + BATCH], columns=columns
                )
        seconds = time.perf_counter() - started
    finally:
        await raw.close()
        async with engine.begin() as conn:
            await conn.execute(text("DROP TABLE IF EXISTS bench_copy_events"))
    return seconds


async def test_event_ingestion(
    bench_server: str, bench_engine: AsyncEngine, bench_settings: Settings
) -> None:
    org_id, headers = await _setup(bench_engine)
    try:
        events = _events(uuid.uuid4().hex[:6])
        bodies = _bodies(events)
        sent = sum(len(json.loads(b)["items"]) for b in bodies)
        load = os.getloadavg()
        async with AsyncClient(base_url=bench_server, timeout=120) as client:
            http = await _through_http(client, headers, bodies)
        copy_seconds = await _raw_copy(bench_engine, bench_settings.database_url, org_id, events)
        async with bench_engine.connect() as conn:
            stored = await conn.scalar(
                text("SELECT count(*) FROM usage_events WHERE org_id = :o"), {"o": org_id}
            )
        # New events stored per second: duplicates sent are work done but not counted.
        http_rate = EVENTS / http["seconds"]
        copy_rate = EVENTS / copy_seconds
        print(
            f"\n  Event ingestion: {EVENTS:,} unique events, {sent:,} sent in {len(bodies)} "
            f"batches of ~{BATCH:,} by {CLIENTS} clients to {SERVER_PROCESSES} server "
            f"process(es) (load average before "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs)"
        )
        print(
            f"  HTTP /events/batch    {http_rate:10,.0f} events/s   ({http['seconds']:.1f} s, "
            f"{sent / http['seconds']:,.0f} sent/s; "
            f"accepted {http['accepted']:,}, rejected {http['rejected']:,}; "
            f"rows in table {stored:,})"
        )
        print(
            f"  raw COPY, same rows   {copy_rate:10,.0f} rows/s     ({copy_seconds:.1f} s)"
            f"   HTTP / COPY = {http_rate / copy_rate:.0%}"
        )
        assert stored == EVENTS and http["accepted"] == sent
    finally:
        async with bench_engine.begin() as conn:
            await conn.execute(text("DELETE FROM organisations WHERE id = :org"), {"org": org_id})
