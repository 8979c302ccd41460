"""Accounts and their custom metric values as an integrator sends them: by external id, with
names (tier, stage) and emails (CSMs) instead of Tenure's ids, in batches where each record
succeeds or fails on its own. Writes go through the one account write path
(`bulk_writes.write_accounts`), so histories and the audit log are the same as for any edit."""

import uuid
from collections.abc import Collection
from dataclasses import replace
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.bulk_writes import AccountEdit, NewAccount, write_accounts
from domain.accounts.errors import (
    ExternalIdTaken,
    NotACsm,
    ParentNotFound,
    UnknownStage,
    UnknownTier,
)
from domain.accounts.models import LifecycleStage, Tier
from domain.accounts.repository import AccountBatchRepository, ConfigRepository
from domain.accounts.schemas import (
    DOMAIN,
    AccountCreate,
    AccountName,
    AccountUpdate,
    CustomValue,
    Domain,
    ExternalId,
)
from domain.common.batches import (
    Batch,
    BatchOutcome,
    batch_items,
    read_batch,
    single,
    webhook_body,
)
from domain.common.db import RaceLost, retries_races
from domain.common.errors import DomainError
from domain.common.schemas import BatchResult, RequestModel
from domain.common.types import Day
from domain.integration import webhooks
from domain.tenancy.errors import UnknownAccount
from domain.users import service as users
from domain.users.actor import Actor, require
from domain.users.models import UserStatus
from domain.users.permissions import Permission


class AccountUpsert(BaseModel):
    """An account by its external id: created when new (a name is then required), otherwise
    only the fields sent change (null clears one)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_id": "acme-001",
                    "name": "Acme Corp",
                    "domain": "acme.com",
                    "tier": "Tier 1",
                    "stage": "Onboarding",
                    "csm_emails": ["csm@demo.example.com"],
                    "renewal_on": "2027-03-31",
                    "custom_values": {"seats": 120},
                }
            ]
        },
    )

    external_id: ExternalId
    name: AccountName | None = None
    crm_id: ExternalId | None = None
    billing_id: ExternalId | None = None
    support_id: ExternalId | None = None
    domain: Domain | None = Field(None, description=DOMAIN)
    joined_on: Day | None = None
    renewal_on: Day | None = None
    parent_external_id: ExternalId | None = Field(
        None, description="The parent account's external id (it may come in the same batch)"
    )
    tier: Annotated[str, Field(max_length=100)] | None = Field(None, description="Tier name")
    stage: Annotated[str, Field(max_length=100)] | None = Field(
        None, description="Lifecycle stage name"
    )
    csm_emails: list[EmailStr] | None = Field(None, max_length=20)
    csm_score: Annotated[int, Field(ge=0, le=100)] | None = None
    custom_values: dict[str, CustomValue] | None = Field(None, max_length=200)


class MetricValues(BaseModel):
    """Values of the organisation's custom fields for one account (null removes one)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"account_external_id": "acme-001", "values": {"seats": 120}}]
        },
    )

    account_external_id: ExternalId
    values: dict[str, CustomValue] = Field(min_length=1, max_length=200)


class AccountUpsertBatch(RequestModel):
    items: list[AccountUpsert] = batch_items()


class MetricValuesBatch(RequestModel):
    items: list[MetricValues] = batch_items()


_account_item = TypeAdapter(AccountUpsert)
_metric_values_item = TypeAdapter(MetricValues)


class _Names:
    """What integrators name by text, resolved to ids once per batch."""

    def __init__(
        self,
        tiers: list[Tier],
        stages: list[LifecycleStage],
        csms: dict[str, uuid.UUID],
        accounts: dict[str, uuid.UUID],
    ) -> None:
        self.tiers = {t.name.lower(): t.id for t in tiers}
        self.stages = {s.name.lower(): s.id for s in stages}
        self.csms, self.accounts = csms, accounts
        # An unknown name is answered with the ones that exist, in their order.
        self.choices = {
            "tier": [t.name for t in tiers],
            "stage": [s.name for s in stages],
        }

    @classmethod
    async def load(cls, session: AsyncSession, actor: Actor, external_ids: set[str]) -> "_Names":
        config = ConfigRepository(session, actor.org_id)
        csms = {
            u.email.lower(): u.id
            for u in await users.list_users(session, actor)
            if u.status != UserStatus.INACTIVE and Permission.CSM_SEAT in u.role.permissions
        }
        accounts = await AccountBatchRepository(session, actor).external_ids_in_use(external_ids)
        return cls(
            tiers=list(await config.all(Tier)),
            stages=list(await config.all(LifecycleStage)),
            csms=csms,
            accounts=accounts,
        )

    def lookup(
        self,
        table: dict[str, uuid.UUID],
        name: str | None,
        what: str,
        missing: type[DomainError],
    ) -> uuid.UUID | None:
        if name is None:
            return None
        found = table.get(name.lower())
        if found is None:
            known = self.choices.get(what)
            if known is not None:
                listed = ", ".join(known) if known else "none yet"
                raise missing(f"Unknown {what} {name!r}; {what}s are: {listed}")
            raise missing(f"Unknown {what} {name!r}")
        return found


