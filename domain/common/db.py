from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar

from pydantic_core import from_json
from sqlalchemy import Select, event
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

from domain.common.errors import RaceLost as RaceLost

P = ParamSpec("P")
T = TypeVar("T")

UNIQUE_VIOLATION = "23505"
# A race needs a second writer per attempt; three losses in a row mean something else is wrong.
_RACE_ATTEMPTS = 3


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    plans: Literal["custom", "generic"] = "custom",
) -> AsyncEngine:
    """`plans`: asyncpg prepares every statement; after five runs PostgreSQL may switch to a
    generic plan that cannot see the values (a CSM's id list, a date window, a search word)
    and is often many times slower, so each run is planned with its values ("custom"). An
    engine for the few statements whose plan does not depend on their values may let
    PostgreSQL keep one ("generic": `create_read_sessionmaker`)."""
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={
            "server_settings": {
                "plan_cache_mode": "force_custom_plan" if plans == "custom" else "auto"
            }
        },
        # JSONB values read with pydantic-core's parser, several times faster than the json
        # module's and giving the same values: a list page decodes one per account.
        json_deserializer=from_json,
    )
    event.listen(engine.sync_engine.pool, "checkout", _replace_if_closed)
    return engine


def _replace_if_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Instead of `pool_pre_ping`, which costs three round trips on every checkout (BEGIN, a
    ping, ROLLBACK: half of a signed-in read's): a connection the server has closed (restart,
    failover, idle timeout) is known to asyncpg without asking, and the pool replaces it."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class ReadSession(AsyncSession):
    """A read session (GET requests): its ORM statements run in autocommit (see
    `create_read_sessionmaker`), and its compiled statements (`CompiledOnce`, `CompiledByShape`)
    on a pooled driver connection it checks out at the first and returns when it closes,
    without the session's transaction bookkeeping or the isolation level's set and reset: that
    bookkeeping was 0.25 ms of CPU a request, a quarter of `GET /me`'s. The driver runs each
    statement in its own transaction, as autocommit does.

    `generic`: an engine made with `plans="generic"`, where the statements compiled with
    `generic=True` run and PostgreSQL keeps one plan for all runs once it is as good as
    planning each: the account list's page, planned for each request, cost PostgreSQL
    0.73-0.83 ms a page, 0.42-0.49 ms with its plan kept."""

    def __init__(self, *args: Any, generic: AsyncEngine | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._generic = generic
        self._leases: dict[bool, PoolProxiedConnection] = {}

    async def driver(self, *, generic: bool) -> Any:
        """The asyncpg connection for this session's compiled statements (the generic
        engine's when `generic` and the session has one)."""
        generic = generic and self._generic is not None
        lease = self._leases.get(generic)
        if lease is None:
            engine = self._generic if generic else self.bind
            assert isinstance(engine, AsyncEngine)
            lease = self._leases[generic] = await engine.raw_connection()
        return lease.driver_connection

    async def commit(self) -> None:
        # A read that ran only compiled statements began no transaction of the session's, and
        # SQLAlchemy would begin one to end it (a twentieth of `GET /me`'s CPU).
        if self.in_transaction() or self.new or self.dirty or self.deleted:
            await super().commit()

    async def close(self) -> None:
        leases, self._leases = self._leases, {}
        try:
            for lease in leases.values():
                await greenlet_spawn(lease.close)
        finally:
            # Most reads used no ORM statement: there is nothing else to close.
            if self.in_transaction() or self.identity_map:
                await super().close()


def create_read_sessionmaker(
    engine: AsyncEngine, *, generic: AsyncEngine | None = None
) -> async_sessionmaker[ReadSession]:
    """Sessions for reads (GET requests) on the same pool, without BEGIN and COMMIT: in
    autocommit each statement is its own transaction, which a read under READ COMMITTED (where
    every statement takes a fresh snapshot anyway) cannot tell apart, and the two round trips
    cost about a seventh of `GET /me`'s CPU in the API and a fifth of PostgreSQL's. Only the
    connection's isolation level differs, set and reset on check-out and check-in without a
    statement. `generic`: see `ReadSession`."""
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        class_=ReadSession,
        expire_on_commit=False,
        generic=generic,
    )


# A statement's SQL, the names of its parameters in order, and the constants it carries itself
# (a label's text, a length), bound as they are unless a run gives its own.
_Compiled = tuple[str, tuple[str, ...], dict[str, Any]]
_CONSTANTS = (str, int, float)


