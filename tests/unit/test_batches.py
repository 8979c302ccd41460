"""Reading a batch: the fast path, the record-by-record one, and where a refusal is located."""

import json
from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter

from domain.common.batches import read_batch, webhook_body
from domain.common.errors import BatchTooLarge, InvalidBatch
from domain.revenue.schemas import SubscriptionBatch, SubscriptionIn
from domain.usage.schemas import EventBatch, EventCreate

_event = TypeAdapter(EventCreate)
_subscription = TypeAdapter(SubscriptionIn)
GOOD = (
    '{"message_id": "m", "name": "n", "contact_external_id": "c",'
    ' "occurred_at": "2026-11-20T09:00:00"}'
)


def read(body: bytes, max_items: int = 10) -> object:
    return read_batch(
        body, EventBatch, _event, what="event", id_keys=("message_id",), max_items=max_items
    )


def subscription(**overrides: object) -> dict[str, object]:
    return {
        "external_id": "sub-1",
        "account_external_id": "acme",
        "currency": "USD",
        "starts_on": "2026-01-01",
        "items": [{"external_id": "si-1", "unit_price": 100}],
        **overrides,
    }


class TestReadBatch:
    def test_valid_items_and_errors(self) -> None:
        batch = read_batch(
            f'{{"items": [{GOOD}, {{"message_id": "bad"}}]}}'.encode(),
            EventBatch,
            _event,
            what="event",
            id_keys=("message_id",),
        )
        [(index, event)] = batch.items
        assert index == 0 and isinstance(event, EventCreate)
        # Times without an offset are UTC.
        assert event.occurred_at == datetime(2026, 11, 20, 9, tzinfo=UTC)
        [error] = batch.errors
        assert (error.index, error.id) == (1, "bad")
        assert error.message.startswith("name: Field required; contact_external_id: Field")

    def test_a_valid_batch_is_read_whole(self) -> None:
        batch = read(f'{{"items": [{GOOD}, {GOOD}]}}'.encode())
        assert [index for index, _ in batch.items] == [0, 1] and batch.errors == []

    @pytest.mark.parametrize(
        "body", [b"", b"{", b"[]", b'{"items": {}}', b'{"items": []}', b'{"items": [], "x": 1}']
    )
    def test_malformed_envelopes(self, body: bytes) -> None:
        with pytest.raises(InvalidBatch):
            read(body)

    def test_too_many_items(self) -> None:
        with pytest.raises(BatchTooLarge):
            read(b'{"items": [1, 2, 3]}', max_items=2)


class TestWhereARefusalIsLocated:
    def refusal(self, record: dict[str, object]) -> str:
        body = webhook_body(record)
        batch = read_batch(
            body, SubscriptionBatch, _subscription, what="subscription", id_keys=("external_id",)
        )
        [error] = batch.errors
        return error.message

    def test_a_rule_across_fields_is_the_records(self) -> None:
        # Not "item: ...", which would read as one of the subscription's `items`.
        message = self.refusal(subscription(ends_on="2025-01-01"))
        assert message == "subscription: ends_on must be after starts_on"

    def test_a_field_is_named(self) -> None:
        message = self.refusal(subscription(items=[{"external_id": "si-1", "unit_price": -1}]))
        assert message == "items.0.unit_price: Input should be greater than or equal to 0"

    def test_a_choice_names_the_valid_ones(self) -> None:
        message = self.refusal(subscription(status="paused"))
        assert message == (
            "status: Input should be 'trialing', 'active', 'past_due', 'cancelled' or 'ended'"
        )


class TestWebhookBody:
    def test_a_batch_or_one_record(self) -> None:
        assert webhook_body({"items": [{"a": 1}]}) == b'{"items": [{"a": 1}]}'
        assert webhook_body({"a": 1}) == b'{"items": [{"a": 1}]}'
        one = {"external_id": "sub-1", "items": [{"external_id": "si-1"}]}
        assert json.loads(webhook_body(one)) == {"items": [one]}
