"""Alert rules and their alerts: rules kept valid, evaluated set-based (one statement per rule
over the accounts to evaluate, opening alerts with their alert tasks and playbook tasks),
previewed and explained; alerts listed, dismissed, snoozed, closed as tasks, converted into tasks
and deleted, within the accounts the caller may see; playbooks kept."""

import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import service as accounts
from domain.accounts.fields import HEALTH_PREFIX
from domain.alerts.compile import (
    CompiledRule,
    check_fields,
    compile_rule,
    read_by_join,
    rule_problem,
)
from domain.alerts.errors import (
    AlertAlreadyTask,
    AlertDismissed,
    AlertIsTask,
    AlertNotFound,
    AlertRuleNameTaken,
    AlertRuleNotFound,
    AssigneeNotFound,
    PlainAlertsSelected,
    PlaybookNameTaken,
    PlaybookNotFound,
    RecipientNotFound,
    RulePlaybookNotFound,
    SnoozeInThePast,
)
from domain.alerts.models import (
    Alert,
    AlertEvaluation,
    AlertRule,
    AlertStatus,
    EvaluationTrigger,
    Playbook,
    PlaybookStep,
)
from domain.alerts.repository import (
    AlertRepository,
    Counts,
    PlaybookRepository,
    Policy,
    RuleRun,
    TaskPlan,
)
from domain.alerts.repository import organisations_with_active_rules as _organisations
from domain.alerts.repository import prune_evaluations as _prune_evaluations
from domain.alerts.retrigger import Held
from domain.alerts.schemas import (
    AccountRuleVerdict,
    AlertBulkClose,
    AlertEvaluationRead,
    AlertFilters,
    AlertPreviewRead,
    AlertRead,
    AlertRecipient,
    AlertRuleCreate,
    AlertRuleDraft,
    AlertRuleRead,
    AlertRuleUpdate,
    AlertSelection,
    AlertSnooze,
    AlertTaskMade,
    AlertVerdict,
    BulkResult,
    PlaybookRead,
    PlaybookStepRead,
    PlaybookWrite,
    RuleRunQueued,
)
from domain.audit import service as audit
from domain.common import clock
from domain.common.jobs import enqueue
from domain.common.pagination import Paged
from domain.filters.compile import FieldDef
from domain.filters.schemas import Condition
from domain.health.models import AccountHealth
from domain.metrics.models import AccountMetricValues
from domain.notifications import service as notifications
from domain.tasks import service as tasks
from domain.tasks.schemas import TaskClose
from domain.tenancy.clock import org_today
from domain.users.actor import Actor, require
from domain.users.permissions import Permission

log = logging.getLogger(__name__)

EVALUATE_RULE_JOB = "alerts.evaluate_rule"
EVALUATE_ORG_JOB = "alerts.evaluate_org"
TRIGGER_DAYS = 30
# How long each rule's evaluation history is kept.
EVALUATIONS_KEPT_DAYS = 30
PREVIEW_ACCOUNTS = 200
# Plain alerts a refused bulk close names.
PLAIN_ALERTS_LISTED = 20
# Rules evaluated together, reading the accounts once (repository.AlertRepository.evaluate).
RULES_PER_STATEMENT = 100
_CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


def _policy(rule: AlertRule | AlertRuleDraft, rule_id: uuid.UUID | None) -> Policy:
    return Policy(
        rule_id=rule_id,
        includes_churned=rule.includes_churned,
        never_retrigger=rule.never_retrigger,
        retrigger_delay_days=rule.retrigger_delay_days,
    )


def _reason(rule: AlertRule) -> str:
    return rule.description or rule.name


def _task_plan(rule: AlertRule, today: date, *, creates_task: bool | None = None) -> TaskPlan:
    return TaskPlan(
        creates_task=rule.creates_task if creates_task is None else creates_task,
        playbook_id=rule.playbook_id,
        title=rule.name,
        today=today,
    )


async def _check_playbook(
    session: AsyncSession, actor: Actor, playbook_id: uuid.UUID | None
) -> None:
    repo = PlaybookRepository(session, actor.org_id)
    if playbook_id is not None and await repo.playbook(playbook_id) is None:
        raise RulePlaybookNotFound()


