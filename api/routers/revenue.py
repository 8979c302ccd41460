import uuid
from typing import Annotated

from fastapi import Query, Request, status

from api.batches import batch_body, record
from api.deps import ApiActor, ApiCallOutcome, Session
from api.errors import problem
from api.params import Limit, Offset
from api.routing import AreaRouter
from domain.common.pagination import Page
from domain.common.schemas import BatchResult
from domain.common.types import PeriodEnd, PeriodStart
from domain.freshness import changes
from domain.integration.schemas import IngestReceipt
from domain.revenue import service as revenue
from domain.revenue.schemas import (
    AccountMrrRead,
    FxRateBatch,
    FxRateIn,
    FxRateRead,
    FxRateSet,
    InvoiceBatch,
    InvoiceIn,
    InvoiceRead,
    MissingFxRateRead,
    MrrMovementRead,
    MrrSummary,
    SubscriptionBatch,
    SubscriptionIn,
    SubscriptionRead,
)

# Subscriptions, invoices and FX rates sent by integrators; the MRR computed from them.
router = AreaRouter()

Rollup = Annotated[
    bool,
    Query(
        description="Add up the account and every child account below it (any depth) that "
        "the caller may see"
    ),
]


@router.post(
    "/subscriptions",
    tags=["revenue"],
    response_model=IngestReceipt,
    responses=problem(401, 403, 422),
)
async def upsert_subscription(
    data: SubscriptionIn, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> IngestReceipt:
    """Create or update one subscription with its items, by external id: the same rules as
    one record of `/subscriptions/batch`, but a bad record is a `422` problem. Sending it again
    unchanged changes nothing. MRR is recomputed in the background. Answers a receipt, not
    the subscription: read it with `/accounts/{account_id}/subscriptions`."""
    receipt = await revenue.upsert_subscription(session, actor, data)
    outcome.accepted = 1
    return receipt


@router.post(
    "/invoices", tags=["revenue"], response_model=IngestReceipt, responses=problem(401, 403, 422)
)
async def upsert_invoice(
    data: InvoiceIn, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> IngestReceipt:
    """Create or update one invoice with its lines, by number: the same rules as one record
    of `/invoices/batch`, but a bad record is a `422` problem. Answers a receipt (its
    `external_id` is the number), not the invoice: read it with
    `/accounts/{account_id}/invoices`."""
    receipt = await revenue.upsert_invoice(session, actor, data)
    outcome.accepted = 1
    return receipt


@router.post(
    "/fx-rates", tags=["revenue"], response_model=FxRateSet, responses=problem(401, 403, 409, 422)
)
async def set_fx_rate(
    data: FxRateIn, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> FxRateSet:
    """Set one exchange rate to the base currency, by currency and effective day: the same
    rules as one record of `/fx-rates/batch` (a rate for the base currency itself is a `409`
    problem). MRR is recomputed in the background when the rate is new or changed."""
    base, rate = await revenue.set_fx_rate(session, actor, data)
    outcome.accepted = 1
    return FxRateSet(
        id=rate.id,
        currency=rate.currency,
        effective_on=rate.effective_on,
        rate=rate.rate,
        base_currency=base,
        change=await changes.issued(session),
    )


@router.post(
    "/subscriptions/batch",
    tags=["revenue"],
    response_model=BatchResult,
    responses=problem(401, 403, 413, 422),
    openapi_extra=batch_body(SubscriptionBatch),
)
async def upsert_subscriptions(
    request: Request, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> BatchResult:
    """Create or update up to 5,000 subscriptions with their items, by external id. Each
    record is accepted (in `records`, with its id) or rejected (in `errors`, saying why, by
    position) on its own; sending the same batch again changes nothing. A subscription whose
    account has not arrived yet is kept and links to it when it does. MRR is recomputed in
    the background."""
    body = await request.body()
    return await record(outcome, await revenue.ingest_subscriptions(session, actor, body), session)


@router.post(
    "/invoices/batch",
    tags=["revenue"],
    response_model=BatchResult,
    responses=problem(401, 403, 413, 422),
    openapi_extra=batch_body(InvoiceBatch),
)
async def upsert_invoices(
    request: Request, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> BatchResult:
    """Create or update up to 5,000 invoices with their lines, by number; records are
    accepted (with their ids, `external_id` being the number) or rejected one by one, and a
    repeated batch changes nothing."""
    return await record(
        outcome, await revenue.ingest_invoices(session, actor, await request.body()), session
    )


@router.post(
    "/fx-rates/batch",
    tags=["revenue"],
    response_model=BatchResult,
    responses=problem(401, 403, 413, 422),
    openapi_extra=batch_body(FxRateBatch),
)
async def upsert_fx_rates(
    request: Request, actor: ApiActor, session: Session, outcome: ApiCallOutcome
) -> BatchResult:
    """Set up to 5,000 exchange rates to the organisation's base currency, by currency and
    effective day (a day's rate is the latest effective on or before it); each stored rate is
    in `records` (its `external_id` is the currency) with its id. Items convert at the rate
    of the day they started, so MRR is recomputed in the background."""
    return await record(
        outcome, await revenue.ingest_fx_rates(session, actor, await request.body()), session
    )


@router.get(
    "/fx-rates", tags=["revenue"], response_model=list[FxRateRead], responses=problem(401, 422)
)
async def list_fx_rates(
    actor: ApiActor,
    session: Session,
    currency: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$")] = None,
) -> list[FxRateRead]:
    """The organisation's exchange rates, by currency, newest first."""
    base, rates = await revenue.list_fx_rates(session, actor, currency=currency)
    return [
        FxRateRead(
            id=r.id,
            currency=r.currency,
            effective_on=r.effective_on,
            rate=r.rate,
            base_currency=base,
        )
        for r in rates
    ]


@router.get(
    "/fx-rates/missing",
    tags=["revenue"],
    response_model=list[MissingFxRateRead],
    responses=problem(401),
)
async def list_missing_fx_rates(actor: ApiActor, session: Session) -> list[MissingFxRateRead]:
    """Currencies that subscription items of the accounts the caller may see are priced in
    but that had no rate at all when their MRR was last recomputed (so MRR leaves those items
    out), each from the first day an item needs it and with how many accounts. A rate set or
    removed shows here once the recompute it triggers has run (`GET /freshness`)."""
    return await revenue.list_missing_fx_rates(session, actor)


@router.delete(
    "/fx-rates/{rate_id:id}",
    tags=["revenue"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 422),
)
async def delete_fx_rate(rate_id: uuid.UUID, actor: ApiActor, session: Session) -> None:
    """Remove an exchange rate set by mistake; MRR is recomputed in the background."""
    await revenue.delete_fx_rate(session, actor, rate_id)


@router.get(
    "/accounts/{account_id:id}/subscriptions",
    tags=["revenue"],
    response_model=list[SubscriptionRead],
    responses=problem(401, 404, 422),
)
async def list_account_subscriptions(
    account_id: uuid.UUID, actor: ApiActor, session: Session
) -> list[SubscriptionRead]:
    """An account's subscriptions with their items and discounts, newest first."""
    return [
        SubscriptionRead.model_validate(s)
        for s in await revenue.list_account_subscriptions(session, actor, account_id)
    ]


@router.get(
    "/accounts/{account_id:id}/invoices",
    tags=["revenue"],
    response_model=Page[InvoiceRead],
    responses=problem(401, 404, 422),
)
async def list_account_invoices(
    account_id: uuid.UUID,
    actor: ApiActor,
    session: Session,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[InvoiceRead]:
    """An account's invoices, newest first."""
    paged = await revenue.list_account_invoices(
        session, actor, account_id, limit=limit, offset=offset
    )
    return Page[InvoiceRead].model_validate(paged)


@router.get(
    "/accounts/{account_id:id}/mrr",
    tags=["revenue"],
    response_model=AccountMrrRead,
    responses=problem(401, 404, 422),
)
async def get_account_mrr(
    account_id: uuid.UUID, actor: ApiActor, session: Session, rollup: Rollup = False
) -> AccountMrrRead:
    """An account's current MRR and ARR in the base currency (minor units) and its MRR at the
    end of each month since its first subscription; with `rollup`, the sums over its whole
    visible subtree. `missing_rates` lists currencies left out for want of an FX rate."""
    return await revenue.get_account_mrr(session, actor, account_id, rollup=rollup)


@router.get(
    "/accounts/{account_id:id}/mrr-movements",
    tags=["revenue"],
    response_model=list[MrrMovementRead],
    responses=problem(401, 404, 422),
)
async def list_account_mrr_movements(
    account_id: uuid.UUID, actor: ApiActor, session: Session, rollup: Rollup = False
) -> list[MrrMovementRead]:
    """An account's MRR movements by month (new, expansion, contraction, churn,
    reactivation) and its renewals, newest first; with `rollup`, those of every account of
    its visible subtree, each naming its account."""
    return await revenue.list_account_movements(session, actor, account_id, rollup=rollup)


@router.get(
    "/mrr-movements/summary",
    tags=["revenue"],
    response_model=MrrSummary,
    responses=problem(401, 422),
)
async def get_mrr_summary(
    actor: ApiActor,
    session: Session,
    since: Annotated[
        PeriodStart | None, Query(description="First month (default: 11 months ago)")
    ] = None,
    until: Annotated[
        PeriodEnd | None, Query(description="Last month (default: this month)")
    ] = None,
) -> MrrSummary:
    """Per month, over the accounts the caller may see: starting and ending MRR, new,
    expansion, contraction, churn and reactivation totals, renewals, gross and net MRR churn
    rates and logo churn; at most 240 months."""
    return await revenue.mrr_summary(session, actor, since=since, until=until)
