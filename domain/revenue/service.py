"""Subscriptions, invoices and FX rates sent by integrators; account MRR, its monthly series and
movements, computed by the recompute job with the pure functions of mrr.py."""

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import service as audit
from domain.common import clock
from domain.common.batches import BatchOutcome, read_batch, webhook_body
from domain.common.db import retries_races
from domain.common.pagination import Paged
from domain.common.schemas import BatchResult
from domain.freshness import changes
from domain.integration import webhooks
from domain.integration.schemas import IngestReceipt
from domain.orgs.models import Organisation
from domain.revenue import mrr
from domain.revenue.errors import BaseCurrencyRate, FxRateNotFound, InvalidRange
from domain.revenue.models import (
    FxRate,
    Invoice,
    InvoiceLine,
    MrrMovementKind,
    Subscription,
    SubscriptionItem,
)
from domain.revenue.repository import (
    RevenueRepository,
    organisations_waiting_for_accounts,
    organisations_with_subscriptions,
)
from domain.revenue.schemas import (
    AccountMrrRead,
    FxRateBatch,
    FxRateIn,
    InvoiceBatch,
    InvoiceIn,
    MissingFxRateRead,
    MonthMrrRead,
    MrrMovementRead,
    MrrSummary,
    MrrSummaryMonth,
    SubscriptionBatch,
    SubscriptionIn,
    SubscriptionItemIn,
)
from domain.tenancy import accounts
from domain.users.actor import Actor, require
from domain.users.permissions import Permission

log = logging.getLogger(__name__)

RECOMPUTE_ORG_JOB = "revenue.recompute_org"
# Accounts read, computed and written together by the recompute job.
RECOMPUTE_CHUNK = 1000
# Months one MRR summary may span (one row each).
MAX_SUMMARY_MONTHS = 240


M = TypeVar("M", bound=BaseModel)

_subscription_item = TypeAdapter(SubscriptionIn)
_invoice_item = TypeAdapter(InvoiceIn)
_fx_rate_item = TypeAdapter(FxRateIn)


def _unique(
    items: list[tuple[int, M]], key: Callable[[M], Any], outcome: BatchOutcome, what: str
) -> list[tuple[int, M]]:
    seen: set[Any] = set()
    unique: list[tuple[int, M]] = []
    for index, item in items:
        k = key(item)
        if k in seen:
            outcome.reject(
                index, str(k if isinstance(k, str) else k[0]), f"{what}: repeated in this batch"
            )
        else:
            seen.add(k)
            unique.append((index, item))
    return unique


def _assign(target: Any, values: dict[str, Any]) -> bool:
    """Set what differs; whether anything did (a repeated batch must change nothing)."""
    changed = False
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


# --- subscriptions ---------------------------------------------------------------------


def _item_values(sub: SubscriptionIn, item: SubscriptionItemIn, position: int) -> dict[str, Any]:
    d = item.discount
    return {
        "position": position,
        "kind": item.kind,
        "name": item.name,
        "unit_price": item.unit_price,
        "quantity": item.quantity,
        "interval_months": item.interval_months,
        "currency": item.currency or sub.currency,
        "starts_on": item.starts_on,
        "ends_on": item.ends_on,
        "discount_kind": d.kind.value if d else None,
        "discount_percent": d.percent if d else None,
        "discount_amount": d.amount if d else None,
        "discount_intervals": d.intervals if d else None,
        "coupon_code": d.coupon_code if d else None,
    }


def _sync_items(subscription: Subscription, data: SubscriptionIn) -> bool:
    existing = {i.external_id: i for i in subscription.items}
    changed = False
    keep: list[SubscriptionItem] = []
    for position, item in enumerate(data.items):
        values = _item_values(data, item, position)
        current = existing.get(item.external_id)
        if current is None:
            current = SubscriptionItem(
                id=uuid.uuid4(),
                org_id=subscription.org_id,
                external_id=item.external_id,
                **values,
            )
            changed = True
        else:
            changed = _assign(current, values) or changed
        keep.append(current)
    if changed or len(keep) != len(subscription.items):
        subscription.items = keep
        changed = True
    return changed


