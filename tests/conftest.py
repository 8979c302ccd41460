"""Real PostgreSQL and Redis (embedded unless DATABASE_URL/REDIS_URL are set), one database built
by the migrations per session, and a rolled-back transaction per test."""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from httpx import ASGITransport, AsyncClient
from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from domain.common.db import create_engine
from domain.common.settings import AuthSettings, EmailSettings, Settings
from domain.emails.service import SmtpConfig
from domain.orgs.models import Organisation
from domain.users.models import User
from scripts import services, stack
from scripts.stack import free_port
from tests.helpers import Inbox
from workers import queue

# Per process, so two test runs on one machine (or beside `make run`) never share state.
TEST_DB = f"tenure_test_{os.getpid()}"
TEST_REDIS_DB = 1 + os.getpid() % 15


@pytest.fixture(scope="session")
def service_urls() -> Iterator[tuple[str, str]]:
    svc = services.up()
    db_url = stack.database_url(svc.database_url, TEST_DB)
    stack.ensure_database(db_url, fresh=True)
    stack.migrate(db_url)
    # Tests use their own Redis database so they never touch a running `make run`.
    yield db_url, stack.redis_url_with_db(svc.redis_url, TEST_REDIS_DB)
    stack.drop_database(db_url)
    services.down(svc)


@pytest.fixture(scope="session")
def settings(service_urls: tuple[str, str]) -> Settings:
    db_url, redis_url = service_urls
    return Settings(
        environment="test",
        database_url=db_url,
        redis_url=redis_url,
        public_url="http://tenure.test",
        log_json=False,
        auth=AuthSettings(max_failures_per_email=5, max_failures_per_ip=20),
        email=EmailSettings(smtp_host="127.0.0.1", smtp_port=1),
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.async_database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


# The test's savepoints stand where a request's BEGIN and COMMIT would.
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


# What asyncpg asks the server the first time a connection meets a type (its oid, then its
# codec, with JIT off meanwhile): once per connection, not the request's, and only when the
# test happens to be the first on its connection to read that type.
_DRIVER_INTROSPECTION = ("typeinfo_tree", "set_config('jit'")


@pytest.fixture
async def statements(connection: AsyncConnection) -> AsyncIterator[list[str]]:
    """Every SQL statement the app sends during the test but its transactions' savepoints and
    the driver's introspection of types: those run through SQLAlchemy, and the compiled reads
    the driver fetches itself (`domain.common.db.CompiledOnce`)."""
    sent: list[str] = []

    def through_sqlalchemy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(TRANSACTION_CONTROL):
            sent.append(statement)

    def through_the_driver(query: Any) -> None:
        if not query.query.startswith(TRANSACTION_CONTROL) and not any(
            marker in query.query for marker in _DRIVER_INTROSPECTION
        ):
            sent.append(query.query)

    sync = connection.sync_connection
    assert sync is not None
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    event.listen(sync, "before_cursor_execute", through_sqlalchemy)
    driver.add_query_logger(through_the_driver)
    yield sent
    driver.remove_query_logger(through_the_driver)
    event.remove(sync, "before_cursor_execute", through_sqlalchemy)


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    # create_savepoint: the app's commit() releases a savepoint inside the test's transaction,
    # which the test rolls back at the end.
    return async_sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = await queue.connect(settings.redis_url)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture(scope="session")
def app_instance(settings: Settings) -> Any:
    # Built once: building the routes and their schemas costs more than most tests.
    return create_app(settings, serve_spa=False)


@pytest.fixture
async def app(
    app_instance: Any,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: Redis,
) -> Any:
    app = app_instance
    # What the lifespan would set up, but on the test's connection and Redis.
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    # Reads too join the test's transaction (autocommit could not see its rows).
    app.state.read_sessionmaker = sessionmaker
    app.state.redis = redis
    return app


@pytest.fixture
async def client(app: Any) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        transport=ASGITransport(app=app), base_url="http://tenure.test"
    ) as client:
        yield client


@pytest.fixture
async def org(session: AsyncSession) -> Organisation:
    from tests.factories import create_org

    organisation, _ = await create_org(session)
    return organisation


@pytest.fixture
async def admin(session: AsyncSession, org: Organisation) -> User:
    from tests.factories import user_by_role

    return await user_by_role(session, org, "Admin")


@pytest.fixture
async def other_org(session: AsyncSession) -> Organisation:
    """A second tenant, whose ids must answer 404 to the first one."""
    from tests.factories import create_org

    organisation, _ = await create_org(session, name="Other Org")
    return organisation


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, SmtpConfig]]:
    """A real SMTP server on a free port, keeping what it receives."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield (
            inbox,
            SmtpConfig(
                host="127.0.0.1", port=controller.port, from_address="Tenure <no-reply@tenure.test>"
            ),
        )
    finally:
        controller.stop()


@pytest.fixture
def job_ctx(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], redis: Redis
) -> dict[str, Any]:
    """What arq hands a job, with the test's sessionmaker, so jobs can be called directly."""
    from workers.settings import smtp_config

    return {
        "sessionmaker": sessionmaker,
        "redis": redis,
        "settings": settings,
        "smtp": smtp_config(settings),
        "job_try": 1,
    }


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
