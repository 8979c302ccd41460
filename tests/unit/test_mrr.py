"""MRR maths on hand-built cases: SPEC.md "Revenue definitions, exactly"."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from domain.revenue import mrr
from domain.revenue.mrr import (
    AccountRevenue,
    Discount,
    DiscountKind,
    FxTable,
    Item,
    MonthMrr,
    MovementKind,
    Rate,
    Term,
)

USD = FxTable("USD")


def item(
    price: int = 10_000,
    *,
    quantity: int = 1,
    months: int = 1,
    currency: str = "USD",
    starts_on: date = date(2026, 1, 1),
    discount: Discount | None = None,
    ends_on: date | None = None,
) -> Item:
    return Item(price, quantity, months, currency, starts_on, discount, ends_on)


def term(start: date, end: date | None, *items: Item) -> Term:
    return Term(start, end, items or (item(starts_on=start),))


def series(terms: list[Term], today: date, fx: FxTable = USD) -> list[MonthMrr]:
    return mrr.monthly_series(AccountRevenue(terms, fx), today=today)


def movements(terms: list[Term], today: date, fx: FxTable = USD) -> list[mrr.Movement]:
    revenue = AccountRevenue(terms, fx)
    return mrr.movements(
        mrr.monthly_series(revenue, today=today), first_revenue_on=revenue.first_revenue_on()
    )


class TestNormalisation:
    @pytest.mark.parametrize(
        ("price", "months", "expected"),
        [
            (10_000, 1, Decimal(10_000)),
            (120_000, 12, Decimal(10_000)),
            (30_000, 3, Decimal(10_000)),
        ],
    )
    def test_monthly_annual_quarterly(self, price: int, months: int, expected: Decimal) -> None:
        assert mrr.item_mrr(item(price, months=months)) == expected

    def test_quantity_multiplies_the_unit_price(self) -> None:
        assert mrr.item_mrr(item(1_000, quantity=7)) == Decimal(7_000)

    def test_plan_and_add_on_sum_then_round_half_up_at_account_level(self) -> None:
        # 1000 / 12 = 83.33 and 500 / 3 = 166.67: 250.00 together, 250 once rounded.
        terms = [term(date(2026, 1, 1), None, item(1_000, months=12), item(500, months=3))]
        assert mrr.account_mrr(terms, date(2026, 1, 15), USD) == 250

    def test_percent_discounts_stay_exact_until_the_account_sum(self) -> None:
        # 10 % off 5: 4.5 each. Rounded per item that would be 5 + 5 = 10; the account has 9.
        tenth = Discount(DiscountKind.PERCENT, Decimal(10))
        it = item(5, discount=tenth)
        assert mrr.interval_charge(it, 0) == Fraction(9, 2)
        terms = [term(date(2026, 1, 1), None, it, item(5, discount=tenth))]
        assert mrr.account_mrr(terms, date(2026, 1, 15), USD) == 9

    def test_half_a_minor_unit_rounds_up(self) -> None:
        assert (
            mrr.account_mrr(
                [term(date(2026, 1, 1), None, item(5, months=2))], date(2026, 1, 2), USD
            )
            == 3
        )


class TestDiscounts:
    def test_percent(self) -> None:
        d = Discount(DiscountKind.PERCENT, Decimal(25))
        assert mrr.item_mrr(item(10_000, discount=d)) == Decimal(7_500)

    def test_amount(self) -> None:
        d = Discount(DiscountKind.AMOUNT, Decimal(1_500))
        assert mrr.item_mrr(item(10_000, discount=d)) == Decimal(8_500)

    def test_amount_larger_than_the_price_stops_at_zero(self) -> None:
        d = Discount(DiscountKind.AMOUNT, Decimal(50_000))
        assert mrr.item_mrr(item(10_000, discount=d)) == 0

    def test_for_n_intervals_from_the_items_start(self) -> None:
        # Quarterly, 50 % off the first two quarters.
        it = item(30_000, months=3, discount=Discount(DiscountKind.PERCENT, Decimal(50), 2))
        assert mrr.item_mrr_on(it, date(2026, 1, 1)) == Decimal(5_000)
        assert mrr.item_mrr_on(it, date(2026, 6, 30)) == Decimal(5_000)
        assert mrr.item_mrr_on(it, date(2026, 7, 1)) == Decimal(10_000)

    def test_forever(self) -> None:
        it = item(discount=Discount(DiscountKind.AMOUNT, Decimal(1_000)))
        assert mrr.item_mrr_on(it, date(2030, 5, 1)) == Decimal(9_000)

    def test_intervals_count_from_the_items_own_start(self) -> None:
        it = item(
            starts_on=date(2026, 3, 15), discount=Discount(DiscountKind.PERCENT, Decimal(10), 1)
        )
        assert mrr.item_mrr_on(it, date(2026, 4, 14)) == Decimal(9_000)
        assert mrr.item_mrr_on(it, date(2026, 4, 15)) == Decimal(10_000)

    def test_month_end_anniversaries_clamp(self) -> None:
        assert mrr.months_elapsed(date(2026, 1, 31), date(2026, 2, 28)) == 1
        assert mrr.months_elapsed(date(2026, 1, 31), date(2026, 2, 27)) == 0


class TestFx:
    FX = FxTable(
        "USD",
        [
            Rate("EUR", date(2026, 1, 1), Decimal("1.10")),
            Rate("EUR", date(2026, 3, 1), Decimal("1.30")),
            Rate("JPY", date(2026, 1, 1), Decimal("0.0070")),
        ],
    )

    def test_converted_at_the_rate_of_the_day_the_item_started(self) -> None:
        terms = [
            term(date(2026, 2, 1), None, item(10_000, currency="EUR", starts_on=date(2026, 2, 1)))
        ]
        # Started under 1.10; the March rate does not apply to it.
        assert mrr.account_mrr(terms, date(2026, 2, 10), self.FX) == 11_000
        assert mrr.account_mrr(terms, date(2026, 4, 10), self.FX) == 11_000

    def test_an_item_started_later_uses_its_own_day(self) -> None:
        terms = [
            term(date(2026, 3, 5), None, item(10_000, currency="EUR", starts_on=date(2026, 3, 5)))
        ]
        assert mrr.account_mrr(terms, date(2026, 3, 10), self.FX) == 13_000

    def test_minor_units_of_zero_decimal_currencies(self) -> None:
        # 10,000 JPY a month at 0.0070 is 70.00 USD.
        terms = [term(date(2026, 1, 1), None, item(10_000, currency="JPY"))]
        assert mrr.account_mrr(terms, date(2026, 1, 10), self.FX) == 7_000

    def test_the_rate_of_a_day_is_the_latest_on_or_before_it(self) -> None:
        assert self.FX.rate("EUR", date(2026, 2, 28)) == Decimal("1.10")
        assert self.FX.rate("EUR", date(2026, 3, 1)) == Decimal("1.30")
        assert self.FX.rate("USD", date(2020, 1, 1)) == 1
        assert self.FX.rate("GBP", date(2026, 3, 1)) is None

    def test_an_item_in_a_currency_without_any_rate_is_left_out(self) -> None:
        terms = [
            term(
                date(2026, 1, 1),
                None,
                item(10_000, currency="GBP"),
                item(2_000, currency="USD"),
            )
        ]
        assert mrr.account_mrr(terms, date(2026, 1, 10), self.FX) == 2_000

    def test_a_rate_moving_alone_is_no_movement(self) -> None:
        terms = [term(date(2026, 1, 1), None, item(10_000, currency="EUR"))]
        assert movements(terms, date(2026, 5, 31), self.FX) == [
            mrr.Movement(date(2026, 1, 1), MovementKind.NEW, 0, 11_000)
        ]


def kinds(terms: list[Term], today: date) -> list[tuple[date, MovementKind, int, int]]:
    return [(m.month, m.kind, m.start_mrr, m.end_mrr) for m in movements(terms, today)]


class TestMovements:
    def test_new_expansion_contraction_churn_reactivation(self) -> None:
        terms = [
            term(date(2026, 1, 10), date(2026, 3, 1), item(10_000, starts_on=date(2026, 1, 10))),
            term(date(2026, 2, 5), date(2026, 4, 1), item(5_000, starts_on=date(2026, 2, 5))),
            term(date(2026, 6, 1), None, item(2_000, starts_on=date(2026, 6, 1))),
        ]
        assert kinds(terms, date(2026, 7, 15)) == [
            (date(2026, 1, 1), MovementKind.NEW, 0, 10_000),
            (date(2026, 2, 1), MovementKind.EXPANSION, 10_000, 15_000),
            (date(2026, 3, 1), MovementKind.CONTRACTION, 15_000, 5_000),
            (date(2026, 4, 1), MovementKind.CHURN, 5_000, 0),
            (date(2026, 6, 1), MovementKind.REACTIVATION, 0, 2_000),
        ]

    def test_a_gap_of_three_days_is_covered(self) -> None:
        # Ends (exclusive) on Jan 30, the next starts Feb 2: Jan 31 is covered by the first.
        terms = [
            term(date(2026, 1, 1), date(2026, 1, 30)),
            term(date(2026, 2, 2), None, item(12_000, starts_on=date(2026, 2, 2))),
        ]
        assert kinds(terms, date(2026, 3, 31)) == [
            (date(2026, 1, 1), MovementKind.NEW, 0, 10_000),
            (date(2026, 2, 1), MovementKind.EXPANSION, 10_000, 12_000),
        ]

    def test_a_gap_of_four_days_is_churn_then_reactivation(self) -> None:
        terms = [
            term(date(2025, 12, 1), date(2026, 1, 30)),
            term(date(2026, 2, 3), None, item(starts_on=date(2026, 2, 3))),
        ]
        assert [k for _, k, _, _ in kinds(terms, date(2026, 2, 28))] == [
            MovementKind.NEW,
            MovementKind.CHURN,
            MovementKind.REACTIVATION,
        ]

    def test_the_current_month_is_measured_today(self) -> None:
        terms = [term(date(2026, 1, 1), date(2026, 5, 20))]
        assert series(terms, date(2026, 5, 10))[-1] == MonthMrr(date(2026, 5, 1), 10_000)

    def test_a_term_inside_one_month_leaves_no_trace(self) -> None:
        assert kinds([term(date(2026, 1, 3), date(2026, 1, 20))], date(2026, 2, 28)) == []

    def test_a_return_after_a_term_inside_one_month_is_a_reactivation(self) -> None:
        # January's term never reaches a month end, but it was revenue all the same.
        terms = [
            term(date(2026, 1, 3), date(2026, 1, 20)),
            term(date(2026, 3, 1), None, item(8_000, starts_on=date(2026, 3, 1))),
        ]
        assert kinds(terms, date(2026, 3, 31)) == [
            (date(2026, 3, 1), MovementKind.REACTIVATION, 0, 8_000)
        ]

    def test_revenue_earlier_in_the_same_month_is_still_new(self) -> None:
        terms = [
            term(date(2026, 1, 3), date(2026, 1, 10)),
            term(date(2026, 1, 20), None, item(8_000, starts_on=date(2026, 1, 20))),
        ]
        assert kinds(terms, date(2026, 2, 28)) == [(date(2026, 1, 1), MovementKind.NEW, 0, 8_000)]

    def test_revenue_starts_when_a_full_discount_runs_out(self) -> None:
        free_first_month = Discount(DiscountKind.PERCENT, Decimal(100), 1)
        revenue = AccountRevenue(
            [term(date(2026, 1, 1), None, item(discount=free_first_month))], USD
        )
        assert revenue.first_revenue_on() == date(2026, 2, 1)
        assert AccountRevenue([term(date(2026, 1, 1), None, item(0))], USD).first_revenue_on() is (
            None
        )


JAN_30 = date(2026, 1, 30)


def renewed_with_gap(gap: int, *more: Term) -> list[Term]:
    """A (100.00) ends on Jan 30 (exclusive); its renewal B (120.00) starts `gap` days later."""
    successor = JAN_30 + timedelta(days=gap)
    return [
        term(date(2025, 12, 1), JAN_30, item(10_000, starts_on=date(2025, 12, 1))),
        term(successor, None, item(12_000, starts_on=successor)),
        *more,
    ]


class TestRenewalGrace:
    def test_a_renewal_on_the_end_day_and_a_later_add_on_count_nothing_twice(self) -> None:
        # The audit's case: B renews A on Jan 30, add-on C starts Feb 1. A must not stretch
        # to Feb 1 beside B.
        add_on = term(date(2026, 2, 1), None, item(2_000, starts_on=date(2026, 2, 1)))
        terms = renewed_with_gap(0, add_on)
        revenue = AccountRevenue(terms, USD)

        assert [revenue.mrr(date(2026, 1, d)) for d in (29, 30, 31)] == [10_000, 12_000, 12_000]
        assert revenue.mrr(date(2026, 2, 1)) == 14_000
        assert kinds(terms, date(2026, 2, 28)) == [
            (date(2025, 12, 1), MovementKind.NEW, 0, 10_000),
            (date(2026, 1, 1), MovementKind.EXPANSION, 10_000, 12_000),
            (date(2026, 2, 1), MovementKind.EXPANSION, 12_000, 14_000),
        ]
        # Renewed MRR is B's, not B's and the add-on's.
        assert mrr.renewals(revenue, today=date(2026, 2, 28)) == [
            mrr.Renewal(date(2026, 1, 1), 10_000, 12_000)
        ]

    @pytest.mark.parametrize(("gap", "covered"), [(0, False), (1, True), (3, True), (4, False)])
    def test_the_gap_is_covered_by_the_earlier_term_only(self, gap: int, covered: bool) -> None:
        revenue = AccountRevenue(renewed_with_gap(gap), USD)
        successor = JAN_30 + timedelta(days=gap)

        in_gap = [revenue.mrr(JAN_30 + timedelta(days=d)) for d in range(gap)]
        assert in_gap == [10_000 if covered else 0] * gap
        # From the successor's first day only the successor counts, whatever the gap.
        assert revenue.mrr(successor) == 12_000
        assert revenue.mrr(JAN_30 - timedelta(days=1)) == 10_000
        expected_end = successor if covered else JAN_30
        assert mrr.covered_until(renewed_with_gap(gap)) == [expected_end, None]

    @pytest.mark.parametrize("gap", [0, 1, 3])
    def test_renewed_with_the_successors_mrr_only(self, gap: int) -> None:
        # An unrelated add-on a day after the successor is no part of the renewal.
        later = JAN_30 + timedelta(days=gap + 1)
        terms = renewed_with_gap(gap, term(later, None, item(2_000, starts_on=later)))
        assert mrr.renewals(AccountRevenue(terms, USD), today=date(2026, 3, 1)) == [
            mrr.Renewal(date(2026, 1, 1), 10_000, 12_000)
        ]

    def test_a_gap_of_four_days_is_no_renewal_even_with_an_add_on_in_between(self) -> None:
        # The add-on starting 2 days after A's end is A's successor (the next term of the
        # account), so A is renewed into it; B, 4 days on, is not part of it.
        add_on = term(date(2026, 2, 1), None, item(2_000, starts_on=date(2026, 2, 1)))
        revenue = AccountRevenue(renewed_with_gap(4, add_on), USD)
        assert mrr.renewals(revenue, today=date(2026, 3, 1)) == [
            mrr.Renewal(date(2026, 1, 1), 10_000, 2_000)
        ]
        # A covers Jan 30-31 up to the add-on, not up to B.
        assert revenue.mrr(date(2026, 1, 31)) == 10_000
        assert revenue.mrr(date(2026, 2, 1)) == 2_000


class TestRenewals:
    def test_renewed_within_three_days_with_the_successors_mrr(self) -> None:
        terms = [
            term(
                date(2025, 3, 1),
                date(2026, 3, 1),
                item(120_000, months=12, starts_on=date(2025, 3, 1)),
            ),
            term(date(2026, 3, 3), None, item(150_000, months=12, starts_on=date(2026, 3, 3))),
        ]
        revenue = AccountRevenue(terms, USD)
        assert mrr.renewals(revenue, today=date(2026, 4, 1)) == [
            mrr.Renewal(date(2026, 3, 1), 10_000, 12_500)
        ]

    def test_no_successor_is_no_renewal(self) -> None:
        revenue = AccountRevenue([term(date(2026, 1, 1), date(2026, 3, 1))], USD)
        assert mrr.renewals(revenue, today=date(2026, 4, 1)) == []

    def test_a_successor_after_four_days_is_no_renewal(self) -> None:
        terms = [term(date(2026, 1, 1), date(2026, 3, 1)), term(date(2026, 3, 5), None)]
        assert mrr.renewals(AccountRevenue(terms, USD), today=date(2026, 4, 1)) == []


MAY_10 = date(2026, 5, 10)


class TestMidTermChanges:
    """A change of price or quantity in a term: the old item ends on the day (exclusive) and a
    new one starts then. Earlier months keep the old MRR; the month of the change moves by the
    difference, as an expansion or a contraction, never a churn and a new."""

    def test_an_upgrade_is_an_expansion_of_the_difference_in_its_month(self) -> None:
        # 10 seats at 100.00 a month become 15 on May 10.
        terms = [
            term(
                date(2026, 1, 1),
                None,
                item(10_000, quantity=10, ends_on=MAY_10),
                item(10_000, quantity=15, starts_on=MAY_10),
            )
        ]
        revenue = AccountRevenue(terms, USD)

        assert (revenue.mrr(date(2026, 5, 9)), revenue.mrr(MAY_10)) == (100_000, 150_000)
        assert [p.mrr for p in series(terms, date(2026, 7, 31))] == [100_000] * 4 + [150_000] * 3
        assert kinds(terms, date(2026, 7, 31)) == [
            (date(2026, 1, 1), MovementKind.NEW, 0, 100_000),
            (date(2026, 5, 1), MovementKind.EXPANSION, 100_000, 150_000),
        ]
        assert mrr.renewals(revenue, today=date(2026, 7, 31)) == []

    def test_a_downgrade_is_a_contraction_exact_to_the_minor_unit(self) -> None:
        # An annual plan of 10 seats at 999.99 (83,332.5 a month) becomes 7 seats (58,332.75)
        # on Aug 15, beside an add-on of 3.33 a month at 10 % off forever (299.7): 83,632.2
        # rounds to 83,632 and 58,632.45 to 58,632, so 250.00 less.
        tenth = Discount(DiscountKind.PERCENT, Decimal(10))
        aug_15 = date(2026, 8, 15)
        terms = [
            term(
                date(2026, 1, 1),
                None,
                item(99_999, quantity=10, months=12, ends_on=aug_15),
                item(99_999, quantity=7, months=12, starts_on=aug_15),
                item(333, discount=tenth),
            )
        ]

        assert kinds(terms, date(2026, 9, 30)) == [
            (date(2026, 1, 1), MovementKind.NEW, 0, 83_632),
            (date(2026, 8, 1), MovementKind.CONTRACTION, 83_632, 58_632),
        ]
        assert movements(terms, date(2026, 9, 30))[-1].delta == -25_000

    def test_a_discount_spanning_the_change(self) -> None:
        # 20 % off the first six months (to Jul 1) for 10 seats; the 15 seats from May 10
        # keep it for their first two months, counted from their own start (to Jul 10).
        def fifth(intervals: int) -> Discount:
            return Discount(DiscountKind.PERCENT, Decimal(20), intervals)

        terms = [
            term(
                date(2026, 1, 1),
                None,
                item(10_000, quantity=10, discount=fifth(6), ends_on=MAY_10),
                item(10_000, quantity=15, discount=fifth(2), starts_on=MAY_10),
            )
        ]
        revenue = AccountRevenue(terms, USD)

        # The old item's discount outlives it, but the old item does not come back.
        assert [revenue.mrr(date(2026, 7, d)) for d in (1, 9, 10)] == [120_000, 120_000, 150_000]
        assert kinds(terms, date(2026, 7, 31)) == [
            (date(2026, 1, 1), MovementKind.NEW, 0, 80_000),
            (date(2026, 5, 1), MovementKind.EXPANSION, 80_000, 120_000),
            (date(2026, 7, 1), MovementKind.EXPANSION, 120_000, 150_000),
        ]

    def test_the_new_item_converts_at_the_rate_of_its_own_start(self) -> None:
        # 100.00 EUR from Jan 1 at 1.10; 150.00 EUR from May 10 at March's 1.30.
        terms = [
            term(
                date(2026, 1, 1),
                None,
                item(10_000, currency="EUR", ends_on=MAY_10),
                item(15_000, currency="EUR", starts_on=MAY_10),
            )
        ]
        assert [(m.kind, m.start_mrr, m.end_mrr) for m in movements(terms, MAY_10, TestFx.FX)] == [
            (MovementKind.NEW, 0, 11_000),
            (MovementKind.EXPANSION, 11_000, 19_500),
        ]

    def test_an_item_ending_with_its_term_is_covered_through_a_renewal_gap(self) -> None:
        # As if it had no end of its own: Jan 30-31 are covered up to the successor's start.
        ended = [
            term(date(2025, 12, 1), JAN_30, item(starts_on=date(2025, 12, 1), ends_on=JAN_30)),
            term(date(2026, 2, 2), None, item(12_000, starts_on=date(2026, 2, 2))),
        ]
        open_ended = [
            term(date(2025, 12, 1), JAN_30, item(starts_on=date(2025, 12, 1))),
            ended[1],
        ]
        today = date(2026, 3, 31)
        assert AccountRevenue(ended, USD).mrr(date(2026, 1, 31)) == 10_000
        assert kinds(ended, today) == kinds(open_ended, today)
        assert mrr.renewals(AccountRevenue(ended, USD), today=today) == [
            mrr.Renewal(date(2026, 1, 1), 10_000, 12_000)
        ]

    def test_a_term_renewed_after_a_change_renews_the_new_price(self) -> None:
        terms = [
            term(
                date(2025, 3, 1),
                date(2026, 3, 1),
                item(10_000, starts_on=date(2025, 3, 1), ends_on=date(2025, 9, 1)),
                item(11_000, starts_on=date(2025, 9, 1)),
            ),
            term(date(2026, 3, 1), None, item(12_000, starts_on=date(2026, 3, 1))),
        ]
        assert mrr.renewals(AccountRevenue(terms, USD), today=date(2026, 4, 1)) == [
            mrr.Renewal(date(2026, 3, 1), 11_000, 12_000)
        ]

    def test_an_item_ended_with_no_successor_is_churn_though_its_term_runs(self) -> None:
        terms = [
            term(
                date(2026, 1, 1),
                None,
                item(ends_on=date(2026, 3, 15)),
                item(4_000, starts_on=date(2026, 5, 1)),
            )
        ]
        assert kinds(terms, date(2026, 5, 31)) == [
            (date(2026, 1, 1), MovementKind.NEW, 0, 10_000),
            (date(2026, 3, 1), MovementKind.CHURN, 10_000, 0),
            (date(2026, 5, 1), MovementKind.REACTIVATION, 0, 4_000),
        ]

    def test_an_item_ended_within_its_first_month_is_still_earlier_revenue(self) -> None:
        terms = [
            term(
                date(2026, 1, 3),
                None,
                item(starts_on=date(2026, 1, 3), ends_on=date(2026, 1, 20)),
                item(8_000, starts_on=date(2026, 3, 1)),
            )
        ]
        assert AccountRevenue(terms, USD).first_revenue_on() == date(2026, 1, 3)
        assert kinds(terms, date(2026, 3, 31)) == [
            (date(2026, 3, 1), MovementKind.REACTIVATION, 0, 8_000)
        ]

    def test_an_items_own_mrr_stops_on_its_end_day(self) -> None:
        it = item(ends_on=MAY_10)
        assert (mrr.item_mrr_on(it, date(2026, 5, 9)), mrr.item_mrr_on(it, MAY_10)) == (10_000, 0)


class TestChurnRates:
    def test_spec_example(self) -> None:
        # $100 start, $10 churn, $10 contraction, $10 expansion: gross 20 %, net 10 %.
        rates = mrr.churn_rates(
            starting_mrr=10_000,
            starting_accounts=4,
            totals={
                MovementKind.CHURN: 1_000,
                MovementKind.CONTRACTION: 1_000,
                MovementKind.EXPANSION: 1_000,
                MovementKind.NEW: 5_000,
            },
            churned_accounts=1,
        )
        assert rates.gross_mrr_churn_rate == Decimal("0.2")
        assert rates.net_mrr_churn_rate == Decimal("0.1")
        assert rates.logo_churn_rate == Decimal("0.25")

    def test_reactivation_counts_against_net_churn(self) -> None:
        rates = mrr.churn_rates(
            starting_mrr=10_000,
            starting_accounts=2,
            totals={MovementKind.CHURN: 1_000, MovementKind.REACTIVATION: 3_000},
            churned_accounts=1,
        )
        assert rates.net_mrr_churn_rate == Decimal("-0.2")

    def test_nothing_at_the_start_has_no_rates(self) -> None:
        rates = mrr.churn_rates(
            starting_mrr=0, starting_accounts=0, totals={MovementKind.NEW: 5}, churned_accounts=0
        )
        assert (rates.gross_mrr_churn_rate, rates.net_mrr_churn_rate, rates.logo_churn_rate) == (
            None,
            None,
            None,
        )


def test_missing_rates_are_the_priced_currencies_without_any_rate_from_their_first_item() -> None:
    fx = FxTable("USD", [Rate("EUR", date(2026, 6, 1), Decimal("1.1"))])
    terms = [
        term(date(2026, 1, 1), None, item(currency="GBP", starts_on=date(2026, 3, 1))),
        term(
            date(2025, 1, 1),
            date(2026, 1, 1),
            item(currency="GBP", starts_on=date(2025, 2, 1)),
            # Before EUR's first rate: that rate is used, nothing is missing.
            item(currency="EUR", starts_on=date(2025, 1, 1)),
            # Free: nothing left out.
            item(0, currency="JPY"),
            item(currency="USD"),
        ),
    ]
    assert mrr.missing_rates(terms, fx) == {"GBP": date(2025, 2, 1)}
    assert mrr.missing_rates(terms, FxTable("GBP")) == {
        "EUR": date(2025, 1, 1),
        "USD": date(2026, 1, 1),
    }