async def _recipients(
    session: AsyncSession, actor: Actor, notify: list[AlertRecipient] | None
) -> list[dict[str, Any]] | None:
    """The rule's recipients as stored; a named user must be an active user (422)."""
    if notify is None:
        return None
    named = {r.user_id for r in notify if r.user_id is not None}
    if named - await PlaybookRepository(session, actor.org_id).active_users(list(named)):
        raise RecipientNotFound()
    return [r.model_dump(mode="json", exclude_none=True) for r in notify]


# --- rules ------------------------------------------------------------------------------------


async def _fields(session: AsyncSession, org_id: uuid.UUID) -> dict[str, FieldDef]:
    """Every field of the filter language, health's included: rules are the organisation's
    own, evaluated over all its accounts whoever wrote them."""
    fields = await accounts.filter_fields(session, Actor.system(org_id))
    # Every evaluation statement joins the stored metrics and health scores
    # (repository.AlertRepository): a column each, not a subquery per account and rule.
    fields = read_by_join(fields, AccountMetricValues.__table__)
    for key, column in (("score", AccountHealth.score), ("band", AccountHealth.band)):
        fields[f"{HEALTH_PREFIX}{key}"] = replace(
            fields[f"{HEALTH_PREFIX}{key}"], expression=column
        )
    return fields


async def _compiled(
    session: AsyncSession,
    org_id: uuid.UUID,
    condition: Condition,
    *,
    now: datetime,
    fields: dict[str, FieldDef] | None = None,
) -> CompiledRule:
    fields = fields if fields is not None else await _fields(session, org_id)
    return compile_rule(condition, fields, today=await org_today(session, org_id, now=now))


async def _check(session: AsyncSession, actor: Actor, condition: Condition) -> None:
    """A 422 naming what is wrong (an unknown field with the valid ones, a wrong operator)."""
    fields = await _fields(session, actor.org_id)
    check_fields(condition, fields)
    await _compiled(session, actor.org_id, condition, now=clock.now(), fields=fields)


async def _rule(repo: AlertRepository, rule_id: uuid.UUID) -> AlertRule:
    rule = await repo.rule(rule_id)
    if rule is None:
        raise AlertRuleNotFound()
    return rule


async def _reads(
    session: AsyncSession, repo: AlertRepository, rules: list[AlertRule]
) -> list[AlertRuleRead]:
    now = clock.now()
    triggers = await repo.triggers([r.id for r in rules], since=now - timedelta(days=TRIGGER_DAYS))
    fields = await _fields(session, repo.org_id)
    today = await org_today(session, repo.org_id, now=now)
    return [
        AlertRuleRead.model_validate(
            {
                **{k: getattr(r, k) for k in AlertRuleRead.model_fields if hasattr(r, k)},
                "last_triggered_at": triggers.get(r.id, (None, 0))[0],
                "triggers_last_30_days": triggers.get(r.id, (None, 0))[1],
                "problem": rule_problem(
                    _CONDITION.validate_python(r.condition), fields, today=today
                ),
            }
        )
        for r in rules
    ]


async def list_rules(session: AsyncSession, actor: Actor) -> list[AlertRuleRead]:
    repo = AlertRepository(session, actor.org_id)
    return await _reads(session, repo, await repo.rules())


async def get_rule(session: AsyncSession, actor: Actor, rule_id: uuid.UUID) -> AlertRuleRead:
    repo = AlertRepository(session, actor.org_id)
    (read,) = await _reads(session, repo, [await _rule(repo, rule_id)])
    return read


async def create_rule(session: AsyncSession, actor: Actor, data: AlertRuleCreate) -> AlertRuleRead:
    require(actor, Permission.CONFIGURE_PRODUCT)
    await _check(session, actor, data.condition)
    await _check_playbook(session, actor, data.playbook_id)
    repo = AlertRepository(session, actor.org_id)
    if not await repo.name_free(data.name):
        raise AlertRuleNameTaken(f"An alert rule is already named {data.name!r}")
    stored = {
        **data.model_dump(mode="json"),
        "notify": await _recipients(session, actor, data.notify),
    }
    rule = AlertRule(id=uuid.uuid4(), org_id=actor.org_id, **stored)
    rule.playbook_id = data.playbook_id  # a UUID, not its JSON string
    session.add(rule)
    await session.flush()
    audit.record_for(session, actor, "alert_rule.created", "alert_rule", rule.id, after=stored)
    return await get_rule(session, actor, rule.id)


