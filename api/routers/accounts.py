import uuid
from typing import Annotated

from fastapi import Query, Request, Response, status

from api.batches import batch_body, record
from api.deps import ApiActor, ApiCallOutcome, ApiReader, Session
from api.errors import problem
from api.params import Limit, Offset
from api.routing import AreaRouter
from domain.accounts import bulk, ingest
from domain.accounts import service as accounts
from domain.accounts.ingest import (
    AccountUpsert,
    AccountUpsertBatch,
    MetricValues,
    MetricValuesBatch,
)
from domain.accounts.schemas import (
    SORT_DESCRIPTION,
    SORT_PATTERN,
    AccountCreate,
    AccountExport,
    AccountHistoryRead,
    AccountListRead,
    AccountQuery,
    AccountRead,
    AccountSort,
    AccountUpdate,
    BulkEdit,
    BulkEditResult,
    ChildAccountRead,
    ChurnCreate,
    ColumnKey,
    FieldRead,
    NpsResponseCreate,
    StatusUpdateCreate,
)
from domain.common.pagination import Page, page_json
from domain.common.schemas import BatchResult
from domain.freshness import changes
from domain.integration.schemas import UpsertedRecord

router = AreaRouter(prefix="/accounts", tags=["accounts"])


@router.get("", response_model=Page[AccountListRead], responses=problem(401, 403, 422))
async def list_accounts(
    reader: ApiReader,
    session: Session,
    q: Annotated[
        str | None, Query(max_length=200, description="Search name, domain and external id")
    ] = None,
    sort: Annotated[
        str, Query(min_length=1, max_length=120, pattern=SORT_PATTERN, description=SORT_DESCRIPTION)
    ] = AccountSort.NAME.value,
    descending: bool = False,
    columns: Annotated[
        list[ColumnKey],
        Query(
            max_length=100,
            description="Columns shown (keys of `listAccountFields`); each account carries the "
            "values of the metric columns among them in `metric_values`",
        ),
    ] = [],  # noqa: B006  # FastAPI copies a query default per request
    limit: Limit = 50,
    offset: Offset = 0,
    deleted: Annotated[
        bool, Query(description="List deleted accounts instead (to restore them)")
    ] = False,
) -> Response:
    """Accounts the caller may see (all, or only those assigned to them), one page at a time."""
    paged = await accounts.list_accounts(
        session,
        reader.actor,
        q=q,
        sort=sort,
        descending=descending,
        columns=columns,
        limit=limit,
        offset=offset,
        deleted=deleted,
        presumed_for=reader.presumed_for,
    )
    return Response(page_json(paged), media_type="application/json")


@router.post(
    "",
    response_model=AccountRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 409, 422),
)
async def create_account(data: AccountCreate, actor: ApiActor, session: Session) -> AccountRead:
    """Create an account."""
    return AccountRead.model_validate(await accounts.create_account(session, actor, data))


