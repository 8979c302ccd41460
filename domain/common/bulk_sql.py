"""Set-based SQL for batches of rows (bulk writes): one array parameter a column instead of one
parameter a value, so a statement covers thousands of rows and stays one statement."""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    Executable,
    Table,
    any_,
    bindparam,
    column,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

from domain.common.base import Base


def table_of(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def among(column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column = ANY(:array)`: one parameter however many values (an IN list has one each)."""
    return cast(
        ColumnElement[bool], column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    )


def unnest_rows(table: Table, keys: list[str], rows: list[dict[str, Any]]) -> Any:
    """`unnest(:a, :b, ...) AS v(a, b, ...)`: the rows as a derived table (for UPDATE ... FROM
    and INSERT ... SELECT), typed like `table`'s columns."""
    arrays = [
        bindparam(None, [row[key] for row in rows], type_=ARRAY(table.c[key].type)) for key in keys
    ]
    return _unnest(table, keys, arrays)


def unnest_parameters(table: Table, keys: Iterable[str], prefix: str = "") -> Any:
    """`unnest_rows` with each column's array a named parameter (`<prefix><column>_values`: a
    column's own name is the SET clause's in an UPDATE): for a statement built once (SQLAlchemy
    then finds it compiled by its memoised cache key) and run with `column_arrays`."""
    keys = list(keys)
    arrays = [bindparam(f"{prefix}{k}_values", type_=ARRAY(table.c[k].type)) for k in keys]
    return _unnest(table, keys, arrays)


def column_arrays(keys: Iterable[str], rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """The values of `unnest_parameters`' parameters for these rows."""
    return {f"{key}_values": [row[key] for row in rows] for key in keys}


def _unnest(table: Table, keys: Iterable[str], arrays: list[Any]) -> Any:
    return (
        func.unnest(*arrays)
        .table_valued(*(column(key, table.c[key].type) for key in keys))
        .render_derived(name="v")
    )


def _default(column: Column[Any]) -> Any:
    default = column.default
    assert isinstance(default, ScalarElementColumnDefault | CallableColumnDefault)
    # A callable default is wrapped to take the execution context; ids do not use it.
    if isinstance(default, CallableColumnDefault):
        return default.arg(None)  # type: ignore[arg-type]  # uuid4 and the like ignore it
    return default.arg


@dataclass(frozen=True)
class Write:
    """A set-based write not sent yet, so that several go as one statement (`send`). `shape`
    is a builder and its arguments, `shape[0](*shape[1:], prefix=...)`: a statement whose
    parameters are all named, each `prefix` + a key of `values`."""

    shape: tuple[Any, ...]
    values: dict[str, Any]


async def send(session: AsyncSession, writes: Iterable[Write | None]) -> None:
    """These writes (None for one with nothing to write) as one statement, each a CTE of it:
    one round trip where there were as many as writes, each of which waits its turn for the
    cores again under load. PostgreSQL runs them against one snapshot, so none may read or
    change another's rows."""
    parts = [w for w in writes if w is not None]
    if not parts:
        return
    if len(parts) == 1:
        (write,) = parts
        await session.execute(_built(write.shape, ""), write.values)
        return
    await session.execute(
        _together(tuple(w.shape for w in parts)),
        {f"w{i}_{key}": value for i, w in enumerate(parts) for key, value in w.values.items()},
    )


@functools.lru_cache(maxsize=256)
def _built(shape: tuple[Any, ...], prefix: str) -> Executable:
    build, *arguments = shape
    return cast(Executable, build(*arguments, prefix=prefix))


@functools.lru_cache(maxsize=256)
def _together(shapes: tuple[tuple[Any, ...], ...]) -> Executable:
    """`send`'s statement for these writes, built once for each combination."""
    ctes = [_built(shape, f"w{i}_").cte(f"w{i}") for i, shape in enumerate(shapes)]  # type: ignore[attr-defined]
    return select(literal_column("1")).add_cte(*ctes)


def insert_write(model: type[Base], rows: list[dict[str, Any]]) -> Write | None:
    """Rows of one table (each with the same keys) as one INSERT ... SELECT FROM unnest(...),
    None for no rows. Python-side column defaults (ids) are filled in here, as the ORM would."""
    if not rows:
        return None
    table = table_of(model)
    keys = list(rows[0])
    defaults = [c for c in table.c if c.key not in rows[0] and c.default is not None]
    if defaults:
        keys += [c.key for c in defaults]
        rows = [{**row, **{c.key: _default(c) for c in defaults}} for row in rows]
    return Write((_insert_statement, table, tuple(keys)), column_arrays(keys, rows))


async def insert_rows(session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """`insert_write`'s rows, sent."""
    await send(session, [insert_write(model, rows)])


def _insert_statement(table: Table, keys: tuple[str, ...], *, prefix: str) -> Executable:
    """`insert_write`'s statement for these columns (built once per prefix by `send`: building
    it and its cache key was a seventh of a one-account edit's CPU in the API)."""
    values = unnest_parameters(table, keys, prefix)
    return insert(table).from_select(list(keys), select(*(values.c[k] for k in keys)))


def among_named(column: Any, prefix: str) -> ColumnElement[bool]:
    """`among` with the array a named parameter, `<prefix>ids`, for a statement built once."""
    return cast(
        ColumnElement[bool],
        column == any_(bindparam(f"{prefix}ids", type_=ARRAY(column.type))),
    )


async def without_jit(session: AsyncSession) -> None:
    """For the rest of the transaction, run plans as they are instead of compiling their
    expressions to machine code first: on a set-based statement over many accounts (a bulk
    edit, a full alert pass, a report's FILTERs) the compiling costs more than it saves, up to a
    second and a half."""
    await session.execute(text("SET LOCAL jit = off"))
