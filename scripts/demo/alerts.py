"""Alerts: the first rules an admin would write, a playbook for the riskiest, and the worker's
first evaluation of them, so the Alerts and Tasks pages open on the proactive loop at work.
Everyone takes their emails in the daily digest: the evaluation's notifications wait for it
rather than sending dozens of emails (and terminal lines) the moment `make run` starts."""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.alerts import service as alerts
from domain.alerts.models import AlertType, AssigneeRole, EvaluationTrigger
from domain.alerts.schemas import AlertRuleCreate, PlaybookStepWrite, PlaybookWrite
from domain.notifications import service as notifications
from domain.notifications.models import EmailDigest
from domain.notifications.schemas import NotificationPreferencesWrite
from domain.users.actor import Actor
from scripts.demo.people import People
from scripts.demo.shared import CONDITION

RENEWING_POORLY = {
    "kind": "all",
    "conditions": [
        {"kind": "date", "field": "renewal_on", "op": "within_next_days", "days": 90},
        {"kind": "compare", "field": "health.band", "op": "eq", "value": "poor"},
    ],
}


async def alert_story(session: AsyncSession, people: People, now: datetime) -> None:
    """Four rules over the demo's health, usage, licences and interactions (the renewal at risk
    runs a playbook, the licences a task each), evaluated once as the worker would."""
    for user in (people.admin, people.csm, people.manager, people.second_csm):
        as_user = Actor(org_id=people.org.id, user_id=user.id, permissions=frozenset())
        await notifications.set_preferences(
            session, as_user, NotificationPreferencesWrite(email_digest=EmailDigest.DAILY)
        )
    actor = people.as_admin
    save_the_renewal = await alerts.create_playbook(
        session,
        actor,
        PlaybookWrite(
            name="Save the renewal",
            description="A renewal within 90 days whose health is poor",
            steps=[
                PlaybookStepWrite(
                    title="Book a call with the sponsor",
                    description="Agree on what must change before the renewal",
                    due_in_days=2,
                ),
                PlaybookStepWrite(title="Review usage and open tickets", due_in_days=5),
                PlaybookStepWrite(
                    title="Agree on the renewal offer",
                    description="With the CSM: the offer, and who joins the renewal call",
                    due_in_days=7,
                    assignee=AssigneeRole.MANAGER,
                ),
            ],
        ),
    )
    rules: list[tuple[str, AlertType, str, dict[str, Any], dict[str, Any]]] = [
        (
            "Renewal at risk",
            AlertType.RENEWAL,
            "Renews within 90 days with a poor health score",
            RENEWING_POORLY,
            {"creates_task": True, "playbook_id": save_the_renewal.id},
        ),
        (
            "Health falling",
            AlertType.CHURN,
            "The health score fell 20 points or more in 30 days",
            {"kind": "compare", "field": "health.change_30d", "op": "lte", "value": -20},
            {},
        ),
        (
            "Licences nearly full",
            AlertType.EXPANSION,
            "90 % or more of the licences in use: time to offer more seats",
            {"kind": "compare", "field": "custom.licence_utilisation", "op": "gte", "value": 90},
            {"creates_task": True},
        ),
        (
            "Gone quiet",
            AlertType.ENGAGEMENT,
            "No interaction with the customer for 60 days",
            {
                "kind": "compare",
                "field": "metric.days_since_last_interaction",
                "op": "gte",
                "value": 60,
            },
            {"retrigger_delay_days": 30},
        ),
    ]
    for name, type_, description, condition, more in rules:
        await alerts.create_rule(
            session,
            actor,
            AlertRuleCreate(
                name=name,
                type=type_,
                description=description,
                condition=CONDITION.validate_python(condition),
                **more,
            ),
        )
    await alerts.evaluate(session, people.org.id, trigger=EvaluationTrigger.SCHEDULE, now=now)
