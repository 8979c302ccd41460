import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Integer,
    Interval,
    Join,
    Row,
    Select,
    String,
    Text,
    Uuid,
    and_,
    bindparam,
    case,
    column,
    delete,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    outerjoin,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import array as pg_array
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from domain.accounts.models import Account, AccountCsm
from domain.alerts.compile import CompiledRule
from domain.alerts.models import (
    Alert,
    AlertEvaluation,
    AlertRule,
    AlertStatus,
    AssigneeRole,
    Playbook,
    PlaybookStep,
)
from domain.alerts.retrigger import Held
from domain.alerts.schemas import AlertFilters
from domain.common.bulk_sql import without_jit
from domain.health.models import AccountHealth
from domain.metrics.models import AccountMetricValues
from domain.tasks.models import Task, TaskPriority, TaskStatus, TaskType
from domain.users.models import User, UserStatus

OPEN = str(AlertStatus.OPEN)


@dataclass(frozen=True)
class Policy:
    """What decides, for a matching account, whether the rule fires (retrigger.decide)."""

    rule_id: uuid.UUID | None  # None: a draft, which has no earlier alerts
    includes_churned: bool
    never_retrigger: bool
    retrigger_delay_days: int


@dataclass(frozen=True)
class TaskPlan:
    """The tasks a rule's alerts come with: its alert task, its playbook's steps copied."""

    creates_task: bool
    playbook_id: uuid.UUID | None
    title: str
    # The organisation's today, from which playbook steps' "due in N days" count.
    today: date

    @property
    def makes_tasks(self) -> bool:
        return self.creates_task or self.playbook_id is not None


@dataclass(frozen=True)
class Counts:
    matched: int
    fired: int
    held: dict[Held, int]


@dataclass(frozen=True)
class RuleRun:
    """One rule of an evaluation: whether it fires, its condition, the alert's reason."""

    policy: Policy
    rule: CompiledRule
    reason: str
    # The tasks its alerts come with (none: alerts only).
    tasks: TaskPlan | None = None


def _held(
    *,
    includes_churned: ColumnElement[bool],
    never_retrigger: ColumnElement[bool],
    retrigger_delay_days: ColumnElement[int],
    earlier: Any,
    now: datetime,
) -> Any:
    """retrigger.decide as SQL, over the rule's latest alert for each account (`earlier`'s
    columns NULL: none); the policy as SQL values, so that one statement serves many rules."""
    delay_ends = earlier.c.fired_at + func.make_interval(
        0, 0, 0, retrigger_delay_days, type_=Interval
    )
    return case(
        (and_(~includes_churned, Account.churned_on.is_not(None)), str(Held.CHURNED_EXCLUDED)),
        (earlier.c.status == OPEN, str(Held.OPEN_ALERT)),
        (and_(never_retrigger, earlier.c.id.is_not(None)), str(Held.NEVER_RETRIGGER)),
        (
            and_(~never_retrigger, delay_ends > literal(now, DateTime(timezone=True))),
            str(Held.RETRIGGER_DELAY),
        ),
        else_=null(),
    )


def _earlier_alert(rule_id: ColumnElement[uuid.UUID] | None) -> Any:
    """The rule's latest alert for the account being evaluated (lateral: one index probe);
    a draft (None) has none."""
    return (
        select(Alert.id, Alert.fired_at, Alert.status)
        .where(
            Alert.rule_id == rule_id if rule_id is not None else false(),
            Alert.account_id == Account.id,
        )
        .order_by(Alert.fired_at.desc())
        .limit(1)
        .lateral("earlier_alert")
    )


def _accounts_with_figures() -> Join:
    """The accounts with the stored figures rules read as columns (service._fields): the
    metrics and the health score, each joined once."""
    return outerjoin(
        Account, AccountMetricValues, AccountMetricValues.account_id == Account.id
    ).outerjoin(AccountHealth, AccountHealth.account_id == Account.id)


