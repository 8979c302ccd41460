"""The revenue area's SQL, always scoped to one organisation."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.accounts.models import Account
from domain.common.bulk_sql import among, insert_rows, table_of, unnest_rows
from domain.revenue.models import (
    AccountMissingFxRate,
    AccountMrr,
    AccountMrrMonth,
    FxRate,
    Invoice,
    MrrMovement,
    MrrMovementKind,
    Subscription,
    SubscriptionItem,
)


class RevenueRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    # --- records waiting for their account --------------------------------------------

    async def waiting_references(self) -> set[str]:
        """The account ids that subscriptions and invoices not linked yet were sent with."""
        waiting = select(Subscription.account_external_id).where(
            Subscription.org_id == self.org_id, Subscription.account_id.is_(None)
        )
        rows = await self.session.scalars(
            waiting.union(
                select(Invoice.account_external_id).where(
                    Invoice.org_id == self.org_id, Invoice.account_id.is_(None)
                )
            )
        )
        return set(rows)

    async def link_waiting(self, account_ids: Mapping[str, uuid.UUID]) -> set[uuid.UUID]:
        """Link the subscriptions and invoices still waiting under these references to their
        accounts, one UPDATE a table; the accounts linked."""
        if not account_ids:
            return set()
        linked: set[uuid.UUID] = set()
        for model in (Subscription, Invoice):
            found = unnest_rows(
                table_of(model),
                ["account_external_id", "account_id"],
                [
                    {"account_external_id": reference, "account_id": account_id}
                    for reference, account_id in sorted(account_ids.items())
                ],
            )
            result = await self.session.execute(
                update(model)
                .where(
                    model.org_id == self.org_id,
                    model.account_id.is_(None),
                    model.account_external_id == found.c.account_external_id,
                )
                .values(account_id=found.c.account_id)
                .returning(model.account_id)
                .execution_options(synchronize_session=False)
            )
            linked |= {account_id for account_id in result.scalars() if account_id is not None}
        return linked

    # --- subscriptions -----------------------------------------------------------------

    async def subscriptions_by_external_id(
        self, external_ids: Sequence[str]
    ) -> dict[str, Subscription]:
        if not external_ids:
            return {}
        rows = await self.session.scalars(
            select(Subscription)
            .options(selectinload(Subscription.items))
            .where(
                Subscription.org_id == self.org_id,
                among(Subscription.external_id, set(external_ids)),
            )
        )
        return {s.external_id: s for s in rows}

    def _of_account(self, model: Any, account: Account) -> Any:
        # Linked rows, and rows still waiting under one of the account's ids (the link job
        # has not run since the account arrived or got that id).
        references = [
            r
            for r in (account.external_id, account.crm_id, account.billing_id, account.support_id)
            if r is not None
        ]
        return and_(
            model.org_id == self.org_id,
            or_(
                model.account_id == account.id,
                and_(model.account_id.is_(None), model.account_external_id.in_(references)),
            ),
        )

    async def account_subscriptions(self, account: Account) -> list[Subscription]:
        rows = await self.session.scalars(
            select(Subscription)
            .options(selectinload(Subscription.items))
            .where(self._of_account(Subscription, account))
            .order_by(Subscription.starts_on.desc(), Subscription.external_id)
        )
        return list(rows)

    async def terms_of(
        self, account_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[Subscription, list[SubscriptionItem]]]]:
        """The subscriptions and items of these accounts, in two reads."""
        subs = list(
            await self.session.scalars(
                select(Subscription)
                .where(
                    Subscription.org_id == self.org_id, among(Subscription.account_id, account_ids)
                )
                .order_by(Subscription.starts_on, Subscription.id)
                .execution_options(populate_existing=True)
            )
        )
        items: dict[uuid.UUID, list[SubscriptionItem]] = {}
        if subs:
            for item in await self.session.scalars(
                select(SubscriptionItem)
                .where(
                    SubscriptionItem.org_id == self.org_id,
                    among(SubscriptionItem.subscription_id, [s.id for s in subs]),
                )
                .order_by(SubscriptionItem.position)
            ):
                items.setdefault(item.subscription_id, []).append(item)
        result: dict[uuid.UUID, list[tuple[Subscription, list[SubscriptionItem]]]] = {}
        for s in subs:
            assert s.account_id is not None
            result.setdefault(s.account_id, []).append((s, items.get(s.id, [])))
        return result

    async def accounts_with_revenue(self) -> list[uuid.UUID]:
        """Every account with a subscription or stored figures (which may have to be cleared)."""
        with_subs = select(Subscription.account_id).where(
            Subscription.org_id == self.org_id, Subscription.account_id.is_not(None)
        )
        with_mrr = select(AccountMrr.account_id).where(AccountMrr.org_id == self.org_id)
        with_missing = select(AccountMissingFxRate.account_id).where(
            AccountMissingFxRate.org_id == self.org_id
        )
        rows = await self.session.scalars(with_subs.union(with_mrr, with_missing))
        return sorted(a for a in rows if a is not None)

    # --- invoices ----------------------------------------------------------------------

    async def invoices_by_number(self, numbers: Sequence[str]) -> dict[str, Invoice]:
        if not numbers:
            return {}
        rows = await self.session.scalars(
            select(Invoice)
            .options(selectinload(Invoice.lines))
            .where(Invoice.org_id == self.org_id, among(Invoice.number, set(numbers)))
        )
        return {i.number: i for i in rows}

    async def page_account_invoices(
        self, account: Account, *, limit: int, offset: int
    ) -> tuple[list[Invoice], int]:
        where = self._of_account(Invoice, account)
        total = await self.session.scalar(select(func.count()).select_from(Invoice).where(where))
        rows = await self.session.scalars(
            select(Invoice)
            .options(selectinload(Invoice.lines))
            .where(where)
            .order_by(Invoice.issued_on.desc(), Invoice.number.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows), total or 0

    # --- FX rates ----------------------------------------------------------------------

    async def fx_rates(self, currency: str | None = None) -> list[FxRate]:
        stmt = select(FxRate).where(FxRate.org_id == self.org_id)
        if currency:
            stmt = stmt.where(FxRate.currency == currency)
        rows = await self.session.scalars(
            stmt.order_by(FxRate.currency, FxRate.effective_on.desc())
        )
        return list(rows)

    async def fx_rate_count(self) -> int:
        stmt = select(func.count()).select_from(FxRate).where(FxRate.org_id == self.org_id)
        return await self.session.scalar(stmt) or 0

    async def fx_rates_by_key(
        self, keys: Sequence[tuple[str, date]]
    ) -> dict[tuple[str, date], FxRate]:
        if not keys:
            return {}
        rows = await self.session.scalars(
            select(FxRate).where(
                FxRate.org_id == self.org_id,
                among(FxRate.currency, {c for c, _ in keys}),
                among(FxRate.effective_on, {d for _, d in keys}),
            )
        )
        return {(r.currency, r.effective_on): r for r in rows}

    async def get_fx_rate(self, rate_id: uuid.UUID) -> FxRate | None:
        return await self.session.scalar(
            select(FxRate).where(FxRate.org_id == self.org_id, FxRate.id == rate_id)
        )

    # --- computed MRR ------------------------------------------------------------------

    async def mrr_totals(
        self, account_ids: Sequence[uuid.UUID]
    ) -> tuple[str | None, int, int, date | None, datetime | None]:
        """Over these accounts: the currency, Σ current MRR and ARR, the latest day measured
        and the oldest computation (a rollup is as fresh as its stalest part)."""
        row = (
            await self.session.execute(
                select(
                    func.min(AccountMrr.currency),
                    func.coalesce(func.sum(AccountMrr.mrr), 0),
                    func.coalesce(func.sum(AccountMrr.arr), 0),
                    func.max(AccountMrr.as_of),
                    func.min(AccountMrr.computed_at),
                ).where(AccountMrr.org_id == self.org_id, among(AccountMrr.account_id, account_ids))
            )
        ).one()
        currency, mrr, arr, as_of, computed_at = row
        return currency, int(mrr), int(arr), as_of, computed_at

    async def month_totals(self, account_ids: Sequence[uuid.UUID]) -> list[tuple[date, int]]:
        """Σ MRR at each month's end over these accounts, oldest month first."""
        rows = await self.session.execute(
            select(AccountMrrMonth.month, func.sum(AccountMrrMonth.mrr))
            .where(
                AccountMrrMonth.org_id == self.org_id,
                among(AccountMrrMonth.account_id, account_ids),
            )
            .group_by(AccountMrrMonth.month)
            .order_by(AccountMrrMonth.month)
        )
        return [(month, int(total)) for month, total in rows]

    async def account_movements(
        self, account_ids: Sequence[uuid.UUID]
    ) -> list[tuple[MrrMovement, str]]:
        """These accounts' movements with the name of the account each is on, newest first."""
        rows = await self.session.execute(
            select(MrrMovement, Account.name)
            .join(Account, Account.id == MrrMovement.account_id)
            .where(
                MrrMovement.org_id == self.org_id,
                Account.org_id == self.org_id,
                among(MrrMovement.account_id, account_ids),
            )
            .order_by(MrrMovement.month.desc(), MrrMovement.kind, Account.name)
        )
        return [(movement, name) for movement, name in rows]

    async def missing_rates(
        self, account_ids: Sequence[uuid.UUID] | Select[Any]
    ) -> list[tuple[str, date, int]]:
        """The currencies the recompute found these accounts' items in without any rate (MRR
        leaves those items out): each with the first day such an item started and how many of
        the accounts have one."""
        among_accounts = (
            AccountMissingFxRate.account_id.in_(account_ids)
            if isinstance(account_ids, Select)
            else among(AccountMissingFxRate.account_id, account_ids)
        )
        rows = await self.session.execute(
            select(
                AccountMissingFxRate.currency,
                func.min(AccountMissingFxRate.since),
                func.count(),
            )
            .where(AccountMissingFxRate.org_id == self.org_id, among_accounts)
            .group_by(AccountMissingFxRate.currency)
            .order_by(AccountMissingFxRate.currency)
        )
        return [(currency, since, int(n)) for currency, since, n in rows]

    async def take_recompute_turn(self) -> None:
        """Wait until no other transaction is recomputing this organisation's revenue (held until
        this one ends): two recomputes of the same accounts would otherwise both replace their
        rows and the second would fail on a duplicate key."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(f"revenue:{self.org_id}", 0)))
        )

    async def share_recompute_turn(self) -> None:
        """The organisation's turn shared with other recomputes of some accounts (each then
        takes its accounts' turns): they wait only for a recompute of every account, and
        for one another only where their accounts overlap."""
        await self.session.execute(
            select(
                func.pg_advisory_xact_lock_shared(
                    func.hashtextextended(f"revenue:{self.org_id}", 0)
                )
            )
        )

    async def take_account_turns(self, account_ids: Sequence[uuid.UUID]) -> None:
        """Each account's turn, in account order (so two recomputes never wait for each other
        in a cycle), held until this transaction ends."""
        keys = [f"revenue:{self.org_id}:{a}" for a in sorted(account_ids)]
        if keys:
            await self.session.execute(
                text(
                    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
                    "FROM unnest(CAST(:keys AS text[])) AS k"
                ),
                {"keys": keys},
            )

    async def replace_computed(
        self,
        account_ids: Sequence[uuid.UUID],
        *,
        current: list[dict[str, Any]],
        months: list[dict[str, Any]],
        movements: list[dict[str, Any]],
        missing: list[dict[str, Any]],
    ) -> None:
        """Swap the stored results of a chunk of accounts: one delete and one insert a table."""
        for model in (AccountMrr, AccountMrrMonth, MrrMovement, AccountMissingFxRate):
            await self.session.execute(
                delete(model).where(
                    model.org_id == self.org_id, among(model.account_id, account_ids)
                )
            )
        await insert_rows(self.session, AccountMrr, current)
        await insert_rows(self.session, AccountMrrMonth, months)
        await insert_rows(self.session, MrrMovement, movements)
        await insert_rows(self.session, AccountMissingFxRate, missing)

    async def summary_rows(
        self, visible: Select[Any], *, first: date, last: date
    ) -> tuple[dict[date, tuple[int, int]], dict[tuple[date, str], tuple[int, int]]]:
        """Per month: (Σ MRR, accounts with MRR) at month end; per month and movement kind:
        (Σ |delta| or renewed MRR, accounts); over the visible accounts."""
        month_rows = await self.session.execute(
            select(
                AccountMrrMonth.month,
                func.coalesce(func.sum(AccountMrrMonth.mrr), 0),
                func.count().filter(AccountMrrMonth.mrr > 0),
            )
            .where(
                AccountMrrMonth.org_id == self.org_id,
                AccountMrrMonth.account_id.in_(visible),
                AccountMrrMonth.month.between(first, last),
            )
            .group_by(AccountMrrMonth.month)
        )
        renewal = MrrMovement.kind == MrrMovementKind.RENEWAL
        amount = func.sum(func.abs(MrrMovement.delta)).filter(~renewal)
        movement_rows = await self.session.execute(
            select(
                MrrMovement.month,
                MrrMovement.kind,
                func.coalesce(
                    func.coalesce(amount, func.sum(MrrMovement.end_mrr).filter(renewal)), 0
                ),
                func.count(),
            )
            .where(
                MrrMovement.org_id == self.org_id,
                MrrMovement.account_id.in_(visible),
                MrrMovement.month.between(first, last),
            )
            .group_by(MrrMovement.month, MrrMovement.kind)
        )
        return (
            {m: (int(total), int(n)) for m, total, n in month_rows},
            {(m, str(k)): (int(total), int(n)) for m, k, total, n in movement_rows},
        )


async def organisations_with_subscriptions(session: AsyncSession) -> list[uuid.UUID]:
    rows = await session.scalars(select(Subscription.org_id).distinct())
    return list(rows)


async def organisations_waiting_for_accounts(session: AsyncSession) -> list[uuid.UUID]:
    """Organisations with subscriptions or invoices not yet linked to an account."""
    waiting = (
        select(Subscription.org_id)
        .where(Subscription.account_id.is_(None))
        .union(select(Invoice.org_id).where(Invoice.account_id.is_(None)))
    )
    return list(await session.scalars(waiting))
