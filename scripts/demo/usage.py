"""Product usage: contacts and events, sent through the usage area's own batch ingestion."""

import random
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.common import clock
from domain.common.batches import MAX_BATCH
from domain.orgs.models import Organisation
from domain.usage import service as usage
from scripts.demo.shared import CONTACTS, as_integration, batch

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
# The people of the other customers: first and last names enough for the largest account.
_FIRST = [
    "Alex", "Bea", "Chris", "Dana", "Eli", "Farah", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lara",
    "Mo", "Noor", "Omar", "Pia", "Quinn", "Rui", "Sara", "Theo", "Uma", "Vik", "Wen", "Yusuf",
]  # fmt: skip
_LAST = [
    "Adams", "Berg", "Costa", "Diaz", "Evans", "Fox", "Garcia", "Hale", "Ito", "Jensen", "Khan",
    "Lund", "Meyer", "Novak", "Ortiz", "Park", "Reid", "Silva", "Tran", "Vogel", "Weber", "Young",
]  # fmt: skip
_TITLES = ["Analyst", "Manager", "Specialist", "Coordinator", "Engineer", "Consultant"]


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


def _users(rng: random.Random, account: Account) -> int:
    """As many users as the account has seats in use (a few on an account without seats)."""
    values = account.custom_values or {}
    seats, utilisation = values.get("seats"), values.get("licence_utilisation")
    if isinstance(seats, int) and isinstance(utilisation, int | float):
        return max(1, round(seats * utilisation / 100))
    return rng.randint(2, 5)


def _people(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """(name, title, role) of an account's users: its owner, a couple of admins, members."""
    names = rng.sample([f"{f} {last}" for f in _FIRST for last in _LAST], count)
    return [
        (name, rng.choice(_TITLES), "owner" if p == 0 else "admin" if p < 3 else "member")
        for p, name in enumerate(names)
    ]


async def usage_story(
    session: AsyncSession, org: Organisation, accounts: list[Account], now: datetime
) -> None:
    """Contacts on every account here (Acme Corp first: its five named people) as many as its
    seats in use, and their events over the last 60 days, then the rollup the worker would run,
    so every account's Usage and Contacts tabs, activity rank and health have something to
    show. How busy an account's people are follows how much of its licence it uses; Acme's use
    grows towards today."""
    ingester = as_integration(org)
    rng = random.Random(11)
    contacts: list[dict[str, object]] = []
    # Contact and account external ids, how likely the contact is active on a weekday, how
    # many of the product's features (the most used first) their account has taken up, and
    # how many days ago they stopped using it (0: they still do).
    members: list[tuple[str, str, float, int, int]] = []
    today = clock.today_in(org.time_zone, now)
    for a, account in enumerate(accounts):
        domain = account.domain or f"{account.external_id}.example"
        users = 5 if a == 0 else _users(rng, account)
        people = CONTACTS[:users] if a == 0 else _people(rng, users)
        _licence_users(account, len(people))
        utilisation = (account.custom_values or {}).get("licence_utilisation")
        engaged = 0.6 * (utilisation / 100 if isinstance(utilisation, float) else 0.5)
        engaged += 0.4 * rng.random()
        # Renewing soon with a CSM who rates them poorly: their people stopped using the
        # product over a month ago (the renewals at risk the demo's alert rule finds).
        fading = (
            a > 0
            and account.renewal_on is not None
            and account.renewal_on <= today + timedelta(days=90)
            and (account.csm_score or 0) <= 35
        )
        stopped = rng.randint(35, 50) if fading else 0
        # The least engaged have taken up one or two features, the most all of them.
        features = len(_EVENTS) if a == 0 else 1 + round((len(_EVENTS) - 1) * engaged**1.5)
        for p, (name, title, role) in enumerate(people):
            external_id = f"{account.external_id}-user-{p + 1}"
            # Acme's people by first name, as the rest of its story knows them.
            mailbox = name.split()[0] if a == 0 else name
            contacts.append(
                {
                    "external_id": external_id,
                    "email": f"{mailbox.lower().replace(' ', '.')}@{domain}",
                    "name": name,
                    "title": title,
                    "role": role,
                    "account_external_ids": [account.external_id],
                    "traits": {
                        "plan_role": role,
                        "locale": rng.choice(["en-GB", "en-US", "de-DE"]),
                    },
                }
            )
            # Some people live in the product, some look in now and then.
            habit = rng.choice([1.6, 1.0, 1.0, 0.4])
            activity = 0.35 if a == 0 else 0.15 * engaged * habit
            members.append((external_id, account.external_id, activity, features, stopped))
    for start in range(0, len(contacts), MAX_BATCH):
        await usage.upsert_contact_batch(
            session, ingester, batch(contacts[start : start + MAX_BATCH])
        )

    events: list[dict[str, object]] = []
    for contact_external_id, account_external_id, activity, features, stopped in members:
        for days_ago in range(_USAGE_DAYS - 1, stopped - 1, -1):
            day = now - timedelta(days=days_ago)
            # Busier on weekdays and, for Acme, more and more towards today.
            chance = activity * (0.3 if day.weekday() >= 5 else 1.0)
            if account_external_id == accounts[0].external_id:
                chance *= 0.4 + 0.6 * (1 - days_ago / _USAGE_DAYS)
            if rng.random() >= chance:
                continue
            for _session in range(rng.choice([1, 1, 1, 2])):
                at = day.replace(
                    hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=0, microsecond=0
                )
                for _ in range(rng.randint(1, 5)):
                    if at > now:
                        break
                    name, feature, module = rng.choices(
                        _EVENTS[:features], weights=_EVENT_WEIGHTS[:features]
                    )[0]
                    events.append(
                        {
                            "message_id": f"demo-{len(events):06d}",
                            "name": name,
                            "feature": feature,
                            "module": module,
                            "contact_external_id": contact_external_id,
                            "account_external_id": account_external_id,
                            "occurred_at": at.isoformat(),
                        }
                    )
                    at += timedelta(minutes=rng.randint(1, 9), seconds=rng.randint(0, 59))
    for start in range(0, len(events), MAX_BATCH):
        await usage.ingest_event_batch(session, ingester, batch(events[start : start + MAX_BATCH]))
    # Statistics for the rollup and the month of nightly runs that read them next, as after
    # any bulk load (a server may run without autovacuum, and it would come too late).
    await session.execute(text("ANALYZE contacts, contact_accounts, usage_events"))
    # Every day of the story, the last 31 included: those are the live chain's, which rolls
    # them up only once the worker runs, after the month of metrics below has been computed
    # from them (without them, the busiest accounts ranked 0 today and their health "fell").
    await usage.roll_up(
        session, org.id, days=[today - timedelta(days=d) for d in range(_USAGE_DAYS)]
    )
    await session.execute(
        text("ANALYZE usage_daily_contact, usage_daily_account, usage_daily_feature")
    )
