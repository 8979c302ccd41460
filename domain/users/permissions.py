from enum import StrEnum


class Permission(StrEnum):
    """What a role allows. Checked in one place: api/deps.py `require()`."""

    CSM_SEAT = "csm_seat"
    VIEW_ALL_ACCOUNTS = "view_all_accounts"
    UPDATE_ACCOUNTS = "update_accounts"
    CONFIGURE_PRODUCT = "configure_product"
    CONFIGURE_CONNECTORS = "configure_connectors"
    MANAGE_EMAIL = "manage_email"
    MANAGE_USERS = "manage_users"
    MANAGE_ORGANISATION = "manage_organisation"
    DELETE_ACCOUNTS = "delete_accounts"
    INGEST_DATA = "ingest_data"


PERMISSION_LABELS: dict[Permission, str] = {
    Permission.CSM_SEAT: "CSM seat (may be assigned accounts)",
    Permission.VIEW_ALL_ACCOUNTS: "View all accounts",
    Permission.UPDATE_ACCOUNTS: "Create and update accounts",
    Permission.CONFIGURE_PRODUCT: "Configure product settings (rules, health, workflows)",
    Permission.CONFIGURE_CONNECTORS: "Configure data connectors and API keys",
    Permission.MANAGE_EMAIL: "Manage email",
    Permission.MANAGE_USERS: "Manage users and roles",
    Permission.MANAGE_ORGANISATION: "Manage organisation settings",
    Permission.DELETE_ACCOUNTS: "Delete and restore accounts",
    Permission.INGEST_DATA: "Send data through the API (contacts, events, revenue, ...)",
}

P = Permission
# name -> (permissions, landing page); created for every new organisation.
BUILTIN_ROLES: dict[str, tuple[frozenset[Permission], str]] = {
    "Admin": (frozenset(Permission), "/accounts"),
    "CSM Manager": (
        frozenset({P.CSM_SEAT, P.VIEW_ALL_ACCOUNTS, P.UPDATE_ACCOUNTS, P.CONFIGURE_PRODUCT}),
        "/accounts",
    ),
    "CSM": (frozenset({P.CSM_SEAT, P.UPDATE_ACCOUNTS}), "/accounts"),
    "Executive": (frozenset({P.VIEW_ALL_ACCOUNTS, P.UPDATE_ACCOUNTS}), "/accounts"),
    "Analyst": (frozenset({P.VIEW_ALL_ACCOUNTS}), "/accounts"),
    "Guest": (frozenset({P.VIEW_ALL_ACCOUNTS}), "/accounts"),
}
