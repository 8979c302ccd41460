"""The one write path for accounts' fields and CSMs: single edits, bulk edits, CSV imports and
attribute triggers all create and change accounts here, so each rule (validation, histories,
audit) has one definition, and a batch costs a handful of statements per chunk of accounts
instead of several per account.

A batch is validated as a whole first (tiers, stages, custom fields, parents, hierarchy cycles,
external ids: each loaded once), then written chunk by chunk with Core statements. It writes
what the single-account path always wrote: CSM assignment periods and stage periods with one
effective time for the whole batch, CSM score entries, `account_csms` rows, and one audit entry
per account written. Callers hold the transaction: when a rule refuses an item, the error names
it (`extra["index"]`) and nothing of the batch may be kept.

The same change for many accounts (bulk edits, attribute triggers) goes further: checked once,
then written in one statement over the whole set (`write_same_edit`), so its cost in Python does
not grow with the number of accounts."""

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import custom_values
from domain.accounts.errors import (
    AccountNotFound,
    AccountOutOfYourSight,
    AccountReferenceTaken,
    AlreadyChurned,
    ChurnedInTheFuture,
    ExternalIdTaken,
    HierarchyCycle,
    InvalidCustomValue,
    NotACsm,
    NotChurned,
    ParentNotFound,
    UnknownStage,
    UnknownTier,
)
from domain.accounts.models import (
    Account,
    AccountCsm,
    ChurnEvent,
    CsmAssignmentPeriod,
    CsmScoreEntry,
    CustomField,
    LifecycleStage,
    StagePeriod,
    Tier,
)
from domain.accounts.repository import AccountBatchRepository, ConfigRepository, StateChange
from domain.accounts.schemas import AccountCreate, AccountRead, AccountUpdate, ChurnCreate
from domain.audit import service as audit
from domain.common import clock
from domain.common.bulk_sql import Write, insert_write, send
from domain.common.errors import DomainError
from domain.freshness import changes as figures
from domain.tenancy.clock import org_today
from domain.users import service as users
from domain.users.actor import Actor, require
from domain.users.permissions import Permission

# The ids that name an account: Tenure's external id, then the CRM, billing and support ids
# (`accounts.account_ids_by_reference` resolves records by them in this order).
REFERENCES = ("external_id", "crm_id", "billing_id", "support_id")

# Accounts per round of statements: bounds statement and parameter sizes, and is the import's
# progress step.
CHUNK = 2_000

Progress = Callable[[int], Awaitable[None]]
T = TypeVar("T")


