"""The set-based write path: a batch of accounts gets the same history rows and audit entries as
the same changes made one account at a time, and a bulk edit sends a number of statements that
does not grow with the number of accounts."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from unittest.mock import ANY

import pytest
from pydantic import TypeAdapter
from redis.asyncio import Redis
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.accounts import bulk, bulk_writes, imports, triggers
from domain.accounts import service as accounts
from domain.accounts.errors import (
    AccountNotFound,
    AlreadyChurned,
    ExternalIdTaken,
    HierarchyCycle,
    NotACsm,
    NotChurned,
)
from domain.accounts.models import (
    Account,
    AccountCsm,
    ChurnEvent,
    CsmAssignmentPeriod,
    CsmScoreEntry,
    CustomField,
    CustomFieldKind,
    CustomFieldType,
    ImportStatus,
    LifecycleStage,
    StagePeriod,
    Tier,
    TriggerTarget,
)
from domain.accounts.repository import AccountBatchRepository
from domain.accounts.schemas import (
    AccountCreate,
    AccountSelection,
    AccountUpdate,
    AttributeTriggerWrite,
    BulkChanges,
    BulkEdit,
    ChurnCreate,
)
from domain.audit.models import AuditEntry
from domain.audit.repository import entries_write
from domain.common.bulk_sql import send
from domain.filters.schemas import Condition
from domain.freshness.models import AccountChange
from domain.orgs.models import Organisation
from domain.users.actor import Actor
from domain.users.models import User
from domain.users.permissions import Permission
from tests.factories import create_account, create_user


@pytest.fixture
def actor(org: Organisation, admin: User) -> Actor:
    return Actor(org_id=org.id, user_id=admin.id, permissions=frozenset(Permission))


@pytest.fixture
async def config(session: AsyncSession, org: Organisation) -> dict[str, Any]:
    """The organisation's stages and tiers by name, three CSMs, and two custom fields."""
    session.add_all(
        [
            CustomField(
                org_id=org.id,
                key="seats",
                label="Seats",
                kind=CustomFieldKind.METRIC,
                type=CustomFieldType.NUMBER,
                options=[],
            ),
            CustomField(
                org_id=org.id,
                key="plan",
                label="Plan",
                kind=CustomFieldKind.DIMENSION,
                type=CustomFieldType.CATEGORY,
                options=["basic", "pro"],
            ),
        ]
    )
    await session.flush()
    found: dict[str, Any] = {}
    for model in (LifecycleStage, Tier):
        for item in await session.scalars(select(model).where(model.org_id == org.id)):
            found[item.name] = item.id
    for n in (1, 2, 3):
        found[f"csm{n}"] = (await create_user(session, org, role_name="CSM")).id
    return found


def _creates(c: dict[str, Any], prefix: str) -> list[AccountCreate]:
    return [
        AccountCreate(
            external_id=f"{prefix}-0",
            name="Zero",
            stage_id=c["Trial"],
            tier_id=c["Tier 1"],
            csm_ids=[c["csm1"]],
            csm_score=10,
            custom_values={"seats": 5, "plan": "basic"},
        ),
        AccountCreate(
            external_id=f"{prefix}-1",
            name="One",
            stage_id=c["Onboarding"],
            csm_ids=[c["csm1"], c["csm2"]],
            custom_values={"seats": 1},
        ),
        AccountCreate(external_id=f"{prefix}-2", name="Two", csm_score=50),
    ]


def _updates(c: dict[str, Any], parent: uuid.UUID) -> list[AccountUpdate]:
    return [
        AccountUpdate(
            stage_id=c["Onboarding"],
            csm_ids=[c["csm2"]],
            csm_score=20,
            custom_values={"plan": None, "seats": 7},
        ),
        AccountUpdate(stage_id=None, csm_ids=[c["csm2"], c["csm3"]], csm_score=40, tier_id=None),
        AccountUpdate(
            stage_id=c["Trial"],
            csm_score=50,
            custom_values={"plan": "pro"},
            renewal_on=date(2027, 1, 31),
            parent_id=parent,
            name=None,
        ),
    ]


