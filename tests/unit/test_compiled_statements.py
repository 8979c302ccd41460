"""Statements compiled once (`domain.common.db`): constants travel with the SQL, a run's
values never do."""

import uuid

import pytest
from sqlalchemy import Text, bindparam, literal, select
from sqlalchemy.dialects.postgresql import asyncpg

from domain.accounts.models import Account
from domain.common.bulk_sql import among
from domain.common.db import _compile

DIALECT = asyncpg.dialect()


def test_constants_travel_with_the_sql_and_named_values_are_left_to_each_run() -> None:
    statement = select(literal("note", Text).label("kind"), Account.id).where(
        Account.org_id == bindparam("org_id"), Account.name.startswith("Acme")
    )
    sql, names, carried = _compile(statement, DIALECT)
    assert "org_id" in names and "org_id" not in carried
    assert sorted(carried.values()) == ["Acme", "note"]
    assert len(names) == 3 and sql.count("$") == 3


@pytest.mark.parametrize(
    "condition",
    [
        lambda: among(Account.id, [uuid.uuid4()]),
        lambda: Account.id == uuid.uuid4(),
    ],
)
def test_a_runs_value_compiled_in_is_refused(condition: object) -> None:
    with pytest.raises(TypeError, match="a compiled statement carries"):
        _compile(select(Account.id).where(condition()), DIALECT)  # type: ignore[operator]
