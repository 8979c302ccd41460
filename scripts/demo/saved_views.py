"""Saved views of the account list."""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import views
from domain.accounts.schemas import AccountSort, AccountViewWrite
from domain.users.actor import Actor
from scripts.demo.shared import CONDITION


async def saved_views(session: AsyncSession, admin: Actor, csm: Actor, manager: Actor) -> None:
    """Saved views: shared ones for the whole team, and personal ones."""
    for actor, name, shared, columns, condition, sort, descending in [
        (
            admin,
            "Renewals in the next 90 days",
            True,
            ["name", "renewal_on", "days_to_renewal", "tier", "csm", "metric.mrr", "csm_score"],
            {"kind": "date", "field": "renewal_on", "op": "within_next_days", "days": 90},
            AccountSort.RENEWAL_ON,
            False,
        ),
        (
            admin,
            "Enterprise accounts",
            True,
            ["name", "custom.plan", "custom.seats", "custom.region", "tier", "csm", "nps"],
            {"kind": "compare", "field": "custom.plan", "op": "eq", "value": "Enterprise"},
            AccountSort.NAME,
            False,
        ),
        (
            admin,
            "At risk: low CSM score",
            True,
            ["name", "csm_score", "nps", "status_title", "csm", "renewal_on"],
            {"kind": "compare", "field": "csm_score", "op": "lt", "value": 50},
            AccountSort.CSM_SCORE,
            False,
        ),
        (
            csm,
            "My onboarding accounts",
            False,
            ["name", "stage", "custom.go_live_on", "csm_score", "renewal_on"],
            {"kind": "compare", "field": "stage", "op": "eq", "value": "Onboarding"},
            AccountSort.NAME,
            False,
        ),
        (
            manager,
            "Low licence utilisation",
            False,
            ["name", "custom.licence_utilisation", "custom.seats", "csm", "tier"],
            {"kind": "compare", "field": "custom.licence_utilisation", "op": "lt", "value": 40},
            AccountSort.NAME,
            False,
        ),
    ]:
        await views.create_view(
            session,
            actor,
            AccountViewWrite(
                name=name,
                is_shared=shared,
                columns=columns,
                filter=CONDITION.validate_python(condition),
                sort=sort,
                descending=descending,
            ),
        )
