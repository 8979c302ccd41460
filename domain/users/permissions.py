# The enum lives below every area (domain.tenancy); the labels and built-in roles are the
# users area's.
from domain.tenancy.permissions import Permission as Permission

PERMISSION_LABELS: dict[Permission, str] = {
    Permission.CSM_SEAT: "CSM seat (may be assigned accounts)",
    Permission.VIEW_ALL_ACCOUNTS: "View all accounts",
    Permission.UPDATE_ACCOUNTS: "Create and update accounts",
    Permission.CONFIGURE_PRODUCT: "Configure product settings (account fields, metrics, triggers)",
    Permission.CONFIGURE_CONNECTORS: "Configure data connectors and API keys",
    # Kept for the email campaigns on the roadmap; nothing checks it yet, and the label says so.
    Permission.MANAGE_EMAIL: "Manage email campaigns (not built yet: grants nothing today)",
    # Whoever holds it may give anyone any role, their own included: as much as Admin.
    Permission.MANAGE_USERS: "Manage users and roles (may give any role, Admin included)",
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
