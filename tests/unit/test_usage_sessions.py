"""The pure rules of the usage area: sessions, the days a change touches, batch parsing."""

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.usage.batches import id_field, parse_batch
from domain.usage.errors import BatchTooLarge, InvalidBatch
from domain.usage.schemas import ContactUpsert, EventBatch, EventCreate
from domain.usage.service import _event_item, merge_contacts
from domain.usage.sessions import affected_days, day_runs, every_day, split_sessions

T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)


def minutes(*ms: int) -> list[datetime]:
    return [T0 + timedelta(minutes=m) for m in ms]


class TestSplitSessions:
    def test_a_gap_longer_than_the_timeout_starts_a_session(self) -> None:
        sessions = split_sessions(minutes(0, 10, 40, 71, 80), timedelta(minutes=30))
        assert sessions == [minutes(0, 10, 40), minutes(71, 80)]

    def test_unsorted_input_and_no_events(self) -> None:
        assert split_sessions(minutes(50, 0), timedelta(minutes=30)) == [minutes(0), minutes(50)]
        assert split_sessions([], timedelta(minutes=30)) == []


def test_affected_days_take_the_neighbours() -> None:
    d = date(2026, 11, 20)
    assert affected_days([d]) == [d - timedelta(1), d, d + timedelta(1)]


def test_day_runs_group_consecutive_days() -> None:
    d = date(2026, 11, 20)
    days = [d, d + timedelta(1), d + timedelta(5), d + timedelta(2)]
    assert day_runs(days) == [(d, d + timedelta(2)), (d + timedelta(5), d + timedelta(5))]
    assert every_day(d, d + timedelta(2)) == [d, d + timedelta(1), d + timedelta(2)]


def test_merge_contacts_folds_repeats() -> None:
    merged = merge_contacts(
        [
            ContactUpsert(external_id="u", name="Ada", traits={"a": 1}, account_external_ids=["x"]),
            ContactUpsert(external_id="v"),
            ContactUpsert(
                external_id="u", email="a@x.io", traits={"b": 2}, account_external_ids=["y"]
            ),
        ]
    )
    assert [c.external_id for c in merged] == ["u", "v"]
    assert (merged[0].name, merged[0].email) == ("Ada", "a@x.io")
    assert merged[0].traits == {"a": 1, "b": 2}
    assert merged[0].account_external_ids == ["x", "y"]


class TestParseBatch:
    def parse(self, body: bytes, max_items: int = 10) -> object:
        return parse_batch(
            body,
            envelope=EventBatch,
            key="items",
            item=_event_item,
            max_items=max_items,
            id_of=id_field("message_id"),
        )

    def test_valid_items_and_errors(self) -> None:
        good = (
            '{"message_id": "m", "name": "n", "contact_external_id": "c",'
            ' "occurred_at": "2026-11-20T09:00:00"}'
        )
        parsed = parse_batch(
            f'{{"items": [{good}, {{"message_id": "bad"}}]}}'.encode(),
            envelope=EventBatch,
            key="items",
            item=_event_item,
            max_items=10,
            id_of=id_field("message_id"),
        )
        [(index, event)] = parsed.items
        assert index == 0 and isinstance(event, EventCreate)
        # Times without an offset are UTC.
        assert event.occurred_at == T0
        [error] = parsed.errors
        assert (error.index, error.id) == (1, "bad")

    @pytest.mark.parametrize("body", [b"", b"{", b"[]", b'{"items": {}}'])
    def test_malformed_envelopes(self, body: bytes) -> None:
        with pytest.raises(InvalidBatch):
            self.parse(body)

    def test_too_many_items(self) -> None:
        with pytest.raises(BatchTooLarge):
            self.parse(b'{"items": [1, 2, 3]}', max_items=2)
