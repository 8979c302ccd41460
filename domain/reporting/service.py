"""The team page's alert and task reports, per CSM and period, scoped by who is asking: a
viewer who sees every account reports on everyone; anyone else on themselves and the users they
manage (directly or further down). Each figure's rows come from the predicate that counts it."""

from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Range:
    since: date
    until: date
    zone: ZoneInfo
    today: date

    def period(self, since: date, until: date) -> Period:
        return Period(
            since=since,
            until=until,
            starts_at=datetime.combine(since, time(), self.zone),
            ends_at=datetime.combine(until + timedelta(days=1), time(), self.zone),
            # A period that has not ended yet (this month) is judged as of today: a task due
            # later this month is not overdue yet.
            overdue_before=min(until, self.today),
        )


async def _range(
    session: AsyncSession, actor: Actor, since: date | None, until: date | None
) -> _Range:
    time_zone = await TenancyRepository(session, actor.org_id).time_zone()
    assert time_zone is not None
    today = clock.today_in(time_zone, clock.now())
    asked_until = until
    until = until or today
    if since is None:
        since = until.replace(day=1)
        for _ in range(DEFAULT_MONTHS - 1):
            since = (since - timedelta(days=1)).replace(day=1)
    if since > until and asked_until is None:
        raise InvalidRange(
            "since must not be after today (the organisation's), where until defaults to"
        )
    if since > until or (until - since).days >= MAX_DAYS:
        raise InvalidRange(f"since must not be after until, and the range at most {MAX_DAYS} days")
    return _Range(since, until, ZoneInfo(time_zone), today)


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
    days = await _range(session, actor, since, until)
    repo, scope = await _scope(session, actor, selection)
    spans = (
        month_periods(days.since, days.until)
        if group_by is AlertGrouping.MONTH
        else [(days.since, days.until)]
    )
    rows = await repo.alert_report(
        scope, selection, [days.period(s, u) for s, u in spans], by=group_by
    )
    return AlertReport(
        since=days.since,
        until=days.until,
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
    days = await _range(session, actor, since, until)
    repo, scope = await _scope(session, actor, selection)
    rows, total = await repo.alert_rows(
        scope, selection, days.period(days.since, days.until), metric, limit=limit, offset=offset
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
    days = await _range(session, actor, since, until)
    repo, scope = await _scope(session, actor, selection)
    spans = (
        month_periods(days.since, days.until)
        if group_by is TaskGrouping.MONTH
        else [(days.since, days.until)]
    )
    rows = await repo.task_report(
        scope,
        selection,
        [days.period(s, u) for s, u in spans],
        by=group_by,
        time_zone=days.zone.key,
    )
    return TaskReport(
        since=days.since,
        until=days.until,
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
    days = await _range(session, actor, since, until)
    repo, scope = await _scope(session, actor, selection)
    rows, total = await repo.task_rows(
        scope,
        selection,
        days.period(days.since, days.until),
        metric,
        time_zone=days.zone.key,
        limit=limit,
        offset=offset,
    )
    return Paged(
        items=[TaskReportItem.model_validate(_hours(r)) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )
