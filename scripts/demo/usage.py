"""Product usage: contacts and events, sent through the usage area's own ingestion."""

import random
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.common import clock
from domain.orgs.models import Organisation
from domain.usage import service as usage
from domain.usage.schemas import ContactUpsert, EventCreate
from scripts.demo.shared import CONTACTS, as_integration

USAGE_ACCOUNTS = 4  # Acme Corp and the three accounts after it (all the demo CSM's)
_USAGE_DAYS = 60
# (event name, feature, module), the first ones more likely.
_EVENTS: list[tuple[str, str, str | None]] = [
    ("Dashboard Opened", "dashboards", "analytics"),
    ("Report Viewed", "reports", "analytics"),
    ("Search Performed", "search", None),
    ("Report Exported", "reports", "analytics"),
    ("Invoice Created", "invoicing", "billing"),
    ("Integration Synced", "integrations", "admin"),
    ("User Invited", "team", "admin"),
]
_EVENT_WEIGHTS = [30, 25, 15, 10, 10, 6, 4]


def _licence_users(account: Account, users: int) -> None:
    """Seats and their utilisation that agree with the users the account has in the demo."""
    values = dict(account.custom_values or {})
    seats = values.get("seats")
    if not isinstance(seats, int):
        return
    seats = max(seats, users)
    values["seats"] = seats
    values["licence_utilisation"] = round(100 * users / seats, 1)
    account.custom_values = values


async def usage_story(
    session: AsyncSession, org: Organisation, accounts: list[Account], now: datetime
) -> None:
    """Contacts on the accounts (Acme Corp first) and a few hundred events over the last 60
    days (Acme's use growing towards today), then the rollup the worker would run, so the
    Usage and Contacts tabs have something to show."""
    ingester = as_integration(org)
    rng = random.Random(11)
    contacts: list[ContactUpsert] = []
    # Contact and account external ids, and how likely the contact is active on a weekday.
    members: list[tuple[str, str, float]] = []
    for a, account in enumerate(accounts):
        domain = account.domain or f"{account.external_id}.example"
        people = CONTACTS[:5] if a == 0 else rng.sample(CONTACTS, 3)
        _licence_users(account, len(people))
        for p, (name, title, role) in enumerate(people):
            external_id = f"{account.external_id}-user-{p + 1}"
            contacts.append(
                ContactUpsert(
                    external_id=external_id,
                    email=f"{name.split()[0].lower()}@{domain}",
                    name=name,
                    title=title,
                    role=role,
                    account_external_ids=[account.external_id],
                    traits={"plan_role": role, "locale": rng.choice(["en-GB", "en-US", "de-DE"])},
                )
            )
            members.append((external_id, account.external_id, 0.35 if a == 0 else 0.1))
    for upsert in contacts:
        await usage.upsert_contact(session, ingester, upsert)

    events: list[EventCreate] = []
    for contact_external_id, account_external_id, activity in members:
        for days_ago in range(_USAGE_DAYS - 1, -1, -1):
            day = now - timedelta(days=days_ago)
            # Busier on weekdays and, for Acme, more and more towards today.
            chance = activity * (0.3 if day.weekday() >= 5 else 1.0)
            if account_external_id == accounts[0].external_id:
                chance *= 0.4 + 0.6 * (1 - days_ago / _USAGE_DAYS)
            if rng.random() >= chance:
                continue
            for _session in range(rng.choice([1, 1, 2])):
                at = day.replace(
                    hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=0, microsecond=0
                )
                for _ in range(rng.randint(2, 6)):
                    if at > now:
                        break
                    name, feature, module = rng.choices(_EVENTS, weights=_EVENT_WEIGHTS)[0]
                    events.append(
                        EventCreate(
                            message_id=f"demo-{len(events):05d}",
                            name=name,
                            feature=feature,
                            module=module,
                            contact_external_id=contact_external_id,
                            account_external_id=account_external_id,
                            occurred_at=at,
                        )
                    )
                    at += timedelta(minutes=rng.randint(1, 9), seconds=rng.randint(0, 59))
    # One at a time through the typed service (a few hundred small inserts, well under a
    # second), rather than a batch body whose JSON envelope this script would have to spell.
    for event in events:
        await usage.ingest_event(session, ingester, event)
    # Every day of the story, the last 31 included: those are the live chain's, which rolls
    # them up only once the worker runs, after the month of metrics below has been computed
    # from them (without them, the busiest accounts ranked 0 today and their health "fell").
    today = clock.today_in(org.time_zone, now)
    await usage.roll_up(
        session, org.id, days=[today - timedelta(days=d) for d in range(_USAGE_DAYS)]
    )
