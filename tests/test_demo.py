"""The demo organisation `make run` loads into an empty database (and the browser tests use)
shows every area with history, written through the services as a user's changes would be."""

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import triggers
from domain.accounts.models import (
    Account,
    AccountView,
    AttributeTrigger,
    ChurnEvent,
    CsmScoreEntry,
    CustomField,
    LifecycleStage,
    NpsResponse,
    StatusUpdate,
)
from domain.alerts import service as alerts
from domain.alerts.models import Alert, AlertRule, AlertStatus, EvaluationTrigger
from domain.churn import service as churn
from domain.churn.training import RISK_DIRECTION
from domain.common import clock
from domain.health import service as health
from domain.health.models import AccountHealthDay
from domain.health.schemas import BacktestRequest
from domain.interactions import service as interactions
from domain.interactions.models import Interaction, Note, Ticket
from domain.metrics.models import AccountMetricSnapshot, AccountMetricValues
from domain.notifications.models import EmailState, Notification
from domain.revenue.models import AccountMrr, Invoice, Subscription, SubscriptionItem
from domain.tasks.models import Task
from domain.usage.models import ContactAccount
from domain.users.actor import Actor
from domain.users.permissions import Permission
from scripts import demo
from scripts.demo.year import FORMER_CUSTOMERS, YEAR


