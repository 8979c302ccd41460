"""The team page's alert and task reports, per CSM and period, scoped by who is asking: a
viewer who sees every account reports on everyone; anyone else on themselves and the users they
manage (directly or further down). Each figure's rows come from the predicate that counts it."""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock
from domain.common.pagination import Paged
from domain.reporting.errors import InvalidRange, InvalidSelection
from domain.reporting.repository import Period, ReportingRepository, Scope
from domain.reporting.schemas import (
    AlertGrouping,
    AlertMetric,
    AlertReport,
    AlertReportItem,
    AlertReportRow,
    ReportSelection,
    TaskGrouping,
    TaskMetric,
    TaskReport,
    TaskReportItem,
    TaskReportRow,
)
from domain.tenancy.actor import Actor, require_account_reader
from domain.tenancy.repository import TenancyRepository
from domain.tenancy.team import check_csm, figures_team

# Two years of months at most.
MAX_DAYS = 731
# By default: this month and the five before it.
DEFAULT_MONTHS = 6


def month_periods(since: date, until: date) -> list[tuple[date, date]]:
    """The calendar months from `since` to `until`, the first and last cut to them."""
    months = []
    start = since
    while start <= until:
        next_month = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        months.append((start, min(until, next_month - timedelta(days=1))))
        start = next_month
    return months


def _period(since: date, until: date, zone: ZoneInfo) -> Period:
    return Period(
        since=since,
        until=until,
        starts_at=datetime.combine(since, time(), zone),
        ends_at=datetime.combine(until + timedelta(days=1), time(), zone),
    )


async def _range(
    session: AsyncSession, actor: Actor, since: date | None, until: date | None
) -> tuple[date, date, ZoneInfo]:
    time_zone = await TenancyRepository(session, actor.org_id).time_zone()
    assert time_zone is not None
    until = until or clock.today_in(time_zone, clock.now())
    if since is None:
        since = until.replace(day=1)
        for _ in range(DEFAULT_MONTHS - 1):
            since = (since - timedelta(days=1)).replace(day=1)
    if since > until or (until - since).days >= MAX_DAYS:
        raise InvalidRange(f"since must not be after until, and the range at most {MAX_DAYS} days")
    return since, until, ZoneInfo(time_zone)


async def _scope(
    session: AsyncSession, actor: Actor, selection: ReportSelection
) -> tuple[ReportingRepository, Scope]:
    require_account_reader(actor)
    if selection.csm_id is not None and selection.unassigned:
        raise InvalidSelection()
    # Without "view all accounts", the viewer's own figures and their team's: a CSM's alerts
    # are those of their accounts and alert tasks, their tasks those they own (as the task
    # list shows them), and a manager's line of management grants their team's.
    scope = Scope(team=figures_team(session, actor))
    if selection.csm_id is not None:
        await check_csm(session, actor, selection.csm_id)
    return ReportingRepository(session, actor.org_id), scope


def _hours(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("median_hours_to_close", "mean_hours_to_close", "hours_to_close"):
        if row.get(key) is not None:
            row[key] = round(float(row[key]), 2)
    return row


async def alert_report(
    session: AsyncSession,
    actor: Actor,
    selection: ReportSelection,
    *,
    group_by: AlertGrouping,
    since: date | None = None,
    until: date | None = None,
) -> AlertReport:
    since, until, zone = await _range(session, actor, since, until)
    repo, scope = await _scope(session, actor, selection)
    spans = month_periods(since, until) if group_by is AlertGrouping.MONTH else [(since, until)]
    rows = await repo.alert_report(
        scope, selection, [_period(s, u, zone) for s, u in spans], by=group_by
    )
    return AlertReport(
        since=since,
        until=until,
        group_by=group_by,
        rows=[AlertReportRow.model_validate(_hours(r)) for r in rows],
    )


async def alert_rows(
    session: AsyncSession,
    actor: Actor,
    selection: ReportSelection,
    *,
    metric: AlertMetric,
    since: date | None = None,
    until: date | None = None,
    limit: int,
    offset: int,
) -> Paged[AlertReportItem]:
    since, until, zone = await _range(session, actor, since, until)
    repo, scope = await _scope(session, actor, selection)
    rows, total = await repo.alert_rows(
        scope, selection, _period(since, until, zone), metric, limit=limit, offset=offset
    )
    return Paged(
        items=[AlertReportItem.model_validate(_hours(r)) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


async def task_report(
    session: AsyncSession,
    actor: Actor,
    selection: ReportSelection,
    *,
    group_by: TaskGrouping,
    since: date | None = None,
    until: date | None = None,
) -> TaskReport:
    since, until, zone = await _range(session, actor, since, until)
    repo, scope = await _scope(session, actor, selection)
    spans = month_periods(since, until) if group_by is TaskGrouping.MONTH else [(since, until)]
    rows = await repo.task_report(
        scope,
        selection,
        [_period(s, u, zone) for s, u in spans],
        by=group_by,
        time_zone=zone.key,
    )
    return TaskReport(
        since=since,
        until=until,
        group_by=group_by,
        rows=[TaskReportRow.model_validate(_hours(r)) for r in rows],
    )


async def task_rows(
    session: AsyncSession,
    actor: Actor,
    selection: ReportSelection,
    *,
    metric: TaskMetric,
    since: date | None = None,
    until: date | None = None,
    limit: int,
    offset: int,
) -> Paged[TaskReportItem]:
    since, until, zone = await _range(session, actor, since, until)
    repo, scope = await _scope(session, actor, selection)
    rows, total = await repo.task_rows(
        scope,
        selection,
        _period(since, until, zone),
        metric,
        time_zone=zone.key,
        limit=limit,
        offset=offset,
    )
    return Paged(
        items=[TaskReportItem.model_validate(_hours(r)) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )
