"""The demo organisation `make run` loads into an empty database (and the e2e tests rely on).

One module per part of its story; `load` tells them in an order that matters (each part builds
on the data of those before it)."""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.triggers import run_triggers
from domain.churn import service as churn
from domain.common import clock
from domain.orgs.models import Organisation
from scripts.demo.accounts import churn_story, create_accounts, deleted_account
from scripts.demo.alerts import alert_story
from scripts.demo.attribute_triggers import attribute_triggers
from scripts.demo.custom_fields import create_custom_fields
from scripts.demo.history import score_story, status_story
from scripts.demo.interactions import acme_story, activity_story, hierarchy_story
from scripts.demo.metrics import metrics_story, mrr_per_seat
from scripts.demo.people import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CSM_EMAIL,
    CSM_PASSWORD,
    CSM_TOTP_SECRET,
    MANAGER_EMAIL,
    MANAGER_PASSWORD,
    create_people,
)
from scripts.demo.revenue import revenue_story
from scripts.demo.saved_views import saved_views
from scripts.demo.shared import HIERARCHY_PARENT
from scripts.demo.usage import usage_story
from scripts.demo.year import year_story

__all__ = [
    "ADMIN_EMAIL",
    "ADMIN_PASSWORD",
    "CSM_EMAIL",
    "CSM_PASSWORD",
    "CSM_TOTP_SECRET",
    "MANAGER_EMAIL",
    "MANAGER_PASSWORD",
    "is_empty",
    "load",
]


async def is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(Organisation))


async def load(session: AsyncSession, *, accounts: int = 150) -> Organisation:
    people = await create_people(session)
    org, admin, csm, as_admin = people.org, people.admin, people.csm, people.as_admin
    await create_custom_fields(session, as_admin)
    today = date.today()
    now = clock.now()
    created, owners = await create_accounts(session, people, accounts, today, now)
    # Churned before the revenue story, whose subscriptions end for churned accounts.
    await churn_story(session, as_admin, created, today)
    await acme_story(session, org, created[0], csm, now)
    await hierarchy_story(session, org, created[HIERARCHY_PARENT : HIERARCHY_PARENT + 4], csm, now)
    await revenue_story(session, org, created, today)
    # Usage on every customer still with us but the hierarchy's parent (its Usage tab shows
    # usage only once it includes child accounts).
    using = [a for i, a in enumerate(created) if a.churned_on is None and i != HIERARCHY_PARENT]
    await usage_story(session, org, using, now)
    await activity_story(session, org, created, owners, admin, now)
    await status_story(session, org, created, owners, admin, now)
    await score_story(session, org, created, owners, admin, now)
    await deleted_account(session, as_admin)
    await saved_views(session, as_admin, people.as_csm, people.as_manager)
    await attribute_triggers(session, as_admin)
    await mrr_per_seat(session, as_admin)
    # What the hourly and nightly jobs would have done, so the metrics card, the trends and the
    # triggers page are not empty (and a first hourly trigger run finds nothing to change).
    await run_triggers(session, org.id)
    await metrics_story(session, org, now)
    await year_story(session, org, today)
    # The weekly training's first run, so accounts have a churn probability from the start.
    await churn.train(session, org.id)
    # Last: the rules read the health scores, metrics and churn probabilities above.
    await alert_story(session, people, now)
    return org
