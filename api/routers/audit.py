import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentActor, Session
from api.errors import problem
from domain.audit import service as audit
from domain.audit.schemas import AuditEntryRead
from domain.common.pagination import Page, PageParams

router = APIRouter(prefix="/audit-log", tags=["audit"])


@router.get("", response_model=Page[AuditEntryRead], responses=problem(401, 403, 422))
async def list_audit_entries(
    actor: CurrentActor,
    session: Session,
    page: Annotated[PageParams, Query()],
    entity_type: Annotated[str | None, Query(max_length=50)] = None,
    entity_id: uuid.UUID | None = None,
) -> Page[AuditEntryRead]:
    """Every change made in the organisation: who, what, when, before and after."""
    paged = await audit.list_entries(
        session, actor, page=page, entity_type=entity_type, entity_id=entity_id
    )
    return Page[AuditEntryRead].model_validate(paged)
