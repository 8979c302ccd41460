"""What several parts of the demo's story share: which accounts tell which story, the people at
the customers, and how integrations and saved filters are written."""

import json
from collections.abc import Mapping, Sequence

from pydantic import TypeAdapter

from domain.filters.schemas import Condition
from domain.orgs.models import Organisation
from domain.users.actor import Actor
from domain.users.permissions import Permission

# Accounts churned by hand (index -> days ago, reason), and one churned then won back.
CHURNED = {
    5: (120, "Budget cuts"),
    42: (45, "Moved to a competitor"),
    79: (200, "Acquired; the parent company uses another tool"),
    116: (15, "Product no longer needed after a reorganisation"),
    140: (75, "Budget cuts"),
}
REACTIVATED = 60
# Acme Corp and the 29 accounts after it are never on trial (another account without a plan
# may be).
NEVER_ON_TRIAL = 30
# Cancelled in the billing system but not yet churned: the churn trigger picks it up.
CANCELLED_IN_BILLING = 96
# The parent of the account hierarchy; the three accounts after it are its descendants.
HIERARCHY_PARENT = 30
# Accounts whose history is told elsewhere (Acme Corp and the hierarchy) keep only that.
OWN_STORY = {0, *range(HIERARCHY_PARENT, HIERARCHY_PARENT + 4)}

# The plans a customer buys: the seats an account of each plan has, and a seat's monthly list
# price in cents.
PLAN_SEATS = {"Starter": (2, 8), "Team": (6, 25), "Business": (20, 60), "Enterprise": (50, 150)}
SEAT_PRICES = {"Starter": 2_500, "Team": 4_500, "Business": 7_900, "Enterprise": 12_900}

# The people at the customers: (name, title, role).
CONTACTS: list[tuple[str, str, str]] = [
    ("Jordan Buyer", "VP Operations", "owner"),
    ("Priya Patel", "Analytics Lead", "admin"),
    ("Tom Becker", "Finance Manager", "member"),
    ("Lena Fischer", "Operations Analyst", "member"),
    ("Marco Rossi", "Sales Director", "member"),
    ("Aiko Tanaka", "Data Engineer", "admin"),
    ("Sam Okafor", "Customer Support Lead", "member"),
    ("Nina Kowalski", "Controller", "member"),
]

CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


def batch(records: Sequence[Mapping[str, object]]) -> bytes:
    """Records as the body of a batch request, as an integrator sends them."""
    return json.dumps({"items": records}, default=str).encode()


def as_integration(org: Organisation) -> Actor:
    """Who an integration's data is sent as: an API key, no user."""
    return Actor(org_id=org.id, user_id=None, permissions=frozenset({Permission.INGEST_DATA}))
