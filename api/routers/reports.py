import uuid
from typing import Annotated

from fastapi import Depends, Query

from api.deps import ApiActor, Session
from api.errors import problem
from api.params import Limit, Offset
from api.routing import AreaRouter
from domain.alerts.models import AlertType
from domain.common.pagination import Page
from domain.common.types import PeriodEnd, PeriodStart
from domain.reporting import service as reporting
from domain.reporting.schemas import (
    AlertGrouping,
    AlertMetric,
    AlertReport,
    AlertReportItem,
    ReportSelection,
    TaskGrouping,
    TaskMetric,
    TaskReport,
    TaskReportItem,
)

# The team page's figures: alerts and tasks per CSM and period, each figure drillable to the
# rows it counts. Whose figures: a viewer who sees every account, everyone's; anyone else,
# their own and those of the users they manage (directly or further down).
router = AreaRouter(prefix="/reports", tags=["reports"])

Since = Annotated[
    PeriodStart | None,
    Query(description="First day or month (default: the first day of the month 5 months ago)"),
]
Until = Annotated[PeriodEnd | None, Query(description="Last day or month (default: today)")]
CsmId = Annotated[
    uuid.UUID | None,
    Query(description="Only this user's figures (404 if not a user whose figures you see)"),
]
Unassigned = Annotated[
    bool, Query(description="Only the rows no CSM owns (seen by viewers of every account)")
]


def _alert_selection(
    csm_id: CsmId = None,
    unassigned: Unassigned = False,
    rule_id: Annotated[uuid.UUID | None, Query(description="Only this rule's alerts")] = None,
    type: Annotated[
        AlertType | None, Query(description="Only alerts of rules of this type")
    ] = None,
) -> ReportSelection:
    return ReportSelection(csm_id=csm_id, unassigned=unassigned, rule_id=rule_id, type=type)


def _task_selection(csm_id: CsmId = None, unassigned: Unassigned = False) -> ReportSelection:
    return ReportSelection(csm_id=csm_id, unassigned=unassigned)


AlertSelection = Annotated[ReportSelection, Depends(_alert_selection)]
TaskSelection = Annotated[ReportSelection, Depends(_task_selection)]


@router.get("/alerts", response_model=AlertReport, responses=problem(401, 403, 404, 422))
async def get_alert_report(
    actor: ApiActor,
    session: Session,
    selection: AlertSelection,
    since: Since = None,
    until: Until = None,
    group_by: AlertGrouping = AlertGrouping.CSM,
) -> AlertReport:
    """Alerts raised, dismissed, closed by outcome and open at the period's end, with the
    median and mean hours from firing to closing, per CSM, month, rule or rule type. Days
    are the organisation's. Deleted alerts and alerts of deleted accounts are not counted."""
    return await reporting.alert_report(
        session, actor, selection, group_by=group_by, since=since, until=until
    )


@router.get(
    "/alerts/rows", response_model=Page[AlertReportItem], responses=problem(401, 403, 404, 422)
)
async def list_alert_report_rows(
    actor: ApiActor,
    session: Session,
    selection: AlertSelection,
    metric: Annotated[AlertMetric, Query(description="The figure whose alerts to list")],
    since: Since = None,
    until: Until = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AlertReportItem]:
    """The alerts behind one figure of the alert report: ask with the report row's since,
    until and key (csm_id, unassigned, rule_id or type); their total is the figure. Newest
    first."""
    paged = await reporting.alert_rows(
        session,
        actor,
        selection,
        metric=metric,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return Page[AlertReportItem].model_validate(paged)


@router.get("/tasks", response_model=TaskReport, responses=problem(401, 403, 404, 422))
async def get_task_report(
    actor: ApiActor,
    session: Session,
    selection: TaskSelection,
    since: Since = None,
    until: Until = None,
    group_by: TaskGrouping = TaskGrouping.CSM,
) -> TaskReport:
    """Tasks created, outstanding and overdue at the period's end, closed on time and late,
    with the median and mean hours from creation to closing, per CSM (the task's owner) or
    month. Days are the organisation's. Deleted tasks are not counted."""
    return await reporting.task_report(
        session, actor, selection, group_by=group_by, since=since, until=until
    )


@router.get(
    "/tasks/rows", response_model=Page[TaskReportItem], responses=problem(401, 403, 404, 422)
)
async def list_task_report_rows(
    actor: ApiActor,
    session: Session,
    selection: TaskSelection,
    metric: Annotated[TaskMetric, Query(description="The figure whose tasks to list")],
    since: Since = None,
    until: Until = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[TaskReportItem]:
    """The tasks behind one figure of the task report: ask with the report row's since,
    until and csm_id (or unassigned); their total is the figure. Newest first."""
    paged = await reporting.task_rows(
        session,
        actor,
        selection,
        metric=metric,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return Page[TaskReportItem].model_validate(paged)
