"""Day-to-day work: interactions, notes and tickets on Acme Corp, on the account hierarchy and
across the book, so search and timelines have plenty to show."""

import random
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account, StatusUpdate
from domain.interactions.models import (
    Interaction,
    InteractionType,
    Note,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from domain.orgs.models import Organisation
from domain.users.models import User
from scripts.demo.shared import CONTACTS, OWN_STORY

# (type, subject, body, outcome)
_INTERACTIONS: list[tuple[InteractionType, str, str, str | None]] = [
    (
        InteractionType.CALL,
        "Renewal check-in",
        "Walked through the renewal timeline and the budget approval steps on their side.",
        "Renewal on track",
    ),
    (
        InteractionType.CALL,
        "Pricing questions",
        "Asked about volume discounts and moving from monthly to annual billing.",
        "Sent a revised quote",
    ),
    (
        InteractionType.MEETING,
        "Onboarding workshop",
        "Trained the admins on dashboards, alerts and user roles; recorded the session.",
        "Admins trained",
    ),
    (
        InteractionType.MEETING,
        "Integration planning",
        "Mapped the Salesforce fields and agreed on a nightly sync schedule.",
        "Integration plan agreed",
    ),
    (
        InteractionType.EMAIL,
        "Single sign-on setup",
        "Shared the SAML metadata and the steps to switch on SSO for every user.",
        None,
    ),
    (
        InteractionType.EMAIL,
        "Invoice question",
        "Explained the prorated charge for the seats added mid-cycle.",
        "Resolved",
    ),
    (
        InteractionType.QBR,
        "Quarterly business review",
        "Reviewed adoption, open tickets and goals for next quarter with the sponsor.",
        "Expansion opportunity identified",
    ),
    (
        InteractionType.CALL,
        "Escalation follow-up",
        "Followed up on the data export outage; the customer confirmed the fix works.",
        "Escalation closed",
    ),
    (
        InteractionType.MEETING,
        "Executive sponsor sync",
        "Met the new VP to confirm priorities, success criteria and the renewal owner.",
        "Sponsor engaged",
    ),
    (
        InteractionType.EMAIL,
        "Feature request: scheduled exports",
        "Logged their request for scheduled PDF exports of the weekly usage report.",
        "Shared with product",
    ),
    (
        InteractionType.CALL,
        "Usage health check",
        "Logins dipped last month after a team change; agreed on a training refresher.",
        "Training booked",
    ),
    (
        InteractionType.MEETING,
        "Security review",
        "Answered the security questionnaire: data retention, encryption and sub-processors.",
        "Review passed",
    ),
    (
        InteractionType.CALL,
        "API limits and webhooks",
        "Discussed webhook retries and API rate limits for their nightly data sync.",
        None,
    ),
    (
        InteractionType.EMAIL,
        "Expansion proposal",
        "Sent a proposal for 25 more seats and the analytics add-on.",
        "Awaiting signature",
    ),
    (
        InteractionType.OTHER,
        "Customer advisory board invite",
        "Invited their operations lead to the spring customer advisory board.",
        "Accepted",
    ),
]
_NOTES = [
    "<p><b>Champion:</b> {contact}. Prefers short calls and a written summary afterwards.</p>",
    "<p>Budget is set in <b>October</b>; raise expansion before then.</p>",
    "<p>Procurement needs a signed DPA before any new order form.</p>",
    "<p>{contact} asked to be copied on every renewal email.</p>",
    "<p>Uses the API heavily for a nightly warehouse sync; watch the rate limits.</p>",
    "<p>Competitor evaluation rumoured; keep the QBR on the calendar.</p>",
    "<ul><li>Wants SSO for all regions</li><li>Interested in the analytics add-on</li></ul>",
]
_TICKETS = [
    ("Data export times out for large date ranges", TicketPriority.HIGH),
    ("Dashboard slow to load in the morning", TicketPriority.NORMAL),
    ("Cannot invite new users from the admin page", TicketPriority.HIGH),
    ("Wrong currency shown on the invoice", TicketPriority.LOW),
    ("Webhook deliveries failing with 401", TicketPriority.URGENT),
    ("Password reset email not received", TicketPriority.NORMAL),
    ("Report totals do not match the CSV export", TicketPriority.NORMAL),
    ("Request to raise the API rate limit", TicketPriority.LOW),
]


async def acme_story(
    session: AsyncSession, org: Organisation, acme: Account, csm: User, now: datetime
) -> None:
    """A believable history on Acme Corp: interactions, notes, tickets and a status."""
    acme.status_title = "Expansion in discussion"
    acme.status_details = "Wants 20 more seats for the EMEA team after the Q3 QBR."
    acme.status_at = now - timedelta(days=2)
    acme.status_author_id = csm.id
    # The Business plan its subscription bills; its utilisation is set with its users.
    acme.custom_values = {
        "plan": "Business",
        "region": "EMEA",
        "industry": "Manufacturing",
        "seats": 6,
        "has_sso": True,
        "billing_status": "active",
        "go_live_on": (now.date() - timedelta(days=700)).isoformat(),
    }
    session.add(
        StatusUpdate(
            org_id=org.id,
            account_id=acme.id,
            title=acme.status_title,
            details=acme.status_details,
            posted_at=acme.status_at,
            changed_by_id=csm.id,
        )
    )
    for days, kind, subject, body in [
        (40, InteractionType.QBR, "Q3 business review", "Reviewed adoption; renewal looks safe."),
        (21, InteractionType.CALL, "Pricing call", "Asked about volume pricing for renewal."),
        (9, InteractionType.MEETING, "EMEA rollout", "Planned onboarding for 20 new seats."),
        (3, InteractionType.EMAIL, "Contract draft", "Sent the expansion contract draft."),
    ]:
        session.add(
            Interaction(
                org_id=org.id,
                account_id=acme.id,
                type=kind,
                subject=subject,
                body=body,
                occurred_at=now - timedelta(days=days),
                author_id=csm.id,
                participant_user_ids=[csm.id],
                participant_contacts=["Jordan Buyer"],
            )
        )
    session.add(
        Note(
            org_id=org.id,
            account_id=acme.id,
            author_id=csm.id,
            is_pinned=True,
            body="<p><b>Champion:</b> Jordan Buyer (VP Ops). Prefers email.</p>",
        )
    )
    session.add(
        Ticket(
            org_id=org.id,
            account_id=acme.id,
            external_id="ZD-1042",
            source="zendesk",
            subject="SSO login fails for EMEA users",
            status=TicketStatus.OPEN,
            priority=TicketPriority.HIGH,
            opened_at=now - timedelta(days=1),
        )
    )
    await session.flush()


async def hierarchy_story(
    session: AsyncSession, org: Organisation, accounts: list[Account], csm: User, now: datetime
) -> None:
    """A parent with two child accounts and a grandchild (all the demo CSM's, none with
    revenue), with history on the children, so the account page's "Include child accounts"
    switch has something to roll up."""
    parent, regional, subsidiary, branch = accounts
    regional.parent_id = parent.id
    subsidiary.parent_id = parent.id
    branch.parent_id = subsidiary.id
    for account, days, kind, subject in [
        (regional, 12, InteractionType.CALL, "Regional rollout kickoff"),
        (subsidiary, 6, InteractionType.MEETING, "Subsidiary onboarding review"),
        (branch, 4, InteractionType.EMAIL, "Branch office training plan"),
    ]:
        session.add(
            Interaction(
                org_id=org.id,
                account_id=account.id,
                type=kind,
                subject=subject,
                occurred_at=now - timedelta(days=days),
                author_id=csm.id,
                participant_user_ids=[csm.id],
            )
        )
    session.add(
        Note(
            org_id=org.id,
            account_id=subsidiary.id,
            author_id=csm.id,
            body="<p>Subsidiary reports to the parent's procurement team.</p>",
        )
    )
    session.add(
        Ticket(
            org_id=org.id,
            account_id=branch.id,
            external_id="ZD-2077",
            source="zendesk",
            subject="Branch office cannot reach the status page",
            status=TicketStatus.PENDING,
            priority=TicketPriority.NORMAL,
            opened_at=now - timedelta(days=2),
        )
    )
    await session.flush()


async def activity_story(
    session: AsyncSession,
    org: Organisation,
    accounts: list[Account],
    owners: list[User | None],
    admin: User,
    now: datetime,
) -> None:
    """Interactions on nearly every account over the last six months, notes on many, and
    support tickets (open and solved) on some."""
    rng = random.Random(23)
    contacts = [name for name, _, _ in CONTACTS]
    for index, account in enumerate(accounts):
        if index in OWN_STORY:
            continue
        author = owners[index] or admin
        for _ in range(rng.randint(2, 6)):
            kind, subject, body, outcome = rng.choice(_INTERACTIONS)
            session.add(
                Interaction(
                    org_id=org.id,
                    account_id=account.id,
                    type=kind,
                    subject=subject,
                    body=body,
                    outcome=outcome,
                    occurred_at=now - timedelta(days=rng.randint(1, 180), hours=rng.randint(0, 8)),
                    author_id=author.id,
                    participant_user_ids=[author.id],
                    participant_contacts=rng.sample(contacts, rng.randint(1, 2)),
                )
            )
        if rng.random() < 0.45:
            session.add(
                Note(
                    org_id=org.id,
                    account_id=account.id,
                    author_id=author.id,
                    is_pinned=rng.random() < 0.3,
                    body=rng.choice(_NOTES).format(contact=rng.choice(contacts)),
                )
            )
        if rng.random() < 0.35:
            subject, priority = rng.choice(_TICKETS)
            opened = now - timedelta(days=rng.randint(1, 90), hours=rng.randint(0, 23))
            status = rng.choice(list(TicketStatus))
            closed = status in (TicketStatus.SOLVED, TicketStatus.CLOSED)
            session.add(
                Ticket(
                    org_id=org.id,
                    account_id=account.id,
                    external_id=f"ZD-{3000 + index}",
                    source="zendesk",
                    subject=subject,
                    status=status,
                    priority=priority,
                    opened_at=opened,
                    closed_at=min(opened + timedelta(days=rng.randint(1, 10)), now)
                    if closed
                    else None,
                )
            )
    await session.flush()
