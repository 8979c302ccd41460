"""The pure rules of the usage area: sessions, the days a change touches, merged contacts."""

from datetime import UTC, date, datetime, timedelta

from domain.usage.schemas import ContactUpsert
from domain.usage.service import merge_contacts
from domain.usage.sessions import (
    ContactDay,
    affected_days,
    contact_days,
    day_runs,
    every_day,
    slices,
)

T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)


def minutes(*ms: int) -> list[datetime]:
    return [T0 + timedelta(minutes=m) for m in ms]


THIRTY = timedelta(minutes=30)


class TestContactDays:
    def test_a_gap_longer_than_the_timeout_starts_a_session(self) -> None:
        days = contact_days([(t, None) for t in minutes(0, 10, 40, 71, 80)], THIRTY, "UTC")
        assert days == {T0.date(): ContactDay(events=5, sessions=2, session_seconds=49 * 60)}

    def test_a_session_id_groups_consecutive_events_whatever_the_gaps(self) -> None:
        events = [(minutes(0)[0], "s"), (minutes(90)[0], "s"), (minutes(95)[0], None)]
        assert contact_days(events, THIRTY, "UTC") == {T0.date(): ContactDay(3, 2, 90 * 60)}

    def test_a_session_counts_on_its_first_day_and_its_time_on_each_day(self) -> None:
        late = T0.replace(hour=23, minute=50)
        events = [(late, None), (late + timedelta(minutes=25), None)]
        assert contact_days(events, THIRTY, "UTC") == {
            late.date(): ContactDay(1, 1, 0),
            late.date() + timedelta(1): ContactDay(1, 0, 25 * 60),
        }
        # In Tokyo both events fall on the same (next) day.
        assert contact_days(events, THIRTY, "Asia/Tokyo") == {
            late.date() + timedelta(1): ContactDay(2, 1, 25 * 60)
        }

    def test_a_session_id_silent_for_over_a_day_starts_again(self) -> None:
        events = [(T0, "s"), (T0 + timedelta(days=1, seconds=1), "s")]
        assert sum(d.sessions for d in contact_days(events, THIRTY, "UTC").values()) == 2

    def test_unsorted_input_and_no_events(self) -> None:
        assert contact_days([(t, None) for t in minutes(50, 0)], THIRTY, "UTC") == {
            T0.date(): ContactDay(2, 2, 0)
        }
        assert contact_days([], THIRTY, "UTC") == {}


def test_affected_days_take_the_next_day() -> None:
    d = date(2026, 11, 20)
    assert affected_days([d, d + timedelta(1)]) == [d, d + timedelta(1), d + timedelta(2)]


def test_day_runs_group_consecutive_days() -> None:
    d = date(2026, 11, 20)
    days = [d, d + timedelta(1), d + timedelta(5), d + timedelta(2)]
    assert day_runs(days) == [(d, d + timedelta(2)), (d + timedelta(5), d + timedelta(5))]
    assert every_day(d, d + timedelta(2)) == [d, d + timedelta(1), d + timedelta(2)]


def test_slices_cut_a_run_into_parts_of_at_most_n_days() -> None:
    d = date(2026, 11, 20)
    assert slices(d, d + timedelta(6), 3) == [
        (d, d + timedelta(2)),
        (d + timedelta(3), d + timedelta(5)),
        (d + timedelta(6), d + timedelta(6)),
    ]
    assert slices(d, d, 3) == [(d, d)]


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
