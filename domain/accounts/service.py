import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.errors import AccountNotDeleted, AccountNotFound, ExternalIdTaken, NotACsm
from domain.accounts.models import Account, AccountCsm
from domain.accounts.repository import AccountRepository
from domain.accounts.schemas import AccountCreate, AccountRead, AccountSort, AccountUpdate
from domain.audit import service as audit
from domain.common import clock
from domain.common.pagination import Paged
from domain.users import service as users
from domain.users.actor import Actor, require
from domain.users.permissions import Permission


def _snapshot(account: Account) -> dict[str, Any]:
    return AccountRead.model_validate(account).model_dump(
        mode="json", exclude={"created_at", "updated_at"}
    )


async def get_account(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> Account:
    account = await AccountRepository(session, actor).get(account_id)
    if account is None:
        raise AccountNotFound()
    return account


async def list_accounts(
    session: AsyncSession,
    actor: Actor,
    *,
    q: str | None = None,
    sort: AccountSort = AccountSort.NAME,
    descending: bool = False,
    limit: int = 50,
    offset: int = 0,
    deleted: bool = False,
) -> Paged[Account]:
    if deleted:
        require(actor, Permission.DELETE_ACCOUNTS)
    items, total = await AccountRepository(session, actor).page(
        q=q, sort=sort, descending=descending, limit=limit, offset=offset, deleted=deleted
    )
    return Paged(items=items, total=total, limit=limit, offset=offset)


async def _validate_csms(
    session: AsyncSession, actor: Actor, csm_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    wanted = list(dict.fromkeys(csm_ids))
    if not wanted:
        return []
    found = await users.csm_ids_among(session, actor.org_id, wanted)
    if missing := [str(i) for i in wanted if i not in found]:
        raise NotACsm(f"Not a CSM in this organisation: {', '.join(missing)}")
    return wanted


async def create_account(session: AsyncSession, actor: Actor, data: AccountCreate) -> Account:
    require(actor, Permission.UPDATE_ACCOUNTS)
    repo = AccountRepository(session, actor)
    if await repo.external_id_taken(data.external_id, except_id=None):
        raise ExternalIdTaken()
    csm_ids = await _validate_csms(session, actor, data.csm_ids)
    account = Account(
        id=uuid.uuid4(),
        org_id=actor.org_id,
        **data.model_dump(exclude={"csm_ids"}),
        csm_assignments=[AccountCsm(org_id=actor.org_id, user_id=user_id) for user_id in csm_ids],
    )
    session.add(account)
    await session.flush()
    # Only the server-set timestamps: a full refresh would unload the (lazy="raise") CSMs.
    await session.refresh(account, ["created_at", "updated_at"])
    audit.record_for(
        session, actor, "account.created", "account", account.id, after=_snapshot(account)
    )
    return account


async def update_account(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, data: AccountUpdate
) -> Account:
    require(actor, Permission.UPDATE_ACCOUNTS)
    repo = AccountRepository(session, actor)
    account = await get_account(session, actor, account_id)
    before = _snapshot(account)
    changes = data.model_dump(exclude_unset=True, exclude={"csm_ids"})
    if "name" in changes and changes["name"] is None:
        del changes["name"]
    if "external_id" in changes:
        if changes["external_id"] is None:
            del changes["external_id"]
        elif await repo.external_id_taken(changes["external_id"], except_id=account.id):
            raise ExternalIdTaken()
    for field, value in changes.items():
        setattr(account, field, value)
    if data.csm_ids is not None:
        csm_ids = await _validate_csms(session, actor, data.csm_ids)
        current = {a.user_id: a for a in account.csm_assignments}
        account.csm_assignments = [
            current.get(u) or AccountCsm(org_id=actor.org_id, user_id=u) for u in csm_ids
        ]
    account.updated_at = clock.now()
    await session.flush()
    audit.record_for(
        session,
        actor,
        "account.updated",
        "account",
        account.id,
        before=before,
        after=_snapshot(account),
    )
    return account


async def delete_account(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> None:
    """Soft delete: the account leaves every view and report; an admin can restore it."""
    require(actor, Permission.DELETE_ACCOUNTS)
    account = await get_account(session, actor, account_id)
    account.deleted_at = clock.now()
    audit.record_for(
        session, actor, "account.deleted", "account", account.id, before=_snapshot(account)
    )


async def restore_account(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> Account:
    require(actor, Permission.DELETE_ACCOUNTS)
    repo = AccountRepository(session, actor)
    account = await repo.get(account_id, deleted=True)
    if account is None:
        if await repo.get(account_id) is not None:
            raise AccountNotDeleted()
        raise AccountNotFound()
    if await repo.external_id_taken(account.external_id, except_id=account.id):
        raise ExternalIdTaken(
            "A live account now has this external id; change one of them before restoring"
        )
    account.deleted_at = None
    audit.record_for(
        session, actor, "account.restored", "account", account.id, after=_snapshot(account)
    )
    return account