@router.post(
    "/batch",
    response_model=BatchResult,
    responses=problem(401, 403, 413, 422),
    openapi_extra=batch_body(AccountUpsertBatch),
)
async def upsert_accounts(
    request: Request, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> BatchResult:
    """Create or update up to 5,000 accounts by external id, with tier and stage by name and
    CSMs by email. Each record succeeds or fails on its own: the answer lists the stored ones
    with their ids and the refused ones with why (also in the key's API log). Sending the same
    batch again changes nothing."""
    return await record(
        outcome, await ingest.upsert_accounts(session, actor, await request.body()), session
    )


@router.post("/upsert", response_model=UpsertedRecord, responses=problem(401, 403, 409, 422))
async def upsert_account(
    data: AccountUpsert, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> UpsertedRecord:
    """Create or update one account by external id, as one record of `/accounts/batch`; a
    refused record is a problem saying why: a 409 when it names what the organisation lacks
    (`tier_not_found`, `stage_not_found`, `parent_not_found`...), otherwise a 422."""
    account_id = await ingest.upsert_account(session, actor, data)
    outcome.accepted = 1
    return UpsertedRecord(id=account_id, change=await changes.issued(session))


@router.post("/metric-values", response_model=UpsertedRecord, responses=problem(401, 403, 409, 422))
async def set_account_metric_value(
    data: MetricValues, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> UpsertedRecord:
    """Set custom dimension and metric values of one account, as one record of
    `/accounts/metric-values/batch`; answers the account's id. An account the organisation
    lacks is a 409 `account_not_found`; a value of the wrong type a 422."""
    account_id = await ingest.set_account_metric_values(session, actor, data)
    outcome.accepted = 1
    return UpsertedRecord(id=account_id, change=await changes.issued(session))


@router.post(
    "/metric-values/batch",
    response_model=BatchResult,
    responses=problem(401, 403, 413, 422),
    openapi_extra=batch_body(MetricValuesBatch),
)
async def set_account_metric_values(
    request: Request, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> BatchResult:
    """Set custom dimension and metric values of up to 5,000 accounts by external id (the
    stored ones are in `records` with the account's id); a value of the wrong type refuses
    that record only."""
    return await record(
        outcome, await ingest.set_metric_values(session, actor, await request.body()), session
    )


@router.get("/fields", response_model=list[FieldRead], responses=problem(401))
async def list_account_fields(actor: ApiActor, session: Session) -> list[FieldRead]:
    """Fields filters, list columns and sorting can use: the account's own, the
    organisation's custom fields (`custom.<key>`) and metrics (`metric.<key>`)."""
    return [
        FieldRead(
            key=f.key,
            label=f.label,
            type=f.type.value,
            options=list(f.options),
            format=f.format,
            sortable=f.sort_order() is not None,
        )
        for f in await accounts.offered_fields(session, actor)
    ]


@router.post(
    "/bulk-edit", response_model=BulkEditResult, responses=problem(401, 403, 404, 409, 422)
)
async def bulk_edit_accounts(data: BulkEdit, actor: ApiActor, session: Session) -> BulkEditResult:
    """Apply the same changes (tier, stage, CSMs, score, renewal, custom fields, a churn or a
    reactivation) to the selected accounts or to every account matching a filter. Histories
    and churn events are written as for single edits; this is also how accounts are assigned
    to CSMs in bulk. `updated` counts the accounts that changed."""
    matched, updated = await bulk.bulk_edit(session, actor, data)
    return BulkEditResult(matched=matched, updated=updated)


@router.post(
    "/export",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The accounts as CSV"},
        **problem(401, 422),
    },
)
async def export_accounts(data: AccountExport, actor: ApiActor, session: Session) -> Response:
    """Every account of a selection (or view) the caller may see, as CSV in the chosen columns."""
    text = await bulk.export_csv(session, actor, data)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="accounts.csv"'},
    )


@router.get("/{account_id:id}", response_model=AccountRead, responses=problem(401, 404, 422))
async def get_account(account_id: uuid.UUID, actor: ApiActor, session: Session) -> AccountRead:
    """One account."""
    return AccountRead.model_validate(await accounts.read_account(session, actor, account_id))


@router.patch(
    "/{account_id:id}", response_model=AccountRead, responses=problem(401, 403, 404, 409, 422)
)
async def update_account(
    account_id: uuid.UUID, data: AccountUpdate, actor: ApiActor, session: Session
) -> AccountRead:
    """Change an account's fields or its CSMs."""
    return AccountRead.model_validate(
        await accounts.update_account(session, actor, account_id, data)
    )


@router.delete(
    "/{account_id:id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 422),
)
async def delete_account(account_id: uuid.UUID, actor: ApiActor, session: Session) -> None:
    """Delete an account (test data, duplicates): it leaves every view and report.
    An admin can restore it. To record a lost customer, mark it churned instead."""
    await accounts.delete_account(session, actor, account_id)


@router.post(
    "/{account_id:id}/restore",
    response_model=AccountRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def restore_account(account_id: uuid.UUID, actor: ApiActor, session: Session) -> AccountRead:
    """Bring back a deleted account."""
    return AccountRead.model_validate(await accounts.restore_account(session, actor, account_id))


@router.post("/query", response_model=Page[AccountListRead], responses=problem(401, 403, 422))
async def query_accounts(data: AccountQuery, actor: ApiActor, session: Session) -> Response:
    """Accounts matching a filter-language condition, searched, sorted and paginated in one
    query, with the current values of the metric columns asked for. Fields are listed by
    `listAccountFields`."""
    paged = await accounts.list_accounts(
        session,
        actor,
        q=data.q,
        condition=data.filter,
        churned=data.churned,
        sort=data.sort,
        descending=data.descending,
        columns=data.columns,
        limit=data.limit,
        offset=data.offset,
    )
    return Response(page_json(paged), media_type="application/json")


@router.post(
    "/{account_id:id}/status", response_model=AccountRead, responses=problem(401, 403, 404, 422)
)
async def post_account_status(
    account_id: uuid.UUID, data: StatusUpdateCreate, actor: ApiActor, session: Session
) -> AccountRead:
    """Post the account's latest status (title and details); earlier ones stay in history."""
    return AccountRead.model_validate(await accounts.post_status(session, actor, account_id, data))


@router.post(
    "/{account_id:id}/nps", response_model=AccountRead, responses=problem(401, 403, 404, 422)
)
async def record_account_nps(
    account_id: uuid.UUID, data: NpsResponseCreate, actor: ApiActor, session: Session
) -> AccountRead:
    """Record an NPS response (0-10). The account's NPS is the average of every response
    within 30 days of the latest one."""
    return AccountRead.model_validate(await accounts.record_nps(session, actor, account_id, data))


@router.post(
    "/{account_id:id}/churn", response_model=AccountRead, responses=problem(401, 403, 404, 409, 422)
)
async def churn_account(
    account_id: uuid.UUID, data: ChurnCreate, actor: ApiActor, session: Session
) -> AccountRead:
    """Mark the account churned with a date and reason. It leaves the active book and stays in
    churn reporting (unlike delete, which removes it from every report)."""
    return AccountRead.model_validate(
        await accounts.churn_account(session, actor, account_id, data)
    )


@router.post(
    "/{account_id:id}/reactivate",
    response_model=AccountRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def reactivate_account(
    account_id: uuid.UUID, actor: ApiActor, session: Session
) -> AccountRead:
    """Reactivate a churned account (a reactivation, not new business)."""
    return AccountRead.model_validate(await accounts.reactivate_account(session, actor, account_id))


@router.get(
    "/{account_id:id}/history", response_model=AccountHistoryRead, responses=problem(401, 404, 422)
)
async def get_account_history(
    account_id: uuid.UUID, actor: ApiActor, session: Session
) -> AccountHistoryRead:
    """Lifecycle stages (with time in each), CSM assignments with effective dates, CSM scores,
    NPS responses and posted statuses, newest first."""
    return await accounts.account_history(session, actor, account_id)


@router.get(
    "/{account_id:id}/children",
    response_model=list[ChildAccountRead],
    responses=problem(401, 404, 422),
)
async def list_child_accounts(
    account_id: uuid.UUID, actor: ApiActor, session: Session
) -> list[ChildAccountRead]:
    """Direct child accounts, each with how many descendants it has."""
    return [
        ChildAccountRead(account=AccountRead.model_validate(a), descendants=n)
        for a, n in await accounts.account_children(session, actor, account_id)
    ]