async def ingest_subscriptions(session: AsyncSession, actor: Actor, body: bytes) -> BatchResult:
    """Upsert subscriptions (with their items) by external id, a JSON body `{"items": [...]}`.
    Each record is accepted or rejected on its own; the accounts whose revenue changed are
    recomputed after commit."""
    require(actor, Permission.INGEST_DATA)
    batch = read_batch(
        body, SubscriptionBatch, _subscription_item, what="subscription", id_keys=("external_id",)
    )
    outcome = batch.outcome()
    valid = _unique(batch.items, lambda s: s.external_id, outcome, "external_id")
    stored = await _store_subscriptions(session, actor, [s for _, s in valid])
    for (index, _), subscription in zip(valid, stored, strict=True):
        outcome.stored(index, subscription.external_id, subscription.id)
    outcome.accepted += len(valid)
    return outcome.result()


async def upsert_subscription(
    session: AsyncSession, actor: Actor, data: SubscriptionIn
) -> IngestReceipt:
    """One subscription, stored exactly as one record of a batch would be; the receipt does
    not echo it (an ingest-only key may not read revenue)."""
    require(actor, Permission.INGEST_DATA)
    repo = RevenueRepository(session, actor.org_id)
    existed = bool(await repo.subscriptions_by_external_id([data.external_id]))
    [subscription] = await _store_subscriptions(session, actor, [data])
    return IngestReceipt(
        change=await changes.issued(session),
        id=subscription.id,
        external_id=subscription.external_id,
        status="updated" if existed else "created",
    )


@retries_races
async def _store_subscriptions(
    session: AsyncSession, actor: Actor, records: Sequence[SubscriptionIn]
) -> list[Subscription]:
    """Write valid, unrepeated records; the accounts whose revenue changed are queued for a
    recompute (none when nothing changed, so a repeated call costs nothing)."""
    repo = RevenueRepository(session, actor.org_id)
    existing = await repo.subscriptions_by_external_id([s.external_id for s in records])
    account_ids = await accounts.account_ids_by_reference(
        session, actor.org_id, {s.account_external_id for s in records}
    )
    affected: set[uuid.UUID] = set()
    stored: list[Subscription] = []
    for data in records:
        account_id = account_ids.get(data.account_external_id)
        values = {
            "account_external_id": data.account_external_id,
            "account_id": account_id,
            "status": data.status,
            "currency": data.currency,
            "starts_on": data.starts_on,
            "ends_on": data.ends_on,
        }
        subscription = existing.get(data.external_id)
        if subscription is None:
            subscription = Subscription(
                id=uuid.uuid4(), org_id=actor.org_id, external_id=data.external_id, items=[]
            )
            session.add(subscription)
            previous_account = None
            changed = True
        else:
            previous_account = subscription.account_id
            changed = _assign(subscription, values)
        _assign(subscription, values)
        changed = _sync_items(subscription, data) or changed
        if changed:
            affected |= {a for a in (previous_account, account_id) if a is not None}
        stored.append(subscription)
    await session.flush()
    if affected:
        await changes.note(session, actor.org_id, affected, revenue=True)
    return stored


async def list_account_subscriptions(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID
) -> list[Subscription]:
    """Newest first, including any still waiting for the account under its external id."""
    account = await accounts.get_account(session, actor, account_id)
    return await RevenueRepository(session, actor.org_id).account_subscriptions(account)


# --- invoices --------------------------------------------------------------------------


async def ingest_invoices(session: AsyncSession, actor: Actor, body: bytes) -> BatchResult:
    """Upsert invoices (with their lines, replaced as sent) by number, a JSON body
    `{"items": [...]}`."""
    require(actor, Permission.INGEST_DATA)
    batch = read_batch(body, InvoiceBatch, _invoice_item, what="invoice", id_keys=("number",))
    outcome = batch.outcome()
    valid = _unique(batch.items, lambda i: i.number, outcome, "number")
    stored = await _store_invoices(session, actor, [i for _, i in valid])
    for (index, _), invoice in zip(valid, stored, strict=True):
        outcome.stored(index, invoice.number, invoice.id)
    outcome.accepted += len(valid)
    return outcome.result()