async def _recorded(session: AsyncSession, ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Per account: its row and every history row and audit entry written for it, with what
    differs between two runs of the same changes (ids, times) left out: each account id is
    replaced by its place in `ids`, and a time by whether it is set."""
    labels = {str(account_id): f"account-{i}" for i, account_id in enumerate(ids)}

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if k not in ("external_id",)}
        if isinstance(value, list):
            return sorted(plain(v) for v in value)
        return labels.get(str(value), value)

    recorded = []
    for account_id in ids:
        account = await session.scalar(
            select(Account)
            .where(Account.id == account_id)
            .execution_options(populate_existing=True)
        )
        assert account is not None

        async def rows(model: Any, order: Any, account_id: uuid.UUID = account_id) -> list[Any]:
            return list(
                await session.scalars(
                    select(model).where(model.account_id == account_id).order_by(order)
                )
            )

        stages = await rows(StagePeriod, StagePeriod.entered_at)
        periods = await rows(CsmAssignmentPeriod, CsmAssignmentPeriod.assigned_at)
        scores = await rows(CsmScoreEntry, CsmScoreEntry.recorded_at)
        csms = await rows(AccountCsm, AccountCsm.user_id)
        audit = await session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == account_id).order_by(AuditEntry.action)
        )
        recorded.append(
            {
                "account": plain(
                    {
                        c: getattr(account, c)
                        for c in (
                            "name",
                            "tier_id",
                            "stage_id",
                            "csm_score",
                            "custom_values",
                            "renewal_on",
                            "parent_id",
                        )
                    }
                ),
                "csms": [c.user_id for c in csms],
                "stages": sorted(
                    (str(p.stage_id), p.stage_name, p.left_at is None, p.changed_by_id)
                    for p in stages
                ),
                "csm_periods": sorted(
                    (str(p.user_id), p.unassigned_at is None, p.changed_by_id) for p in periods
                ),
                "scores": [(e.score, e.changed_by_id) for e in scores],
                "audit": [
                    (e.action, e.actor_user_id, plain(e.before), plain(e.after)) for e in audit
                ],
            }
        )
    return recorded


@pytest.mark.parametrize("chunk", [bulk_writes.CHUNK, 2], ids=["one-chunk", "chunks-of-2"])
async def test_a_batch_writes_what_single_edits_write(
    session: AsyncSession,
    actor: Actor,
    config: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
) -> None:
    monkeypatch.setattr(bulk_writes, "CHUNK", chunk)
    single = [(await accounts.create_account(session, actor, d)).id for d in _creates(config, "s")]
    for account_id, data in zip(single, _updates(config, single[0]), strict=True):
        await accounts.update_account(session, actor, account_id, data)

    new = [bulk_writes.NewAccount(d) for d in _creates(config, "b")]
    batch = [n.id for n in new]
    assert await bulk_writes.write_accounts(session, actor, new) == batch
    edits = [
        bulk_writes.AccountEdit.of(account_id, data)
        for account_id, data in zip(batch, _updates(config, batch[0]), strict=True)
    ]
    assert await bulk_writes.write_accounts(session, actor, edits) == batch

    by_single, by_batch = await _recorded(session, single), await _recorded(session, batch)
    assert by_batch == by_single
    # The histories really were written (not two empty lists compared).
    assert [len(r["stages"]) for r in by_batch] == [2, 1, 1]
    assert [len(r["csm_periods"]) for r in by_batch] == [2, 3, 0]
    assert [len(r["scores"]) for r in by_batch] == [2, 1, 1]
    assert [[a[0] for a in r["audit"]] for r in by_batch] == [
        ["account.created", "account.updated"]
    ] * 3
    # One batch, one effective time.
    times = await session.scalars(
        select(StagePeriod.entered_at).where(
            StagePeriod.account_id.in_(batch), StagePeriod.left_at.is_(None)
        )
    )
    assert len(set(times)) == 1


async def test_a_bulk_edit_writes_what_single_edits_write(
    session: AsyncSession, org: Organisation, actor: Actor, config: dict[str, Any]
) -> None:
    csm1, csm2 = [await session.get_one(User, config[k]) for k in ("csm1", "csm2")]
    twins: list[list[uuid.UUID]] = [[], []]
    for twin in twins:
        for csms, score in (([csm1], 10), ([], None), ([csm1, csm2], 30)):
            created = await accounts.create_account(
                session,
                actor,
                AccountCreate(
                    external_id=uuid.uuid4().hex,
                    name="Twin",
                    stage_id=config["Trial"],
                    csm_ids=[c.id for c in csms],
                    csm_score=score,
                ),
            )
            twin.append(created.id)
    single, batch = twins
    for account_id in single:
        account = await accounts.get_account(session, actor, account_id)
        await accounts.update_account(
            session,
            actor,
            account_id,
            AccountUpdate(
                stage_id=config["Renewal"],
                csm_score=30,
                custom_values={"seats": 3},
                csm_ids=[u for u in account.csm_ids if u != csm1.id] + [config["csm3"]],
            ),
        )

    matched, updated = await bulk.bulk_edit(
        session,
        actor,
        BulkEdit(
            selection=AccountSelection(account_ids=batch),
            changes=BulkChanges(
                stage_id=config["Renewal"],
                csm_score=30,
                custom_values={"seats": 3},
                add_csm_ids=[config["csm3"]],
                remove_csm_ids=[csm1.id],
            ),
        ),
    )

    assert (matched, updated) == (3, 3)
    assert await _recorded(session, batch) == await _recorded(session, single)


async def test_a_bulk_csm_change_only_writes_accounts_whose_csms_change(
    session: AsyncSession, org: Organisation, actor: Actor, config: dict[str, Any]
) -> None:
    csm = await session.get_one(User, config["csm1"])
    has_it = await create_account(session, org, csms=[csm])
    lacks_it = await create_account(session, org)

    matched, updated = await bulk.bulk_edit(
        session,
        actor,
        BulkEdit(
            selection=AccountSelection(account_ids=[has_it.id, lacks_it.id]),
            changes=BulkChanges(add_csm_ids=[csm.id]),
        ),
    )

    assert (matched, updated) == (2, 1)
    audited = await session.scalars(select(AuditEntry.entity_id).where(AuditEntry.org_id == org.id))
    assert list(audited) == [lacks_it.id]
    # The session's own objects were refreshed, not left stale.
    assert lacks_it.csm_ids == [csm.id]


async def test_a_bulk_edit_adding_csms_adds_each_missing_one_once(
    session: AsyncSession, org: Organisation, actor: Actor, config: dict[str, Any]
) -> None:
    csm1, csm2, csm3 = [await session.get_one(User, config[k]) for k in ("csm1", "csm2", "csm3")]
    account = await create_account(session, org, csms=[csm2])

    await bulk.bulk_edit(
        session,
        actor,
        BulkEdit(
            selection=AccountSelection(account_ids=[account.id]),
            changes=BulkChanges(add_csm_ids=[csm3.id, csm2.id, csm1.id, csm3.id]),
        ),
    )

    assert sorted(account.csm_ids) == sorted([csm1.id, csm2.id, csm3.id])
    periods = await session.scalars(
        select(CsmAssignmentPeriod.user_id).where(
            CsmAssignmentPeriod.account_id == account.id,
            CsmAssignmentPeriod.unassigned_at.is_(None),
        )
    )
    opened = list(periods)
    assert len(opened) == len(set(opened)) and {csm1.id, csm3.id} <= set(opened)


async def test_a_bulk_edit_writes_the_histories_from_the_periods_it_finds_open(
    session: AsyncSession, org: Organisation, actor: Actor, config: dict[str, Any]
) -> None:
    """Periods as they are, not as the account's columns say: one already open at the new
    stage stays the open one and any other closes; each CSM of the new list gets an open
    period unless they have one (a current CSM without one, as data from before histories
    were kept, gets one)."""
    csm1, csm2 = [await session.get_one(User, config[k]) for k in ("csm1", "csm2")]
    account = await create_account(session, org, csms=[csm2], stage_id=config["Trial"])
    then = datetime(2026, 1, 1, tzinfo=UTC)
    trial, renewal = (
        StagePeriod(
            org_id=org.id, account_id=account.id, stage_id=config[name], stage_name=name,
            entered_at=then,
        )
        for name in ("Trial", "Renewal")
    )  # fmt: skip
    csm1_period = CsmAssignmentPeriod(
        org_id=org.id, account_id=account.id, user_id=csm1.id, assigned_at=then
    )
    session.add_all([trial, renewal, csm1_period])
    await session.flush()

    await bulk.bulk_edit(
        session,
        actor,
        BulkEdit(
            selection=AccountSelection(account_ids=[account.id]),
            changes=BulkChanges(stage_id=config["Renewal"], add_csm_ids=[csm1.id]),
        ),
    )

    stages = await session.execute(
        select(StagePeriod.id, StagePeriod.left_at).where(StagePeriod.account_id == account.id)
    )
    left = {period_id: left_at for period_id, left_at in stages}
    assert left.keys() == {trial.id, renewal.id}
    assert left[trial.id] is not None and left[renewal.id] is None
    csm_periods = await session.execute(
        select(CsmAssignmentPeriod.id, CsmAssignmentPeriod.user_id).where(
            CsmAssignmentPeriod.account_id == account.id,
            CsmAssignmentPeriod.unassigned_at.is_(None),
        )
    )
    opened = {period_id: user_id for period_id, user_id in csm_periods}
    assert sorted(opened.values()) == sorted([csm1.id, csm2.id])
    assert opened[csm1_period.id] == csm1.id


NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def test_writes_sent_together_are_one_statement_with_their_values_kept_apart(
    session: AsyncSession, org: Organisation, actor: Actor, statements: list[str]
) -> None:
    """`send`: two writes of the same shape (audit entries), one to skip and an account's
    update, in one statement, each with its own values."""
    account = await create_account(session, org, csm_score=10)
    await session.flush()
    statements.clear()

    def entry(action: str) -> dict[str, Any]:
        return {"actor_user_id": None, "action": action, "entity_type": "account",
                "entity_id": account.id, "before": None, "after": {"action": action}}  # fmt: skip

    await send(
        session,
        [
            entries_write(org.id, [entry("first")]),
            None,
            entries_write(org.id, [entry("second"), entry("third")]),
            AccountBatchRepository(session, actor).accounts_update(
                ["csm_score"], [{"id": account.id, "csm_score": 7}], updated_at=NOW
            ),
        ],
    )

    assert len(statements) == 1
    entries = await session.execute(
        select(AuditEntry.action, AuditEntry.after).where(AuditEntry.org_id == org.id)
    )
    assert sorted(entries) == [(a, {"action": a}) for a in ("first", "second", "third")]
    await session.refresh(account)
    assert (account.csm_score, account.updated_at) == (7, NOW)


async def test_churning_a_batch_records_an_event_and_an_audit_entry_each(
    session: AsyncSession, org: Organisation, actor: Actor
) -> None:
    targets = [(await create_account(session, org)).id for _ in range(3)]

    await bulk_writes.churn_accounts(
        session, actor, targets, ChurnCreate(churned_on=date(2026, 3, 1), reason="Budget")
    )

    events = await session.scalars(select(ChurnEvent).where(ChurnEvent.account_id.in_(targets)))
    assert sorted((e.account_id, e.reason) for e in events) == sorted(
        (t, "Budget") for t in targets
    )
    entries = (
        await session.scalars(select(AuditEntry).where(AuditEntry.entity_id.in_(targets)))
    ).all()
    assert {(e.action, e.before["churned_on"], e.after["churned_on"]) for e in entries} == {
        ("account.churned", None, "2026-03-01")
    }
    assert len(entries) == 3


async def _churn_history(session: AsyncSession, account_id: uuid.UUID) -> dict[str, Any]:
    """An account's churn state, churn events and audit entries, with its own id, name and
    external id left out (so two accounts' histories compare)."""

    def plain(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
        if snapshot is None:
            return None
        return {k: v for k, v in snapshot.items() if k not in ("id", "name", "external_id")}

    account = await session.scalar(
        select(Account).where(Account.id == account_id).execution_options(populate_existing=True)
    )
    assert account is not None
    events = await session.scalars(
        select(ChurnEvent)
        .where(ChurnEvent.account_id == account_id)
        .order_by(ChurnEvent.churned_on)
    )
    audit = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_id == account_id, AuditEntry.action != "account.created")
        .order_by(AuditEntry.created_at, AuditEntry.action)
    )
    return {
        "account": (account.churned_on, account.churn_reason),
        "events": [(e.churned_on, e.reason, e.reactivated_on, e.changed_by_id) for e in events],
        "audit": [(e.action, e.actor_user_id, plain(e.before), plain(e.after)) for e in audit],
    }


async def test_churn_and_reactivation_write_the_same_history_from_every_path(
    session: AsyncSession,
    org: Organisation,
    admin: User,
    actor: Actor,
    redis: Redis,
) -> None:
    today = await accounts.org_today(session, org.id)
    churn = ChurnCreate(churned_on=today, reason="Moved to a competitor")
    twins = {
        path: await accounts.create_account(
            session, actor, AccountCreate(external_id=f"twin-{path}", name="Twin")
        )
        for path in ("api", "bulk", "import", "trigger")
    }

    await accounts.churn_account(session, actor, twins["api"].id, churn)
    await bulk.bulk_edit(
        session,
        actor,
        BulkEdit(
            selection=AccountSelection(account_ids=[twins["bulk"].id, twins["api"].id]),
            changes=BulkChanges(churn=churn),
        ),
    )
    started = await imports.start_import(
        session,
        actor,
        file_name="churn.csv",
        csv_text=f"id,lost,why\ntwin-import,{today.isoformat()},{churn.reason}\n",
        mapping={"id": "external_id", "lost": "churned_on", "why": "churn_reason"},
        dry_run=False,
    )
    ran = await imports.run_import(session, redis, started.id)
    assert (ran.status, ran.errors) == (ImportStatus.SUCCEEDED, [])
    await triggers.create_trigger(
        session,
        actor,
        AttributeTriggerWrite(
            name="Lost",
            target=TriggerTarget.CHURNED,
            churn_reason=churn.reason,
            condition=TypeAdapter(Condition).validate_python(
                {"kind": "compare", "field": "external_id", "op": "eq", "value": "twin-trigger"}
            ),
        ),
    )
    await triggers.run_triggers(session, org.id)

    churned = {path: await _churn_history(session, twin.id) for path, twin in twins.items()}
    assert churned["api"] == {
        "account": (today, "Moved to a competitor"),
        "events": [(today, "Moved to a competitor", None, admin.id)],
        "audit": [("account.churned", admin.id, churned["api"]["audit"][0][2], ANY)],
    }
    assert churned["api"]["audit"][0][3]["churned_on"] == today.isoformat()
    # The account the bulk edit found churned already was left alone (one event, one entry).
    assert churned["bulk"] == churned["api"]
    assert churned["import"] == churned["api"]
    # The same rows, written by the organisation's own rule rather than a user.
    by_rule = churned["trigger"]
    assert by_rule["events"] == [(today, "Moved to a competitor", None, None)]
    assert [(a, None, b, c) for a, _, b, c in churned["api"]["audit"]] == by_rule["audit"]
    assert by_rule["account"] == churned["api"]["account"]

    await accounts.reactivate_account(session, actor, twins["api"].id)
    matched, updated = await bulk.bulk_edit(
        session,
        actor,
        BulkEdit(
            selection=AccountSelection(account_ids=[twins["bulk"].id, twins["import"].id]),
            changes=BulkChanges(reactivate=True),
        ),
    )

    assert (matched, updated) == (2, 2)
    reactivated = {path: await _churn_history(session, twins[path].id) for path in ("api", "bulk")}
    assert reactivated["api"]["account"] == (None, None)
    assert reactivated["api"]["events"] == [(today, "Moved to a competitor", today, admin.id)]
    assert [a[0] for a in reactivated["api"]["audit"]] == ["account.churned", "account.reactivated"]
    assert reactivated["bulk"] == reactivated["api"]


async def test_churn_and_reactivation_of_a_set_write_what_one_account_at_a_time_writes(
    session: AsyncSession, org: Organisation, actor: Actor, config: dict[str, Any]
) -> None:
    # Every kind of value the snapshot formats (written in SQL by the set-based path, in Python
    # by the account-by-account one), on two accounts alike but for their names.
    csms = [await session.get_one(User, config[f"csm{n}"]) for n in (1, 2)]
    twins = [
        await create_account(
            session,
            org,
            csms=csms,
            status_title="Fine",
            status_at=datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=UTC),
            nps=Decimal("8.0"),
            renewal_on=date(2026, 9, 30),
            csm_score=40,
            stage_id=config["Onboarding"],
            custom_values={"seats": 12.5, "plan": "pro"},
        )
        for _ in range(2)
    ]
    one_by_one, set_based = (t.id for t in twins)
    repo = AccountBatchRepository(session, actor)

    async def snapshot() -> dict[str, Any]:
        (account,) = await repo.reload([set_based])
        return {**bulk_writes.snapshot(account), "csm_ids": sorted(map(str, account.csm_ids))}

    before = await snapshot()
    churn = ChurnCreate(churned_on=date(2026, 3, 1), reason="Budget")

    await bulk_writes.churn_each(session, actor, [(one_by_one, churn)])
    assert await bulk_writes.churn_accounts(session, actor, [set_based], churn) == [set_based]

    assert await _churn_history(session, set_based) == await _churn_history(session, one_by_one)
    churned = await snapshot()
    assert churned == {**before, "churned_on": "2026-03-01", "churn_reason": "Budget"}
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.entity_id == set_based))
    assert entry is not None
    # The entry holds what the churn changed.
    assert (entry.action, entry.before, entry.after) == (
        "account.churned",
        {"churned_on": None, "churn_reason": None},
        {"churned_on": "2026-03-01", "churn_reason": "Budget"},
    )

    assert await bulk_writes.reactivate_accounts(
        session, actor, [set_based], on=date(2026, 4, 1)
    ) == [set_based]

    assert await snapshot() == before
    entry = await session.scalar(
        select(AuditEntry).where(
            AuditEntry.entity_id == set_based, AuditEntry.action == "account.reactivated"
        )
    )
    assert entry is not None
    assert (entry.actor_user_id, entry.before, entry.after) == (
        actor.user_id,
        {"churned_on": "2026-03-01", "churn_reason": "Budget"},
        {"churned_on": None, "churn_reason": None},
    )
    event = await session.scalar(select(ChurnEvent).where(ChurnEvent.account_id == set_based))
    assert event is not None
    assert (event.reactivated_on, event.reactivated_by_id) == (date(2026, 4, 1), actor.user_id)
    # Both accounts are marked changed for the live figures.
    await session.commit()
    marked = await session.scalars(
        select(AccountChange.account_id).where(AccountChange.org_id == org.id)
    )
    assert set(marked) == {one_by_one, set_based}