@dataclass(frozen=True)
class CsmChange:
    """The CSMs to set (`replace`, else the current ones), then add and remove."""

    replace: Sequence[uuid.UUID] | None = None
    add: Sequence[uuid.UUID] = ()
    remove: Sequence[uuid.UUID] = ()
    # A bulk edit leaves an account whose CSMs would stay the same alone; a single edit records
    # them anyway (which opens a period for a CSM that had none).
    only_if_different: bool = False

    def apply(self, current: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        result = list(self.replace) if self.replace is not None else list(current)
        result += [u for u in self.add if u not in result]
        removed = set(self.remove)
        return list(dict.fromkeys(u for u in result if u not in removed))


@dataclass(frozen=True)
class AccountEdit:
    """A change to one account. As in a PATCH only the fields present change (None clears
    one); custom values merge into the account's (None removes one)."""

    account_id: uuid.UUID
    fields: Mapping[str, Any] = field(default_factory=dict)
    custom_values: Mapping[str, Any] | None = None
    csms: CsmChange | None = None
    # A single edit is written (updated_at, an audit entry) even when it sends nothing new;
    # otherwise (bulk edits, integrations) only accounts that would change are written.
    always: bool = True

    @classmethod
    def of(
        cls, account_id: uuid.UUID, data: AccountUpdate, *, always: bool = True
    ) -> "AccountEdit":
        fields = data.model_dump(exclude_unset=True, exclude={"csm_ids", "custom_values"})
        # An account always has a name and an external id: null leaves them as they are.
        for required in ("name", "external_id"):
            if required in fields and fields[required] is None:
                del fields[required]
        return cls(
            account_id=account_id,
            fields=fields,
            custom_values=data.custom_values,
            # An edit written only if it changes something leaves the same CSMs alone too.
            csms=CsmChange(replace=data.csm_ids, only_if_different=not always)
            if data.csm_ids is not None
            else None,
            always=always,
        )


async def write_same_edit(
    session: AsyncSession,
    actor: Actor,
    account_ids: Sequence[uuid.UUID],
    data: AccountUpdate,
    *,
    csms: CsmChange | None = None,
    always: bool = True,
) -> list[uuid.UUID]:
    """The same change for each of these accounts (bulk edits, attribute triggers), written as
    `write_accounts` writes it (checked against the same rules, the same histories and audit
    entries) but in one statement over the whole set, so a hundred thousand accounts are one
    run. Only `SAME_EDIT_FIELDS` and custom values are set this way. Returns the accounts
    written (unless `always`, those whose fields or CSMs change)."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    if not account_ids:
        return []
    now = clock.now()
    await session.flush()
    edit = AccountEdit.of(account_ids[0], data, always=always)
    if csms is not None:
        edit = replace(edit, csms=csms)
    item = _Item.of(0, edit)
    rules = _Rules(session, actor)
    await rules.load([item])
    rules.check(item)
    custom = rules.custom(edit.custom_values) if edit.custom_values is not None else None
    repo = AccountBatchRepository(session, actor)
    if edit.csms is not None:
        # The users the edit names are refused before anything is written.
        named = [*(edit.csms.replace or ()), *edit.csms.add]
        named = [u for u in named if u not in edit.csms.remove]
        await rules.check_csms(named)
        rules.csm_list(named)
    stage_id = edit.fields.get("stage_id")
    written, csms_listed = await repo.same_edit(
        list(account_ids),
        fields=dict(edit.fields),
        stage_name=rules.stages[stage_id] if stage_id else None,
        custom_set=None if custom is None else {k: v for k, v in custom.items() if v is not None},
        custom_removed=[k for k, v in (custom or {}).items() if v is None],
        csms=edit.csms,
        always=always,
        now=now,
    )
    if csms_listed:
        # So must every CSM it keeps on an account whose CSMs it changes (one may have lost
        # their seat since): checked from the lists as written, which the edit's statement
        # answers with, instead of computing each account's new list a second time first or
        # reading the lists back; refused, the request's transaction takes the whole edit back.
        await rules.check_csms(csms_listed)
        rules.csm_list(csms_listed)
    await repo.reload_held(written)
    await figures.note(session, actor.org_id, written)
    return written


@dataclass(frozen=True)
class NewAccount:
    data: AccountCreate
    # Known before the write, so other items of the batch can name it as their parent.
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def snapshot(account: Account | Mapping[str, Any]) -> dict[str, Any]:
    """An account as the audit log records it when it is created, deleted or restored: what
    the API reads, without its timestamps."""
    return AccountRead.model_validate(account).model_dump(
        mode="json", exclude={"created_at", "updated_at"}
    )


def changed(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a change to an account records: the fields whose values it changes, before and
    after (a written account that changes nothing records two empty objects). An update's
    entry reads as what changed, and costs what changed: an edit of 100,000 accounts no longer
    writes two copies of every account."""
    keys = [key for key in before if before[key] != after.get(key)]
    return {key: before[key] for key in keys}, {key: after[key] for key in keys}


def refused(error: DomainError, index: int) -> DomainError:
    """`error`, naming the batch item it refuses (the CSV import reports that item's row)."""
    error.extra["index"] = index
    return error


def _chunks(items: Sequence[T]) -> list[Sequence[T]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


@dataclass
class _Item:
    """One item of a batch as the rules see it, with its place in the batch."""

    index: int
    account_id: uuid.UUID
    is_new: bool
    values: Mapping[str, Any]
    custom_values: Mapping[str, Any] | None
    new_csm_ids: Sequence[uuid.UUID]
    edit: AccountEdit | None

    @classmethod
    def of(cls, index: int, item: NewAccount | AccountEdit) -> "_Item":
        if isinstance(item, NewAccount):
            return cls(
                index=index,
                account_id=item.id,
                is_new=True,
                values=item.data.model_dump(exclude={"csm_ids", "custom_values"}),
                custom_values=item.data.custom_values,
                new_csm_ids=item.data.csm_ids,
                edit=None,
            )
        return cls(
            index=index,
            account_id=item.account_id,
            is_new=False,
            values=item.fields,
            custom_values=item.custom_values,
            new_csm_ids=list(item.csms.replace or ()) + list(item.csms.add) if item.csms else [],
            edit=item,
        )


class _ItemRefused(Exception):
    def __init__(self, index: int, error: DomainError) -> None:
        super().__init__(error.detail)
        self.index = index
        self.error = error


class _Rules:
    """What a batch is checked against, each loaded once for the whole batch."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.repo = AccountBatchRepository(session, actor)
        self.tiers: set[uuid.UUID] = set()
        self.stages: dict[uuid.UUID, str] = {}
        self.custom_fields: dict[str, CustomField] = {}
        self.external_ids: dict[str, uuid.UUID] = {}
        self.live_parents: set[uuid.UUID] = set()
        self.parent_links: dict[uuid.UUID, uuid.UUID | None] = {}
        self.csms: dict[uuid.UUID, bool] = {}
        # The batch's own parent links (new accounts', and edits that set a parent), added
        # item by item as they are checked: an item is checked against the ones before it.
        self.new_ids: set[uuid.UUID] = set()
        self.new_parents: dict[uuid.UUID, uuid.UUID | None] = {}
        self.taken: dict[str, uuid.UUID] = {}
        # The external, CRM, billing and support ids the batch sets, and which accounts hold
        # each (stored, then the batch's items so far): one value names one account.
        self.references: dict[str, dict[uuid.UUID, str | None]] = {}

    async def load(self, items: Sequence[_Item]) -> None:
        config = ConfigRepository(self.session, self.actor.org_id)
        if any(i.values.get("tier_id") for i in items):
            self.tiers = {t.id for t in await config.all(Tier)}
        if any(i.values.get("stage_id") for i in items):
            self.stages = {s.id: s.name for s in await config.all(LifecycleStage)}
        if any(i.custom_values for i in items):
            self.custom_fields = {f.key: f for f in await config.all(CustomField)}
        external_ids = {i.values["external_id"] for i in items if i.values.get("external_id")}
        other_systems = {v for i in items for k in REFERENCES[1:] if (v := i.values.get(k))}
        if other_systems:
            await self.repo.take_turn("references")
        if references := external_ids | other_systems:
            for value, account_id, external_id in await self.repo.reference_holders(references):
                self.references.setdefault(value, {})[account_id] = external_id
                # The same read finds the accounts holding the batch's external ids.
                if value == external_id:
                    self.external_ids[value] = account_id
        self.new_ids = {i.account_id for i in items if i.is_new}
        parents = {
            parent
            for i in items
            if (parent := i.values.get("parent_id")) is not None and parent not in self.new_ids
        }
        if parents:
            await self.repo.take_turn("hierarchy")
            self.live_parents = await self.repo.live_ids_among(parents)
            self.parent_links = await self.repo.parent_links(parents)
        await self.check_csms([u for i in items for u in i.new_csm_ids])

    async def check_csms(self, user_ids: Sequence[uuid.UUID]) -> None:
        """Learn which of these users may be assigned accounts (one query for those not known)."""
        unknown = list(dict.fromkeys(u for u in user_ids if u not in self.csms))
        if unknown:
            found = await users.csm_ids_among(self.session, self.actor.org_id, unknown)
            self.csms.update({u: u in found for u in unknown})

    def csm_list(self, csm_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        """Only users with a CSM seat (`check_csms` has seen them), each once."""
        wanted = list(dict.fromkeys(csm_ids))
        if missing := [str(u) for u in wanted if not self.csms.get(u)]:
            raise NotACsm(f"Not a CSM in this organisation: {', '.join(missing)}")
        return wanted

    def custom(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Check each value against its field's type; JSON-ready values (None removes)."""
        clean: dict[str, Any] = {}
        for key, value in values.items():
            custom_field = self.custom_fields.get(key)
            if custom_field is None:
                raise InvalidCustomValue(f"Unknown custom field {key!r}")
            clean[key] = custom_values.coerce(custom_field, value)
        return clean

    def check(self, item: _Item) -> None:
        """The rules on one item's fields, in the order a single edit meets them (an edit's
        CSMs are checked when its chunk is written: the result depends on its current ones)."""
        values = item.values
        if external_id := values.get("external_id"):
            holder = self.taken.get(external_id, self.external_ids.get(external_id))
            if holder is not None and holder != item.account_id:
                raise ExternalIdTaken()
            self.taken[external_id] = item.account_id
        self._check_references(item)
        if item.is_new:
            self._check_in_sight(item)
            self.csm_list(item.new_csm_ids)
        if values.get("tier_id") and values["tier_id"] not in self.tiers:
            raise UnknownTier()
        if values.get("stage_id") and values["stage_id"] not in self.stages:
            raise UnknownStage()
        if item.is_new or "parent_id" in values:
            self.new_parents[item.account_id] = values.get("parent_id")
        if parent := values.get("parent_id"):
            if parent not in self.live_parents and parent not in self.new_ids:
                raise ParentNotFound()
            if self._descends_from(parent, item.account_id):
                raise HierarchyCycle()
        self.custom(item.custom_values or {})

    def _check_in_sight(self, item: _Item) -> None:
        """A user who sees only the accounts they are a CSM of creates only accounts they are a
        CSM of (in the SPA, an import or the API alike): any other would vanish from their
        sight as it is made. An integration's key creates accounts for the organisation."""
        actor = self.actor
        by_key = actor.api_key_id is not None
        if not by_key and not actor.sees_all_accounts and actor.user_id not in item.new_csm_ids:
            raise AccountOutOfYourSight(
                "You see only the accounts you are a CSM of: list yourself among its CSMs"
            )

    def _check_references(self, item: _Item) -> None:
        """Each id the item sets names no other account, in any of the four systems: a record
        sent with it would otherwise find either account."""
        own = item.values.get("external_id")
        for key in REFERENCES:
            value = item.values.get(key)
            if not value:
                continue
            holders = self.references.setdefault(value, {})
            if others := [ext for a, ext in holders.items() if a != item.account_id]:
                named = f"the account {others[0]!r}" if others[0] else "another account"
                raise AccountReferenceTaken(
                    f"{key} {value!r} already names {named}: one id names one account, so "
                    "that records sent with it find that account"
                )
            holders[item.account_id] = own

    def _descends_from(self, account_id: uuid.UUID, ancestor: uuid.UUID) -> bool:
        """Whether `ancestor` is `account_id` or above it, with the batch's parent links so far
        in place of the stored ones."""
        seen: set[uuid.UUID] = set()
        node: uuid.UUID | None = account_id
        while node is not None and node not in seen:
            if node == ancestor:
                return True
            seen.add(node)
            node = (
                self.new_parents[node] if node in self.new_parents else self.parent_links.get(node)
            )
        return False

    def parents_first(self, creates: list[_Item]) -> list[_Item]:
        """New accounts in an order where a parent new in the batch is inserted before its
        children (the batch has no cycles by now)."""
        depth: dict[uuid.UUID, int] = {}
        for item in creates:
            # Up to the first new account whose depth is known (or the top), then back down.
            path = [item.account_id]
            while path[-1] not in depth:
                parent = self.new_parents.get(path[-1])
                if parent is None or parent not in self.new_ids:
                    break
                path.append(parent)
            known = depth.get(path[-1], 0)
            for steps, account_id in enumerate(reversed(path)):
                depth.setdefault(account_id, known + steps)
        return sorted(creates, key=lambda c: depth[c.account_id])


async def check_accounts(
    session: AsyncSession, actor: Actor, batch: Sequence[NewAccount | AccountEdit]
) -> list[DomainError]:
    """Every item of the batch that `write_accounts` would refuse on its rules (tiers, stages,
    custom values, parents, hierarchy cycles through the batch and stored accounts, external
    ids, new accounts' CSMs), each error naming its item (`extra["index"]`); nothing is
    written. A CSV import's dry run reports these, so it finds what the real run would refuse.
    (An edit's CSMs and whether it still exists are only known when it is written.)"""
    require(actor, Permission.UPDATE_ACCOUNTS)
    if not batch:
        return []
    await session.flush()
    items = [_Item.of(index, item) for index, item in enumerate(batch)]
    rules = _Rules(session, actor)
    await rules.load(items)
    errors: list[DomainError] = []
    for item in items:
        try:
            rules.check(item)
        except DomainError as exc:
            errors.append(refused(exc, item.index))
    return errors


async def write_accounts(
    session: AsyncSession,
    actor: Actor,
    batch: Sequence[NewAccount | AccountEdit],
    *,
    on_progress: Progress | None = None,
) -> list[uuid.UUID]:
    """Create and change accounts: every rule is checked on the whole batch, then new accounts
    are written (parents first) and the edits applied, CHUNK accounts at a time. Returns the ids
    of the accounts written (a bulk edit skips accounts it would not change)."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    if not batch:
        return []
    now = clock.now()
    # What follows is Core SQL: the ORM's pending changes must reach the database first.
    await session.flush()
    items = [_Item.of(index, item) for index, item in enumerate(batch)]
    rules = _Rules(session, actor)
    await rules.load(items)
    for item in items:
        try:
            rules.check(item)
        except DomainError as exc:
            raise refused(exc, item.index) from None
    written: list[uuid.UUID] = []
    done = 0
    creates = rules.parents_first([i for i in items if i.is_new])
    edits = [i for i in items if not i.is_new]
    for chunk in [*_chunks(creates), *_chunks(edits)]:
        try:
            if chunk[0].is_new:
                written += await _create(rules, chunk, now)
            else:
                written += await _edit(rules, chunk, now)
        except _ItemRefused as exc:
            raise refused(exc.error, exc.index) from None
        done += len(chunk)
        if on_progress:
            await on_progress(done)
    await figures.note(session, actor.org_id, written)
    return written


@dataclass
class _History:
    """The rows a chunk adds to and closes in the accounts' histories."""

    stage_periods: list[dict[str, Any]] = field(default_factory=list)
    closed_stages: list[uuid.UUID] = field(default_factory=list)
    csm_periods: list[dict[str, Any]] = field(default_factory=list)
    closed_csm_periods: list[uuid.UUID] = field(default_factory=list)
    csm_rows: list[dict[str, Any]] = field(default_factory=list)
    removed_csm_rows: list[uuid.UUID] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)

    def stage(
        self,
        actor: Actor,
        account_id: uuid.UUID,
        open_period: tuple[uuid.UUID, uuid.UUID | None] | None,
        stage_id: uuid.UUID | None,
        stage_name: str,
        now: datetime,
    ) -> None:
        """Close the open stage period and open one for the new stage."""
        if open_period is not None:
            period_id, open_stage_id = open_period
            if open_stage_id == stage_id:
                return
            self.closed_stages.append(period_id)
        if stage_id is not None:
            self.stage_periods.append(
                {
                    "org_id": actor.org_id,
                    "account_id": account_id,
                    "stage_id": stage_id,
                    "stage_name": stage_name,
                    "entered_at": now,
                    "changed_by_id": actor.user_id,
                }
            )

    def csm_assignments(
        self,
        actor: Actor,
        account_id: uuid.UUID,
        open_periods: dict[uuid.UUID, uuid.UUID],
        rows: dict[uuid.UUID, uuid.UUID],
        csm_ids: list[uuid.UUID],
        now: datetime,
    ) -> None:
        """Assignment history with effective dates (reports credit the owner at the time), and
        the current assignments. `open_periods` and `rows` map user id -> row id."""
        for user_id, period_id in open_periods.items():
            if user_id not in csm_ids:
                self.closed_csm_periods.append(period_id)
        for user_id in csm_ids:
            if user_id not in open_periods:
                self.csm_periods.append(
                    {
                        "org_id": actor.org_id,
                        "account_id": account_id,
                        "user_id": user_id,
                        "assigned_at": now,
                        "changed_by_id": actor.user_id,
                    }
                )
        self.removed_csm_rows += [row for user, row in rows.items() if user not in csm_ids]
        self.csm_rows += [
            {"org_id": actor.org_id, "account_id": account_id, "user_id": u}
            for u in csm_ids
            if u not in rows
        ]

    def score(self, actor: Actor, account_id: uuid.UUID, score: int, now: datetime) -> None:
        self.scores.append(
            {
                "org_id": actor.org_id,
                "account_id": account_id,
                "score": score,
                "recorded_at": now,
                "changed_by_id": actor.user_id,
            }
        )

    def writes(self, repo: AccountBatchRepository, now: datetime) -> list[Write | None]:
        """What to write, to send with the accounts' own writes: none of these rows is
        another's (a period closed is never one opened, a CSM row deleted never one added)."""
        return [
            repo.stage_periods_closed(self.closed_stages, now),
            insert_write(StagePeriod, self.stage_periods),
            insert_write(CsmScoreEntry, self.scores),
            repo.csm_periods_closed(self.closed_csm_periods, now),
            insert_write(CsmAssignmentPeriod, self.csm_periods),
            repo.csm_rows_deleted(self.removed_csm_rows),
            insert_write(AccountCsm, self.csm_rows),
        ]


async def _create(rules: _Rules, chunk: Sequence[_Item], now: datetime) -> list[uuid.UUID]:
    actor, history = rules.actor, _History()
    rows: list[dict[str, Any]] = []
    audited: list[tuple[uuid.UUID, dict[str, Any] | None, dict[str, Any] | None]] = []
    for item in chunk:
        account_id, values = item.account_id, item.values
        row = {
            **values,
            "id": account_id,
            "org_id": actor.org_id,
            "custom_values": {
                k: v for k, v in rules.custom(item.custom_values or {}).items() if v is not None
            },
        }
        rows.append(row)
        csm_ids = rules.csm_list(item.new_csm_ids)
        history.csm_assignments(actor, account_id, {}, {}, csm_ids, now)
        if (stage_id := values.get("stage_id")) is not None:
            history.stage(actor, account_id, None, stage_id, rules.stages[stage_id], now)
        if (score := values.get("csm_score")) is not None:
            history.score(actor, account_id, score, now)
        created = {**_NEW_ACCOUNT, **row, "csm_ids": csm_ids, "created_at": now, "updated_at": now}
        audited.append((account_id, None, snapshot(created)))
    # The accounts first: their histories and current CSMs name them.
    await rules.repo.insert(Account, rows)
    await send(
        rules.session,
        [
            *history.writes(rules.repo, now),
            audit.many_for(actor, "account.created", "account", audited),
        ],
    )
    return [item.account_id for item in chunk]


# What a new account starts without: its status, NPS and churn come later.
_NEW_ACCOUNT: dict[str, Any] = {
    "status_title": None,
    "status_details": None,
    "status_at": None,
    "status_author_id": None,
    "nps": None,
    "churned_on": None,
    "churn_reason": None,
    "deleted_at": None,
}


async def _edit(rules: _Rules, chunk: Sequence[_Item], now: datetime) -> list[uuid.UUID]:
    actor, repo, history = rules.actor, rules.repo, _History()
    ids = [item.account_id for item in chunk]
    current = {row["id"]: row for row in await repo.rows(ids)}
    for item in chunk:
        if item.account_id not in current:
            raise _ItemRefused(item.index, AccountNotFound())
    # user id -> row id, per account: its account_csms rows, and its open assignment periods.
    # Read only when an item changes CSMs: otherwise the lists stay as they are and no audit
    # entry records them (a score edit sends one statement fewer).
    csm_rows: dict[uuid.UUID, dict[uuid.UUID, uuid.UUID]] = {i: {} for i in ids}
    open_csms: dict[uuid.UUID, dict[uuid.UUID, uuid.UUID]] = {i: {} for i in ids}
    if any(item.edit and item.edit.csms for item in chunk):
        for row_id, account_id, user_id in await repo.csm_rows(ids):
            csm_rows[account_id][user_id] = row_id
        for period_id, account_id, user_id in await repo.open_csm_periods(ids):
            open_csms[account_id][user_id] = period_id
    open_stages: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID | None]] = {}
    if any("stage_id" in item.values for item in chunk):
        for period_id, account_id, stage_id in await repo.open_stage_periods(ids):
            open_stages.setdefault(account_id, (period_id, stage_id))

    new_csms: dict[uuid.UUID, list[uuid.UUID]] = {}
    for item in chunk:
        assert item.edit is not None
        if (change := item.edit.csms) is not None:
            csm_ids = list(csm_rows[item.account_id])
            listed = change.apply(csm_ids)
            if listed != csm_ids or not change.only_if_different:
                new_csms[item.account_id] = listed
    await rules.check_csms([u for listed in new_csms.values() for u in listed])

    # Accounts changing the same columns share one UPDATE.
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    audited: list[tuple[uuid.UUID, dict[str, Any] | None, dict[str, Any] | None]] = []
    for item in chunk:
        edit, account_id = item.edit, item.account_id
        assert edit is not None
        row = current[account_id]
        csm_ids = list(csm_rows[account_id])
        before = snapshot({**row, "csm_ids": csm_ids})
        changes = dict(edit.fields)
        if "stage_id" in changes and changes["stage_id"] != row["stage_id"]:
            stage_id = changes["stage_id"]
            name = rules.stages[stage_id] if stage_id else ""
            history.stage(actor, account_id, open_stages.get(account_id), stage_id, name, now)
        if changes.get("csm_score") is not None and changes["csm_score"] != row["csm_score"]:
            history.score(actor, account_id, changes["csm_score"], now)
        if edit.custom_values is not None:
            merged = {**row["custom_values"], **rules.custom(edit.custom_values)}
            changes["custom_values"] = {k: v for k, v in merged.items() if v is not None}
        if account_id in new_csms:
            try:
                csm_ids = rules.csm_list(new_csms[account_id])
            except DomainError as exc:
                raise _ItemRefused(item.index, exc) from None
            history.csm_assignments(
                actor, account_id, open_csms[account_id], csm_rows[account_id], csm_ids, now
            )
        after = snapshot({**row, **changes, "csm_ids": csm_ids})
        if not edit.always and account_id not in new_csms and after == before:
            continue
        updates.setdefault(tuple(sorted(changes)), []).append({"id": account_id, **changes})
        audited.append((account_id, *changed(before, after)))
    # One statement: an edit of a score was three round trips (the account, its score entry,
    # its audit entry), each waiting its turn for the cores again under load.
    await send(
        rules.session,
        [
            *(
                repo.accounts_update(list(keys), rows, updated_at=now)
                for keys, rows in updates.items()
            ),
            *history.writes(repo, now),
            audit.many_for(actor, "account.updated", "account", audited),
        ],
    )
    written = [account_id for account_id, _, _ in audited]
    await repo.reload_held(written)
    return written