async def upsert_invoice(session: AsyncSession, actor: Actor, data: InvoiceIn) -> IngestReceipt:
    """One invoice, stored exactly as one record of a batch would be; the receipt does not
    echo it (an ingest-only key may not read revenue)."""
    require(actor, Permission.INGEST_DATA)
    repo = RevenueRepository(session, actor.org_id)
    existed = bool(await repo.invoices_by_number([data.number]))
    [invoice] = await _store_invoices(session, actor, [data])
    return IngestReceipt(
        change=await changes.issued(session),
        id=invoice.id,
        external_id=invoice.number,
        status="updated" if existed else "created",
    )


@retries_races
async def _store_invoices(
    session: AsyncSession, actor: Actor, records: Sequence[InvoiceIn]
) -> list[Invoice]:
    repo = RevenueRepository(session, actor.org_id)
    existing = await repo.invoices_by_number([i.number for i in records])
    account_ids = await accounts.account_ids_by_reference(
        session, actor.org_id, {i.account_external_id for i in records}
    )
    stored: list[Invoice] = []
    for data in records:
        values = {
            "account_external_id": data.account_external_id,
            "account_id": account_ids.get(data.account_external_id),
            "currency": data.currency,
            "issued_on": data.issued_on,
            "due_on": data.due_on,
            "paid_on": data.paid_on,
            "is_paid": data.is_paid if data.is_paid is not None else data.paid_on is not None,
            "total": data.total if data.total is not None else sum(li.amount for li in data.lines),
        }
        invoice = existing.get(data.number)
        if invoice is None:
            invoice = Invoice(id=uuid.uuid4(), org_id=actor.org_id, number=data.number, lines=[])
            session.add(invoice)
        _assign(invoice, values)
        lines = [(li.description, li.amount, li.quantity) for li in data.lines]
        if [(li.description, li.amount, li.quantity) for li in invoice.lines] != lines:
            invoice.lines = [
                InvoiceLine(
                    org_id=actor.org_id,
                    position=position,
                    description=description,
                    amount=amount,
                    quantity=quantity,
                )
                for position, (description, amount, quantity) in enumerate(lines)
            ]
        stored.append(invoice)
    await session.flush()
    return stored


async def list_account_invoices(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, limit: int, offset: int
) -> Paged[Invoice]:
    """Newest first."""
    account = await accounts.get_account(session, actor, account_id)
    items, total = await RevenueRepository(session, actor.org_id).page_account_invoices(
        account, limit=limit, offset=offset
    )
    return Paged(items=items, total=total, limit=limit, offset=offset)


# --- FX rates --------------------------------------------------------------------------


async def _org(session: AsyncSession, org_id: uuid.UUID) -> Organisation:
    return await session.get_one(Organisation, org_id)


_BASE_CURRENCY_RATE = "currency: the base currency needs no rate"


async def ingest_fx_rates(session: AsyncSession, actor: Actor, body: bytes) -> BatchResult:
    """Upsert rates by currency and effective day, a JSON body `{"items": [...]}`; the
    organisation's MRR is recomputed, since items that started on those days convert at them."""
    require(actor, Permission.INGEST_DATA)
    batch = read_batch(body, FxRateBatch, _fx_rate_item, what="rate", id_keys=("currency",))
    org = await _org(session, actor.org_id)
    outcome = batch.outcome()
    valid: list[tuple[int, FxRateIn]] = []
    for index, rate in _unique(
        batch.items, lambda r: (r.currency, r.effective_on), outcome, "currency and effective_on"
    ):
        if rate.currency == org.base_currency:
            outcome.reject(index, rate.currency, _BASE_CURRENCY_RATE)
        else:
            valid.append((index, rate))
    stored = await _store_fx_rates(session, actor, [r for _, r in valid])
    for (index, _), fx_rate in zip(valid, stored, strict=True):
        outcome.stored(index, fx_rate.currency, fx_rate.id)
    outcome.accepted += len(valid)
    return outcome.result()