async def _count(session: AsyncSession, model: Any, *where: Any) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def test_the_demo_shows_every_area_with_history(session: AsyncSession) -> None:
    org = await demo.load(session)
    of_org = (Account.org_id == org.id,)

    # Custom dimensions and metrics, with values on most accounts.
    assert await _count(session, CustomField, CustomField.org_id == org.id) == 8
    with_values = await _count(session, Account, *of_org, Account.custom_values != {})
    assert with_values >= 120
    # Saved views, shared and personal.
    shared = await _count(session, AccountView, AccountView.org_id == org.id, AccountView.is_shared)
    assert (shared, await _count(session, AccountView, AccountView.org_id == org.id)) == (3, 5)

    # Every churned account has its churn event; one account churned and came back.
    churned = list(
        await session.scalars(select(Account).where(*of_org, Account.churned_on.is_not(None)))
    )
    assert len(churned) == 6 + FORMER_CUSTOMERS
    for account in churned:
        event = await session.scalar(
            select(ChurnEvent).where(
                ChurnEvent.account_id == account.id, ChurnEvent.reactivated_on.is_(None)
            )
        )
        assert event is not None
        assert (event.churned_on, event.reason) == (account.churned_on, account.churn_reason)
    won_back = await _count(
        session, ChurnEvent, ChurnEvent.org_id == org.id, ChurnEvent.reactivated_on.is_not(None)
    )
    assert won_back == 1
    # A deleted account an admin can restore.
    assert await _count(session, Account, *of_org, Account.deleted_at.is_not(None)) == 1

    # Attribute triggers ran once at load (the churn trigger caught the cancelled account), so
    # the first hourly run changes nothing.
    rules = list(
        await session.scalars(
            select(AttributeTrigger)
            .where(AttributeTrigger.org_id == org.id)
            .order_by(AttributeTrigger.position)
        )
    )
    assert len(rules) == 5 and all(r.last_run_at is not None for r in rules)
    assert rules[-1].last_changed == 1
    assert set((await triggers.run_triggers(session, org.id)).values()) == {0}

    # History over time: NPS answers, CSM scores, status updates.
    assert await _count(session, NpsResponse, NpsResponse.org_id == org.id) >= 70
    assert await _count(session, Account, *of_org, Account.nps.is_not(None)) >= 60
    scores = await _count(session, CsmScoreEntry, CsmScoreEntry.org_id == org.id)
    scored = await _count(session, Account, *of_org, Account.csm_score.is_not(None))
    assert scores > scored * 2
    assert await _count(session, StatusUpdate, StatusUpdate.org_id == org.id) >= 50

    # Interactions, notes and tickets across the book, for search to find.
    assert await _count(session, Interaction, Interaction.org_id == org.id) >= 400
    assert await _count(session, Note, Note.org_id == org.id) >= 40
    assert await _count(session, Ticket, Ticket.org_id == org.id) >= 30
    admin = Actor(org_id=org.id, user_id=None, permissions=frozenset(Permission))
    found = await interactions.search_interactions(session, admin, q="renewal")
    assert found.total >= 50

    # Today's metric snapshot is taken: the metrics card has values without the hourly job.
    snapshotted = await _count(
        session, AccountMetricSnapshot, AccountMetricSnapshot.org_id == org.id
    )
    assert snapshotted > 0

    # A year of history, with churn the default model foresaw: its backtest separates the
    # accounts lost within 90 days from those that stayed, on days across the year.
    today = clock.today_in(org.time_zone, clock.now())
    first_day = today - timedelta(days=YEAR - 1)
    for model in (AccountMetricSnapshot, AccountHealthDay):
        days = await session.scalar(
            select(func.count(func.distinct(model.day))).where(
                model.org_id == org.id, model.day >= first_day
            )
        )
        assert days == YEAR, model
    default = next(m for m in await health.list_models(session, admin) if m.default)
    for days_ago in (330, 240, 150, 100):
        result = await health.backtest(
            session,
            admin,
            default.id,
            BacktestRequest(day=today - timedelta(days=days_ago), horizon_days=90),
        )
        assert result.churned >= 4, days_ago
        assert result.auc is not None and result.auc > 0.7, (days_ago, result.auc)

    # Alert rules evaluated once, as the worker would: every rule opened alerts, the renewals
    # at risk each with a task and its playbook's three steps under it, and nothing is left to fire.
    rules = {
        r.name: r
        for r in await session.scalars(select(AlertRule).where(AlertRule.org_id == org.id))
    }
    assert len(rules) == 4
    for rule in rules.values():
        assert (
            await _count(session, Alert, Alert.rule_id == rule.id, Alert.status == AlertStatus.OPEN)
            > 0
        )
    at_risk = await _count(session, Alert, Alert.rule_id == rules["Renewal at risk"].id)
    of_at_risk = Task.alert_id.in_(
        select(Alert.id).where(Alert.rule_id == rules["Renewal at risk"].id)
    )
    tasks = await _count(session, Task, of_at_risk, Task.parent_id.is_(None))
    steps = await _count(session, Task, of_at_risk, Task.parent_id.is_not(None))
    assert (tasks, steps) == (at_risk, 3 * at_risk)
    assert await alerts.evaluate(session, org.id, trigger=EvaluationTrigger.SCHEDULE) == 0
    # Their notifications wait for the daily digest: no burst of emails when `make run` starts.
    of_org_notifications = Notification.org_id == org.id
    waiting = await _count(
        session, Notification, of_org_notifications, Notification.email_state == EmailState.DIGEST
    )
    to_send = await _count(
        session, Notification, of_org_notifications, Notification.email_state == EmailState.PENDING
    )
    assert (waiting > 0, to_send) == (True, 0)

    # The churn model trained on that year: every account with metrics has a probability.
    model = await churn.status(session, admin)
    assert model.missing is None and model.live is not None, model.history
    assert model.live.held_out is not None and model.live.held_out.auc is not None
    assert model.live.held_out.auc > 0.7, model.live.held_out
    # It reads the year the right way round: how much the product is used (its activity rank
    # and the features taken up) and open tickets are among what it learnt from, and no
    # metric of known meaning says the opposite of it (training.consistent_features); Acme
    # Corp, one of the busiest accounts, is among the tenth least at risk, for what it does.
    coefficients = {f.key: f.coefficient for f in model.live.features}
    assert {"activity_rank", "feature_adoption", "open_tickets"} <= coefficients.keys()
    for key, direction in RISK_DIRECTION.items():
        assert direction * coefficients.get(key, 0) >= 0, coefficients
    risks = {}
    for account in await session.scalars(
        select(Account).where(
            Account.org_id == org.id, Account.churned_on.is_(None), Account.deleted_at.is_(None)
        )
    ):
        risks[account.name] = await churn.drivers(session, admin, account.id)
    acme = risks["Acme Corp"]
    least = sorted(r.probability or 0 for r in risks.values())[: len(risks) // 10]
    assert acme.probability is not None and acme.probability <= least[-1], (acme, least)
    assert all(d.contribution < 0 for d in acme.drivers[:3]), acme


async def test_the_demo_does_not_contradict_itself(session: AsyncSession) -> None:
    org = await demo.load(session)
    accounts = {
        a.id: a for a in await session.scalars(select(Account).where(Account.org_id == org.id))
    }

    # No account joined after it started paying, or after it churned.
    first_paid = {
        account_id: starts_on
        for account_id, starts_on in await session.execute(
            select(Subscription.account_id, func.min(Subscription.starts_on))
            .where(Subscription.org_id == org.id)
            .group_by(Subscription.account_id)
        )
    }
    assert first_paid
    for account_id, starts_on in first_paid.items():
        joined_on = accounts[account_id].joined_on
        assert joined_on is not None and joined_on <= starts_on, accounts[account_id].name
    for account in accounts.values():
        if account.churned_on is not None:
            assert account.joined_on is not None and account.joined_on < account.churned_on

    # Only an account without a plan or a subscription is on trial.
    trial = await session.scalar(
        select(LifecycleStage.id).where(
            LifecycleStage.org_id == org.id, LifecycleStage.name == "Trial"
        )
    )
    for account in accounts.values():
        if account.stage_id == trial:
            assert "plan" not in account.custom_values, account.name
            assert account.id not in first_paid, account.name
    # Every other account of the book pays (the year's former customers, created apart, have
    # only their MRR of then): a customer still with us has MRR, billing its plan's seats.
    mrr = {
        account_id: cents
        for account_id, cents in await session.execute(
            select(AccountMrr.account_id, AccountMrr.mrr).where(AccountMrr.org_id == org.id)
        )
    }
    book = [a for a in accounts.values() if "-former-" not in a.external_id]
    paying = [a for a in book if a.stage_id != trial and a.deleted_at is None]
    assert len(paying) >= 140
    for account in paying:
        assert account.id in first_paid, account.name
        cancelled = account.custom_values.get("billing_status") == "cancelled"
        if account.churned_on is None and not cancelled:
            assert mrr.get(account.id, 0) > 0, account.name

    # Seats and their utilisation agree with the users an account has.
    users = {
        account_id: count
        for account_id, count in await session.execute(
            select(ContactAccount.account_id, func.count())
            .where(ContactAccount.org_id == org.id)
            .group_by(ContactAccount.account_id)
        )
    }
    assert users
    for account_id, count in users.items():
        values = accounts[account_id].custom_values
        if "seats" in values:
            assert values["seats"] >= count
            assert values["licence_utilisation"] == round(100 * count / values["seats"], 1)

    # Acme Corp's plan is the one its subscription bills.
    acme = next(a for a in accounts.values() if a.external_id == "acme")
    billed = set(
        await session.scalars(
            select(SubscriptionItem.name)
            .join(Subscription, Subscription.id == SubscriptionItem.subscription_id)
            .where(Subscription.account_id == acme.id, SubscriptionItem.kind == "plan")
        )
    )
    assert billed == {acme.custom_values["plan"]}
    # Its renewal is its annual plan's next, a year after its last (not "overdue" beside a
    # subscription that has just renewed).
    current = await session.scalar(
        select(Subscription.starts_on).where(
            Subscription.account_id == acme.id, Subscription.ends_on.is_(None)
        )
    )
    today = clock.today_in(org.time_zone, clock.now())
    assert current is not None and acme.renewal_on is not None and acme.renewal_on > today
    assert acme.renewal_on == current.replace(year=current.year + 2), (current, acme.renewal_on)
    # Its invoices bill what its subscriptions do: its plan once a year, at $12,000 and then
    # $15,000 (a monthly $1,250 beside an annual plan said otherwise), the SSO add-on monthly;
    # one is past due and unpaid.
    invoices = list(
        await session.scalars(
            select(Invoice).where(Invoice.account_id == acme.id).order_by(Invoice.issued_on)
        )
    )
    assert [i.total for i in invoices if i.total >= 1_000_000] == [1_200_000, 1_500_000, 1_500_000]
    assert {i.total for i in invoices if i.total < 1_000_000} == {10_000, 20_000}
    past_due = [i for i in invoices if i.paid_on is None and i.due_on and i.due_on < today]
    assert len(past_due) == 1 and past_due[0].total == 20_000, past_due

    # Every customer uses the product (but the hierarchy's parent, whose usage is its
    # children's), most of them in the last 30 days (some stopped before: renewals at risk):
    # they are ranked by it today, as a percentile, Acme Corp in the busiest half. The month of
    # metrics is computed from every day of usage, the live chain's days included.
    ranks = {
        account_id: rank
        for account_id, rank in await session.execute(
            select(AccountMetricValues.account_id, AccountMetricValues.activity_rank)
            .join(Account, Account.id == AccountMetricValues.account_id)
            .where(
                AccountMetricValues.org_id == org.id,
                Account.churned_on.is_(None),
                Account.deleted_at.is_(None),
            )
        )
    }
    unranked = [accounts[a].name for a, rank in ranks.items() if not rank]
    assert len(ranks) >= 140 and len(unranked) <= len(ranks) // 5, unranked
    assert max(r or 0 for r in ranks.values()) > 95 > 5 > min(r or 100 for r in ranks.values())
    assert ranks[acme.id] is not None and ranks[acme.id] > 50, ranks[acme.id]
