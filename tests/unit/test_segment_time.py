"""When a Segment call happened: Segment's rule for `timestamp`, `originalTimestamp` and
`sentAt`."""

from datetime import UTC, datetime, timedelta

from domain.usage.schemas import SegmentTrack
from domain.usage.service import occurred_at

RECEIVED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def track(**times: str) -> SegmentTrack:
    return SegmentTrack.model_validate({"userId": "u", "event": "Clicked", **times})


def test_timestamp_wins() -> None:
    call = track(timestamp="2026-11-20T09:00:00Z", originalTimestamp="2026-11-19T09:00:00Z")
    assert occurred_at(call, sent_at=None, received_at=RECEIVED) == datetime(
        2026, 11, 20, 9, tzinfo=UTC
    )


def test_original_timestamp_moves_by_the_device_clocks_skew() -> None:
    # The device's clock is 3 hours behind; the call happened 5 minutes before it was sent.
    call = track(originalTimestamp="2026-11-20T08:55:00Z")
    sent = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert occurred_at(call, sent_at=sent, received_at=RECEIVED) == RECEIVED - timedelta(minutes=5)


def test_the_calls_own_sent_at_wins_over_its_batchs() -> None:
    call = track(originalTimestamp="2026-11-20T08:55:00Z", sentAt="2026-11-20T08:56:00Z")
    batch_sent = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert occurred_at(call, sent_at=batch_sent, received_at=RECEIVED) == RECEIVED - timedelta(
        minutes=1
    )


def test_without_sent_at_the_original_timestamp_is_taken_as_is() -> None:
    call = track(originalTimestamp="2026-11-20T08:55:00Z")
    assert occurred_at(call, sent_at=None, received_at=RECEIVED) == datetime(
        2026, 11, 20, 8, 55, tzinfo=UTC
    )


def test_without_times_it_happened_when_received() -> None:
    assert occurred_at(track(), sent_at=None, received_at=RECEIVED) == RECEIVED
