"""Periods named by their months: "2024-02" starts on its first day and ends on its last."""

from datetime import date

import pytest
from pydantic import TypeAdapter, ValidationError

from domain.common.types import PeriodEnd, PeriodStart

START = TypeAdapter(PeriodStart)
END = TypeAdapter(PeriodEnd)


def test_a_month_is_its_first_or_last_day() -> None:
    assert START.validate_python("2024-02") == date(2024, 2, 1)
    assert END.validate_python("2024-02") == date(2024, 2, 29)
    assert END.validate_python("2023-02") == date(2023, 2, 28)


def test_a_day_stays_as_sent() -> None:
    assert START.validate_python("2024-02-10") == END.validate_python("2024-02-10")


@pytest.mark.parametrize("bad", ["2024-13", "2024-00", "0000-01", "9999-01", "2024-2", "May"])
def test_anything_else_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        START.validate_python(bad)
    with pytest.raises(ValidationError):
        END.validate_python(bad)