async def update_rule(
    session: AsyncSession, actor: Actor, rule_id: uuid.UUID, data: AlertRuleUpdate
) -> AlertRuleRead:
    """Alerts already open stay as they are; the next evaluation uses the rule as changed."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = AlertRepository(session, actor.org_id)
    rule = await _rule(repo, rule_id)
    if data.condition is not None:
        await _check(session, actor, data.condition)
    await _check_playbook(session, actor, data.playbook_id)
    if data.name is not None and not await repo.name_free(data.name, except_id=rule.id):
        raise AlertRuleNameTaken(f"An alert rule is already named {data.name!r}")
    changes = data.model_dump(mode="json", exclude_unset=True)
    if "notify" in changes:
        changes["notify"] = await _recipients(session, actor, data.notify)
    for key, value in data.model_dump(exclude_unset=True).items():
        # The condition and recipients are stored as JSON; the rest as the model holds them.
        setattr(rule, key, changes[key] if key in ("condition", "notify") else value)
    await session.flush()
    audit.record_for(session, actor, "alert_rule.updated", "alert_rule", rule.id, after=changes)
    return await get_rule(session, actor, rule.id)


async def delete_rule(session: AsyncSession, actor: Actor, rule_id: uuid.UUID) -> None:
    """The rule, its alerts and its evaluation history."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = AlertRepository(session, actor.org_id)
    rule = await _rule(repo, rule_id)
    await repo.delete_rule(rule.id)
    audit.record_for(session, actor, "alert_rule.deleted", "alert_rule", rule.id)


async def list_evaluations(
    session: AsyncSession, actor: Actor, rule_id: uuid.UUID, *, limit: int
) -> list[AlertEvaluationRead]:
    """For who configures rules: an evaluation counts every account of the organisation, not
    only those the caller may see (a rule's preview is the caller's own)."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = AlertRepository(session, actor.org_id)
    rule = await _rule(repo, rule_id)
    return [
        AlertEvaluationRead.model_validate(e) for e in await repo.evaluations(rule.id, limit=limit)
    ]


async def run_now(session: AsyncSession, actor: Actor, rule_id: uuid.UUID) -> RuleRunQueued:
    """The rule evaluated over every account by a worker, once this transaction commits."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    rule = await _rule(AlertRepository(session, actor.org_id), rule_id)
    job_id = f"alerts:{rule.id}:run"
    enqueue(
        session, EVALUATE_RULE_JOB, job_id=job_id, org_id=str(actor.org_id), rule_id=str(rule.id)
    )
    return RuleRunQueued(job_id=job_id)


