"""A model's JSON written by PostgreSQL (domain/common/json_sql.py `json_object`) is pydantic's
JSON of the same values, byte for byte, whatever the session's time zone and date style."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import Date, DateTime, Integer, Numeric, Text, Uuid, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.json_sql import json_object
from tests.factories import AWKWARD_CUSTOM_VALUES, AWKWARD_TEXT


class Written(BaseModel):
    id: uuid.UUID
    name: str
    note: str | None
    count: int
    score: int | None
    ratio: Decimal | None
    on: date | None
    at: datetime
    ended_at: datetime | None
    owner_ids: list[uuid.UUID]


SQL_TYPES = {
    "id": Uuid(),
    "name": Text(),
    "note": Text(),
    "count": Integer(),
    "score": Integer(),
    "ratio": Numeric(4, 1),
    "on": Date(),
    "at": DateTime(timezone=True),
    "ended_at": DateTime(timezone=True),
    "owner_ids": ARRAY(Uuid()),
}


async def _written(session: AsyncSession, model: type[BaseModel], values: dict[str, Any]) -> str:
    row = {name: literal(value, SQL_TYPES[name]) for name, value in values.items()}
    return str(await session.scalar(select(json_object(model, row))))


@pytest.fixture(autouse=True)
async def unusual_session(session: AsyncSession) -> None:
    # What PostgreSQL writes by default depends on these; what json_object writes must not.
    await session.execute(text("SET LOCAL TimeZone = 'Asia/Kolkata'"))
    await session.execute(text("SET LOCAL DateStyle = 'SQL, DMY'"))


@pytest.mark.parametrize(
    "values",
    [
        {
            "id": uuid.uuid4(),
            "name": AWKWARD_TEXT,
            "note": "",
            "count": -7,
            "score": 2_147_483_647,
            "ratio": Decimal("42.5"),
            "on": date(2024, 2, 29),
            "at": datetime(2026, 12, 5, 9, 30, 15, tzinfo=UTC),  # no microseconds
            "ended_at": datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=timezone(timedelta(hours=-5))),
            "owner_ids": [uuid.uuid4(), uuid.uuid4()],
        },
        {
            "id": uuid.uuid4(),
            "name": "plain",
            "note": None,
            "count": 0,
            "score": None,
            "ratio": Decimal("10.0"),
            "on": None,
            "at": datetime(1999, 12, 31, 23, 59, 59, 130000, tzinfo=UTC),
            "ended_at": None,
            "owner_ids": [],
        },
    ],
)
async def test_the_same_bytes_as_pydantic(session: AsyncSession, values: dict[str, Any]) -> None:
    written = await _written(session, Written, values)

    # As the database gives them back: times in UTC.
    read = {k: v.astimezone(UTC) if isinstance(v, datetime) else v for k, v in values.items()}
    assert written == Written(**read).model_dump_json()


async def test_a_jsonb_value_is_the_same_json(session: AsyncSession) -> None:
    class WithValues(BaseModel):
        custom_values: dict[str, Any]

    written = await session.scalar(
        select(json_object(WithValues, {"custom_values": literal(AWKWARD_CUSTOM_VALUES, JSONB)}))
    )

    assert json.loads(str(written)) == {"custom_values": AWKWARD_CUSTOM_VALUES}


def test_a_type_it_cannot_write_is_refused() -> None:
    class Unwritable(BaseModel):
        flag: bool

    with pytest.raises(TypeError, match="no JSON writer"):
        json_object(Unwritable, {"flag": literal(True)})