async def test_a_refused_account_leaves_the_whole_set_unchanged(
    session: AsyncSession, org: Organisation, actor: Actor
) -> None:
    fine, lost = [(await create_account(session, org)).id for _ in range(2)]
    churn = ChurnCreate(churned_on=date(2026, 3, 1), reason="Budget")
    await bulk_writes.churn_accounts(session, actor, [lost], churn)

    with pytest.raises(AlreadyChurned) as refusal:
        await bulk_writes.churn_accounts(session, actor, [fine, lost], churn)
    assert refusal.value.extra["index"] == 1
    with pytest.raises(AccountNotFound) as refusal:
        await bulk_writes.reactivate_accounts(
            session, actor, [lost, uuid.uuid4()], on=date(2026, 4, 1)
        )
    assert refusal.value.extra["index"] == 1
    with pytest.raises(NotChurned) as refusal:
        await bulk_writes.reactivate_accounts(session, actor, [lost, fine], on=date(2026, 4, 1))
    assert refusal.value.extra["index"] == 1

    events = await session.scalars(
        select(ChurnEvent.account_id, ChurnEvent.reactivated_on).where(ChurnEvent.org_id == org.id)
    )
    assert list(events) == [lost] and (await session.get_one(Account, fine)).churned_on is None
    # A bulk edit skips them instead.
    assert await bulk_writes.churn_accounts(
        session, actor, [fine, lost], churn, skip_churned=True
    ) == [fine]


