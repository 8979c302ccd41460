"""Custom fields: dimensions (plan, region, industry, SSO, go-live date, billing status) and
metrics (seats, licence utilisation), with values on most accounts."""

import random
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import configuration
from domain.accounts.models import CustomFieldType
from domain.accounts.schemas import CustomFieldCreate
from domain.users.actor import Actor
from scripts.demo.shared import CANCELLED_IN_BILLING, CHURNED, PLAN_SEATS

_REGIONS = ["EMEA", "North America", "APAC", "LATAM"]
_BILLING = ["active", "past_due", "cancelled"]
_INDUSTRIES = ["Retail", "Healthcare", "Financial services", "Manufacturing", "Media", "Software"]


async def create_custom_fields(session: AsyncSession, actor: Actor) -> None:
    for key, label, kind, fmt, options in [
        ("plan", "Plan", CustomFieldType.CATEGORY, None, list(PLAN_SEATS)),
        ("region", "Region", CustomFieldType.CATEGORY, None, _REGIONS),
        ("industry", "Industry", CustomFieldType.TEXT, None, []),
        ("has_sso", "SSO enabled", CustomFieldType.BOOLEAN, None, []),
        ("go_live_on", "Go-live date", CustomFieldType.DATE, None, []),
        ("billing_status", "Billing status", CustomFieldType.CATEGORY, None, _BILLING),
        ("seats", "Seats", CustomFieldType.NUMBER, "integer", []),
        ("licence_utilisation", "Licence utilisation", CustomFieldType.NUMBER, "percent", []),
    ]:
        await configuration.create_custom_field(
            session,
            actor,
            CustomFieldCreate(key=key, label=label, type=kind, format=fmt, options=options),
        )


def custom_values(rng: random.Random, index: int, today: date) -> dict[str, object]:
    """Most accounts have most values; a few have none, as in a real book."""
    if index % 11 == 7:
        return {}
    plan = "Enterprise" if index == 0 else rng.choices(list(PLAN_SEATS), weights=[3, 4, 3, 2])[0]
    values: dict[str, object] = {
        "plan": plan,
        "region": "EMEA" if index == 0 else rng.choice(_REGIONS),
        "seats": rng.randint(*PLAN_SEATS[plan]),
        "licence_utilisation": round(rng.uniform(18, 98), 1),
        "has_sso": plan in ("Business", "Enterprise") and rng.random() < 0.8,
        "billing_status": "active" if rng.random() < 0.9 else "past_due",
    }
    if rng.random() < 0.8:
        values["industry"] = rng.choice(_INDUSTRIES)
    if index % 9 == 2:
        # Still being rolled out: the stage trigger keeps these in Onboarding.
        values["go_live_on"] = (today + timedelta(days=rng.randint(3, 40))).isoformat()
    elif rng.random() < 0.6:
        values["go_live_on"] = (today - timedelta(days=rng.randint(30, 900))).isoformat()
    if index in CHURNED or index == CANCELLED_IN_BILLING:
        values["billing_status"] = "cancelled"
    return values
