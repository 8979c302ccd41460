"""An account's timeline: every kind of history in one UNION ALL, sorted and paged by the
database, so a page costs the same however long the history is."""

import uuid
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import TIMESTAMP, Select, Text, Uuid, cast, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import (
    Account,
    ChurnEvent,
    CsmAssignmentPeriod,
    CsmScoreEntry,
    NpsResponse,
    StagePeriod,
    StatusUpdate,
)
from domain.common.bulk_sql import among
from domain.interactions.models import Interaction, Note, Ticket
from domain.interactions.schemas import TimelineKind
from domain.orgs.models import Organisation
from domain.users.models import User

_DETAIL_CHARS = 2000


def _item(
    kind: TimelineKind, model: Any, occurred_at: Any, title: Any, detail: Any, author_id: Any
) -> Select[Any]:
    return select(
        literal(kind.value, Text).label("kind"),
        model.id.label("id"),
        occurred_at.label("occurred_at"),
        cast(title, Text).label("title"),
        cast(detail, Text).label("detail"),
        cast(author_id, Uuid).label("author_id"),
        model.account_id.label("account_id"),
    )


def _user_name(user_id: Any) -> Any:
    return select(User.full_name).where(User.id == user_id).correlate_except(User).scalar_subquery()


def _branches(
    org_id: uuid.UUID, account_ids: list[uuid.UUID]
) -> dict[TimelineKind, Callable[[], Any]]:
    def of(model: Any) -> Any:
        return (model.org_id == org_id) & among(model.account_id, account_ids)

    # Churn dates are days in the organisation's time zone: midnight there.
    org_tz = select(Organisation.time_zone).where(Organisation.id == org_id).scalar_subquery()

    def day_start(day: Any) -> Any:
        return func.timezone(org_tz, cast(day, TIMESTAMP(timezone=False)))

    return {
        TimelineKind.INTERACTION: lambda: _item(
            TimelineKind.INTERACTION,
            Interaction,
            Interaction.occurred_at,
            func.coalesce(Interaction.subject, func.initcap(Interaction.type)),
            func.left(func.coalesce(Interaction.outcome, Interaction.body), _DETAIL_CHARS),
            Interaction.author_id,
        ).where(of(Interaction)),
        TimelineKind.NOTE: lambda: _item(
            TimelineKind.NOTE,
            Note,
            Note.created_at,
            literal("Note"),
            Note.body,
            Note.author_id,
        ).where(of(Note)),
        TimelineKind.TICKET: lambda: _item(
            TimelineKind.TICKET,
            Ticket,
            Ticket.opened_at,
            "Ticket opened: " + Ticket.subject,
            Ticket.priority + " priority, " + Ticket.status,
            null(),
        ).where(of(Ticket)),
        # Only the ticket's current close: a reopened ticket has no closed_at (tickets keep
        # no status history), and help desks do not say who closed it.
        TimelineKind.TICKET_CLOSED: lambda: _item(
            TimelineKind.TICKET_CLOSED,
            Ticket,
            Ticket.closed_at,
            "Ticket " + Ticket.status + ": " + Ticket.subject,
            Ticket.priority + " priority",
            null(),
        ).where(of(Ticket), Ticket.closed_at.is_not(None)),
        TimelineKind.STATUS_UPDATE: lambda: _item(
            TimelineKind.STATUS_UPDATE,
            StatusUpdate,
            StatusUpdate.posted_at,
            StatusUpdate.title,
            StatusUpdate.details,
            StatusUpdate.changed_by_id,
        ).where(of(StatusUpdate)),
        TimelineKind.STAGE_CHANGE: lambda: _item(
            TimelineKind.STAGE_CHANGE,
            StagePeriod,
            StagePeriod.entered_at,
            "Stage: " + StagePeriod.stage_name,
            null(),
            StagePeriod.changed_by_id,
        ).where(of(StagePeriod)),
        TimelineKind.CSM_ASSIGNED: lambda: _item(
            TimelineKind.CSM_ASSIGNED,
            CsmAssignmentPeriod,
            CsmAssignmentPeriod.assigned_at,
            "CSM assigned: " + func.coalesce(_user_name(CsmAssignmentPeriod.user_id), "a user"),
            null(),
            CsmAssignmentPeriod.changed_by_id,
        ).where(of(CsmAssignmentPeriod)),
        TimelineKind.CSM_UNASSIGNED: lambda: _item(
            TimelineKind.CSM_UNASSIGNED,
            CsmAssignmentPeriod,
            CsmAssignmentPeriod.unassigned_at,
            "CSM unassigned: " + func.coalesce(_user_name(CsmAssignmentPeriod.user_id), "a user"),
            null(),
            CsmAssignmentPeriod.changed_by_id,
        ).where(of(CsmAssignmentPeriod), CsmAssignmentPeriod.unassigned_at.is_not(None)),
        TimelineKind.CSM_SCORE: lambda: _item(
            TimelineKind.CSM_SCORE,
            CsmScoreEntry,
            CsmScoreEntry.recorded_at,
            "CSM score: " + cast(CsmScoreEntry.score, Text),
            null(),
            CsmScoreEntry.changed_by_id,
        ).where(of(CsmScoreEntry)),
        TimelineKind.NPS_RESPONSE: lambda: _item(
            TimelineKind.NPS_RESPONSE,
            NpsResponse,
            NpsResponse.responded_at,
            "NPS: " + cast(NpsResponse.score, Text),
            NpsResponse.contact,
            NpsResponse.changed_by_id,
        ).where(of(NpsResponse)),
        TimelineKind.CHURN: lambda: _item(
            TimelineKind.CHURN,
            ChurnEvent,
            day_start(ChurnEvent.churned_on),
            literal("Churned"),
            ChurnEvent.reason,
            ChurnEvent.changed_by_id,
        ).where(of(ChurnEvent)),
        TimelineKind.REACTIVATION: lambda: _item(
            TimelineKind.REACTIVATION,
            ChurnEvent,
            day_start(ChurnEvent.reactivated_on),
            literal("Reactivated"),
            null(),
            ChurnEvent.reactivated_by_id,
        ).where(of(ChurnEvent), ChurnEvent.reactivated_on.is_not(None)),
    }


async def page(
    session: AsyncSession,
    org_id: uuid.UUID,
    account_ids: list[uuid.UUID],
    *,
    kinds: Collection[TimelineKind] | None,
    limit: int,
    offset: int,
) -> tuple[list[Any], int]:
    """One page of the timeline of these accounts (one, or a parent and its descendants),
    newest first, and how many items it has. Each item names its account.
    The caller has checked that the accounts are visible."""
    branches = _branches(org_id, account_ids)
    wanted = [build() for kind, build in branches.items() if not kinds or kind in kinds]
    feed = union_all(*wanted).subquery("timeline")
    total = await session.scalar(select(func.count()).select_from(feed))
    rows = await session.execute(
        select(feed, Account.name.label("account_name"))
        .join(Account, Account.id == feed.c.account_id)
        .order_by(feed.c.occurred_at.desc(), feed.c.kind, feed.c.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total or 0