# --- evaluation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The organisation's active rules compiled once (the live chain shares it per run), and
    those whose stored condition no longer compiles, with the problem."""

    rules: list[tuple[AlertRule, CompiledRule]]
    broken: list[tuple[AlertRule, str]] = field(default_factory=list)


async def plan(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    now: datetime,
    rule_id: uuid.UUID | None = None,
) -> Plan:
    """The active rules (or the one rule) compiled; a stored rule whose condition no longer
    compiles (a metric since deleted) is set aside with its problem, not allowed to stop the
    others."""
    repo = AlertRepository(session, org_id)
    if rule_id is not None:
        rule = await repo.rule(rule_id)
        rules = [] if rule is None else [rule]
    else:
        rules = await repo.rules(active_only=True)
    if not rules:
        return Plan([])
    fields = await _fields(session, org_id)
    today = await org_today(session, org_id, now=now)
    compiled, broken = [], []
    for rule in rules:
        condition = _CONDITION.validate_python(rule.condition)
        problem = rule_problem(condition, fields, today=today)
        if problem is None:
            compiled.append((rule, compile_rule(condition, fields, today=today)))
        else:
            log.warning("alert rule %s is not evaluated: %s", rule.id, problem)
            broken.append((rule, problem))
    return Plan(compiled, broken)


async def evaluate(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    trigger: EvaluationTrigger,
    accounts_: list[uuid.UUID] | None = None,
    now: datetime | None = None,
    plan_: Plan | None = None,
    rule_id: uuid.UUID | None = None,
) -> int:
    """Each rule of the plan (by default: every active rule, or the one rule) over `accounts_`
    (by default every account), its alerts opened and its evaluation recorded, in the caller's
    transaction. Returns how many alerts were opened."""
    now = now or clock.now()
    if accounts_ is not None and not accounts_:
        return 0
    if plan_ is None:
        plan_ = await plan(session, org_id, now=now, rule_id=rule_id)
    repo = AlertRepository(session, org_id)
    fired = 0
    today = await org_today(session, org_id, now=now) if plan_.rules else now.date()
    for start in range(0, len(plan_.rules), RULES_PER_STATEMENT):
        rules = plan_.rules[start : start + RULES_PER_STATEMENT]
        runs = [
            RuleRun(_policy(r, r.id), compiled, _reason(r), _task_plan(r, today))
            for r, compiled in rules
        ]
        fired_by: dict[uuid.UUID, list[dict[str, Any]]] = {}
        for (rule, _compiled_rule), counts in zip(
            rules, await repo.evaluate(runs, now=now, accounts=accounts_), strict=True
        ):
            # The live chain evaluates every few seconds: only its runs that matched an
            # account are history worth keeping.
            if trigger is not EvaluationTrigger.LIVE or counts.matched:
                repo.add_evaluation(_evaluation(rule, counts, trigger, now, accounts_))
            fired += counts.fired
            if counts.fired:
                fired_by[rule.id] = rule.notify
        if fired_by:
            # The alerts just opened carry this evaluation's `now`: one statement notifies
            # their owners and recipients.
            await notifications.notify_alerts(session, org_id, fired_by, fired_at=now, opened=fired)
    # A rule skipped as broken leaves a line in its history (not on every live run: the rules
    # table shows the problem meanwhile).
    if trigger is not EvaluationTrigger.LIVE:
        for rule, problem in plan_.broken:
            nothing = Counts(matched=0, fired=0, held=dict.fromkeys(Held, 0))
            repo.add_evaluation(_evaluation(rule, nothing, trigger, now, accounts_, problem))
    return fired


def _evaluation(
    rule: AlertRule,
    counts: Counts,
    trigger: EvaluationTrigger,
    now: datetime,
    accounts_: list[uuid.UUID] | None,
    problem: str | None = None,
) -> AlertEvaluation:
    return AlertEvaluation(
        id=uuid.uuid4(),
        rule_id=rule.id,
        ran_at=now,
        trigger=str(trigger),
        accounts_evaluated=None if accounts_ is None else len(accounts_),
        matched=counts.matched,
        fired=counts.fired,
        held_open=counts.held[Held.OPEN_ALERT],
        held_by_delay=counts.held[Held.RETRIGGER_DELAY],
        held_by_never_retrigger=counts.held[Held.NEVER_RETRIGGER],
        excluded_churned=counts.held[Held.CHURNED_EXCLUDED],
        problem=problem,
    )


async def has_active_rules(session: AsyncSession, org_id: uuid.UUID) -> bool:
    return await AlertRepository(session, org_id).has_active_rules()


async def organisations_with_active_rules(session: AsyncSession) -> list[uuid.UUID]:
    return await _organisations(session)


async def prune_evaluations(session: AsyncSession, *, now: datetime | None = None) -> int:
    before = (now or clock.now()) - timedelta(days=EVALUATIONS_KEPT_DAYS)
    return await _prune_evaluations(session, before=before)


def request_full_pass(session: AsyncSession, org_id: uuid.UUID, *, slot: str) -> None:
    """Every active rule of the organisation over all its accounts, by a worker."""
    enqueue(session, EVALUATE_ORG_JOB, job_id=f"alerts:{org_id}:{slot}", org_id=str(org_id))


# --- preview and "why no alert" -----------------------------------------------------------


async def _visible(session: AsyncSession, actor: Actor) -> Select[Any] | None:
    return None if actor.sees_all_accounts else accounts.visible_account_ids(session, actor)


def _verdict(row: dict[str, Any]) -> dict[str, Any]:
    held = Held(row["held"]) if row["held"] is not None and row["matches"] else None
    return {
        "account_id": row["account_id"],
        "account_name": row["account_name"],
        "matches": row["matches"],
        "fires": row["matches"] and held is None,
        "held": held,
        "may_fire_from": row["may_fire_from"] if held is Held.RETRIGGER_DELAY else None,
        "open_alert_id": row["open_alert_id"],
        "values": row["values"],
    }


async def _preview(
    session: AsyncSession, actor: Actor, rule: AlertRule | AlertRuleDraft, rule_id: uuid.UUID | None
) -> AlertPreviewRead:
    now = clock.now()
    condition = (
        rule.condition
        if isinstance(rule, AlertRuleDraft)
        else _CONDITION.validate_python(rule.condition)
    )
    fields = await _fields(session, actor.org_id)
    check_fields(condition, fields)
    compiled = await _compiled(session, actor.org_id, condition, now=now, fields=fields)
    counts, rows = await AlertRepository(session, actor.org_id).preview(
        _policy(rule, rule_id),
        compiled,
        now=now,
        visible=await _visible(session, actor),
        limit=PREVIEW_ACCOUNTS,
    )
    return AlertPreviewRead(
        matched=counts.matched,
        would_fire=counts.fired,
        held=counts.held,
        accounts=[AlertVerdict.model_validate(_verdict(r)) for r in rows],
    )


async def preview_draft(
    session: AsyncSession, actor: Actor, draft: AlertRuleDraft
) -> AlertPreviewRead:
    """A rule not yet saved: it has no earlier alerts, so only churned accounts are held."""
    return await _preview(session, actor, draft, None)


async def preview_rule(session: AsyncSession, actor: Actor, rule_id: uuid.UUID) -> AlertPreviewRead:
    rule = await _rule(AlertRepository(session, actor.org_id), rule_id)
    return await _preview(session, actor, rule, rule.id)


async def account_verdicts(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, now: datetime | None = None
) -> list[AccountRuleVerdict]:
    """Why each active rule does or does not alert on the account now."""
    account = await accounts.get_account(session, actor, account_id)
    now = now or clock.now()
    rules = (await plan(session, actor.org_id, now=now)).rules
    rows = await AlertRepository(session, actor.org_id).account_verdicts(
        [RuleRun(_policy(r, r.id), compiled, _reason(r)) for r, compiled in rules],
        account.id,
        now=now,
    )
    # A live account the caller sees: one row per rule.
    assert len(rows) == len(rules)
    return [
        AccountRuleVerdict.model_validate(
            {
                **_verdict(row),
                "rule_id": rule.id,
                "rule_name": rule.name,
                "is_active": rule.is_active,
            }
        )
        for (rule, _compiled_rule), row in zip(rules, rows, strict=True)
    ]


# --- alerts -----------------------------------------------------------------------------------


async def list_alerts(
    session: AsyncSession,
    actor: Actor,
    filters: AlertFilters,
    *,
    limit: int,
    offset: int,
) -> Paged[AlertRead]:
    """Newest first, of the accounts the caller may see; a rule named that the organisation
    lacks is a 404, as in the bulk actions."""
    if filters.rule_id is not None:
        await _rule(AlertRepository(session, actor.org_id), filters.rule_id)
    if filters.snoozed is not None:
        filters = replace(filters, today=await org_today(session, actor.org_id))
    rows, total = await AlertRepository(session, actor.org_id).page(
        filters, visible=await _visible(session, actor), limit=limit, offset=offset
    )
    return Paged(
        items=[AlertRead.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )


async def _alert(
    session: AsyncSession, actor: Actor, alert_id: uuid.UUID, *, lock: bool = False
) -> Alert:
    alert = await AlertRepository(session, actor.org_id).alert(
        alert_id, visible=await _visible(session, actor), lock=lock
    )
    if alert is None:
        raise AlertNotFound()
    return alert


async def _read(session: AsyncSession, actor: Actor, alert: Alert) -> AlertRead:
    await session.flush()
    row = await AlertRepository(session, actor.org_id).alert_row(alert.id)
    return AlertRead.model_validate(row)


async def dismiss_alert(session: AsyncSession, actor: Actor, alert_id: uuid.UUID) -> AlertRead:
    """Dismissed stays dismissed: dismissing again changes nothing."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    alert = await _alert(session, actor, alert_id, lock=True)
    if await AlertRepository(session, actor.org_id).has_task(alert.id):
        raise AlertIsTask()
    if alert.status == AlertStatus.OPEN:
        alert.status = str(AlertStatus.DISMISSED)
        alert.dismissed_at = clock.now()
        alert.dismissed_by = actor.user_id
    return await _read(session, actor, alert)