async def fx_rate_count(session: AsyncSession, org_id: uuid.UUID) -> int:
    """How many exchange rates the organisation keeps (each to its base currency)."""
    return await RevenueRepository(session, org_id).fx_rate_count()


async def set_fx_rate(session: AsyncSession, actor: Actor, data: FxRateIn) -> tuple[str, FxRate]:
    """One rate, stored exactly as one record of a batch would be; the base currency and it."""
    require(actor, Permission.INGEST_DATA)
    org = await _org(session, actor.org_id)
    if data.currency == org.base_currency:
        raise BaseCurrencyRate(_BASE_CURRENCY_RATE)
    [rate] = await _store_fx_rates(session, actor, [data])
    return org.base_currency, rate


@retries_races
async def _store_fx_rates(
    session: AsyncSession, actor: Actor, records: Sequence[FxRateIn]
) -> list[FxRate]:
    repo = RevenueRepository(session, actor.org_id)
    existing = await repo.fx_rates_by_key([(r.currency, r.effective_on) for r in records])
    changed = False
    stored: list[FxRate] = []
    for data in records:
        current = existing.get((data.currency, data.effective_on))
        if current is None:
            current = FxRate(
                id=uuid.uuid4(),
                org_id=actor.org_id,
                currency=data.currency,
                effective_on=data.effective_on,
                rate=data.rate,
            )
            session.add(current)
            changed = True
            audit.record_for(
                session, actor, "fx_rate.created", "fx_rate", current.id, after=_audited(current)
            )
        elif current.rate != data.rate:
            before = _audited(current)
            current.rate = data.rate
            changed = True
            audit.record_for(
                session,
                actor,
                "fx_rate.updated",
                "fx_rate",
                current.id,
                before=before,
                after=_audited(current),
            )
        stored.append(current)
    await session.flush()
    if changed:
        await changes.note_revenue_of_organisation(session, actor.org_id)
    return stored


async def list_fx_rates(
    session: AsyncSession, actor: Actor, *, currency: str | None = None
) -> tuple[str, list[FxRate]]:
    """The organisation's base currency and its rates, by currency, newest first."""
    org = await _org(session, actor.org_id)
    rates = await RevenueRepository(session, actor.org_id).fx_rates(
        currency.upper() if currency else None
    )
    return org.base_currency, rates


async def delete_fx_rate(session: AsyncSession, actor: Actor, rate_id: uuid.UUID) -> None:
    require(actor, Permission.INGEST_DATA)
    repo = RevenueRepository(session, actor.org_id)
    rate = await repo.get_fx_rate(rate_id)
    if rate is None:
        raise FxRateNotFound()
    audit.record_for(session, actor, "fx_rate.deleted", "fx_rate", rate.id, before=_audited(rate))
    await session.delete(rate)
    await session.flush()
    await changes.note_revenue_of_organisation(session, actor.org_id)


def _audited(rate: FxRate) -> dict[str, Any]:
    return {
        "currency": rate.currency,
        "effective_on": rate.effective_on.isoformat(),
        "rate": format(Decimal(rate.rate).normalize(), "f"),  # as sent or stored alike
    }


# --- computed MRR ----------------------------------------------------------------------


async def get_account_mrr(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, rollup: bool = False
) -> AccountMrrRead:
    """Current MRR and ARR and the monthly series, summed over the rollup when asked, with
    the currencies whose items the recompute left out for want of a rate."""
    ids = await accounts.listed_account_ids(session, actor, account_id, rollup=rollup)
    org = await _org(session, actor.org_id)
    repo = RevenueRepository(session, actor.org_id)
    currency, current, arr, as_of, computed_at = await repo.mrr_totals(ids)
    months = await repo.month_totals(ids)
    missing = await repo.missing_rates(ids)
    return AccountMrrRead(
        account_id=account_id,
        currency=currency or org.base_currency,
        mrr=current,
        arr=arr,
        as_of=as_of,
        computed_at=computed_at,
        months=[MonthMrrRead(month=month, mrr=total) for month, total in months],
        accounts=len(ids),
        missing_rates=[
            MissingFxRateRead(currency=c, since=since, accounts=n) for c, since, n in missing
        ],
    )


