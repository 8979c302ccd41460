import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import from_json
from sqlalchemy import Select, Text, bindparam, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from domain.common.db import CompiledOnce
from domain.orgs.models import Organisation
from domain.users.models import (
    OneTimeToken,
    OneTimeTokenPurpose,
    RecoveryCode,
    RefreshToken,
    Role,
    User,
    UserStatus,
)


async def find_active_user_by_email(session: AsyncSession, email: str) -> User | None:
    """Unscoped on purpose: sign-in is where the organisation is not yet known. Only active
    users hold their address (invitations to it may wait in other organisations)."""
    return await session.scalar(
        select(User)
        .options(selectinload(User.role))
        .where(func.lower(User.email) == email.lower(), User.status == UserStatus.ACTIVE)
    )


async def find_refresh_token(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    """Unscoped on purpose: the token itself identifies its organisation."""
    return await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    )


async def find_link_token(
    session: AsyncSession, token_hash: str, purpose: OneTimeTokenPurpose
) -> OneTimeToken | None:
    """Unscoped on purpose: the token itself identifies its organisation."""
    return await session.scalar(
        select(OneTimeToken)
        .where(OneTimeToken.token_hash == token_hash, OneTimeToken.purpose == purpose)
        .with_for_update()
    )


# The lookup behind every signed-in request, built once: SQLAlchemy then reuses its compiled form
# without rebuilding the statement and its cache key (joined loads included) on each request.
_USER_WITH_ROLE_AND_ORGANISATION = (
    select(User)
    .options(joinedload(User.role), joinedload(User.organisation))
    .where(User.org_id == bindparam("org_id"), User.id == bindparam("user_id"))
)


@dataclass(frozen=True, slots=True)
class Principal:
    status: str
    token_version: int
    mfa_enabled: bool
    permissions: list[str]
    org_requires_mfa: bool


# The checks and permissions behind every signed-in request, as one row (no ORM entities): the
# user's status and token version, whether they must still enrol in 2FA, their role's permissions.
_PRINCIPAL_COLUMNS = {
    "status": User.status,
    "token_version": User.token_version,
    "mfa_enabled": User.mfa_enabled_at.is_not(None),
    "permissions": Role.permissions,
    "org_requires_mfa": Organisation.requires_mfa,
}


def _principal(*columns: Any, org_id: str, user_id: str) -> Select[*tuple[Any, ...]]:
    return (
        select(*columns)
        .join(Role, Role.id == User.role_id)
        .join(Organisation, Organisation.id == User.org_id)
        .where(User.org_id == bindparam(org_id), User.id == bindparam(user_id))
    )


_PRINCIPAL = CompiledOnce(
    _principal(
        *(column.label(name) for name, column in _PRINCIPAL_COLUMNS.items()),
        org_id="org_id",
        user_id="user_id",
    ),
    generic=True,
)

# The same row as one JSON text, for a read that checks its reader in its own statement
# (`domain.users.auth.presuming`): a subquery PostgreSQL runs once beside the read, where
# joined with the read's own tables it cost more planning than the separate statement. Text,
# not json: each of the read's rows carries it, and only one is parsed.
PRINCIPAL_CHECK = (
    _principal(
        cast(
            func.json_build_object(*(v for item in _PRINCIPAL_COLUMNS.items() for v in item)),
            Text,
        ),
        org_id="principal_org_id",
        user_id="principal_user_id",
    )
    .scalar_subquery()
    .label("principal")
)


@dataclass(slots=True)
class PrincipalCheck:
    """A read asked to check its reader in its own statement (`PRINCIPAL_CHECK`, bound to
    `values`): a read that can adds it to its rows and `take`s it; one that cannot (or that
    found no row to carry it) leaves it, and the reader is then read on its own."""

    values: dict[str, Any]
    carried: bool = False
    principal: Principal | None = None

    def take(self, rows: list[dict[str, Any]]) -> None:
        """Take the principal out of the read's rows (every row carries the same)."""
        for row in rows:
            found = row.pop("principal")
        if rows:
            self.carried = True
            self.principal = None if found is None else Principal(**from_json(found))

    @classmethod
    def of(cls, org_id: uuid.UUID, user_id: uuid.UUID) -> "PrincipalCheck":
        return cls({"principal_org_id": org_id, "principal_user_id": user_id})


# `GET /me` as one row: the user, their role and organisation (role columns prefixed `role_`).
_ME = CompiledOnce(
    select(
        User.id,
        User.email,
        User.full_name,
        User.status,
        User.role_id,
        User.manager_id,
        User.mfa_enabled_at.is_not(None).label("mfa_enabled"),
        User.last_login_at,
        User.invited_at,
        User.deactivated_at,
        User.created_at,
        User.token_version,
        User.org_id,
        Organisation.name.label("organisation_name"),
        Organisation.requires_mfa.label("organisation_requires_mfa"),
        Role.name.label("role_name"),
        Role.description.label("role_description"),
        Role.permissions.label("role_permissions"),
        Role.landing_page.label("role_landing_page"),
        Role.is_builtin.label("role_is_builtin"),
    )
    .join(Role, Role.id == User.role_id)
    .join(Organisation, Organisation.id == User.org_id)
    .where(User.org_id == bindparam("org_id"), User.id == bindparam("user_id")),
    generic=True,
)


class UserRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    def _scoped(self) -> Select[User]:
        return select(User).options(selectinload(User.role)).where(User.org_id == self.org_id)

    async def get(self, user_id: uuid.UUID) -> User | None:
        """The user with their role and organisation, in one query: the lookup behind every
        signed-in request, whose later organisation reads (2FA policy, /me) then find the
        organisation in the session instead of querying it."""
        return await self.session.scalar(
            _USER_WITH_ROLE_AND_ORGANISATION, {"org_id": self.org_id, "user_id": user_id}
        )

    async def principal(self, user_id: uuid.UUID) -> Principal | None:
        """What a signed-in request checks of its user, read afresh on every request."""
        result = await _PRINCIPAL.run(self.session, {"org_id": self.org_id, "user_id": user_id})
        return Principal(**result[0]) if result else None

    async def me(self, user_id: uuid.UUID) -> dict[str, Any] | None:
        """The user with their role's and organisation's columns (`_ME`), as a plain dict."""
        result = await _ME.run(self.session, {"org_id": self.org_id, "user_id": user_id})
        return result[0] if result else None

    async def search(self, *, status: UserStatus | None, q: str | None) -> list[User]:
        stmt = self._scoped()
        if status:
            stmt = stmt.where(User.status == status)
        if q:
            pattern = f"%{q.lower()}%"
            stmt = stmt.where(
                func.lower(User.email).like(pattern) | func.lower(User.full_name).like(pattern)
            )
        return list(await self.session.scalars(stmt.order_by(func.lower(User.full_name))))

    async def find_by_email(self, email: str) -> User | None:
        """A user of this organisation with this address, whatever their status."""
        return await self.session.scalar(
            self._scoped().where(func.lower(User.email) == email.lower()).limit(1)
        )

    async def advance_totp_step(self, user_id: uuid.UUID, step: int) -> bool:
        """Record `step` as the newest accepted TOTP step, unless it is not newer than the one
        recorded. One conditional UPDATE: of two requests with the same code, the second waits
        for the first's row lock and then finds the step taken."""
        row = await self.session.scalar(
            update(User)
            .where(
                User.org_id == self.org_id,
                User.id == user_id,
                (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .returning(User.id)
            .execution_options(synchronize_session="fetch")
        )
        return row is not None

    async def ids_with_permission(
        self, user_ids: list[uuid.UUID], permission: str
    ) -> set[uuid.UUID]:
        rows = await self.session.scalars(
            select(User.id)
            .join(Role, Role.id == User.role_id)
            .where(
                User.org_id == self.org_id,
                User.id.in_(user_ids),
                User.status != UserStatus.INACTIVE,
                Role.permissions.contains([permission]),
            )
        )
        return set(rows)

    async def count_with_role(self, role_id: uuid.UUID) -> int:
        return (
            await self.session.scalar(
                select(func.count())
                .select_from(User)
                .where(User.org_id == self.org_id, User.role_id == role_id)
            )
            or 0
        )

    async def revoke_refresh_tokens(
        self, user_id: uuid.UUID, now: datetime, *, but: uuid.UUID | None = None
    ) -> None:
        """End the user's sign-ins, all of them or all `but` one (a refresh token family)."""
        stmt = update(RefreshToken).where(
            RefreshToken.org_id == self.org_id,
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
        )
        if but is not None:
            stmt = stmt.where(RefreshToken.family_id != but)
        await self.session.execute(stmt.values(revoked_at=now))

    async def revoke_family(self, family_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.org_id == self.org_id,
                RefreshToken.family_id == family_id,
                RefreshToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )

    async def unused_recovery_codes(self, user_id: uuid.UUID) -> list[RecoveryCode]:
        rows = await self.session.scalars(
            select(RecoveryCode)
            .where(
                RecoveryCode.org_id == self.org_id,
                RecoveryCode.user_id == user_id,
                RecoveryCode.used_at.is_(None),
            )
            .with_for_update()
        )
        return list(rows)

    async def delete_recovery_codes(self, user_id: uuid.UUID) -> None:
        for code in await self.session.scalars(
            select(RecoveryCode).where(
                RecoveryCode.org_id == self.org_id, RecoveryCode.user_id == user_id
            )
        ):
            await self.session.delete(code)

    async def expire_link_tokens(
        self, user_id: uuid.UUID, purpose: OneTimeTokenPurpose, now: datetime
    ) -> None:
        await self.session.execute(
            update(OneTimeToken)
            .where(
                OneTimeToken.org_id == self.org_id,
                OneTimeToken.user_id == user_id,
                OneTimeToken.purpose == purpose,
                OneTimeToken.used_at.is_(None),
            )
            .values(used_at=now)
        )


class RoleRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    def _scoped(self) -> Select[Role]:
        return select(Role).where(Role.org_id == self.org_id)

    async def get(self, role_id: uuid.UUID) -> Role | None:
        return await self.session.scalar(self._scoped().where(Role.id == role_id))

    async def get_by_name(self, name: str) -> Role | None:
        return await self.session.scalar(
            self._scoped().where(func.lower(Role.name) == name.lower())
        )

    async def all(self) -> list[Role]:
        return list(
            await self.session.scalars(
                self._scoped().order_by(Role.is_builtin.desc(), func.lower(Role.name))
            )
        )