async def close_alert(
    session: AsyncSession, actor: Actor, alert_id: uuid.UUID, data: TaskClose
) -> AlertRead:
    """An alert task closed with its outcome (its task and the alert alike)."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    alert = await _alert(session, actor, alert_id, lock=True)
    await tasks.close_alert_task(session, actor, alert.id, data)
    # The task's repository closed the alert in SQL: read it again.
    await session.refresh(alert)
    return await _read(session, actor, alert)


async def convert_alert(session: AsyncSession, actor: Actor, alert_id: uuid.UUID) -> AlertTaskMade:
    """An open plain alert made an alert task for the account's CSM, its rule's playbook steps
    copied as sub-tasks, as if the rule had created the task when it fired."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    alert = await _alert(session, actor, alert_id, lock=True)
    repo = AlertRepository(session, actor.org_id)
    if alert.status != AlertStatus.OPEN:
        raise AlertDismissed("Only an open alert can be converted into a task")
    if await repo.has_task(alert.id):
        raise AlertAlreadyTask()
    rule = await _rule(repo, alert.rule_id)
    now = clock.now()
    today = await org_today(session, actor.org_id, now=now)
    made = await repo.make_tasks(alert.id, _task_plan(rule, today, creates_task=True), now=now)
    task = await tasks.alert_task_of(session, actor, alert.id)
    audit.record_for(session, actor, "alert.converted", "alert", alert.id, after={"tasks": made})
    return AlertTaskMade(task_id=task.id, tasks_created=made)