async def test_a_bulk_edit_gives_its_rows_time_ordered_ids(
    session: AsyncSession, org: Organisation, actor: Actor
) -> None:
    account = await create_account(session, org)

    await bulk.bulk_edit(
        session,
        actor,
        BulkEdit(
            selection=AccountSelection(account_ids=[account.id]),
            changes=BulkChanges(csm_score=40),
        ),
    )

    written = [
        *await session.scalars(select(CsmScoreEntry.id).where(CsmScoreEntry.org_id == org.id)),
        *await session.scalars(select(AuditEntry.id).where(AuditEntry.org_id == org.id)),
    ]
    assert len(written) == 2 and {i.version for i in written} == {7}


async def test_a_bulk_edit_churns_and_reactivates_more_than_10000_accounts(
    session: AsyncSession, org: Organisation, actor: Actor
) -> None:
    count = 10_500
    await session.execute(
        text(
            "INSERT INTO accounts (id, org_id, external_id, name, custom_values, created_at,"
            " updated_at) SELECT gen_random_uuid(), :org, 'many-' || g, 'Many ' || g, '{}',"
            " now(), now() FROM generate_series(1, :count) g"
        ),
        {"org": org.id, "count": count},
    )
    many = AccountSelection.model_validate(
        {"filter": {"kind": "compare", "field": "name", "op": "contains", "value": "Many"}}
    )
    today = await accounts.org_today(session, org.id)
    churn = ChurnCreate(churned_on=today, reason="Budget")

    churned = await bulk.bulk_edit(
        session, actor, BulkEdit(selection=many, changes=BulkChanges(churn=churn))
    )
    reactivated = await bulk.bulk_edit(
        session, actor, BulkEdit(selection=many, changes=BulkChanges(reactivate=True))
    )

    assert churned == reactivated == (count, count)
    events = await session.execute(
        select(ChurnEvent.reactivated_on, func.count(func.distinct(ChurnEvent.account_id)))
        .where(ChurnEvent.org_id == org.id)
        .group_by(ChurnEvent.reactivated_on)
    )
    assert list(events) == [(today, count)]
    audited = await session.execute(
        select(AuditEntry.action, func.count(func.distinct(AuditEntry.entity_id)))
        .where(AuditEntry.org_id == org.id)
        .group_by(AuditEntry.action)
        .order_by(AuditEntry.action)
    )
    assert list(audited) == [("account.churned", count), ("account.reactivated", count)]
    still_churned = await session.scalar(
        select(func.count()).where(Account.org_id == org.id, Account.churned_on.is_not(None))
    )
    assert still_churned == 0


