"""Typed validation of custom field values and formats (pure): a text in a number field is
refused, and so is a currency format on a date."""

import datetime as dt
from typing import Any

from domain.accounts.errors import InvalidCustomFieldFormat, InvalidCustomValue
from domain.accounts.models import FORMATS as FORMATS
from domain.accounts.models import CustomField, CustomFieldFormat, CustomFieldType
from domain.accounts.models import default_format as default_format
from domain.accounts.models import format_of as format_of


def check_format(type_: CustomFieldType, format_: CustomFieldFormat | None) -> CustomFieldFormat:
    """The format to store for a field of `type_` (its default when none is given), or
    InvalidCustomFieldFormat when the type cannot be shown that way."""
    if format_ is None:
        return default_format(type_)
    if format_ not in FORMATS[type_]:
        allowed = ", ".join(FORMATS[type_])
        raise InvalidCustomFieldFormat(
            f"A {type_} field is shown as one of: {allowed}; not {format_}"
        )
    return format_


def coerce(field: CustomField, value: Any) -> Any:
    """The JSON value to store for `field`, or InvalidCustomValue. None clears the value."""
    if value is None:
        return None
    match field.type:
        case CustomFieldType.NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidCustomValue(f"{field.key} is a number; {value!r} is not")
            return value
        case CustomFieldType.BOOLEAN:
            if not isinstance(value, bool):
                raise InvalidCustomValue(f"{field.key} is true or false; {value!r} is not")
            return value
        case CustomFieldType.DATE:
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, str):
                try:
                    return dt.date.fromisoformat(value).isoformat()
                except ValueError:
                    pass
            raise InvalidCustomValue(f"{field.key} is a date (YYYY-MM-DD); {value!r} is not")
        case CustomFieldType.CATEGORY:
            if not isinstance(value, str) or (field.options and value not in field.options):
                raise InvalidCustomValue(
                    f"{field.key} is one of: {', '.join(field.options)}; {value!r} is not"
                )
            return value
    if not isinstance(value, str):
        raise InvalidCustomValue(f"{field.key} is text; {value!r} is not")
    if len(value) > 10_000:
        raise InvalidCustomValue(f"{field.key} is longer than 10,000 characters")
    return value
