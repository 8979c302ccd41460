"""Start the whole product locally: database, migrations, demo data, SMTP sink, API and worker.
Shared by `make run` (scripts/run.py) and the browser tests (scripts/e2e.py)."""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy.engine import make_url

from scripts import demo, mailsink, services
from scripts.services import DATA, ROOT


def free_port(preferred: int | None = None) -> int:
    for candidate in ([preferred] if preferred else []) + [0]:
        with socket.socket() as s:
            # As uvicorn binds: a port whose last connections linger in TIME_WAIT after a stop
            # is free to serve again at once.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError("no free port")


def database_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def _server_connection(url: str) -> Any:
    """A connection to the server's maintenance database, to create or drop `url`'s."""
    import asyncpg

    u = make_url(url)
    return await asyncpg.connect(
        host=u.query.get("host") or u.host,
        port=u.port,
        user=u.username,
        password=u.password,
        database="postgres",
    )


async def _ensure_database(url: str, *, fresh: bool) -> None:
    u = make_url(url)
    conn = await _server_connection(url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", u.database)
        if exists and fresh:
            await conn.execute(f'DROP DATABASE "{u.database}" WITH (FORCE)')
            exists = False
        if not exists:
            await conn.execute(f'CREATE DATABASE "{u.database}"')
    finally:
        await conn.close()


def ensure_database(url: str, *, fresh: bool = False) -> None:
    asyncio.run(_ensure_database(url, fresh=fresh))


async def _drop_database(url: str) -> None:
    u = make_url(url)
    conn = await _server_connection(url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
    finally:
        await conn.close()


def drop_database(url: str) -> None:
    asyncio.run(_drop_database(url))


def migrate(url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )


async def _seed(url: str) -> bool:
    from domain.common.db import create_engine, create_sessionmaker

    # A conventional postgresql:// DATABASE_URL names no driver; the app talks asyncpg.
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        url = u.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    engine = create_engine(url, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session:
            if not await demo.is_empty(session):
                return False
            await demo.load(session)
            await session.commit()
            return True
    finally:
        await engine.dispose()


def seed_demo(url: str) -> bool:
    """Load the demo organisation, only into an empty database."""
    return asyncio.run(_seed(url))


class Processes:
    def __init__(self) -> None:
        self.children: list[subprocess.Popen[bytes]] = []

    def start(self, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(args, cwd=ROOT, env=env)
        self.children.append(child)
        return child

    def stop(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 10
        for child in self.children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def any_exited(self) -> bool:
        return any(child.poll() is not None for child in self.children)


def wait_until_ready(base_url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"the API at {base_url} did not become ready")


def redis_url_with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return urlunsplit(parts._replace(query=f"db={db}"))
    return urlunsplit(parts._replace(path=f"/{db}"))


@contextlib.contextmanager
def running(
    *,
    database: str,
    port: int,
    fresh: bool = False,
    demo: bool = True,
    redis_db: int = 0,
    worker_log: Path | None = None,
) -> Iterator[tuple[str, Processes]]:
    """Everything up, yielding the base URL; everything down (no orphans) on exit. Without
    `demo` the database stays empty (what a new install looks like). Two stacks at once need
    their own `redis_db`, or each one's worker would take the other's jobs. With `worker_log`,
    the worker writes its routine lines there and only warnings and errors to the terminal."""
    svc = services.up()
    procs = Processes()
    sink = None
    try:
        db_url = (
            database_url(svc.database_url, database)
            if svc.embedded_postgres or fresh
            else svc.database_url
        )
        ensure_database(db_url, fresh=fresh)
        migrate(db_url)
        if demo:
            seed_demo(db_url)
        redis_url = redis_url_with_db(svc.redis_url, redis_db) if redis_db else svc.redis_url
        env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url}
        base_url = f"http://127.0.0.1:{port}"
        env.setdefault("TENURE_PUBLIC_URL", base_url)
        if "TENURE_EMAIL__SMTP_HOST" not in os.environ:
            smtp_port = free_port(1025)
            sink = mailsink.start(DATA / "mail", smtp_port)
            env["TENURE_EMAIL__SMTP_HOST"] = "127.0.0.1"
            env["TENURE_EMAIL__SMTP_PORT"] = str(smtp_port)
        procs.start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            env,
        )
        worker = (
            ["-m", "scripts.worker", "--log-file", str(worker_log)]
            if worker_log
            else ["-m", "workers"]
        )
        procs.start([sys.executable, *worker], env)
        wait_until_ready(base_url)
        yield base_url, procs
    finally:
        procs.stop()
        if sink is not None:
            sink.stop()
        services.down(svc)