def _compile(statement: Select[*tuple[Any, ...]], dialect: Any) -> _Compiled:
    sql = statement.compile(dialect=dialect)
    carried = {name: value for name, value in sql.params.items() if value is not None}
    # Ids, times and lists are a run's values: compiled in, every later run would reuse the
    # first's. They must be named parameters given to each run.
    for name, value in carried.items():
        if not isinstance(value, _CONSTANTS):
            raise TypeError(f"a compiled statement carries {type(value).__name__} :{name}")
    return sql.string, tuple(sql.positiontup or ()), carried


async def _run_compiled(
    session: AsyncSession, compiled: _Compiled, values: dict[str, Any], *, generic: bool = False
) -> list[dict[str, Any]]:
    """The rows as plain dicts, fetched by the driver itself on the session's connection (in
    its transaction if one has begun; a read session's own, see `ReadSession`): SQLAlchemy's
    cursor and result objects cost half again the driver's own work (a sixth of a millisecond
    for a 50-row account page)."""
    text_, names, carried = compiled
    bound = {**carried, **values}
    if isinstance(session, ReadSession):
        driver = await session.driver(generic=generic)
    else:
        driver = (await (await session.connection()).get_raw_connection()).driver_connection
    records = await driver.fetch(text_, *(bound[n] for n in names))
    if not records:
        return []
    keys = list(records[0].keys())
    return [dict(zip(keys, record, strict=True)) for record in records]


def _dialect(session: AsyncSession) -> Any:
    assert session.bind is not None
    return session.bind.dialect


class CompiledOnce:
    """A statement compiled to SQL once per process, each run binding only its values: for the
    reads behind every request, where building a statement and its cache key and running it
    through the ORM cost more CPU than PostgreSQL's answer. Rows are dicts of what asyncpg
    decodes (no SQLAlchemy type processing): plain columns, arrays, uuids, timestamps,
    booleans, JSON. Only for reads: a database error reaches the caller as the driver's.
    `generic`: as `CompiledByShape.run`'s, for a statement whose plan does not depend on its
    values."""

    def __init__(self, statement: Select[*tuple[Any, ...]], *, generic: bool = False) -> None:
        self._statement = statement
        self._compiled: _Compiled | None = None
        self._generic = generic

    async def run(self, session: AsyncSession, values: dict[str, Any]) -> list[dict[str, Any]]:
        if self._compiled is None:
            self._compiled = _compile(self._statement, _dialect(session))
        return await _run_compiled(session, self._compiled, values, generic=self._generic)


class CompiledByShape:
    """`CompiledOnce` for a statement that comes in a few shapes: each shape's SQL is built and
    compiled the first time it is asked for. `build` depends on the shape alone: whatever
    varies from run to run is a named parameter in `values`."""

    def __init__(self) -> None:
        self._compiled: dict[Hashable, _Compiled] = {}

    async def run(
        self,
        session: AsyncSession,
        shape: Hashable,
        build: Callable[[], Select[*tuple[Any, ...]]],
        values: dict[str, Any],
        *,
        generic: bool = False,
    ) -> list[dict[str, Any]]:
        """`generic`: this shape's plan does not depend on its values; in a read session that
        has an engine for such statements (`ReadSession`) it runs there."""
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = self._compiled[shape] = _compile(build(), _dialect(session))
        return await _run_compiled(session, compiled, values, generic=generic)


def is_unique_violation(exc: IntegrityError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == UNIQUE_VIOLATION


def retries_races(
    upsert: Callable[Concatenate[AsyncSession, P], Awaitable[T]],
) -> Callable[Concatenate[AsyncSession, P], Awaitable[T]]:
    """For a write a concurrent request may beat to a unique key: when the other inserts the
    same key first, only this write's savepoint is undone and it runs again, now seeing the
    winner's row. An upsert by external key updates it, so every sender gets the same record
    instead of a duplicate-key error; a write that refuses a taken key (a name) refuses it with
    its own 409, as it would have a moment later. The write must flush what it changes."""

    async def run(session: AsyncSession, /, *args: P.args, **kwargs: P.kwargs) -> T:
        attempt = 1
        while True:
            try:
                async with session.begin_nested():
                    return await upsert(session, *args, **kwargs)
            except (IntegrityError, RaceLost) as exc:
                lost = isinstance(exc, RaceLost) or is_unique_violation(exc)
                if attempt == _RACE_ATTEMPTS or not lost:
                    raise
                attempt += 1

    return run
