"""Bulk edit and CSV export of selected or all-matching accounts."""

import csv
import io
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import bulk_writes, service
from domain.accounts.errors import TooManyAccounts
from domain.accounts.fields import HEALTH_PREFIX, check_columns
from domain.accounts.models import Account, CustomField, LifecycleStage, Tier
from domain.accounts.repository import AccountRepository, ConfigRepository
from domain.accounts.schemas import AccountExport, AccountSelection, AccountUpdate, BulkEdit
from domain.common.spreadsheet import csv_cell
from domain.filters.compile import FieldDef, Ordering
from domain.metrics import service as metrics
from domain.users import service as users
from domain.users.actor import Actor, require
from domain.users.permissions import Permission

# A bulk edit is one request and a few set-based statements however many accounts match; the
# ceiling only keeps a request bounded (as the export's).
MAX_BULK = 200_000
MAX_EXPORT = 200_000


async def _select(
    session: AsyncSession,
    actor: Actor,
    selection: AccountSelection,
    *,
    fields: dict[str, FieldDef],
    order: Ordering,
    descending: bool,
    limit: int,
) -> list[Account]:
    return await AccountRepository(session, actor).matching(
        q=selection.q,
        condition=await service.compile_filter(session, actor, selection.filter, fields=fields),
        churned=selection.churned,
        account_ids=selection.account_ids,
        order=order,
        descending=descending,
        limit=limit,
    )


async def bulk_edit(session: AsyncSession, actor: Actor, data: BulkEdit) -> tuple[int, int]:
    """Apply the same changes to every selected account, checked against the same rules as a
    single edit and writing the same histories (stage, CSMs, score, churn events) and audit
    entries, in a few set-based statements however many accounts match. Fields change first,
    then the churn or reactivation. Returns (matched, updated)."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    selection = data.selection
    account_ids = await AccountRepository(session, actor).matching_ids(
        q=selection.q,
        condition=await service.compile_filter(session, actor, selection.filter),
        churned=selection.churned,
        account_ids=selection.account_ids,
        limit=MAX_BULK + 1,
        by_name=False,
    )
    if len(account_ids) > MAX_BULK:
        raise TooManyAccounts(f"Select at most {MAX_BULK:,} accounts for a bulk edit")
    changes = data.changes
    update = AccountUpdate.model_validate(
        changes.model_dump(
            exclude_unset=True,
            exclude={"set_csm_ids", "add_csm_ids", "remove_csm_ids", "churn", "reactivate"},
        )
    )
    csms = None
    if any(
        c is not None for c in (changes.set_csm_ids, changes.add_csm_ids, changes.remove_csm_ids)
    ):
        csms = bulk_writes.CsmChange(
            replace=changes.set_csm_ids,
            add=changes.add_csm_ids or (),
            remove=changes.remove_csm_ids or (),
            only_if_different=True,
        )
    # An account is written when a field is set, or else only when its CSMs change.
    updated: list[uuid.UUID] = []
    if update.model_fields_set or csms is not None:
        updated += await bulk_writes.write_same_edit(
            session, actor, account_ids, update, csms=csms, always=bool(update.model_fields_set)
        )
    if changes.churn is not None:
        updated += await bulk_writes.churn_accounts(
            session, actor, account_ids, changes.churn, skip_churned=True
        )
    if changes.reactivate:
        today = await service.org_today(session, actor.org_id)
        updated += await bulk_writes.reactivate_accounts(
            session, actor, account_ids, on=today, skip_active=True
        )
    return len(account_ids), len(set(updated))


async def export_csv(session: AsyncSession, actor: Actor, data: AccountExport) -> str:
    """Every matching account the caller may see, one row each, in the chosen columns and
    order. Metric columns hold the current values, read for all the accounts at once."""
    fields = await service.filter_fields(session, actor)
    check_columns(data.columns, fields)  # as the list checks them
    order = await service.list_order(session, actor, data.sort, fields=fields)
    config = ConfigRepository(session, actor.org_id)
    tiers = {t.id: t.name for t in await config.all(Tier)}
    stages = {s.id: s.name for s in await config.all(LifecycleStage)}
    custom = {f.key for f in await config.all(CustomField)}
    people = {u.id: u.email for u in await users.list_users(session, actor)}
    today = await service.org_today(session, actor.org_id)
    derived: dict[str, Callable[[Account], Any]] = {
        "tier": lambda a: tiers.get(a.tier_id) if a.tier_id else None,
        "stage": lambda a: stages.get(a.stage_id) if a.stage_id else None,
        "csm": lambda a: "; ".join(people.get(u, str(u)) for u in a.csm_ids),
        "churned": lambda a: a.churned_on is not None,
        "has_parent": lambda a: a.parent_id is not None,
        "days_to_renewal": lambda a: (a.renewal_on - today).days if a.renewal_on else None,
        "days_since_joined": lambda a: (today - a.joined_on).days if a.joined_on else None,
    }

    accounts = await _select(
        session,
        actor,
        data.selection,
        fields=fields,
        order=order,
        descending=data.descending,
        limit=MAX_EXPORT,
    )
    ids = [a.id for a in accounts]
    metric_values = await metrics.current_values(
        session, actor, ids, service.metric_keys(data.columns)
    )
    health = await service.health_values(session, actor, ids, data.columns, fields)

    def cell(account: Account, column: str) -> str:
        if column in derived:
            return csv_cell(derived[column](account))
        if column.startswith("custom.") and column[7:] in custom:
            return csv_cell(account.custom_values.get(column[7:]))
        if column.startswith(service.METRIC_PREFIX):
            key = column.removeprefix(service.METRIC_PREFIX)
            return csv_cell(metric_values.get(account.id, {}).get(key))
        if column.startswith(HEALTH_PREFIX):
            return csv_cell(health.get(account.id, {}).get(column.removeprefix(HEALTH_PREFIX)))
        return csv_cell(getattr(account, column))

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([fields[c].label for c in data.columns])
    for account in accounts:
        writer.writerow([cell(account, c) for c in data.columns])
    return out.getvalue()