async def snooze_alert(
    session: AsyncSession, actor: Actor, alert_id: uuid.UUID, data: AlertSnooze
) -> AlertRead:
    require(actor, Permission.UPDATE_ACCOUNTS)
    alert = await _alert(session, actor, alert_id, lock=True)
    if alert.status != AlertStatus.OPEN:
        raise AlertDismissed("Only an open alert can be snoozed")
    today = await org_today(session, actor.org_id)
    if data.until <= today:
        raise SnoozeInThePast(f"Snooze until a day after today ({today.isoformat()})")
    alert.snoozed_until = data.until
    return await _read(session, actor, alert)


async def delete_alert(session: AsyncSession, actor: Actor, alert_id: uuid.UUID) -> None:
    """Gone as if it never existed (the rule may fire again for the account)."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    alert = await _alert(session, actor, alert_id)
    await AlertRepository(session, actor.org_id).delete(
        alert_ids=[alert.id], rule_id=None, visible=None
    )


async def _selection_rule(session: AsyncSession, actor: Actor, selection: AlertSelection) -> None:
    if selection.rule_id is not None:
        await _rule(AlertRepository(session, actor.org_id), selection.rule_id)


async def bulk_dismiss(
    session: AsyncSession, actor: Actor, selection: AlertSelection
) -> BulkResult:
    """The open ones among the selected alerts the caller may see."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    await _selection_rule(session, actor, selection)
    count = await AlertRepository(session, actor.org_id).dismiss(
        alert_ids=selection.alert_ids,
        rule_id=selection.rule_id,
        visible=await _visible(session, actor),
        by=actor.user_id,
        now=clock.now(),
    )
    return BulkResult(count=count)


async def bulk_delete(session: AsyncSession, actor: Actor, selection: AlertSelection) -> BulkResult:
    """The selected alerts the caller may see, as if they never existed."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    await _selection_rule(session, actor, selection)
    count = await AlertRepository(session, actor.org_id).delete(
        alert_ids=selection.alert_ids,
        rule_id=selection.rule_id,
        visible=await _visible(session, actor),
    )
    return BulkResult(count=count)


async def bulk_close(session: AsyncSession, actor: Actor, data: AlertBulkClose) -> BulkResult:
    """The open alert tasks among the selected alerts the caller may see, closed with the
    outcome (task and alert alike, closed now by the caller). Named plain alerts refuse the
    whole request (409, listing them): they are dismissed instead. A rule's selection takes
    its alert tasks only. Closed tasks and ids not seen are passed over."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    await _selection_rule(session, actor, data)
    repo = AlertRepository(session, actor.org_id)
    visible = await _visible(session, actor)
    if data.alert_ids is not None:
        plain = await repo.plain_alerts(data.alert_ids, visible=visible)
        if plain:
            shown = ", ".join(str(a) for a in plain[:PLAIN_ALERTS_LISTED])
            more = (
                f" and {len(plain) - PLAIN_ALERTS_LISTED} more"
                if len(plain) > PLAIN_ALERTS_LISTED
                else ""
            )
            raise PlainAlertsSelected(
                f"{len(plain)} of the selected alerts are plain alerts, to be dismissed "
                f"instead: {shown}{more}"
            )
    now = clock.now()
    closed = await repo.close_tasks(
        alert_ids=data.alert_ids,
        rule_id=data.rule_id,
        visible=visible,
        outcome=str(data.outcome),
        by=actor.user_id,
        now=now,
    )
    count = len(closed)
    await tasks.notify_closed_in_bulk(session, actor, closed, outcome=str(data.outcome), now=now)
    audit.record_for(
        session,
        actor,
        "alert.bulk_closed",
        "alert_rule" if data.rule_id is not None else "alert",
        data.rule_id,
        after={**data.model_dump(mode="json"), "closed": count},
    )
    return BulkResult(count=count)


