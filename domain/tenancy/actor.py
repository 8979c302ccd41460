import uuid
from dataclasses import dataclass

from domain.common import saved_views
from domain.tenancy.errors import PermissionDenied
from domain.tenancy.permissions import Permission


@dataclass(frozen=True)
class Actor:
    """Who is acting: the tenant and the permissions every service checks against."""

    org_id: uuid.UUID
    user_id: uuid.UUID | None
    permissions: frozenset[Permission]
    # Set when an integrator's API key acts (user_id is then None).
    api_key_id: uuid.UUID | None = None

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def sees_all_accounts(self) -> bool:
        return Permission.VIEW_ALL_ACCOUNTS in self.permissions

    @classmethod
    def system(cls, org_id: uuid.UUID) -> "Actor":
        """The organisation acting on its own rules (triggers, health segments): sees every
        account, changes like an admin."""
        return cls(org_id=org_id, user_id=None, permissions=frozenset(Permission))


def require(actor: Actor, permission: Permission) -> None:
    """The one permission check every use case calls."""
    if not actor.can(permission):
        raise PermissionDenied()


def require_account_reader(actor: Actor) -> None:
    """Whoever reads accounts or what belongs to them: a user sees at least their own; a key
    needs the read scope (an empty answer would read as "there are no accounts")."""
    if actor.api_key_id is not None and not actor.sees_all_accounts:
        raise PermissionDenied(
            "This API key may not read accounts: its scopes do not include read, or the user "
            "who made it may no longer view all accounts"
        )


def manages_views(actor: Actor) -> bool:
    """Those who configure product settings look after every user's saved views (the account
    list's and the task list's), personal ones too: a view filtering on a custom field or
    metric keeps it from being deleted."""
    return actor.can(Permission.CONFIGURE_PRODUCT)


def views_asked(actor: Actor, owner: saved_views.Owner) -> tuple[bool, uuid.UUID | None]:
    """Whose views a list of them shows (`every_owner`, `owner_id` of a views query): every
    user's only for who manages views (`owner=all` from anyone else is refused), one user's
    (their personal views only for who manages views), else the caller's and the shared."""
    if owner == saved_views.EVERY_OWNER:
        require(actor, Permission.CONFIGURE_PRODUCT)
    return owner is not None and manages_views(actor), owner if isinstance(
        owner, uuid.UUID
    ) else None
