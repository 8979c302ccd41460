"""Issue 10: requests per second and latency of the SPA's main pages through the production
server (`python -m api.serve`, one uvicorn process per core) against the demo organisation, driven
by wrk over loopback at 8 and at 50 concurrent clients. Targets: `GET /me` at 50 % or more of
`/healthz`'s rate, the account list at 25 % or more, p99 under 250 ms at 50 clients.

Each phase runs wrk for BENCH_LOAD_SECONDS (10 by default) after a short warm-up; wrk and the
server share the machine's cores, as they would on a small production host behind a proxy.
`/healthz` runs before and after `/me` and the list, whose shares are of its two rates' mean. Each
phase also prints the API processes' CPU time per request, which a busy machine (other work on
the same cores) changes much less than the rates."""

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest

from domain.common.settings import Settings
from scripts import demo, stack
from scripts.services import ROOT
from scripts.stack import free_port, wait_until_ready
from tests.benchmarks.conftest import BENCH_DB

# Beside the generated data's database: tenure_bench_load, or BENCH_DATABASE + "_load".
LOAD_DB = f"{BENCH_DB}_load"
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "10"))
CLIENTS = (8, 50)
LUA = Path(__file__).with_name("load.lua")

NOTE = json.dumps({"body": "<p>Load test note {n}: renewal call went well.</p>"})
INTERACTION = json.dumps(
    {
        "type": "call",
        "occurred_at": "2026-11-30T10:00:00Z",
        "subject": "Load test call {n}",
        "body": "Talked about the rollout.",
    }
)
ACCOUNT_EDIT = '{"csm_score": {percent}}'  # each edit a change

# The SPA's pages weighted roughly as people use them; writes are about 10 %.
MIXED = [
    ("accounts list", 25, "GET", "/api/v1/accounts?limit=50&sort=name", None),
    ("account detail", 20, "GET", "/api/v1/accounts/{account}", None),
    ("account timeline", 20, "GET", "/api/v1/accounts/{account}/timeline?limit=50", None),
    ("me", 15, "GET", "/api/v1/me", None),
    ("interaction search", 10, "GET", "/api/v1/interactions/search?q=renewal&limit=50", None),
    ("POST note", 4, "POST", "/api/v1/accounts/{account}/notes", NOTE),
    ("POST interaction", 3, "POST", "/api/v1/accounts/{account}/interactions", INTERACTION),
    ("PATCH account", 3, "PATCH", "/api/v1/accounts/{account}", ACCOUNT_EDIT),
]
HEALTHZ = [("healthz", 1, "GET", "/healthz", None)]
ME = [("me", 1, "GET", "/api/v1/me", None)]
ACCOUNTS = [("accounts list", 1, *MIXED[0][2:])]


@dataclass
class Figures:
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    socket_errors: str = ""
    # CPU time of the API's processes (the server and its workers) during the phase.
    cpu_seconds: float = 0.0

    def rate(self, name: str) -> float:
        return len(self.latencies[name]) / self.seconds

    def percentiles(self, name: str) -> tuple[float, float, float]:
        q = statistics.quantiles(self.latencies[name], n=100, method="inclusive")
        return q[49], q[94], q[98]