# --- playbooks --------------------------------------------------------------------------------


async def _playbook(repo: PlaybookRepository, playbook_id: uuid.UUID) -> Playbook:
    playbook = await repo.playbook(playbook_id)
    if playbook is None:
        raise PlaybookNotFound()
    return playbook


async def _playbook_reads(
    repo: PlaybookRepository, playbooks: list[Playbook]
) -> list[PlaybookRead]:
    steps = await repo.steps([p.id for p in playbooks])
    return [
        PlaybookRead(
            id=p.id,
            name=p.name,
            description=p.description,
            created_at=p.created_at,
            updated_at=p.updated_at,
            steps=[PlaybookStepRead.model_validate(s) for s in steps if s.playbook_id == p.id],
        )
        for p in playbooks
    ]


async def list_playbooks(session: AsyncSession, actor: Actor) -> list[PlaybookRead]:
    repo = PlaybookRepository(session, actor.org_id)
    return await _playbook_reads(repo, await repo.playbooks())


async def get_playbook(session: AsyncSession, actor: Actor, playbook_id: uuid.UUID) -> PlaybookRead:
    repo = PlaybookRepository(session, actor.org_id)
    (read,) = await _playbook_reads(repo, [await _playbook(repo, playbook_id)])
    return read


async def _write_playbook(
    session: AsyncSession, actor: Actor, data: PlaybookWrite, playbook: Playbook | None
) -> PlaybookRead:
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = PlaybookRepository(session, actor.org_id)
    if not await repo.name_free(data.name, except_id=playbook.id if playbook else None):
        raise PlaybookNameTaken(f"A playbook is already named {data.name!r}")
    named = {s.assignee_user_id for s in data.steps if s.assignee_user_id is not None}
    if named - await repo.active_users(list(named)):
        raise AssigneeNotFound()
    if playbook is None:
        playbook = Playbook(id=uuid.uuid4(), org_id=actor.org_id)
        session.add(playbook)
    playbook.name, playbook.description = data.name, data.description
    # Its steps may be all that changed.
    playbook.updated_at = clock.now()
    await session.flush()
    # Steps are replaced, never edited in place: tasks copied from them keep what they copied.
    await repo.replace_steps(
        playbook.id,
        [
            PlaybookStep(id=uuid.uuid4(), position=i, **step.model_dump(mode="json"))
            for i, step in enumerate(data.steps)
        ],
    )
    await session.flush()
    audit.record_for(
        session,
        actor,
        "playbook.saved",
        "playbook",
        playbook.id,
        after=data.model_dump(mode="json"),
    )
    return await get_playbook(session, actor, playbook.id)


async def create_playbook(session: AsyncSession, actor: Actor, data: PlaybookWrite) -> PlaybookRead:
    return await _write_playbook(session, actor, data, None)


async def update_playbook(
    session: AsyncSession, actor: Actor, playbook_id: uuid.UUID, data: PlaybookWrite
) -> PlaybookRead:
    """The tasks its rules have already made stay as they were copied."""
    playbook = await _playbook(PlaybookRepository(session, actor.org_id), playbook_id)
    return await _write_playbook(session, actor, data, playbook)


async def delete_playbook(session: AsyncSession, actor: Actor, playbook_id: uuid.UUID) -> None:
    """Its rules keep firing without it; tasks already made stay."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    repo = PlaybookRepository(session, actor.org_id)
    playbook = await _playbook(repo, playbook_id)
    await repo.delete(playbook.id)
    audit.record_for(session, actor, "playbook.deleted", "playbook", playbook.id)
