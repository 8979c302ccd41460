import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, ForeignKey, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# One naming convention so alembic autogenerate produces stable, reviewable constraint names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Marks a reference the database checks once per statement (triggers of migrations 0036,
# 0037 and 0044), not by a foreign key once per row: the ORM still orders its writes by it,
# alembic leaves it out.
CHECKED_PER_STATEMENT = "checked_per_statement"


def reference(column: str, *, ondelete: str) -> ForeignKey:
    """A reference written in bulk (account histories, audit entries, accounts' tier and
    stage, notifications): a row's lookup of each referenced row cost most of a bulk edit of
    100,000 accounts, and of an alert pass that opens as many alerts."""
    return ForeignKey(column, ondelete=ondelete, info={CHECKED_PER_STATEMENT: True})


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True)}


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    # The database sets both stamps (updated_at on every UPDATE): read them back in the same
    # statement (RETURNING), so a flushed row is complete and a response can show it without
    # lazy-loading an expired attribute outside the async context.
    __mapper_args__: ClassVar[dict[str, Any]] = {"eager_defaults": True}

    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