async def list_account_movements(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, rollup: bool = False
) -> list[MrrMovementRead]:
    """Newest month first; renewals are listed beside the MRR movements. With `rollup`, the
    movements of every account of the subtree, each naming its account."""
    ids = await accounts.listed_account_ids(session, actor, account_id, rollup=rollup)
    rows = await RevenueRepository(session, actor.org_id).account_movements(ids)
    return [
        MrrMovementRead(
            account_id=m.account_id,
            account_name=name,
            month=m.month,
            kind=m.kind,
            start_mrr=m.start_mrr,
            end_mrr=m.end_mrr,
            delta=m.delta,
        )
        for m, name in rows
    ]


async def list_missing_fx_rates(session: AsyncSession, actor: Actor) -> list[MissingFxRateRead]:
    """Currencies in use on the accounts the actor may see that had no rate at all when their
    MRR was last recomputed, each from the first day needing it and with how many accounts."""
    rows = await RevenueRepository(session, actor.org_id).missing_rates(
        accounts.visible_account_ids(session, actor)
    )
    return [MissingFxRateRead(currency=c, since=since, accounts=n) for c, since, n in rows]


def _rate(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, 6))


async def mrr_summary(
    session: AsyncSession, actor: Actor, *, since: date | None = None, until: date | None = None
) -> MrrSummary:
    """MRR movements and churn rates per month over the accounts the caller may see."""
    org = await _org(session, actor.org_id)
    today = clock.today_in(org.time_zone, clock.now())
    last = mrr.month_start(until or today)
    first = mrr.month_start(since) if since else mrr.add_months(last, -11)
    if first > last:
        if until is not None:
            raise InvalidRange("since must not be after until")
        # A first month still to come, with no last one asked for: this month alone.
        first = last
    if mrr.months_elapsed(first, last) >= MAX_SUMMARY_MONTHS:
        raise InvalidRange(f"A summary spans at most {MAX_SUMMARY_MONTHS} months")
    visible = accounts.visible_account_ids(session, actor)
    month_totals, movement_totals = await RevenueRepository(session, actor.org_id).summary_rows(
        visible, first=mrr.add_months(first, -1), last=last
    )
    result: list[MrrSummaryMonth] = []
    month = first
    while month <= last:
        starting_mrr, starting_accounts = month_totals.get(mrr.add_months(month, -1), (0, 0))
        ending_mrr, _ = month_totals.get(month, (0, 0))
        totals = {k: movement_totals.get((month, k.value), (0, 0))[0] for k in mrr.MovementKind}
        churned_accounts = movement_totals.get((month, MrrMovementKind.CHURN.value), (0, 0))[1]
        renewed_mrr, renewed_accounts = movement_totals.get(
            (month, MrrMovementKind.RENEWAL.value), (0, 0)
        )
        rates = mrr.churn_rates(
            starting_mrr=starting_mrr,
            starting_accounts=starting_accounts,
            totals=totals,
            churned_accounts=churned_accounts,
        )
        result.append(
            MrrSummaryMonth(
                month=month,
                starting_mrr=starting_mrr,
                ending_mrr=ending_mrr,
                new=rates.new,
                reactivation=rates.reactivation,
                expansion=rates.expansion,
                contraction=rates.contraction,
                churn=rates.churn,
                net_change=rates.new
                + rates.reactivation
                + rates.expansion
                - rates.contraction
                - rates.churn,
                starting_accounts=starting_accounts,
                churned_accounts=churned_accounts,
                renewed_accounts=renewed_accounts,
                renewed_mrr=renewed_mrr,
                gross_mrr_churn_rate=_rate(rates.gross_mrr_churn_rate),
                net_mrr_churn_rate=_rate(rates.net_mrr_churn_rate),
                logo_churn_rate=_rate(rates.logo_churn_rate),
            )
        )
        month = mrr.next_month(month)
    return MrrSummary(currency=org.base_currency, months=result)


# --- the recompute job -----------------------------------------------------------------


