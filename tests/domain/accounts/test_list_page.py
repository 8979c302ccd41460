"""The account list's common shapes (no filter condition, sorted by one of the account's own
columns) run SQL compiled once per process: they answer what the statement built for each
request answers, and see the request's own writes not yet flushed."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.accounts.repository import AccountRepository
from domain.filters.compile import Ordering
from domain.orgs.models import Organisation
from domain.tenancy.actor import Actor
from domain.tenancy.permissions import Permission
from domain.users import service as users
from domain.users.repository import UserRepository
from tests.factories import create_account, create_user, user_by_role


async def _accounts(session: AsyncSession, org: Organisation) -> Any:
    csm = await create_user(session, org)
    names = ["Beta", "alpha", "Gamma 50% off", "Delta_1", "Epsilon\\"]
    for n, name in enumerate(names):
        await create_account(
            session,
            org,
            name=name,
            csms=[csm] if n % 2 else [],
            csm_score=None if n == 2 else n * 10,
            churned_on=date(2026, 1, n + 1) if n == 3 else None,
            deleted_at=datetime(2026, 2, 1, tzinfo=UTC) if n == 4 else None,
            custom_values={"plan": f"p{n}"},
        )
    return csm


@pytest.mark.parametrize(
    ("q", "column", "descending", "churned", "deleted", "offset"),
    [
        (None, "name", False, None, False, 0),
        (None, "name", True, None, False, 1),
        ("a", "csm_score", False, None, False, 0),
        ("50%", "name", False, None, False, 0),
        ("_", "name", False, None, False, 0),
        ("\\", "name", False, None, True, 0),
        (None, "churned_on", True, True, False, 0),
        (None, "created_at", False, False, False, 0),
        (None, "name", False, None, False, 10),
    ],
)
async def test_compiled_pages_answer_as_built_ones(
    session: AsyncSession,
    org: Organisation,
    q: str | None,
    column: str,
    descending: bool,
    churned: bool | None,
    deleted: bool,
    offset: int,
) -> None:
    csm = await UserRepository(session, org.id).get((await _accounts(session, org)).id)
    assert csm is not None
    admin = await user_by_role(session, org, "Admin")
    actors = [
        Actor(org_id=org.id, user_id=admin.id, permissions=frozenset(Permission)),
        users.actor_for(csm),
    ]
    totals = []
    for actor in actors:
        repo = AccountRepository(session, actor)
        pages = [
            await repo.page(
                q=q,
                churned=churned,
                order=order,
                descending=descending,
                limit=2,
                offset=offset,
                deleted=deleted,
            )
            # With `column`, compiled once; without, built for the request.
            for order in (
                Ordering(getattr(Account, column), column=column),
                Ordering(getattr(Account, column)),
            )
        ]
        assert pages[0] == pages[1]
        totals.append(pages[0][1])
    assert totals[0] > 0  # every shape here matches some of the admin's accounts


async def test_a_compiled_page_sees_the_requests_unflushed_accounts(
    session: AsyncSession, org: Organisation
) -> None:
    admin = await user_by_role(session, org, "Admin")
    repo = AccountRepository(
        session, Actor(org_id=org.id, user_id=admin.id, permissions=frozenset(Permission))
    )
    account = Account(id=uuid.uuid4(), org_id=org.id, external_id="new", name="Not flushed")
    session.add(account)

    items, total = await repo.page(
        q="flushed",
        order=Ordering(Account.name, column="name"),
        descending=False,
        limit=10,
        offset=0,
        deleted=False,
    )

    assert ([a["id"] for a in items], total) == ([account.id], 1)
