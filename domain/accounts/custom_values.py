"""Typed validation of custom field values (pure): a text in a number field is refused."""

import datetime as dt
from typing import Any

from domain.accounts.errors import InvalidCustomValue
from domain.accounts.models import CustomField, CustomFieldType


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