def _terms(rows: list[tuple[Subscription, list[SubscriptionItem]]]) -> list[mrr.Term]:
    terms: list[mrr.Term] = []
    for sub, items in rows:
        terms.append(
            mrr.Term(
                starts_on=sub.starts_on,
                ends_on=sub.ends_on,
                key=sub.external_id,
                items=tuple(
                    mrr.Item(
                        unit_price=i.unit_price,
                        quantity=i.quantity,
                        interval_months=i.interval_months,
                        currency=i.currency,
                        starts_on=i.starts_on or sub.starts_on,
                        discount=_discount(i),
                        ends_on=i.ends_on,
                    )
                    for i in items
                ),
            )
        )
    return terms


def _discount(item: SubscriptionItem) -> mrr.Discount | None:
    if item.discount_kind is None:
        return None
    kind = mrr.DiscountKind(item.discount_kind)
    value = item.discount_percent if kind is mrr.DiscountKind.PERCENT else item.discount_amount
    return mrr.Discount(kind=kind, value=Decimal(value or 0), intervals=item.discount_intervals)


@dataclass(frozen=True)
class Recomputed:
    accounts: int
    # Accounts left without MRR because their figures could not be computed or stored.
    failed: tuple[uuid.UUID, ...] = ()


async def recompute(
    session: AsyncSession,
    org_id: uuid.UUID,
    account_ids: Sequence[uuid.UUID] | None = None,
    *,
    today: date | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Recomputed:
    """Recompute current MRR, the monthly series and the movements of these accounts (all
    with revenue when None), replacing what was stored: running it twice changes nothing.

    Cost: per chunk of RECOMPUTE_CHUNK accounts, two reads and one delete and insert per
    table; the maths runs in Python, one MRR evaluation per account-month per item (about
    100k accounts x 36 months x 2 items = 7M cheap evaluations for a whole organisation)."""
    org = await _org(session, org_id)
    today = today or clock.today_in(org.time_zone, clock.now())
    repo = RevenueRepository(session, org_id)
    # A recompute of every account waits for all others; one of some accounts (the live
    # chain's batches, seconds each, side by side) only for those sharing an account.
    if account_ids is None:
        await repo.take_recompute_turn()
    else:
        await repo.share_recompute_turn()
    linked = await _link_waiting(session, repo)
    if account_ids is None:
        ids = await repo.accounts_with_revenue()
    else:
        ids = sorted(set(account_ids) | linked)
        await repo.take_account_turns(ids)
    fx = mrr.FxTable(
        org.base_currency,
        (mrr.Rate(r.currency, r.effective_on, r.rate) for r in await repo.fx_rates()),
    )
    now = clock.now()
    failed: list[uuid.UUID] = []
    for start in range(0, len(ids), RECOMPUTE_CHUNK):
        chunk = ids[start : start + RECOMPUTE_CHUNK]
        terms_by_account = await repo.terms_of(chunk)
        current: list[dict[str, Any]] = []
        months: list[dict[str, Any]] = []
        moves: list[dict[str, Any]] = []
        missing: list[dict[str, Any]] = []
        for account_id in chunk:
            rows = terms_by_account.get(account_id)
            if not rows:
                continue
            terms = _terms(rows)
            missing += [
                {"account_id": account_id, "currency": c, "org_id": org_id, "since": since}
                for c, since in sorted(mrr.missing_rates(terms, fx).items())
            ]
            try:
                computed = _computed_rows(org, account_id, terms, fx, today=today, now=now)
            except (ArithmeticError, MrrOutOfRange) as exc:
                # One account's impossible figures must not stop the others' recompute: it
                # keeps no MRR until its data is corrected, and the failure is reported.
                log.warning(
                    "mrr_recompute_skipped_account",
                    extra={"org_id": str(org_id), "account_id": str(account_id), "error": str(exc)},
                )
                failed.append(account_id)
                continue
            current.append(computed.current)
            months += computed.months
            moves += computed.movements
        await repo.replace_computed(
            chunk, current=current, months=months, movements=moves, missing=missing
        )
        if on_progress:
            on_progress(start + len(chunk))
    return Recomputed(accounts=len(ids), failed=tuple(failed))


class MrrOutOfRange(ValueError):
    """An account's figures do not fit the int64 columns they are stored in."""


_INT64 = 2**63


@dataclass(frozen=True)
class _AccountRows:
    current: dict[str, Any]
    months: list[dict[str, Any]]
    movements: list[dict[str, Any]]


def _computed_rows(
    org: Organisation,
    account_id: uuid.UUID,
    terms: list[mrr.Term],
    fx: mrr.FxTable,
    *,
    today: date,
    now: datetime,
) -> _AccountRows:
    """One account's current MRR, monthly series and movements, as rows to store."""
    org_id = org.id
    revenue = mrr.AccountRevenue(terms, fx)
    series = mrr.monthly_series(revenue, today=today)
    now_mrr = revenue.mrr(today)
    current = {
        "account_id": account_id,
        "org_id": org_id,
        "currency": org.base_currency,
        "mrr": now_mrr,
        "arr": now_mrr * 12,
        "as_of": today,
        "computed_at": now,
    }
    months = [
        {"account_id": account_id, "month": p.month, "org_id": org_id, "mrr": p.mrr} for p in series
    ]
    moves = [
        _movement_row(org_id, account_id, m.month, m.kind.value, m.start_mrr, m.end_mrr)
        for m in mrr.movements(series, first_revenue_on=revenue.first_revenue_on())
    ]
    moves += [
        _movement_row(
            org_id,
            account_id,
            r.month,
            MrrMovementKind.RENEWAL.value,
            r.previous_mrr,
            r.renewed_mrr,
        )
        for r in mrr.renewals(revenue, today=today)
    ]
    amounts: list[int] = [now_mrr * 12, *(p.mrr for p in series)]
    amounts += [v for m in moves for v in (m["start_mrr"], m["end_mrr"], m["delta"])]
    if any(not -_INT64 <= amount < _INT64 for amount in amounts):
        raise MrrOutOfRange("MRR beyond the int64 range")
    return _AccountRows(current, months, moves)


def _movement_row(
    org_id: uuid.UUID, account_id: uuid.UUID, month: date, kind: str, start: int, end: int
) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "account_id": account_id,
        "month": month,
        "kind": kind,
        "start_mrr": start,
        "end_mrr": end,
        "delta": end - start,
    }


