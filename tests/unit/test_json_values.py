"""Free-form JSON (`JsonObject`): what PostgreSQL cannot store is refused with where it is, on
the flat fast path (an event's properties) as on the walk."""

import pytest

from domain.common.types import MAX_JSON_DEPTH, check_json


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"plan": "pro", "note": "a\x00b"}, "note: text must not contain NUL"),
        ({"plan": "pro", "a\x00b": 1}, "a\x00b: text must not contain NUL"),
        ({"name": "\ud800"}, "name: text must not contain unpaired surrogates"),
        ({"n": 1, "x": float("inf")}, "x: numbers must be finite"),
        ({"n": 1, "x": float("nan")}, "x: numbers must be finite"),
        ({"a": {"b": ["ok", "c\x00"]}}, "a.b.1: text must not contain NUL"),
    ],
)
def test_refuses_what_cannot_be_stored_and_says_where(value: object, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("\\", "\\\\")):
        check_json(value)


def test_keeps_what_can_be_stored_as_it_is() -> None:
    flat = {"plan": "pro", "seats": 12, "ratio": 0.5, "trial": False, "owner": None, "": ""}
    assert check_json(flat) is flat
    nested = {"a": {"b": [1, "two", {"c": None}]}}
    assert check_json(nested) is nested


def test_refuses_nesting_deeper_than_the_limit() -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(MAX_JSON_DEPTH):
        node["n"] = {}
        node = node["n"]  # type: ignore[assignment]
    with pytest.raises(ValueError, match="must not nest more than"):
        check_json(deep)