async def _vacuum(url: str) -> None:
    """Statistics and visibility maps as autovacuum keeps them (a server may run without it,
    as this machine's does): a load database never vacuumed put every endpoint's p99 at 50
    clients 120-150 ms higher (one run each way)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def load_server(bench_settings: Settings) -> Iterator[tuple[str, str, int]]:
    """A new database with the demo organisation, served by `python -m api.serve` with two
    processes as production runs it on this machine (JSON access log at INFO, to a file). New
    for each run: kept, it grew by each run's writes, and the mix's search (for a word its new
    notes hold) took longer run after run (2,258 matching notes after a dozen runs, 5.96 ms of
    PostgreSQL a search)."""
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install -y wrk)")
    url = stack.database_url(bench_settings.database_url, LOAD_DB)
    stack.ensure_database(url, fresh=True)
    stack.migrate(url)
    stack.seed_demo(url)
    asyncio.run(_vacuum(url))
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / "tenure-bench-load-server.log"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": bench_settings.redis_url,
        "PORT": str(port),
        "TENURE_WEB_CONCURRENCY": "2",
        "TENURE_ENVIRONMENT": "production",
        "TENURE_AUTH__SECRET_KEY": "bench-" + "x" * 60,
        "TENURE_LOG_LEVEL": "INFO",
        "TENURE_LOG_JSON": "true",
    }
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "api.serve"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_ready(base_url)
            signed_in = httpx.post(
                f"{base_url}/api/v1/auth/login",
                json={"email": demo.ADMIN_EMAIL, "password": demo.ADMIN_PASSWORD},
            ).raise_for_status()
            yield base_url, signed_in.json()["access_token"], server.pid
        finally:
            server.terminate()
            server.wait(timeout=30)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its live descendants (uvicorn's workers)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = " ".join(p.read_text() for p in Path(f"/proc/{pid}/task").glob("*/children"))
    except FileNotFoundError:  # ended meanwhile
        return 0.0
    own = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(_cpu_seconds(int(child)) for child in children.split())


def _wrk(
    server: tuple[str, str, int],
    accounts: list[str],
    endpoints: list[tuple[str, int, str, str, str | None]],
    *,
    clients: int,
    seconds: int,
) -> Figures:
    base_url, token, pid = server
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "samples.txt"
        config = {
            "token": token,
            "out": str(out),
            "accounts": accounts,
            "endpoints": [
                {"name": n, "weight": w, "method": m, "path": p, "body": b}
                for n, w, m, p, b in endpoints
            ],
        }
        script = Path(tmp) / "load.lua"
        script.write_text(f"config = {_lua(config)}\n" + LUA.read_text())
        cpu_before = _cpu_seconds(pid)
        subprocess.run(
            ["wrk", "-t", str(clients), "-c", str(clients), "-d", f"{seconds}s",
             "--timeout", "10s", "-s", str(script), base_url],
            check=True,
            capture_output=True,
            timeout=seconds + 60,
        )  # fmt: skip
        figures = Figures(seconds=0, cpu_seconds=_cpu_seconds(pid) - cpu_before)
        names = [e[0] for e in endpoints]
        figures.latencies.update((name, []) for name in names)  # printed in this order
        for line in out.read_text().splitlines():
            kind, *rest = line.split(" ")
            if kind == "duration_us":
                figures.seconds = int(rest[0]) / 1e6
            elif kind == "errors":
                if any(int(n) for n in rest):
                    figures.socket_errors = "connect {} read {} write {} timeout {}".format(*rest)
            else:
                name = names[int(kind) - 1]
                figures.latencies[name].append(int(rest[0]) / 1000)
                if not 200 <= int(rest[1]) < 300:
                    figures.failures[name] += 1
        return figures


def _lua(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    if value is None:
        return "nil"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)  # a JSON string is a valid Lua string literal here (ASCII)


def _print(title: str, figures: Figures, healthz: float) -> None:
    served = sum(len(s) for s in figures.latencies.values())
    cpu = f"API CPU {figures.cpu_seconds / served * 1000:.2f} ms a request" if served else ""
    errors = f"  ({figures.socket_errors})" if figures.socket_errors else ""
    print(f"  {title + ' ' if title else ''}{cpu}{errors}")
    for name in figures.latencies:
        if len(figures.latencies[name]) < 2:  # a busy machine served this one at most once
            print(f"    {name:<20} {len(figures.latencies[name])} served")
            continue
        rate = figures.rate(name)
        p50, p95, p99 = figures.percentiles(name)
        share = f"{rate / healthz:6.0%} of healthz" if name != "healthz" else " " * 17
        failed = f"   {figures.failures[name]} not 2xx" if figures.failures.get(name) else ""
        print(
            f"    {name:<20} {rate:8.0f} req/s {share}   p50 {p50:7.1f} ms   p95 {p95:7.1f} ms"
            f"   p99 {p99:7.1f} ms{failed}"
        )


def test_load(load_server: tuple[str, str, int]) -> None:
    base_url, token, _ = load_server
    listed = httpx.get(
        f"{base_url}/api/v1/accounts",
        params={"limit": 50},
        headers={"Authorization": f"Bearer {token}"},
    ).raise_for_status()
    accounts = [a["id"] for a in listed.json()["items"]]
    print(f"\nload: python -m api.serve, 2 processes, demo organisation, wrk {SECONDS} s a phase")
    for clients in CLIENTS:
        run = {"clients": clients, "seconds": SECONDS}
        _wrk(load_server, accounts, MIXED, clients=clients, seconds=2)  # warm-up
        healthz = _wrk(load_server, accounts, HEALTHZ, **run)
        alone = [_wrk(load_server, accounts, endpoints, **run) for endpoints in (ME, ACCOUNTS)]
        # Again after them: on a machine whose speed drifts between phases (other work on its
        # cores), one run of `/healthz` moves the shares; they are shares of the two runs' mean.
        healthz_after = _wrk(load_server, accounts, HEALTHZ, **run)
        base_rate = statistics.mean([healthz.rate("healthz"), healthz_after.rate("healthz")])
        print(f"  {clients} concurrent clients")
        _print("alone:", healthz, base_rate)
        _print("again after /me and the list:", healthz_after, base_rate)
        for figures in alone:
            _print("", figures, base_rate)
        mixed = _wrk(load_server, accounts, MIXED, **run)
        total = sum(len(s) for s in mixed.latencies.values()) / mixed.seconds
        _print(f"mixed ({total:.0f} req/s in all):", mixed, base_rate)