async def test_a_bulk_edit_audits_what_it_changes_as_a_single_edit_does(
    session: AsyncSession, org: Organisation, actor: Actor, config: dict[str, Any]
) -> None:
    # Every kind of value an edit for all may change: a uuid, an integer, a date, custom values
    # and CSMs (written in SQL by the bulk path, in Python by the single edit); and fields it
    # leaves alone (a time with microseconds, a decimal), which the entries leave out.
    csm1, csm2 = [await session.get_one(User, config[key]) for key in ("csm1", "csm2")]
    twins = [
        await create_account(
            session,
            org,
            csms=[csm1],
            status_title="Fine",
            status_at=datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=UTC),
            nps=Decimal("8.0"),
            renewal_on=date(2026, 9, 30),
            csm_score=40,
            custom_values={"seats": 12.5, "plan": "pro"},
        )
        for _ in range(2)
    ]
    single, set_based = (t.id for t in twins)
    await accounts.update_account(
        session,
        actor,
        single,
        AccountUpdate(
            tier_id=config["Tier 1"],
            csm_score=41,
            renewal_on=date(2027, 1, 31),
            custom_values={"plan": None},
            csm_ids=[csm1.id, csm2.id],
        ),
    )
    await bulk.bulk_edit(
        session,
        actor,
        BulkEdit(
            selection=AccountSelection(account_ids=[set_based]),
            changes=BulkChanges(
                tier_id=config["Tier 1"],
                csm_score=41,
                renewal_on=date(2027, 1, 31),
                custom_values={"plan": None},
                add_csm_ids=[csm2.id],
            ),
        ),
    )

    entries = {
        entry.entity_id: (entry.action, entry.before, entry.after)
        for entry in await session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id.in_([single, set_based]))
        )
    }
    assert entries[set_based] == entries[single]
    assert entries[single] == (
        "account.updated",
        {
            "tier_id": None,
            "csm_score": 40,
            "renewal_on": "2026-09-30",
            "custom_values": {"seats": 12.5, "plan": "pro"},
            "csm_ids": [str(csm1.id)],
        },
        {
            "tier_id": str(config["Tier 1"]),
            "csm_score": 41,
            "renewal_on": "2027-01-31",
            "custom_values": {"seats": 12.5},
            "csm_ids": [str(csm1.id), str(csm2.id)],
        },
    )


