"""API keys (created, listed, revoked by admins; authenticated on every integrator call) and
the API log of each key's calls."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import service as audit
from domain.common import clock
from domain.common.pagination import Paged
from domain.integration import keys
from domain.integration.errors import ApiKeyNotFound, InvalidApiKey, ScopeBeyondYourPermissions
from domain.integration.models import ApiCall, ApiKey, ApiScope
from domain.integration.repository import (
    IntegrationRepository,
    find_key_in_any_organisation,
    prune_all_organisations,
)
from domain.integration.schemas import ApiKeyCreate
from domain.tenancy.actor import Actor, require
from domain.tenancy.permissions import Permission

P = Permission
SCOPE_PERMISSIONS: dict[ApiScope, frozenset[Permission]] = {
    ApiScope.READ: frozenset({P.VIEW_ALL_ACCOUNTS}),
    ApiScope.INGEST: frozenset({P.INGEST_DATA}),
    # Everything an integration does; never users, roles, keys or organisation settings.
    ApiScope.FULL: frozenset(
        {P.VIEW_ALL_ACCOUNTS, P.UPDATE_ACCOUNTS, P.DELETE_ACCOUNTS, P.INGEST_DATA}
    ),
}
# How many rejected records one log entry keeps (the counts are always complete).
MAX_LOGGED_ERRORS = 100
API_LOG_RETENTION = timedelta(days=14)
# A sender retries a webhook with the same id for days (Standard Webhooks senders for up to
# about three); a replay older than a week is refused by its stale timestamp anyway.
WEBHOOK_ID_RETENTION = timedelta(days=7)
# last_used_at is written at most this often: a busy key must not serialise on its own row.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def permissions_for(scopes: list[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for scope in scopes:
        granted |= SCOPE_PERMISSIONS[ApiScope(scope)]
    return frozenset(granted)


def _snapshot(key: ApiKey) -> dict[str, Any]:
    return {"name": key.name, "prefix": key.prefix, "scopes": list(key.scopes)}


async def list_keys(session: AsyncSession, actor: Actor) -> list[ApiKey]:
    require(actor, Permission.CONFIGURE_CONNECTORS)
    return await IntegrationRepository(session, actor.org_id).keys()


def _require_grantable(actor: Actor, scopes: list[str]) -> None:
    """Managing keys is not a licence to do everything: a key's scopes may grant only what its
    maker may do themselves (`full` deletes accounts; `read` reads every one)."""
    missing = permissions_for(scopes) - actor.permissions
    if missing:
        beyond = [s for s in scopes if SCOPE_PERMISSIONS[ApiScope(s)] & missing]
        raise ScopeBeyondYourPermissions(
            f"You may not make a key with the scope{'s' if len(beyond) > 1 else ''} "
            f"{', '.join(beyond)}: it needs permissions you do not have "
            f"({', '.join(sorted(missing))})"
        )


async def create_key(session: AsyncSession, actor: Actor, data: ApiKeyCreate) -> tuple[ApiKey, str]:
    """A new key and its secret, which is returned this once and never stored."""
    require(actor, Permission.CONFIGURE_CONNECTORS)
    scopes = sorted({s.value for s in data.scopes})
    _require_grantable(actor, scopes)
    new = keys.generate()
    key = ApiKey(
        id=uuid.uuid4(),
        org_id=actor.org_id,
        name=data.name,
        prefix=new.prefix,
        secret_hash=new.secret_hash,
        scopes=scopes,
        created_by_id=actor.user_id,
        created_at=clock.now(),
    )
    session.add(key)
    await session.flush()
    audit.record_for(session, actor, "api_key.created", "api_key", key.id, after=_snapshot(key))
    return key, new.key


async def _get(session: AsyncSession, actor: Actor, key_id: uuid.UUID) -> ApiKey:
    key = await IntegrationRepository(session, actor.org_id).key(key_id)
    if key is None:
        raise ApiKeyNotFound()
    return key


async def revoke_key(session: AsyncSession, actor: Actor, key_id: uuid.UUID) -> ApiKey:
    """Stops the key working at once; its API log stays readable."""
    require(actor, Permission.CONFIGURE_CONNECTORS)
    key = await _get(session, actor, key_id)
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        audit.record_for(
            session, actor, "api_key.revoked", "api_key", key.id, before=_snapshot(key)
        )
    return key


async def revoke_keys_made_by(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID
) -> list[ApiKey]:
    """Stop the live keys a user made as the user is deactivated: a key acts for its maker.
    The caller has checked that the actor may deactivate them (revoking is part of that, even
    without "configure connectors")."""
    now = clock.now()
    revoked = await IntegrationRepository(session, actor.org_id).live_keys_made_by(user_id)
    for key in revoked:
        key.revoked_at = now
        audit.record_for(
            session,
            actor,
            "api_key.revoked",
            "api_key",
            key.id,
            before=_snapshot(key),
            after={"reason": "maker_deactivated"},
        )
    return revoked


async def authenticate(session: AsyncSession, credential: str) -> Actor:
    """The actor an API key acts as: its scopes, as far as its maker may still do what they
    grant (a role that loses a permission takes it from the keys its users made); 401 for a
    malformed, unknown or revoked key, or one whose maker is no longer an active user."""
    prefix = keys.prefix_of(credential)
    found = await find_key_in_any_organisation(session, prefix) if prefix is not None else None
    key, maker_may = found or (None, None)
    if (
        key is None
        or key.revoked_at is not None
        or maker_may is None
        or not keys.matches(credential, key.secret_hash)
    ):
        raise InvalidApiKey()
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        await IntegrationRepository(session, key.org_id).note_key_used(
            key.id, now, unless_since=now - LAST_USED_RESOLUTION
        )
    return Actor(
        org_id=key.org_id,
        user_id=None,
        permissions=permissions_for(key.scopes) & {Permission(p) for p in maker_may},
        api_key_id=key.id,
    )


async def attribute_writes(session: AsyncSession, actor: Actor) -> None:
    """Name the acting key in every audit entry this transaction writes (the entries take it
    from the transaction's setting: `domain.audit.models.AuditEntry.actor_api_key_id`)."""
    if actor.api_key_id is not None:
        await IntegrationRepository(session, actor.org_id).attribute_writes_to(actor.api_key_id)


async def list_calls(
    session: AsyncSession,
    actor: Actor,
    key_id: uuid.UUID,
    *,
    only_errors: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Paged[ApiCall]:
    """The key's recent calls, newest first (kept for API_LOG_RETENTION)."""
    require(actor, Permission.CONFIGURE_CONNECTORS)
    key = await _get(session, actor, key_id)
    items, total = await IntegrationRepository(session, actor.org_id).calls(
        key.id, only_errors=only_errors, limit=limit, offset=offset
    )
    return Paged(items=items, total=total, limit=limit, offset=offset)


def record_call(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    api_key_id: uuid.UUID,
    method: str,
    path: str,
    status: int,
    request_id: str,
    received_at: datetime,
    duration_ms: int,
    accepted: int,
    rejected: int,
    errors: list[dict[str, Any]],
) -> None:
    session.add(
        ApiCall(
            org_id=org_id,
            api_key_id=api_key_id,
            method=method,
            path=path[:300],
            status=status,
            request_id=request_id,
            received_at=received_at,
            duration_ms=duration_ms,
            accepted=accepted,
            rejected=rejected,
            errors=errors[:MAX_LOGGED_ERRORS],
        )
    )


async def prune(session: AsyncSession, *, now: datetime) -> int:
    """Forget API calls and webhook ids older than their retention (a daily job); returns how
    many rows went."""
    return await prune_all_organisations(
        session,
        calls_before=now - API_LOG_RETENTION,
        deliveries_before=now - WEBHOOK_ID_RETENTION,
    )
