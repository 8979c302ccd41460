import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Integer, Row, and_, cast, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account, ChurnEvent
from domain.churn.models import ChurnModel
from domain.metrics.models import AccountMetricSnapshot

S = AccountMetricSnapshot


class ChurnRepository:
    """The organisation's churn models and the labelled history they are trained on."""

    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    # Models

    async def models(self, *, limit: int) -> list[ChurnModel]:
        """The newest training runs first."""
        rows = await self.session.scalars(
            select(ChurnModel)
            .where(ChurnModel.org_id == self.org_id)
            .order_by(ChurnModel.trained_at.desc(), ChurnModel.id)
            .limit(limit)
        )
        return list(rows)

    async def add(self, model: ChurnModel) -> ChurnModel:
        model.org_id = self.org_id
        self.session.add(model)
        await self.session.flush()
        return model

    # History

    def _live_snapshots(self, last_day: date) -> Any:
        """Snapshots of accounts not deleted, up to `last_day`, on days the account was not
        churned (a churned account has nothing left to churn)."""
        churned_then = exists().where(
            ChurnEvent.account_id == S.account_id,
            ChurnEvent.org_id == self.org_id,
            ChurnEvent.churned_on <= S.day,
            or_(ChurnEvent.reactivated_on.is_(None), ChurnEvent.reactivated_on > S.day),
        )
        return (
            select(S)
            .join(Account, and_(Account.id == S.account_id, Account.org_id == self.org_id))
            .where(
                S.org_id == self.org_id,
                S.day <= last_day,
                Account.deleted_at.is_(None),
                ~churned_then,
            )
        )

    async def labelled_days(self, last_day: date) -> tuple[int, date | None, date | None, int]:
        """Snapshot days up to `last_day`: how many, the first and the last, and how many live
        accounts the organisation has. Read from the (org, day) index: the bounds directly,
        then one probe per calendar day between them, so a status page does not scan a year
        of every account's snapshots."""
        bounds = (
            await self.session.execute(
                select(func.min(S.day), func.max(S.day)).where(
                    S.org_id == self.org_id, S.day <= last_day
                )
            )
        ).one()
        accounts = await self.session.scalar(
            select(func.count())
            .select_from(Account)
            .where(Account.org_id == self.org_id, Account.deleted_at.is_(None))
        )
        first, last = bounds
        if first is None:
            return 0, None, None, int(accounts or 0)
        calendar = select(
            func.generate_series(first, last, literal(timedelta(days=1))).label("day")
        ).subquery()
        taken = exists().where(S.org_id == self.org_id, S.day == cast(calendar.c.day, Date))
        days = await self.session.scalar(select(func.count()).select_from(calendar).where(taken))
        return int(days or 0), first, last, int(accounts or 0)

    async def churn_events(self, after: date, until: date) -> int:
        """Churns of accounts not deleted in (after, until]."""
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(ChurnEvent)
                .join(Account, Account.id == ChurnEvent.account_id)
                .where(
                    ChurnEvent.org_id == self.org_id,
                    Account.org_id == self.org_id,
                    Account.deleted_at.is_(None),
                    ChurnEvent.churned_on > after,
                    ChurnEvent.churned_on <= until,
                )
            )
            or 0
        )

    async def examples(
        self, *, first_day: date, last_day: date, stride: int, horizon_days: int
    ) -> list[Row[Any]]:
        """(account id, day, metric values, churned within the horizon) for every `stride`-th
        day back from `last_day`, oldest first."""
        churned = exists().where(
            ChurnEvent.account_id == S.account_id,
            ChurnEvent.org_id == self.org_id,
            ChurnEvent.churned_on > S.day,
            ChurnEvent.churned_on <= S.day + horizon_days,
        )
        stmt = (
            self._live_snapshots(last_day)
            .with_only_columns(S.account_id, S.day, S.values, churned)
            .where(
                S.day >= first_day,
                func.mod(cast(literal(last_day) - S.day, Integer), stride) == 0,
            )
            .order_by(S.day, S.account_id)
        )
        return list(await self.session.execute(stmt))

    async def day_examples(self, day: date, horizon_days: int) -> list[Row[Any]]:
        """Every account's snapshot of one day, with whether it churned within the horizon."""
        return await self.examples(first_day=day, last_day=day, stride=1, horizon_days=horizon_days)