async def test_a_trigger_run_changes_more_than_10000_accounts_with_a_history_each(
    session: AsyncSession, org: Organisation, actor: Actor, config: dict[str, Any]
) -> None:
    count = 10_500
    await session.execute(
        text(
            "INSERT INTO accounts (id, org_id, external_id, name, custom_values, created_at,"
            " updated_at) SELECT gen_random_uuid(), :org, 'many-' || g, 'Many ' || g, '{}',"
            " now(), now() FROM generate_series(1, :count) g"
        ),
        {"org": org.id, "count": count},
    )
    trigger = await triggers.create_trigger(
        session,
        actor,
        AttributeTriggerWrite(
            name="Everyone renews",
            target=TriggerTarget.STAGE,
            stage_id=config["Renewal"],
            condition=TypeAdapter(Condition).validate_python(
                {"kind": "compare", "field": "name", "op": "contains", "value": "Many"}
            ),
        ),
    )

    assert await triggers.run_triggers(session, org.id) == {str(trigger.id): count}

    in_renewal = await session.scalar(
        select(func.count()).where(Account.org_id == org.id, Account.stage_id == config["Renewal"])
    )
    periods = await session.scalar(
        select(func.count(func.distinct(StagePeriod.account_id))).where(
            StagePeriod.org_id == org.id,
            StagePeriod.stage_id == config["Renewal"],
            StagePeriod.left_at.is_(None),
        )
    )
    audited = await session.scalar(
        select(func.count(func.distinct(AuditEntry.entity_id))).where(
            AuditEntry.org_id == org.id, AuditEntry.action == "account.updated"
        )
    )
    assert in_renewal == periods == audited == count
    # A second run finds nothing left to change.
    assert await triggers.run_triggers(session, org.id) == {str(trigger.id): 0}