async def _link_waiting(session: AsyncSession, repo: RevenueRepository) -> set[uuid.UUID]:
    """Link what waits for an account that now carries its reference as any of its ids."""
    references = await repo.waiting_references()
    found = await accounts.account_ids_by_reference(session, repo.org_id, references)
    return await repo.link_waiting(found)


async def organisations_with_revenue(session: AsyncSession) -> list[uuid.UUID]:
    return await organisations_with_subscriptions(session)


async def link_late_accounts(session: AsyncSession) -> int:
    """Link subscriptions and invoices sent before their account existed to the accounts
    that now carry their account external id, and recompute those accounts; how many."""
    linked = 0
    for org_id in await organisations_waiting_for_accounts(session):
        found = await _link_waiting(session, RevenueRepository(session, org_id))
        if found:
            await recompute(session, org_id, sorted(found))
            linked += len(found)
    return linked


# The same batches, delivered as signed webhooks.
@webhooks.handles("subscriptions.upsert", SubscriptionBatch, SubscriptionIn)
async def _subscriptions_webhook(session: AsyncSession, actor: Actor, data: Any) -> BatchResult:
    return await ingest_subscriptions(session, actor, webhook_body(data))


@webhooks.handles("invoices.upsert", InvoiceBatch, InvoiceIn)
async def _invoices_webhook(session: AsyncSession, actor: Actor, data: Any) -> BatchResult:
    return await ingest_invoices(session, actor, webhook_body(data))


@webhooks.handles("fx_rates.set", FxRateBatch, FxRateIn)
async def _fx_rates_webhook(session: AsyncSession, actor: Actor, data: Any) -> BatchResult:
    return await ingest_fx_rates(session, actor, webhook_body(data))
