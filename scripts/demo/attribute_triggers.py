"""Attribute triggers: rules that set an account's tier, stage or churn from its custom fields."""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import configuration, triggers
from domain.accounts.models import LifecycleStage, Tier, TriggerTarget
from domain.accounts.schemas import AttributeTriggerWrite
from domain.users.actor import Actor
from scripts.demo.shared import CONDITION


async def attribute_triggers(session: AsyncSession, actor: Actor) -> None:
    """Rules that keep tiers, stages and churn in step with the custom fields (run once at the
    end of loading, as the hourly job would)."""
    tiers = {t.name: t.id for t in await configuration.list_items(session, actor, Tier)}
    stages = {s.name: s.id for s in await configuration.list_items(session, actor, LifecycleStage)}
    for position, (name, target, value, condition) in enumerate(
        [
            (
                "Enterprise plan is Tier 1",
                TriggerTarget.TIER,
                tiers["Tier 1"],
                {"kind": "compare", "field": "custom.plan", "op": "eq", "value": "Enterprise"},
            ),
            # Overlaps the one above: an Enterprise account with 100+ seats stays Tier 1.
            (
                "100+ seats is Tier 2",
                TriggerTarget.TIER,
                tiers["Tier 2"],
                {"kind": "compare", "field": "custom.seats", "op": "gte", "value": 100},
            ),
            (
                "Starter plan is Tier 3",
                TriggerTarget.TIER,
                tiers["Tier 3"],
                {"kind": "compare", "field": "custom.plan", "op": "eq", "value": "Starter"},
            ),
            (
                "Going live soon is Onboarding",
                TriggerTarget.STAGE,
                stages["Onboarding"],
                {
                    "kind": "date",
                    "field": "custom.go_live_on",
                    "op": "within_next_days",
                    "days": 45,
                },
            ),
            (
                "Cancelled in billing",
                TriggerTarget.CHURNED,
                "Subscription cancelled in the billing system",
                {
                    "kind": "compare",
                    "field": "custom.billing_status",
                    "op": "eq",
                    "value": "cancelled",
                },
            ),
        ]
    ):
        await triggers.create_trigger(
            session,
            actor,
            AttributeTriggerWrite(
                name=name,
                target=target,
                tier_id=value if target == TriggerTarget.TIER else None,
                stage_id=value if target == TriggerTarget.STAGE else None,
                churn_reason=value if target == TriggerTarget.CHURNED else None,
                condition=CONDITION.validate_python(condition),
                position=position,
            ),
        )
