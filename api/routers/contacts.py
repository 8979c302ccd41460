import uuid

from fastapi import Request

from api.batches import batch_body, record
from api.deps import ApiActor, ApiCallOutcome, Session
from api.errors import problem
from api.params import Limit, Offset
from api.routing import AreaRouter
from domain.common.pagination import Page
from domain.common.schemas import BatchResult
from domain.integration.schemas import IngestReceipt
from domain.usage import service as usage
from domain.usage.schemas import (
    ContactBatch,
    ContactDetail,
    ContactRead,
    ContactUpsert,
    GroupTraitsRead,
)

# Contacts: the people who use the customer's product, and the accounts they belong to.
router = AreaRouter(tags=["contacts"])

_CONTACT_EXAMPLE = {
    "external_id": "user-42",
    "email": "ada@acme.com",
    "name": "Ada Lovelace",
    "title": "Head of Analytics",
    "account_external_ids": ["acme-001"],
    "traits": {"plan_role": "owner"},
}


@router.post("/contacts", response_model=IngestReceipt, responses=problem(401, 403, 422))
async def upsert_contact(
    data: ContactUpsert, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> IngestReceipt:
    """Create a contact, or update the one with this external id. Fields left out keep their
    value; traits are merged; accounts are added, and linked once they exist. Answers a
    receipt, not the contact: read it with `/contacts/{contact_id}`."""
    receipt = await usage.upsert_contact(session, actor, data)
    outcome.accepted = 1
    return receipt


@router.post(
    "/contacts/batch",
    response_model=BatchResult,
    responses=problem(401, 403, 413, 422),
    openapi_extra=batch_body(ContactBatch, {"items": [_CONTACT_EXAMPLE]}),
)
async def upsert_contacts(
    request: Request, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> BatchResult:
    """Upsert up to 5,000 contacts by external id. Valid ones are written, with their ids in
    `records`, and invalid ones reported by position (200 unless the body itself is malformed:
    422, or too long: 413)."""
    return await record(
        outcome, await usage.upsert_contact_batch(session, actor, await request.body()), session
    )


@router.get(
    "/contacts/{contact_id:id}", response_model=ContactDetail, responses=problem(401, 404, 422)
)
async def get_contact(contact_id: uuid.UUID, actor: ApiActor, session: Session) -> ContactDetail:
    """A contact with its accounts and its newest events."""
    return await usage.get_contact(session, actor, contact_id)


@router.get(
    "/accounts/{account_id:id}/contacts",
    response_model=Page[ContactRead],
    responses=problem(401, 404, 422),
)
async def list_account_contacts(
    account_id: uuid.UUID,
    actor: ApiActor,
    session: Session,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ContactRead]:
    """The contacts of an account, most recently seen first."""
    paged = await usage.list_account_contacts(
        session, actor, account_id, limit=limit, offset=offset
    )
    return Page[ContactRead].model_validate(paged)


@router.get(
    "/accounts/{account_id:id}/group-traits",
    response_model=Page[GroupTraitsRead],
    responses=problem(401, 404, 422),
)
async def list_account_group_traits(
    account_id: uuid.UUID,
    actor: ApiActor,
    session: Session,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[GroupTraitsRead]:
    """The account's traits as Segment `group` calls sent them (`name`, `industry`,
    `employees`, ...), one entry per contact whose calls sent any, by contact external id."""
    paged = await usage.list_account_group_traits(
        session, actor, account_id, limit=limit, offset=offset
    )
    return Page[GroupTraitsRead].model_validate(paged)