async def churn_accounts(
    session: AsyncSession,
    actor: Actor,
    account_ids: Sequence[uuid.UUID],
    data: ChurnCreate,
    *,
    skip_churned: bool = False,
) -> list[uuid.UUID]:
    """Mark accounts churned on the same date for the same reason, as `churn_each` does (a
    churn event and an audit entry each) but in one statement over the whole set."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    _check_churn_day(data, await org_today(session, actor.org_id))
    now = clock.now()
    await session.flush()
    repo = AccountBatchRepository(session, actor)
    ids = await _visible(repo, account_ids)
    change = await repo.churn_all(
        ids, churned_on=data.churned_on, reason=data.reason, skip_churned=skip_churned, now=now
    )
    already = None if skip_churned else AlreadyChurned
    return await _state_changed(session, actor, repo, account_ids, change, already)


def _check_churn_day(data: ChurnCreate, today: date, index: int | None = None) -> None:
    """A churn is recorded when it has happened: its day is not after the organisation's
    today (reports would count it in a month still to come)."""
    if data.churned_on > today:
        error = ChurnedInTheFuture(
            f"churned_on: {data.churned_on.isoformat()} is after today ({today.isoformat()})"
        )
        raise error if index is None else refused(error, index)


async def churn_each(
    session: AsyncSession,
    actor: Actor,
    churns: Sequence[tuple[uuid.UUID, ChurnCreate]],
    *,
    skip_churned: bool = False,
) -> list[uuid.UUID]:
    """Mark each account churned with its date and reason: it leaves the active book but stays
    in churn reporting, with a churn event and an audit entry. An account already churned is
    refused, or with `skip_churned` (a bulk edit) left alone. Returns the accounts churned."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    now = clock.now()
    await session.flush()
    repo = AccountBatchRepository(session, actor)
    today = await org_today(session, actor.org_id)
    churned: list[uuid.UUID] = []
    for start, chunk in enumerate(_chunks(churns)):
        ids = [account_id for account_id, _ in chunk]
        current = {row["id"]: row for row in await repo.rows(ids)}
        csm_rows = await _csm_ids(repo, ids)
        audited: list[tuple[uuid.UUID, dict[str, Any] | None, dict[str, Any] | None]] = []
        changes: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for index, (account_id, data) in enumerate(chunk):
            _check_churn_day(data, today, start * CHUNK + index)
            row = current.get(account_id)
            if row is None:
                raise refused(AccountNotFound(), start * CHUNK + index)
            if row["churned_on"] is not None:
                if skip_churned:
                    continue
                raise refused(AlreadyChurned(), start * CHUNK + index)
            change = {"churned_on": data.churned_on, "churn_reason": data.reason}
            before = snapshot({**row, "csm_ids": csm_rows[account_id]})
            after = snapshot({**row, **change, "csm_ids": csm_rows[account_id]})
            audited.append((account_id, *changed(before, after)))
            changes.append({"id": account_id, **change})
            events.append(
                {
                    "org_id": actor.org_id,
                    "account_id": account_id,
                    "churned_on": data.churned_on,
                    "reason": data.reason,
                    "changed_by_id": actor.user_id,
                }
            )
        if not changes:
            continue
        await send(
            session,
            [
                repo.accounts_update(["churned_on", "churn_reason"], changes, updated_at=now),
                insert_write(ChurnEvent, events),
                audit.many_for(actor, "account.churned", "account", audited),
            ],
        )
        written = [account_id for account_id, _, _ in audited]
        await repo.reload_held(written)
        churned += written
    await figures.note(session, actor.org_id, churned)
    return churned