def _as_write(item: AccountUpsert, names: _Names, new_ids: dict[str, uuid.UUID]) -> Any:
    sent = item.model_dump(exclude_unset=True)
    fields: dict[str, Any] = {
        k: v
        for k, v in sent.items()
        if k not in ("parent_external_id", "tier", "stage", "csm_emails")
    }
    if "tier" in sent:
        fields["tier_id"] = names.lookup(names.tiers, item.tier, "tier", UnknownTier)
    if "stage" in sent:
        fields["stage_id"] = names.lookup(names.stages, item.stage, "stage", UnknownStage)
    if "csm_emails" in sent:
        fields["csm_ids"] = [
            names.lookup(names.csms, email, "CSM (no active user with a CSM seat)", NotACsm)
            for email in item.csm_emails or []
        ]
    if "parent_external_id" in sent:
        parent = item.parent_external_id
        parent_id = None if parent is None else names.accounts.get(parent) or new_ids.get(parent)
        if parent is not None and parent_id is None:
            raise ParentNotFound(f"Unknown parent account {parent!r}")
        fields["parent_id"] = parent_id
    existing = names.accounts.get(item.external_id)
    if existing is not None:
        # Sending the same record again writes nothing (no audit entry, no updated_at).
        return AccountEdit.of(existing, AccountUpdate.model_validate(fields), always=False)
    if item.name is None:
        raise ValueError("name: required for a new account")
    return NewAccount(AccountCreate.model_validate(fields), id=new_ids[item.external_id])


def _without_refused_parents(
    writes: list[tuple[int, str, Any]],
    items: dict[int, AccountUpsert],
    refused: set[str],
    outcome: BatchOutcome,
) -> list[tuple[int, str, Any]]:
    """The writes left once the accounts whose new parent was refused in this batch (and
    theirs in turn) are refused too, with that reason rather than "the parent does not
    exist"."""
    while True:
        orphans = [w for w in writes if items[w[0]].parent_external_id in refused]
        if not orphans:
            return writes
        for index, external_id, _ in orphans:
            parent = items[index].parent_external_id
            outcome.reject(
                index,
                external_id,
                f"parent_external_id: the parent {parent!r} was refused in this batch",
            )
            refused.add(external_id)
        writes = [w for w in writes if w[1] not in refused]


async def _write_each(
    session: AsyncSession,
    actor: Actor,
    writes: list[tuple[int, str, Any]],
    outcome: BatchOutcome,
    new_external_ids: Collection[str],
) -> None:
    """Write the batch at once; when a rule refuses an item, report it and write the rest
    (each attempt in a savepoint, so a refused attempt leaves nothing behind)."""
    # Ingesting is an organisation-wide account write: it is what an ingest key is for.
    writer = replace(
        actor,
        permissions=actor.permissions | {Permission.UPDATE_ACCOUNTS, Permission.VIEW_ALL_ACCOUNTS},
    )
    while writes:
        try:
            async with session.begin_nested():
                await write_accounts(session, writer, [w for _, _, w in writes])
        except DomainError as exc:
            position = exc.extra.get("index")
            if not isinstance(position, int):
                raise
            index, id_, _ = writes.pop(position)
            if isinstance(exc, ExternalIdTaken) and id_ in new_external_ids:
                raise RaceLost() from exc
            outcome.reject(index, id_, exc.detail, exc)
            continue
        outcome.accepted += len(writes)
        return