def _policies(runs: Sequence[RuleRun]) -> Any:
    """The rules' policies as a table (`idx` is the rule's place in `runs`), so that one
    statement decides for many rules: arrays unnested, not a VALUES list, which SQLAlchemy
    cannot cache, so that every statement holding it was compiled anew (a quarter of an
    account's alert verdicts)."""
    columns: dict[str, tuple[TypeEngine[Any], list[Any]]] = {
        "idx": (Integer(), list(range(len(runs)))),
        "rule_id": (Uuid(), [run.policy.rule_id for run in runs]),
        "includes_churned": (Boolean(), [run.policy.includes_churned for run in runs]),
        "never_retrigger": (Boolean(), [run.policy.never_retrigger for run in runs]),
        "retrigger_delay_days": (Integer(), [run.policy.retrigger_delay_days for run in runs]),
        "reason": (Text(), [run.reason for run in runs]),
    }
    return (
        func.unnest(*(bindparam(None, v, type_=ARRAY(t)) for t, v in columns.values()))
        .table_valued(*(column(name, t) for name, (t, _) in columns.items()))
        .render_derived(name="policies")
    )


class AlertRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    # --- rules ----------------------------------------------------------------------------

    async def rules(self, *, active_only: bool = False) -> list[AlertRule]:
        stmt = select(AlertRule).where(AlertRule.org_id == self.org_id)
        if active_only:
            stmt = stmt.where(AlertRule.is_active)
        return list(await self.session.scalars(stmt.order_by(AlertRule.name)))

    async def rule(self, rule_id: uuid.UUID) -> AlertRule | None:
        return await self.session.scalar(
            select(AlertRule).where(AlertRule.org_id == self.org_id, AlertRule.id == rule_id)
        )

    async def name_free(self, name: str, *, except_id: uuid.UUID | None = None) -> bool:
        stmt = select(AlertRule.id).where(AlertRule.org_id == self.org_id, AlertRule.name == name)
        if except_id is not None:
            stmt = stmt.where(AlertRule.id != except_id)
        return await self.session.scalar(stmt) is None

    async def has_active_rules(self) -> bool:
        found = await self.session.scalar(
            select(AlertRule.id)
            .where(AlertRule.org_id == self.org_id, AlertRule.is_active)
            .limit(1)
        )
        return found is not None

    async def delete_rule(self, rule_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(AlertRule).where(AlertRule.org_id == self.org_id, AlertRule.id == rule_id)
        )

    async def triggers(
        self, rule_ids: Sequence[uuid.UUID], *, since: datetime
    ) -> dict[uuid.UUID, tuple[datetime, int]]:
        """Each rule's last alert and how many it opened since `since` (rules that never fired
        are absent)."""
        rows = await self.session.execute(
            select(
                Alert.rule_id,
                func.max(Alert.fired_at),
                func.count().filter(Alert.fired_at >= since),
            )
            .where(Alert.org_id == self.org_id, Alert.rule_id.in_(rule_ids))
            .group_by(Alert.rule_id)
        )
        return {rule_id: (last, int(n)) for rule_id, last, n in rows}

    async def evaluations(self, rule_id: uuid.UUID, *, limit: int) -> list[AlertEvaluation]:
        rows = await self.session.scalars(
            select(AlertEvaluation)
            .where(AlertEvaluation.org_id == self.org_id, AlertEvaluation.rule_id == rule_id)
            .order_by(AlertEvaluation.ran_at.desc())
            .limit(limit)
        )
        return list(rows)

    # --- evaluation -------------------------------------------------------------------------

    def _verdicts(
        self,
        policy: Policy,
        rule: CompiledRule,
        *,
        now: datetime,
        visible: Select[Any] | None = None,
    ) -> Select[Any]:
        """Per matching live account (of `visible`, or all): the values that explain the match,
        and why it is held back (NULL: it fires)."""
        earlier = _earlier_alert(
            literal(policy.rule_id, Uuid) if policy.rule_id is not None else None
        )
        never = policy.never_retrigger
        stmt = (
            select(
                Account.id.label("account_id"),
                Account.name.label("account_name"),
                rule.matches.label("matches"),
                rule.values.label("values"),
                _held(
                    includes_churned=literal(policy.includes_churned, Boolean),
                    never_retrigger=literal(policy.never_retrigger, Boolean),
                    retrigger_delay_days=literal(policy.retrigger_delay_days, Integer),
                    earlier=earlier,
                    now=now,
                ).label("held"),
                (
                    null()
                    if never
                    else earlier.c.fired_at + timedelta(days=policy.retrigger_delay_days)
                ).label("may_fire_from"),
                case((earlier.c.status == OPEN, earlier.c.id)).label("open_alert_id"),
            )
            .select_from(_accounts_with_figures())
            .outerjoin(earlier, true())
            .where(Account.org_id == self.org_id, Account.deleted_at.is_(None))
        )
        stmt = stmt.where(rule.matches)
        if visible is not None:
            stmt = stmt.where(Account.id.in_(visible))
        return stmt

    async def evaluate(
        self, runs: Sequence[RuleRun], *, now: datetime, accounts: Sequence[uuid.UUID] | None
    ) -> list[Counts]:
        """The rules over the accounts in one statement, their counts in the rules' order.

        The accounts are read once, with the stored figures joined once: each account's
        matching rules come out of one array of the rules' conditions, and only those pairs
        look up the rule's latest alert and build the alert's values. The alerts of the pairs
        that fire are inserted (a concurrent evaluation's open alert wins: ON CONFLICT on the
        one-open-alert index does nothing), and each rule's counts are grouped from the same
        rows."""
        assert all(run.policy.rule_id is not None for run in runs)
        policies = _policies(runs)
        # The rules an account matches, without the NULLs of those it does not: a few rows an
        # account instead of one per rule to join.
        matched = (
            func.unnest(
                func.array_remove(
                    pg_array([case((run.rule.matches, i)) for i, run in enumerate(runs)]),
                    null(),
                    type_=ARRAY(Integer),
                ),
                type_=Integer,
            )
            .table_valued(column("idx", Integer))
            .render_derived(name="matched")
        )
        earlier = _earlier_alert(policies.c.rule_id)
        stmt = (
            select(
                policies.c.idx,
                policies.c.rule_id,
                policies.c.reason,
                Account.id.label("account_id"),
                case(*((matched.c.idx == i, run.rule.values) for i, run in enumerate(runs))).label(
                    "values"
                ),
                _held(
                    includes_churned=policies.c.includes_churned,
                    never_retrigger=policies.c.never_retrigger,
                    retrigger_delay_days=policies.c.retrigger_delay_days,
                    earlier=earlier,
                    now=now,
                ).label("held"),
            )
            .select_from(_accounts_with_figures())
            .join(matched, true())
            .join(policies, policies.c.idx == matched.c.idx)
            .outerjoin(earlier, true())
            .where(Account.org_id == self.org_id, Account.deleted_at.is_(None))
        )
        if accounts is not None:
            stmt = stmt.where(Account.id.in_(accounts))
        verdicts = stmt.cte("verdicts")
        fired = (
            pg_insert(Alert)
            .from_select(
                ["id", "org_id", "rule_id", "account_id", "fired_at", "status", "reason", "values"],
                select(
                    # Ordered by time, as the rows are inserted: the primary key's index fills
                    # at its end.
                    func.time_ordered_uuid(),
                    literal(self.org_id, Uuid),
                    verdicts.c.rule_id,
                    verdicts.c.account_id,
                    literal(now, DateTime(timezone=True)),
                    literal(OPEN, String),
                    verdicts.c.reason,
                    verdicts.c["values"],
                )
                .where(verdicts.c.held.is_(None))
                # In the order of the alerts' indexes on (rule, account) and on the account:
                # each index then fills a few pages at a time, not one at random per row. The
                # sort also reads every verdict before the first insert, so the latest-alert
                # lookups never rescan alerts this statement is adding (with an empty table
                # planned as a sequential scan, that made a first pass quadratic).
                .order_by(verdicts.c.account_id, verdicts.c.rule_id),
            )
            .on_conflict_do_nothing(
                index_elements=[Alert.rule_id, Alert.account_id],
                index_where=text("status = 'open'"),
            )
            .returning(Alert.id, Alert.rule_id, Alert.account_id, Alert.reason)
            .cte("fired")
        )
        # Each new alert's alert task and playbook tasks, inserted by the same statement.
        made: list[CTE] = []
        for i, run in enumerate(runs):
            if run.tasks is not None and run.tasks.makes_tasks:
                alerts = (
                    select(fired.c.id, fired.c.account_id, fired.c.reason)
                    .where(fired.c.rule_id == run.policy.rule_id)
                    .cte(f"fired_{i}")
                )
                made += self._task_inserts(alerts, run.tasks, now=now, name=f"_{i}")
        # 1.5 s of a full pass over 100,000 accounts was compiling the rules' expressions.
        await without_jit(self.session)
        # Each rule's counts grouped apart and joined by rule (every fired row is one of its
        # verdicts): joining the pairs back would sort hundreds of thousands of rows twice.
        counted = (
            select(
                verdicts.c.idx,
                verdicts.c.rule_id,
                func.count().label("matched"),
                *(func.count().filter(verdicts.c.held == str(h)).label(str(h)) for h in Held),
            )
            .group_by(verdicts.c.idx, verdicts.c.rule_id)
            .subquery("counted")
        )
        fired_counts = (
            select(fired.c.rule_id, func.count().label("fired"))
            .group_by(fired.c.rule_id)
            .subquery("fired_counts")
        )
        rows = await self.session.execute(
            select(
                counted.c.idx,
                counted.c.matched,
                func.coalesce(fired_counts.c.fired, 0),
                *(counted.c[str(h)] for h in Held),
                # Selected so that they are part of the statement: SQLAlchemy renders only
                # the CTEs a query refers to.
                *(select(func.count()).select_from(c).scalar_subquery() for c in made),
            ).select_from(
                counted.outerjoin(fired_counts, fired_counts.c.rule_id == counted.c.rule_id)
            )
        )
        found = {
            idx: Counts(
                matched=int(matched_count),
                fired=int(fired_count),
                held={h: int(n) for h, n in zip(Held, rest[: len(Held)], strict=True)},
            )
            for idx, matched_count, fired_count, *rest in rows
        }
        nothing = Counts(matched=0, fired=0, held=dict.fromkeys(Held, 0))
        return [found.get(i, nothing) for i in range(len(runs))]

    def _task_inserts(
        self, alerts: CTE, plan: TaskPlan, *, now: datetime, name: str = ""
    ) -> list[CTE]:
        """INSERTs, as CTEs of the caller's statement, of the tasks of `alerts` (id,
        account_id, reason): the alert task for the account's CSM and each playbook step copied
        (a sub-task of the alert task when there is one). ON CONFLICT on the one-task-per-alert
        indexes does nothing, so a retry or a second conversion makes none twice."""
        made: list[CTE] = []
        # The account's CSM; of several, one chosen per alert by hashing the alert's id with
        # each CSM's (natero 4.5, "several owners: one of them"): the same CSM for every task
        # of the alert and on every retry, spread evenly over the account's CSMs.
        csm = (
            select(AccountCsm.user_id)
            .where(AccountCsm.account_id == alerts.c.account_id)
            .order_by(
                func.md5(func.cast(alerts.c.id, String) + func.cast(AccountCsm.user_id, String))
            )
            .limit(1)
            .scalar_subquery()
        )
        at = literal(now, DateTime(timezone=True))
        no_tags = literal([], ARRAY(String(64)))
        common = ["id", "org_id", "account_id", "alert_id", "type", "title", "details"]
        common += ["owner_id", "priority", "tags", "status", "created_at", "updated_at"]
        alert_tasks = None
        if plan.creates_task:
            alert_tasks = (
                pg_insert(Task)
                .from_select(
                    common,
                    select(
                        func.gen_random_uuid(),
                        literal(self.org_id, Uuid),
                        alerts.c.account_id,
                        alerts.c.id,
                        literal(str(TaskType.ALERT), String),
                        literal(plan.title, String),
                        alerts.c.reason,
                        csm,
                        literal(str(TaskPriority.NORMAL), String),
                        no_tags,
                        literal(str(TaskStatus.OPEN), String),
                        at,
                        at,
                    ),
                )
                .on_conflict_do_nothing(
                    index_elements=[Task.alert_id], index_where=text("playbook_step_id IS NULL")
                )
                .returning(Task.id, Task.alert_id)
                .cte(f"alert_tasks{name}")
            )
            made.append(alert_tasks)
        if plan.playbook_id is not None:
            manager = select(User.manager_id).where(User.id == csm).scalar_subquery()
            owner = case(
                (PlaybookStep.assignee == str(AssigneeRole.USER), PlaybookStep.assignee_user_id),
                (PlaybookStep.assignee == str(AssigneeRole.MANAGER), manager),
                else_=csm,
            )
            source = (
                select(
                    func.gen_random_uuid(),
                    literal(self.org_id, Uuid),
                    alerts.c.account_id,
                    alerts.c.id,
                    literal(str(TaskType.PLAYBOOK), String),
                    PlaybookStep.title,
                    PlaybookStep.description,
                    owner,
                    literal(str(TaskPriority.NORMAL), String),
                    no_tags,
                    literal(str(TaskStatus.OPEN), String),
                    at,
                    at,
                    PlaybookStep.id,
                    literal(plan.today, Date) + PlaybookStep.due_in_days,
                    alert_tasks.c.id if alert_tasks is not None else null(),
                )
                .select_from(alerts)
                .join(
                    PlaybookStep,
                    and_(
                        PlaybookStep.org_id == self.org_id,
                        PlaybookStep.playbook_id == plan.playbook_id,
                    ),
                )
            )
            if alert_tasks is not None:
                source = source.outerjoin(alert_tasks, alert_tasks.c.alert_id == alerts.c.id)
            made.append(
                pg_insert(Task)
                .from_select([*common, "playbook_step_id", "due_on", "parent_id"], source)
                .on_conflict_do_nothing(index_elements=[Task.alert_id, Task.playbook_step_id])
                .returning(Task.id)
                .cte(f"playbook_tasks{name}")
            )
        return made

    async def make_tasks(self, alert_id: uuid.UUID, plan: TaskPlan, *, now: datetime) -> int:
        """An alert converted into a task: its tasks as an evaluation would have made them."""
        alerts = (
            select(Alert.id, Alert.account_id, Alert.reason)
            .where(Alert.org_id == self.org_id, Alert.id == alert_id)
            .cte("converted")
        )
        made = self._task_inserts(alerts, plan, now=now)
        counts = await self.session.execute(
            select(*(select(func.count()).select_from(c).scalar_subquery() for c in made))
        )
        return sum(int(n) for n in counts.one())

    async def has_task(self, alert_id: uuid.UUID) -> bool:
        return await self.session.scalar(select(_has_task(alert_id))) or False

    def add_evaluation(self, evaluation: AlertEvaluation) -> None:
        evaluation.org_id = self.org_id
        self.session.add(evaluation)

    async def preview(
        self,
        policy: Policy,
        rule: CompiledRule,
        *,
        now: datetime,
        visible: Select[Any] | None,
        limit: int,
    ) -> tuple[Counts, list[dict[str, Any]]]:
        """The counts a run would give now over the `visible` accounts, and the first `limit`
        matching accounts by name with their verdicts; nothing is written."""
        verdicts = self._verdicts(policy, rule, now=now, visible=visible).subquery()
        row = (
            await self.session.execute(
                select(
                    func.count(),
                    func.count().filter(verdicts.c.held.is_(None)),
                    *(func.count().filter(verdicts.c.held == str(h)) for h in Held),
                ).select_from(verdicts)
            )
        ).one()
        matched, fires, *held = row
        rows = await self.session.execute(
            select(verdicts).order_by(verdicts.c.account_name, verdicts.c.account_id).limit(limit)
        )
        counts = Counts(
            matched=int(matched),
            fired=int(fires),
            held={h: int(n) for h, n in zip(Held, held, strict=True)},
        )
        return counts, [dict(r._mapping) for r in rows]

    async def account_verdicts(
        self, runs: Sequence[RuleRun], account_id: uuid.UUID, *, now: datetime
    ) -> list[dict[str, Any]]:
        """For a live account, each rule's verdict in the rules' order, in one statement: the
        rules' policies joined to the account (as an evaluation reads them), whether each
        matches, its values, and why it is held back (NULL: it would fire)."""
        if not runs:
            return []
        assert all(run.policy.rule_id is not None for run in runs)
        policies = _policies(runs)
        earlier = _earlier_alert(policies.c.rule_id)

        def each(expressions: Sequence[ColumnElement[Any]]) -> Any:
            return case(*((policies.c.idx == i, e) for i, e in enumerate(expressions)))

        matches = each([run.rule.matches for run in runs])
        stmt = (
            select(
                Account.id.label("account_id"),
                Account.name.label("account_name"),
                matches.label("matches"),
                each([run.rule.values for run in runs]).label("values"),
                _held(
                    includes_churned=policies.c.includes_churned,
                    never_retrigger=policies.c.never_retrigger,
                    retrigger_delay_days=policies.c.retrigger_delay_days,
                    earlier=earlier,
                    now=now,
                ).label("held"),
                case(
                    (policies.c.never_retrigger, null()),
                    else_=earlier.c.fired_at
                    + func.make_interval(0, 0, 0, policies.c.retrigger_delay_days, type_=Interval),
                ).label("may_fire_from"),
                case((earlier.c.status == OPEN, earlier.c.id)).label("open_alert_id"),
            )
            .select_from(_accounts_with_figures())
            .join(policies, true())
            .outerjoin(earlier, true())
            .where(
                Account.org_id == self.org_id,
                Account.deleted_at.is_(None),
                Account.id == account_id,
            )
            .order_by(policies.c.idx)
        )
        return [dict(r._mapping) for r in await self.session.execute(stmt)]

    # --- alerts -----------------------------------------------------------------------------

    def _alerts(
        self, visible: Select[Any] | None
    ) -> Select[Alert, str, str, str, uuid.UUID, str | None]:
        stmt = (
            select(
                Alert,
                AlertRule.name.label("rule_name"),
                AlertRule.type.label("type"),
                Account.name.label("account_name"),
                Task.id.label("task_id"),
                Task.outcome.label("outcome"),
            )
            .join(AlertRule, AlertRule.id == Alert.rule_id)
            .join(Account, Account.id == Alert.account_id)
            .outerjoin(Task, and_(Task.alert_id == Alert.id, Task.playbook_step_id.is_(None)))
            .where(Alert.org_id == self.org_id, Account.deleted_at.is_(None))
        )
        if visible is not None:
            stmt = stmt.where(Alert.account_id.in_(visible))
        return stmt

    async def page(
        self, filters: AlertFilters, *, visible: Select[Any] | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        stmt = self._alerts(visible)
        if filters.status is not None:
            stmt = stmt.where(Alert.status == str(filters.status))
        if filters.rule_id is not None:
            stmt = stmt.where(Alert.rule_id == filters.rule_id)
        if filters.account_id is not None:
            stmt = stmt.where(Alert.account_id == filters.account_id)
        if filters.type is not None:
            stmt = stmt.where(AlertRule.type == str(filters.type))
        if filters.is_task is not None:
            stmt = stmt.where(Task.id.is_not(None) if filters.is_task else Task.id.is_(None))
        if filters.snoozed is not None and filters.today is not None:
            snoozed = and_(Alert.snoozed_until.is_not(None), Alert.snoozed_until > filters.today)
            stmt = stmt.where(snoozed if filters.snoozed else ~snoozed)
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.execute(
            stmt.order_by(Alert.fired_at.desc(), Alert.id).limit(limit).offset(offset)
        )
        return [_alert_row(r) for r in rows], int(total or 0)

    async def alert(
        self, alert_id: uuid.UUID, *, visible: Select[Any] | None, lock: bool = False
    ) -> Alert | None:
        """With `lock`, held until the transaction ends, as it was last committed: a dismissal
        and a conversion of the same alert take turns, and the second sees what the first did."""
        stmt = (
            select(Alert)
            .join(Account, Account.id == Alert.account_id)
            .where(Alert.org_id == self.org_id, Alert.id == alert_id, Account.deleted_at.is_(None))
        )
        if visible is not None:
            stmt = stmt.where(Alert.account_id.in_(visible))
        if lock:
            stmt = stmt.with_for_update(of=Alert).execution_options(populate_existing=True)
        return await self.session.scalar(stmt)

    async def alert_row(self, alert_id: uuid.UUID) -> dict[str, Any]:
        row = (await self.session.execute(self._alerts(None).where(Alert.id == alert_id))).one()
        return _alert_row(row)

    def _selected(
        self,
        alert_ids: Sequence[uuid.UUID] | None,
        rule_id: uuid.UUID | None,
        visible: Select[Any] | None,
    ) -> list[ColumnElement[bool]]:
        where = [
            Alert.org_id == self.org_id,
            or_(
                false(),
                *([Alert.id.in_(alert_ids)] if alert_ids is not None else []),
                *([Alert.rule_id == rule_id] if rule_id is not None else []),
            ),
        ]
        if visible is not None:
            where.append(Alert.account_id.in_(visible))
        return where

    async def dismiss(
        self,
        *,
        alert_ids: Sequence[uuid.UUID] | None,
        rule_id: uuid.UUID | None,
        visible: Select[Any] | None,
        by: uuid.UUID | None,
        now: datetime,
    ) -> int:
        # Locked first, then dismissed by a statement of its own: it sees a task that a
        # conversion made while this waited for the lock (the update's own check would read the
        # tasks as they were when it started).
        locked = await self.session.scalars(
            select(Alert.id)
            .where(*self._selected(alert_ids, rule_id, visible), Alert.status == OPEN)
            .order_by(Alert.id)
            .with_for_update(of=Alert)
        )
        result = await self.session.execute(
            update(Alert)
            # An alert task is closed with an outcome, never dismissed.
            .where(
                Alert.org_id == self.org_id,
                Alert.id.in_(list(locked)),
                Alert.status == OPEN,
                ~_has_task(Alert.id),
            )
            .values(status=str(AlertStatus.DISMISSED), dismissed_at=now, dismissed_by=by)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DML

    async def plain_alerts(
        self, alert_ids: Sequence[uuid.UUID], *, visible: Select[Any] | None
    ) -> list[uuid.UUID]:
        """Those of the alerts the caller sees that are not alert tasks."""
        rows = await self.session.scalars(
            select(Alert.id)
            .where(*self._selected(alert_ids, None, visible), ~_has_task(Alert.id))
            .order_by(Alert.fired_at, Alert.id)
        )
        return list(rows)

    async def close_tasks(
        self,
        *,
        alert_ids: Sequence[uuid.UUID] | None,
        rule_id: uuid.UUID | None,
        visible: Select[Any] | None,
        outcome: str,
        by: uuid.UUID | None,
        now: datetime,
    ) -> list[Row[Any]]:
        """The open alert tasks of the selected alerts closed with `outcome`, and their alerts
        with them, in one statement however many; each closed task (its id, alert, account,
        account's name, title, owner and due day)."""
        selected = select(Alert.id).where(*self._selected(alert_ids, rule_id, visible))
        closed = (
            update(Task)
            .where(
                Task.org_id == self.org_id,
                Task.alert_id.in_(selected),
                Task.playbook_step_id.is_(None),
                Task.status == str(TaskStatus.OPEN),
            )
            .values(status=str(TaskStatus.CLOSED), outcome=outcome, closed_at=now, closed_by=by)
            .returning(
                Task.id, Task.alert_id, Task.account_id, Task.title, Task.owner_id, Task.due_on
            )
            .cte("closed")
        )
        rows = await self.session.execute(
            update(Alert)
            .where(Alert.org_id == self.org_id, Alert.id == closed.c.alert_id)
            .values(status=str(AlertStatus.CLOSED), closed_at=now)
            .returning(
                closed.c.id,
                closed.c.alert_id,
                closed.c.account_id,
                select(Account.name)
                .where(Account.id == closed.c.account_id)
                .scalar_subquery()
                .label("account_name"),
                closed.c.title,
                closed.c.owner_id,
                closed.c.due_on,
            )
            .execution_options(synchronize_session=False)
        )
        return list(rows)

    async def delete(
        self,
        *,
        alert_ids: Sequence[uuid.UUID] | None,
        rule_id: uuid.UUID | None,
        visible: Select[Any] | None,
    ) -> int:
        result = await self.session.execute(
            delete(Alert)
            .where(*self._selected(alert_ids, rule_id, visible))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DML


class PlaybookRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    async def playbooks(self) -> list[Playbook]:
        rows = await self.session.scalars(
            select(Playbook).where(Playbook.org_id == self.org_id).order_by(Playbook.name)
        )
        return list(rows)

    async def playbook(self, playbook_id: uuid.UUID) -> Playbook | None:
        return await self.session.scalar(
            select(Playbook).where(Playbook.org_id == self.org_id, Playbook.id == playbook_id)
        )

    async def steps(self, playbook_ids: Sequence[uuid.UUID]) -> list[PlaybookStep]:
        rows = await self.session.scalars(
            select(PlaybookStep)
            .where(PlaybookStep.org_id == self.org_id, PlaybookStep.playbook_id.in_(playbook_ids))
            .order_by(PlaybookStep.playbook_id, PlaybookStep.position)
        )
        return list(rows)

    async def name_free(self, name: str, *, except_id: uuid.UUID | None = None) -> bool:
        stmt = select(Playbook.id).where(Playbook.org_id == self.org_id, Playbook.name == name)
        if except_id is not None:
            stmt = stmt.where(Playbook.id != except_id)
        return await self.session.scalar(stmt) is None

    async def active_users(self, user_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self.session.scalars(
            select(User.id).where(
                User.org_id == self.org_id,
                User.id.in_(user_ids),
                User.status == str(UserStatus.ACTIVE),
            )
        )
        return set(rows)

    async def replace_steps(self, playbook_id: uuid.UUID, steps: list[PlaybookStep]) -> None:
        await self.session.execute(
            delete(PlaybookStep).where(
                PlaybookStep.org_id == self.org_id, PlaybookStep.playbook_id == playbook_id
            )
        )
        for step in steps:
            step.org_id, step.playbook_id = self.org_id, playbook_id
            self.session.add(step)

    async def delete(self, playbook_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(Playbook).where(Playbook.org_id == self.org_id, Playbook.id == playbook_id)
        )


def _has_task(alert_id: Any) -> ColumnElement[bool]:
    return exists().where(Task.alert_id == alert_id, Task.playbook_step_id.is_(None))


def _alert_row(row: Any) -> dict[str, Any]:
    alert: Alert = row.Alert
    return {
        "id": alert.id,
        "rule_id": alert.rule_id,
        "rule_name": row.rule_name,
        "type": row.type,
        "account_id": alert.account_id,
        "account_name": row.account_name,
        "fired_at": alert.fired_at,
        "status": alert.status,
        "reason": alert.reason,
        "values": alert.values,
        "snoozed_until": alert.snoozed_until,
        "dismissed_at": alert.dismissed_at,
        "dismissed_by": alert.dismissed_by,
        "closed_at": alert.closed_at,
        "task_id": row.task_id,
        "outcome": row.outcome,
    }


async def organisations_with_active_rules(session: AsyncSession) -> list[uuid.UUID]:
    """Every organisation with an active rule (for the scheduled full pass)."""
    rows = await session.scalars(
        select(AlertRule.org_id).where(AlertRule.is_active).distinct().order_by(AlertRule.org_id)
    )
    return list(rows)


async def prune_evaluations(session: AsyncSession, *, before: datetime) -> int:
    """Evaluation history older than `before`, in every organisation."""
    result = await session.execute(delete(AlertEvaluation).where(AlertEvaluation.ran_at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DML
