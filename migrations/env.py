import asyncio
from typing import Any

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from domain.common.base import CHECKED_PER_STATEMENT
from domain.common.settings import get_settings
from domain.models import Base

config = context.config
target_metadata = Base.metadata


def _include(object: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Every difference counts except the model's references that triggers check per statement
    (the database has no foreign key for them)."""
    if type_ == "foreign_key_constraint" and not reflected:
        return not any(e.info.get(CHECKED_PER_STATEMENT) for e in object.elements)
    return True


def _url() -> str:
    # An explicit URL (tests, scripts) wins over the settings.
    url = config.get_main_option("sqlalchemy.url")
    return url or get_settings().async_database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        compare_type=True,
        literal_binds=True,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = async_engine_from_config(
        {"sqlalchemy.url": _url()}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
