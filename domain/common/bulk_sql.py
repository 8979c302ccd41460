"""Set-based SQL for batches of rows (bulk writes): one array parameter a column instead of one
parameter a value, so a statement covers thousands of rows and stays one statement."""

import functools
from collections.abc import Iterable
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


def unnest_parameters(table: Table, keys: Iterable[str]) -> Any:
    """`unnest_rows` with each column's array a named parameter (`<column>_values`: a column's
    own name is the SET clause's in an UPDATE): for a statement built once (SQLAlchemy then
    finds it compiled by its memoised cache key) and run with `column_arrays`."""
    keys = list(keys)
    arrays = [bindparam(f"{k}_values", type_=ARRAY(table.c[k].type)) for k in keys]
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


async def insert_rows(session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Rows of one table (each with the same keys) in one INSERT ... SELECT FROM unnest(...).
    Python-side column defaults (ids) are filled in here, as the ORM would."""
    if not rows:
        return
    table = table_of(model)
    keys = list(rows[0])
    defaults = [c for c in table.c if c.key not in rows[0] and c.default is not None]
    if defaults:
        keys += [c.key for c in defaults]
        rows = [{**row, **{c.key: _default(c) for c in defaults}} for row in rows]
    await session.execute(_insert_statement(table, tuple(keys)), column_arrays(keys, rows))


@functools.lru_cache(maxsize=256)
def _insert_statement(table: Table, keys: tuple[str, ...]) -> Executable:
    """`insert_rows`' statement for these columns, built once (building it and its cache key
    was a seventh of a one-account edit's CPU in the API)."""
    values = unnest_parameters(table, keys)
    return insert(table).from_select(list(keys), select(*(values.c[k] for k in keys)))


async def without_jit(session: AsyncSession) -> None:
    """For the rest of the transaction, run plans as they are instead of compiling their
    expressions to machine code first: on a set-based statement over many accounts (a bulk
    edit, a full alert pass, a report's FILTERs) the compiling costs more than it saves, up to a
    second and a half."""
    await session.execute(text("SET LOCAL jit = off"))
