import uuid
from typing import Annotated

from fastapi import Query, status

from api.deps import ApiActor, Session
from api.errors import problem
from api.params import Limit, Offset
from api.routing import AreaRouter
from domain.alerts import service as alerts
from domain.alerts.models import AlertStatus, AlertType
from domain.alerts.schemas import (
    AccountRuleVerdict,
    AlertBulkClose,
    AlertEvaluationRead,
    AlertFilters,
    AlertPreviewRead,
    AlertRead,
    AlertRuleCreate,
    AlertRuleDraft,
    AlertRuleRead,
    AlertRuleUpdate,
    AlertSelection,
    AlertSnooze,
    AlertTaskMade,
    BulkResult,
    PlaybookRead,
    PlaybookWrite,
    RuleRunQueued,
)
from domain.common.pagination import Page
from domain.tasks.schemas import TaskClose

# Alert rules (evaluated by workers as accounts change, hourly and on "Run now") and the alerts
# they open.
router = AreaRouter(tags=["alerts"])


@router.get("/alert-rules", response_model=list[AlertRuleRead], responses=problem(401))
async def list_alert_rules(actor: ApiActor, session: Session) -> list[AlertRuleRead]:
    """Every alert rule by name, with when it last opened an alert and how many it opened in
    the last 30 days."""
    return await alerts.list_rules(session, actor)


@router.post(
    "/alert-rules",
    status_code=status.HTTP_201_CREATED,
    response_model=AlertRuleRead,
    responses=problem(401, 403, 409, 422),
)
async def create_alert_rule(
    data: AlertRuleCreate, actor: ApiActor, session: Session
) -> AlertRuleRead:
    """An alert rule. Active rules are evaluated for accounts as their figures change, over
    every account hourly, and on "Run now"."""
    return await alerts.create_rule(session, actor, data)


@router.post("/alert-rules/preview", response_model=AlertPreviewRead, responses=problem(401, 422))
async def preview_alert_rule_draft(
    data: AlertRuleDraft, actor: ApiActor, session: Session
) -> AlertPreviewRead:
    """Which of your accounts a rule not yet saved matches now, and whether each would fire or
    why it is held back. Nothing is saved."""
    return await alerts.preview_draft(session, actor, data)


@router.get(
    "/alert-rules/{rule_id:id}", response_model=AlertRuleRead, responses=problem(401, 404, 422)
)
async def get_alert_rule(rule_id: uuid.UUID, actor: ApiActor, session: Session) -> AlertRuleRead:
    return await alerts.get_rule(session, actor, rule_id)