async def upsert_accounts(session: AsyncSession, actor: Actor, body: bytes) -> BatchResult:
    """Create or update accounts by external id (a JSON body `{"items": [...]}`); each record
    succeeds or fails on its own."""
    require(actor, Permission.INGEST_DATA)
    batch = read_batch(
        body, AccountUpsertBatch, _account_item, what="account", id_keys=("external_id",)
    )
    return await _upsert_accounts(session, actor, batch)


@retries_races
async def _upsert_accounts(
    session: AsyncSession, actor: Actor, batch: Batch[AccountUpsert]
) -> BatchResult:
    outcome = batch.outcome()
    seen: set[str] = set()
    unique: list[tuple[int, AccountUpsert]] = []
    for index, item in batch.items:
        if item.external_id in seen:
            outcome.reject(index, item.external_id, "external_id: repeated in this batch")
        else:
            seen.add(item.external_id)
            unique.append((index, item))
    wanted = seen | {i.parent_external_id for _, i in unique if i.parent_external_id}
    names = await _Names.load(session, actor, wanted)
    new_ids = {ext: uuid.uuid4() for ext in seen if ext not in names.accounts}
    writes: list[tuple[int, str, Any]] = []
    refused: set[str] = set()
    for index, item in unique:
        try:
            writes.append((index, item.external_id, _as_write(item, names, new_ids)))
        except (ValueError, DomainError) as exc:
            cause = exc if isinstance(exc, DomainError) else None
            outcome.reject(index, item.external_id, str(exc), cause)
            refused.add(item.external_id)
    # A refused update leaves its account in place: only refused new accounts are missing.
    writes = _without_refused_parents(
        writes, dict(unique), refused - names.accounts.keys(), outcome
    )
    await _write_each(session, actor, writes, outcome, new_ids.keys())
    # What is left in `writes` was stored (refused items were taken out).
    for index, external_id, _ in writes:
        outcome.stored(index, external_id, names.accounts.get(external_id) or new_ids[external_id])
    return outcome.result()


async def set_metric_values(session: AsyncSession, actor: Actor, body: bytes) -> BatchResult:
    """Set custom dimension and metric values of accounts by external id (a JSON body
    `{"items": [...]}`; typed: a text in a number field is refused for that record only)."""
    require(actor, Permission.INGEST_DATA)
    batch = read_batch(
        body,
        MetricValuesBatch,
        _metric_values_item,
        what="custom values",
        id_keys=("account_external_id",),
    )
    return await _set_metric_values(session, actor, batch)


async def _set_metric_values(
    session: AsyncSession, actor: Actor, batch: Batch[MetricValues]
) -> BatchResult:
    outcome = batch.outcome()
    names = await _Names.load(session, actor, {i.account_external_id for _, i in batch.items})
    writes: list[tuple[int, str, Any]] = []
    for index, item in batch.items:
        account_id = names.accounts.get(item.account_external_id)
        if account_id is None:
            message = f"Unknown account {item.account_external_id!r}"
            outcome.reject(index, item.account_external_id, message, UnknownAccount(message))
            continue
        writes.append(
            (
                index,
                item.account_external_id,
                AccountEdit(account_id, custom_values=item.values, always=False),
            )
        )
    await _write_each(session, actor, writes, outcome, ())
    for index, external_id, write in writes:
        outcome.stored(index, external_id, write.account_id)
    return outcome.result()


async def upsert_account(session: AsyncSession, actor: Actor, item: AccountUpsert) -> uuid.UUID:
    """One account as a batch item would be (only the fields sent change); its id."""
    require(actor, Permission.INGEST_DATA)
    result = await _upsert_accounts(session, actor, Batch.of(item))
    single(result)
    return result.records[0].id


async def set_account_metric_values(
    session: AsyncSession, actor: Actor, item: MetricValues
) -> uuid.UUID:
    """One account's custom values as a batch item would set them; the account's id."""
    require(actor, Permission.INGEST_DATA)
    result = await _set_metric_values(session, actor, Batch.of(item))
    single(result)
    return result.records[0].id


@webhooks.handles("accounts.upsert", AccountUpsertBatch, AccountUpsert)
async def _accounts_webhook(session: AsyncSession, actor: Actor, data: Any) -> BatchResult:
    return await upsert_accounts(session, actor, webhook_body(data))


@webhooks.handles("metric_values.set", MetricValuesBatch, MetricValues)
async def _metric_values_webhook(session: AsyncSession, actor: Actor, data: Any) -> BatchResult:
    return await set_metric_values(session, actor, webhook_body(data))