async def reactivate_accounts(
    session: AsyncSession,
    actor: Actor,
    account_ids: Sequence[uuid.UUID],
    *,
    on: date,
    skip_active: bool = False,
) -> list[uuid.UUID]:
    """Reactivate churned accounts on `on`: a reactivation, not new business. Each account's
    churn stays in its history (its open churn event gets the reactivation date), and gets an
    audit entry; one statement however many accounts. An account that is not churned is
    refused, or with `skip_active` (a bulk edit) left alone. Returns the accounts
    reactivated."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    now = clock.now()
    await session.flush()
    repo = AccountBatchRepository(session, actor)
    ids = await _visible(repo, account_ids)
    change = await repo.reactivate_all(ids, reactivated_on=on, skip_active=skip_active, now=now)
    already = None if skip_active else NotChurned
    return await _state_changed(session, actor, repo, account_ids, change, already)


async def _visible(
    repo: AccountBatchRepository, account_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """The accounts among these the actor may see (as `rows` reads them): one outside a CSM's
    book is as missing as one that does not exist."""
    if repo.actor.sees_all_accounts:
        return list(account_ids)
    visible = await repo.live_ids_among(account_ids)
    return [account_id for account_id in account_ids if account_id in visible]


async def _state_changed(
    session: AsyncSession,
    actor: Actor,
    repo: AccountBatchRepository,
    account_ids: Sequence[uuid.UUID],
    change: StateChange,
    already: type[DomainError] | None,
) -> list[uuid.UUID]:
    """The accounts a churn or reactivation wrote. Unless those `already` in that state were
    to be skipped (None), the first account refused (missing, or `already`) is named: then none
    was written."""
    # One was refused (nothing written), or one asked for is out of the actor's sight (named
    # all the same: the caller's transaction takes back what was written).
    if already is not None and (change.found is not None or len(change.written) < len(account_ids)):
        found = set(change.written if change.found is None else change.found)
        unchanged = set(change.unchanged or ())
        for index, account_id in enumerate(account_ids):
            if account_id not in found:
                raise refused(AccountNotFound(), index)
            if account_id in unchanged:
                raise refused(already(), index)
    await repo.reload_held(change.written)
    await figures.note(session, actor.org_id, change.written)
    return change.written


async def _csm_ids(
    repo: AccountBatchRepository, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Each account's current CSMs (for the audit snapshots)."""
    csm_ids: dict[uuid.UUID, list[uuid.UUID]] = {account_id: [] for account_id in account_ids}
    for _, account_id, user_id in await repo.csm_rows(account_ids):
        csm_ids[account_id].append(user_id)
    return csm_ids
