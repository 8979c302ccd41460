import uuid
from typing import Annotated

from fastapi import Query

from api.deps import CurrentActor, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.audit import service as audit
from domain.audit.schemas import AuditEntryRead
from domain.common.pagination import Page, PageParams
from domain.common.types import Instant

router = AreaRouter(prefix="/audit-log", tags=["audit"])


@router.get("", response_model=Page[AuditEntryRead], responses=problem(401, 403, 422))
async def list_audit_entries(
    actor: CurrentActor,
    session: Session,
    page: Annotated[PageParams, Query()],
    entity_type: Annotated[str | None, Query(max_length=50)] = None,
    entity_id: uuid.UUID | None = None,
    actor_user_id: Annotated[uuid.UUID | None, Query(description="Changes by this user")] = None,
    action: Annotated[
        str | None, Query(max_length=100, description="Only this action, e.g. account.updated")
    ] = None,
    since: Annotated[Instant | None, Query(description="From this time (inclusive)")] = None,
    until: Annotated[Instant | None, Query(description="Before this time")] = None,
) -> Page[AuditEntryRead]:
    """Every change made in the organisation, newest first: who (by name), what (the record's
    name), when, before and after; filtered by actor, action and time range."""
    paged = await audit.list_entries(
        session,
        actor,
        page=page,
        entity_type=entity_type,
        entity_id=entity_id,
        actor_user_id=actor_user_id,
        action=action,
        since=since,
        until=until,
    )
    return Page[AuditEntryRead].model_validate(paged)


@router.get("/actions", response_model=list[str], responses=problem(401, 403))
async def list_audit_actions(actor: CurrentActor, session: Session) -> list[str]:
    """The actions recorded in the organisation, to filter the log by."""
    return await audit.list_actions(session, actor)
