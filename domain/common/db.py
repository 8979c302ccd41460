from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        # asyncpg prepares every statement; after five runs PostgreSQL may switch to a generic
        # plan that cannot see the values (a CSM's id list, a date window, a search word) and
        # is often many times slower. Planning with the values costs well under a millisecond.
        connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