@router.patch(
    "/alert-rules/{rule_id:id}",
    response_model=AlertRuleRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def update_alert_rule(
    rule_id: uuid.UUID, data: AlertRuleUpdate, actor: ApiActor, session: Session
) -> AlertRuleRead:
    """Change the fields given. Alerts already opened stay as they are."""
    return await alerts.update_rule(session, actor, rule_id, data)


@router.delete(
    "/alert-rules/{rule_id:id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 422),
)
async def delete_alert_rule(rule_id: uuid.UUID, actor: ApiActor, session: Session) -> None:
    """The rule, every alert it opened and its evaluation history."""
    await alerts.delete_rule(session, actor, rule_id)


@router.post(
    "/alert-rules/{rule_id:id}/preview",
    response_model=AlertPreviewRead,
    responses=problem(401, 404, 422),
)
async def preview_alert_rule(
    rule_id: uuid.UUID, actor: ApiActor, session: Session
) -> AlertPreviewRead:
    """Which of your accounts the rule matches now, and whether each would fire or exactly why
    it is held back (an open alert, the retrigger delay and when it ends, never retrigger,
    churned). Nothing is changed."""
    return await alerts.preview_rule(session, actor, rule_id)


@router.post(
    "/alert-rules/{rule_id:id}/run",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RuleRunQueued,
    responses=problem(401, 403, 404, 422),
)
async def run_alert_rule(rule_id: uuid.UUID, actor: ApiActor, session: Session) -> RuleRunQueued:
    """Run now: the rule evaluated over every account by a worker (even while inactive)."""
    return await alerts.run_now(session, actor, rule_id)


@router.get(
    "/alert-rules/{rule_id:id}/evaluations",
    response_model=list[AlertEvaluationRead],
    responses=problem(401, 403, 404, 422),
)
async def list_alert_rule_evaluations(
    rule_id: uuid.UUID, actor: ApiActor, session: Session, limit: Limit = 50
) -> list[AlertEvaluationRead]:
    """The rule's evaluations, newest first: accounts matched, alerts fired and those held back
    by an open alert, the retrigger delay, never retrigger or as churned, over the whole
    organisation (needs "configure product settings")."""
    return await alerts.list_evaluations(session, actor, rule_id, limit=limit)


@router.get(
    "/accounts/{account_id:id}/alert-verdicts",
    response_model=list[AccountRuleVerdict],
    responses=problem(401, 404, 422),
)
async def list_account_alert_verdicts(
    account_id: uuid.UUID, actor: ApiActor, session: Session
) -> list[AccountRuleVerdict]:
    """Why each active rule does or does not alert on the account now."""
    return await alerts.account_verdicts(session, actor, account_id)


@router.get("/alerts", response_model=Page[AlertRead], responses=problem(401, 404, 422))
async def list_alerts(
    actor: ApiActor,
    session: Session,
    status: AlertStatus | None = None,
    rule_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None,
    type: AlertType | None = None,
    is_task: Annotated[
        bool | None, Query(description="true: only alert tasks; false: only plain alerts")
    ] = None,
    snoozed: Annotated[
        bool | None,
        Query(description="false: hide alerts snoozed past today (the inbox); true: only those"),
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AlertRead]:
    """Alerts on the accounts you may see, newest first."""
    paged = await alerts.list_alerts(
        session,
        actor,
        AlertFilters(
            status=status,
            rule_id=rule_id,
            account_id=account_id,
            type=type,
            snoozed=snoozed,
            is_task=is_task,
        ),
        limit=limit,
        offset=offset,
    )
    return Page[AlertRead].model_validate(paged)


@router.post(
    "/alerts/{alert_id:id}/dismiss",
    response_model=AlertRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def dismiss_alert(alert_id: uuid.UUID, actor: ApiActor, session: Session) -> AlertRead:
    """Dismiss an open plain alert; an alert task is closed with an outcome instead. The rule
    may fire again once its retrigger delay has passed since the alert fired, unless it never
    retriggers. Dismissing again changes nothing."""
    return await alerts.dismiss_alert(session, actor, alert_id)


@router.post(
    "/alerts/{alert_id:id}/snooze",
    response_model=AlertRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def snooze_alert(
    alert_id: uuid.UUID, data: AlertSnooze, actor: ApiActor, session: Session
) -> AlertRead:
    """Hide an open alert from the inbox until a day; it stays open."""
    return await alerts.snooze_alert(session, actor, alert_id, data)


@router.delete(
    "/alerts/{alert_id:id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 422),
)
async def delete_alert(alert_id: uuid.UUID, actor: ApiActor, session: Session) -> None:
    """Remove the alert as if it never existed: from lists, counts and the rule's triggers."""
    await alerts.delete_alert(session, actor, alert_id)


@router.post(
    "/alerts/bulk-dismiss", response_model=BulkResult, responses=problem(401, 403, 404, 422)
)
async def bulk_dismiss_alerts(
    data: AlertSelection, actor: ApiActor, session: Session
) -> BulkResult:
    """Dismiss the open alerts among those given, or every open alert of a rule, on the
    accounts you may see."""
    return await alerts.bulk_dismiss(session, actor, data)


@router.post(
    "/alerts/bulk-delete", response_model=BulkResult, responses=problem(401, 403, 404, 422)
)
async def bulk_delete_alerts(data: AlertSelection, actor: ApiActor, session: Session) -> BulkResult:
    """Delete the alerts given, or every alert a rule has made, on the accounts you may see,
    as if they never existed."""
    return await alerts.bulk_delete(session, actor, data)


@router.post(
    "/alerts/bulk-close", response_model=BulkResult, responses=problem(401, 403, 404, 409, 422)
)
async def bulk_close_alert_tasks(
    data: AlertBulkClose, actor: ApiActor, session: Session
) -> BulkResult:
    """Close with one outcome the open alert tasks among the alerts given, or every open alert
    task of a rule, on the accounts you may see; each task and its alert are closed now, by
    you. Naming a plain alert refuses the whole request with a 409 that lists them (plain
    alerts are dismissed); alert tasks already closed are passed over."""
    return await alerts.bulk_close(session, actor, data)


@router.post(
    "/alerts/{alert_id:id}/close",
    response_model=AlertRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def close_alert_task(
    alert_id: uuid.UUID, data: TaskClose, actor: ApiActor, session: Session
) -> AlertRead:
    """Close an alert task with its outcome (successful, unsuccessful, false alarm); the rule
    may fire again once its retrigger delay has passed since the alert fired."""
    return await alerts.close_alert(session, actor, alert_id, data)


@router.post(
    "/alerts/{alert_id:id}/convert",
    status_code=status.HTTP_201_CREATED,
    response_model=AlertTaskMade,
    responses=problem(401, 403, 404, 409, 422),
)
async def convert_alert_to_task(
    alert_id: uuid.UUID, actor: ApiActor, session: Session
) -> AlertTaskMade:
    """Make an open plain alert an alert task for the account's CSM; its rule's playbook steps
    become its sub-tasks."""
    return await alerts.convert_alert(session, actor, alert_id)


@router.get("/playbooks", response_model=list[PlaybookRead], responses=problem(401))
async def list_playbooks(actor: ApiActor, session: Session) -> list[PlaybookRead]:
    """Every playbook by name, with its steps."""
    return await alerts.list_playbooks(session, actor)


@router.post(
    "/playbooks",
    status_code=status.HTTP_201_CREATED,
    response_model=PlaybookRead,
    responses=problem(401, 403, 409, 422),
)
async def create_playbook(data: PlaybookWrite, actor: ApiActor, session: Session) -> PlaybookRead:
    """A named list of task templates, copied into tasks when an alert of a rule naming it
    fires."""
    return await alerts.create_playbook(session, actor, data)


@router.get(
    "/playbooks/{playbook_id:id}", response_model=PlaybookRead, responses=problem(401, 404, 422)
)
async def get_playbook(playbook_id: uuid.UUID, actor: ApiActor, session: Session) -> PlaybookRead:
    return await alerts.get_playbook(session, actor, playbook_id)


@router.put(
    "/playbooks/{playbook_id:id}",
    response_model=PlaybookRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def update_playbook(
    playbook_id: uuid.UUID, data: PlaybookWrite, actor: ApiActor, session: Session
) -> PlaybookRead:
    """Replace the playbook's name, description and steps. Tasks already made from it stay
    as they were."""
    return await alerts.update_playbook(session, actor, playbook_id, data)


@router.delete(
    "/playbooks/{playbook_id:id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 422),
)
async def delete_playbook(playbook_id: uuid.UUID, actor: ApiActor, session: Session) -> None:
    """The playbook; its rules fire without it, tasks already made stay."""
    await alerts.delete_playbook(session, actor, playbook_id)
