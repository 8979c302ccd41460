"""Revenue: subscriptions, invoices and an FX rate, sent the way an integrator would."""

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account, LifecycleStage
from domain.orgs.models import Organisation
from domain.revenue import service as revenue
from scripts.demo.shared import CANCELLED_IN_BILLING, SEAT_PRICES, as_integration, batch

# The larger plans are billed for a year at once.
_ANNUAL_PLANS = {"Business", "Enterprise"}
# Acme Corp's prices (cents): its plan a year, before and after its renewal at a higher price,
# and its SSO add-on a month, from 100 days into its current term, half price for three months.
_ACME_PLAN_BEFORE, _ACME_PLAN = 1_200_000, 1_500_000
_ACME_SSO, _ACME_SSO_FROM, _ACME_SSO_OFFER = 20_000, timedelta(days=100), 3


async def revenue_story(
    session: AsyncSession, org: Organisation, accounts: list[Account], today: date
) -> None:
    """Subscriptions for every paying account (all but those on trial), each billing its plan's
    seats, invoices and an FX rate, sent the way an integrator would, then the MRR the
    recompute job would store."""
    ingester = as_integration(org)
    rng = random.Random(7)
    year_ago = date(today.year - 1, today.month, 1)
    rate = {"currency": "EUR", "effective_on": str(year_ago - timedelta(days=400)), "rate": "1.08"}
    await revenue.ingest_fx_rates(session, ingester, batch([rate]))
    # Acme: an annual plan renewed at a higher price, plus an SSO add-on with a launch coupon.
    acme = accounts[0].external_id
    subscriptions: list[dict[str, object]] = [
        {
            "external_id": "sub_acme_2024",
            "account_external_id": acme,
            "currency": "USD",
            "starts_on": str(year_ago - timedelta(days=365)),
            "ends_on": str(year_ago),
            "items": [
                {
                    "external_id": "business",
                    "name": "Business",
                    "unit_price": _ACME_PLAN_BEFORE,
                    "quantity": 1,
                    "interval_months": 12,
                }
            ],
        },
        {
            "external_id": "sub_acme_2025",
            "account_external_id": acme,
            "currency": "USD",
            "starts_on": str(year_ago),
            "items": [
                {
                    "external_id": "business",
                    "name": "Business",
                    "unit_price": _ACME_PLAN,
                    "interval_months": 12,
                },
                {
                    "external_id": "sso",
                    "kind": "add_on",
                    "name": "SSO",
                    "unit_price": _ACME_SSO,
                    "starts_on": str(year_ago + _ACME_SSO_FROM),
                    "discount": {
                        "kind": "percent",
                        "percent": "50",
                        "intervals": _ACME_SSO_OFFER,
                        "coupon_code": "LAUNCH50",
                    },
                },
            ],
        },
    ]
    # A customer joins when it starts paying, if not before.
    accounts[0].joined_on = min(accounts[0].joined_on or today, year_ago - timedelta(days=365))
    # Its annual plan renewed on the first of this month: the next renewal is a year on (a
    # random date had it "overdue" beside a subscription that had just renewed).
    accounts[0].renewal_on = date(today.year + 1, today.month, 1)
    trial = await session.scalar(
        select(LifecycleStage.id).where(
            LifecycleStage.org_id == org.id, LifecycleStage.name == "Trial"
        )
    )
    for index, account in enumerate(accounts[1:], start=1):
        if account.stage_id == trial:
            continue
        start = year_ago - timedelta(days=rng.randint(0, 500))
        account.joined_on = min(account.joined_on or today, start)
        plan = str(account.custom_values.get("plan", "Team"))
        seats = int(account.custom_values.get("seats", 10))
        annual = plan in _ANNUAL_PLANS
        # Lost customers' subscriptions have ended, as has the one cancelled in billing.
        ended = account.churned_on is not None or index == CANCELLED_IN_BILLING
        subscriptions.append(
            {
                "external_id": f"sub_{account.external_id}",
                "account_external_id": account.external_id,
                "currency": rng.choice(["USD", "USD", "EUR"]),
                "starts_on": str(start),
                "ends_on": str(today - timedelta(days=rng.randint(5, 90))) if ended else None,
                "items": [
                    {
                        "external_id": "plan",
                        "name": plan,
                        "interval_months": 12 if annual else 1,
                        "unit_price": SEAT_PRICES[plan] * (12 if annual else 1),
                        "quantity": seats,
                    }
                ],
            }
        )
    await revenue.ingest_subscriptions(session, ingester, batch(subscriptions))
    await revenue.ingest_invoices(session, ingester, batch(_acme_invoices(acme, year_ago, today)))
    await revenue.recompute(session, org.id, today=today)


def _acme_invoices(acme: str, year_ago: date, today: date) -> list[dict[str, object]]:
    """What Acme Corp's subscriptions bill: its plan once a year, due within a month, and the
    SSO add-on monthly (50 % off its first three), due within a fortnight. Each is paid nine
    days after it is issued, but those not due yet (this month's renewal among them) and the
    last add-on invoice that is, now past due."""
    plan = [
        (year_ago - timedelta(days=365), _ACME_PLAN_BEFORE, "Business plan, a year", 30),
        (year_ago, _ACME_PLAN, "Business plan, a year", 30),
        (date(today.year, today.month, 1), _ACME_PLAN, "Business plan, a year (renewal)", 30),
    ]
    sso_from = year_ago + _ACME_SSO_FROM
    sso = [
        (
            sso_from + timedelta(days=30 * i),
            _ACME_SSO // 2 if i < _ACME_SSO_OFFER else _ACME_SSO,
            "SSO add-on, a month",
            14,
        )
        for i in range(12)
        if sso_from + timedelta(days=30 * i) <= today
    ]
    past_due = max(i for i in sso if i[0] + timedelta(days=i[3]) < today)
    invoices: list[dict[str, object]] = []
    for n, invoice in enumerate(sorted(plan + sso), start=1):
        issued_on, amount, description, days = invoice
        due_on = issued_on + timedelta(days=days)
        paid = due_on < today and invoice != past_due
        invoices.append(
            {
                "number": f"INV-ACME-{n:03d}",
                "account_external_id": acme,
                "currency": "USD",
                "issued_on": str(issued_on),
                "due_on": str(due_on),
                "paid_on": str(issued_on + timedelta(days=9)) if paid else None,
                "lines": [{"description": description, "amount": amount}],
            }
        )
    return invoices
