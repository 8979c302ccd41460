"""Alert evaluation's jobs (the live chain's stage evaluates changed accounts; these evaluate
every account): the scheduled full pass and a rule's "Run now"."""

import uuid
from typing import Any

from domain.alerts import service as alerts
from domain.alerts.models import EvaluationTrigger
from domain.common import clock
from workers import queue
from workers.context import transaction


@queue.job(alerts.EVALUATE_RULE_JOB, max_tries=3, timeout_seconds=600, keep_result_seconds=0)
async def evaluate_rule(ctx: dict[str, Any], org_id: str, rule_id: str) -> int:
    """One rule over every account ("Run now"); returns the alerts it opened. A retry opens
    no alert twice: the one-open-alert index holds."""
    async with transaction(ctx) as session:
        return await alerts.evaluate(
            session,
            uuid.UUID(org_id),
            trigger=EvaluationTrigger.RUN_NOW,
            rule_id=uuid.UUID(rule_id),
        )


@queue.job(alerts.EVALUATE_ORG_JOB, max_tries=3, timeout_seconds=1800, keep_result_seconds=0)
async def evaluate_org(ctx: dict[str, Any], org_id: str) -> int:
    """Every active rule of the organisation over every account; returns the alerts opened."""
    async with transaction(ctx) as session:
        return await alerts.evaluate(session, uuid.UUID(org_id), trigger=EvaluationTrigger.SCHEDULE)


@queue.job("alerts.schedule_full_pass", max_tries=1)
async def schedule_full_pass(ctx: dict[str, Any]) -> int:
    """Hourly: a full pass for each organisation with an active rule (what the live chain
    misses: a date window that starts matching as days pass, a rule just saved)."""
    slot = clock.now().strftime("%Y%m%d%H")
    async with transaction(ctx) as session:
        orgs = await alerts.organisations_with_active_rules(session)
        for org_id in orgs:
            alerts.request_full_pass(session, org_id, slot=slot)
    return len(orgs)


@queue.job("alerts.prune_evaluations", max_tries=1)
async def prune_evaluations(ctx: dict[str, Any]) -> int:
    """Daily: evaluation history past its 30 days. Returns how many rows went."""
    async with transaction(ctx) as session:
        return await alerts.prune_evaluations(session)