class TestRefusals:
    async def test_a_cycle_made_by_two_edits_of_one_batch(
        self, session: AsyncSession, org: Organisation, actor: Actor
    ) -> None:
        a, b = await create_account(session, org), await create_account(session, org)

        with pytest.raises(HierarchyCycle) as refused:
            await bulk_writes.write_accounts(
                session,
                actor,
                [
                    bulk_writes.AccountEdit(a.id, {"parent_id": b.id}),
                    bulk_writes.AccountEdit(b.id, {"parent_id": a.id}),
                ],
            )

        assert refused.value.extra["index"] == 1

    async def test_a_cycle_through_new_and_existing_accounts(
        self, session: AsyncSession, org: Organisation, actor: Actor
    ) -> None:
        top = await create_account(session, org)
        new = bulk_writes.NewAccount(AccountCreate(external_id="new", name="New", parent_id=top.id))

        with pytest.raises(HierarchyCycle) as refused:
            await bulk_writes.write_accounts(
                session, actor, [new, bulk_writes.AccountEdit(top.id, {"parent_id": new.id})]
            )

        assert refused.value.extra["index"] == 1

    async def test_the_same_external_id_twice_in_a_batch(
        self, session: AsyncSession, actor: Actor
    ) -> None:
        with pytest.raises(ExternalIdTaken) as refused:
            await bulk_writes.write_accounts(
                session,
                actor,
                [
                    bulk_writes.NewAccount(AccountCreate(external_id="x", name="X")),
                    bulk_writes.NewAccount(AccountCreate(external_id="y", name="Y")),
                    bulk_writes.NewAccount(AccountCreate(external_id="x", name="X again")),
                ],
            )

        assert refused.value.extra["index"] == 2

    async def test_a_csm_who_lost_their_seat_is_named_in_a_later_chunk(
        self,
        session: AsyncSession,
        org: Organisation,
        actor: Actor,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(bulk_writes, "CHUNK", 2)
        analyst = await create_user(session, org, role_name="Analyst")
        targets = [await create_account(session, org) for _ in range(3)]
        # Assigned before they lost the seat: a single edit keeping them is refused too.
        session.add(AccountCsm(org_id=org.id, account_id=targets[2].id, user_id=analyst.id))
        await session.flush()

        with pytest.raises(NotACsm) as refused:
            await bulk.bulk_edit(
                session,
                actor,
                BulkEdit(
                    selection=AccountSelection(account_ids=[t.id for t in targets]),
                    changes=BulkChanges(add_csm_ids=[actor.user_id]),
                ),
            )

        assert str(analyst.id) in refused.value.detail


async def test_a_bulk_edit_sends_the_same_statements_for_50_or_500_accounts(
    session: AsyncSession,
    connection: AsyncConnection,
    org: Organisation,
    actor: Actor,
    config: dict[str, Any],
) -> None:
    csm = await session.get_one(User, config["csm1"])
    created = [
        Account(
            id=uuid.uuid4(),
            org_id=org.id,
            external_id=f"acc-{i}",
            name=f"Account {i}",
            stage_id=config["Trial"],
            csm_score=i % 100,
            csm_assignments=[AccountCsm(org_id=org.id, user_id=csm.id)],
        )
        for i in range(550)
    ]
    session.add_all(created)
    await session.commit()
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    sent = {}
    event.listen(connection.sync_connection, "before_cursor_execute", seen)
    try:
        for name, selected in (("50", created[:50]), ("500", created[50:])):
            statements.clear()
            matched, updated = await bulk.bulk_edit(
                session,
                actor,
                BulkEdit(
                    selection=AccountSelection(account_ids=[a.id for a in selected]),
                    changes=BulkChanges(
                        stage_id=config["Onboarding"],
                        csm_score=100,
                        custom_values={"seats": 9},
                        set_csm_ids=[config["csm2"]],
                    ),
                ),
            )
            assert matched == updated == len(selected)
            sent[name] = list(statements)
            # Each edit its own transaction, as each request is (its first change mark takes
            # the transaction's change number).
            await session.commit()
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", seen)

    assert len(sent["500"]) == len(sent["50"])
    assert len(sent["500"]) <= 30, "\n".join(sent["500"])
    written = await session.scalar(
        select(StagePeriod.id).where(
            StagePeriod.account_id == created[-1].id, StagePeriod.left_at.is_(None)
        )
    )
    assert written is not None
