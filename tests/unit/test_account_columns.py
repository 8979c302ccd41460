"""Pure rules behind the explorer's columns: custom field formats per type, how the list sorts
by each field, and CSV cells of numbers."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy.dialects import postgresql

from domain.accounts.custom_values import FORMATS, check_format, default_format, format_of
from domain.accounts.errors import InvalidCustomFieldFormat, InvalidSort
from domain.accounts.fields import account_fields, sort_order
from domain.accounts.models import (
    ACCOUNT_FIELD_KEYS,
    CustomField,
    CustomFieldFormat,
    CustomFieldType,
    LifecycleStage,
    Tier,
)
from domain.common.spreadsheet import csv_cell
from domain.filters.compile import Ordering

TODAY = dt.date(2026, 12, 3)
TIERS = [Tier(id=uuid.uuid4(), name=f"Tier {n}", position=n) for n in (3, 1, 2)]
FIELDS = account_fields(
    custom_fields=[
        CustomField(key="seats", label="Seats", type=CustomFieldType.NUMBER, options=[]),
        CustomField(key="site", label="Site", type=CustomFieldType.TEXT, options=[], format="url"),
    ],
    tiers=TIERS,
    stages=[LifecycleStage(id=uuid.uuid4(), name="Trial", position=0)],
    today=TODAY,
)


def sql(order: Ordering) -> str:
    compiled = order.value.compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


def test_the_account_field_keys_are_the_accounts_own_fields() -> None:
    """What keys custom fields and computed metrics may not take: every field but the custom
    ones (`custom.<key>`)."""
    assert {k for k in FIELDS if not k.startswith("custom.")} == ACCOUNT_FIELD_KEYS


class TestFormats:
    @pytest.mark.parametrize("type_", list(CustomFieldType))
    def test_every_type_has_a_default_it_allows(self, type_: CustomFieldType) -> None:
        assert check_format(type_, None) == default_format(type_) == FORMATS[type_][0]

    @pytest.mark.parametrize(
        ("type_", "format_"),
        [
            (CustomFieldType.DATE, CustomFieldFormat.CURRENCY),
            (CustomFieldType.NUMBER, CustomFieldFormat.URL),
            (CustomFieldType.TEXT, CustomFieldFormat.PERCENT),
            (CustomFieldType.BOOLEAN, CustomFieldFormat.TEXT),
            (CustomFieldType.CATEGORY, CustomFieldFormat.PLAIN),
        ],
    )
    def test_a_format_of_another_type_is_refused(
        self, type_: CustomFieldType, format_: CustomFieldFormat
    ) -> None:
        with pytest.raises(InvalidCustomFieldFormat, match=type_.value):
            check_format(type_, format_)

    def test_every_format_belongs_to_some_type(self) -> None:
        assert {f for formats in FORMATS.values() for f in formats} == set(CustomFieldFormat)

    def test_a_field_not_yet_written_shows_its_types_default(self) -> None:
        field = CustomField(key="k", label="K", type=CustomFieldType.NUMBER)
        assert format_of(field) is CustomFieldFormat.PLAIN
        field.format = CustomFieldFormat.CURRENCY
        assert format_of(field) is CustomFieldFormat.CURRENCY


class TestSortOrder:
    def test_own_columns_sort_by_the_column(self) -> None:
        assert sql(sort_order("renewal_on", {})) == "accounts.renewal_on"

    def test_tiers_sort_by_their_position_in_the_given_order(self) -> None:
        text = sql(sort_order("tier", FIELDS))
        # TIERS are given in the organisation's order: Tier 3 first.
        assert text == (
            f"CASE accounts.tier_id WHEN '{TIERS[0].id}' THEN 0 WHEN '{TIERS[1].id}' THEN 1 "
            f"WHEN '{TIERS[2].id}' THEN 2 END"
        )

    def test_custom_numbers_sort_as_numbers_and_texts_without_empties(self) -> None:
        assert "AS NUMERIC" in sql(sort_order("custom.seats", FIELDS))
        assert sql(sort_order("custom.site", FIELDS)).startswith("nullif(")

    @pytest.mark.parametrize("key", ["csm", "custom.nope", "metric.mrr", "password"])
    def test_unsortable_or_unknown_is_refused(self, key: str) -> None:
        with pytest.raises(InvalidSort):
            sort_order(key, FIELDS)

    def test_custom_fields_carry_their_format(self) -> None:
        assert (FIELDS["custom.seats"].format, FIELDS["custom.site"].format) == ("plain", "url")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (Decimal("-1.25E+1"), "-12.5"),
        (Decimal("1E+4"), "10000"),
        (Decimal("0.00"), "0"),
        (-5, "-5"),
        (2.5, "2.5"),
        ("-5", "'-5"),
        ("=SUM(A1)", "'=SUM(A1)"),
        (True, "true"),
        (None, ""),
    ],
)
def test_csv_cells_keep_numbers_and_defuse_formulas(value: object, cell: str) -> None:
    assert csv_cell(value) == cell
