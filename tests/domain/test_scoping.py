"""Every repository answers only its own organisation's rows (two organisations, each
repository)."""

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import AccountCsm
from domain.accounts.repository import BY_NAME, AccountRepository
from domain.audit import service as audit
from domain.audit.repository import AuditRepository
from domain.common import clock
from domain.common.pagination import PageParams
from domain.metrics import service as metrics
from domain.metrics.models import AccountMetricValues
from domain.metrics.repository import MetricsRepository
from domain.orgs.models import Organisation
from domain.users import service as users
from domain.users.actor import Actor
from domain.users.models import User
from domain.users.permissions import Permission
from domain.users.repository import RoleRepository, UserRepository
from tests.factories import create_account, create_user, role, user_by_role


def _sees_all(org: Organisation, user: User) -> Actor:
    return Actor(org_id=org.id, user_id=user.id, permissions=frozenset(Permission))


async def _two_orgs(session: AsyncSession, org: Organisation, other_org: Organisation) -> Any:
    return {
        "mine": await create_account(session, org, external_id="same"),
        "theirs": await create_account(session, other_org, external_id="same"),
        "my_admin": await user_by_role(session, org, "Admin"),
        "their_admin": await user_by_role(session, other_org, "Admin"),
    }


class TestAccountRepository:
    async def test_get_and_page_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        repo = AccountRepository(session, _sees_all(org, rows["my_admin"]))

        items, total = await repo.page(
            q="same", order=BY_NAME, descending=False, limit=10, offset=0, deleted=False
        )

        assert ([a["id"] for a in items], total) == ([rows["mine"].id], 1)
        assert await repo.get(rows["mine"].id) is rows["mine"]
        assert await repo.get(rows["theirs"].id) is None
        assert await repo.external_id_taken("same", except_id=rows["mine"].id) is False

    async def test_without_view_all_only_assigned_accounts(
        self, session: AsyncSession, org: Organisation
    ) -> None:
        csm = await create_user(session, org)
        assigned = await create_account(session, org, csms=[csm])
        unassigned = await create_account(session, org)
        repo = AccountRepository(session, users.actor_for(await _with_role(session, csm)))

        items, total = await repo.page(
            q=None, order=BY_NAME, descending=False, limit=10, offset=0, deleted=False
        )

        assert ([(a["id"], a["csm_ids"]) for a in items], total) == ([(assigned.id, [csm.id])], 1)
        assert await repo.get(unassigned.id) is None
        # Uniqueness is still checked against the whole organisation.
        assert await repo.external_id_taken(unassigned.external_id, except_id=None) is True


class TestMetricsRepository:
    async def test_current_values_are_read_for_this_organisations_visible_accounts(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        hidden = await create_account(session, org)
        for account in (rows["mine"], rows["theirs"], hidden):
            session.add(
                AccountMetricValues(
                    account_id=account.id, org_id=account.org_id, mrr=100, updated_at=clock.now()
                )
            )
        await session.flush()
        catalog = await metrics.org_metrics(session, org.id)
        csm = await create_user(session, org)
        visible = AccountRepository(
            session, Actor(org_id=org.id, user_id=csm.id, permissions=frozenset())
        ).visible_ids()
        await session.execute(
            insert(AccountCsm).values(org_id=org.id, account_id=rows["mine"].id, user_id=csm.id)
        )

        values = await MetricsRepository(session, org.id).current(
            [catalog["mrr"]], [rows["mine"].id, rows["theirs"].id, hidden.id], visible
        )

        assert values == {rows["mine"].id: {"mrr": 1}}


async def _with_role(session: AsyncSession, user: User) -> User:
    loaded = await UserRepository(session, user.org_id).get(user.id)
    assert loaded is not None
    return loaded


class TestUserRepository:
    async def test_get_search_and_permission_checks_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        their_csm = await create_user(session, other_org)
        repo = UserRepository(session, org.id)

        assert await repo.get(rows["their_admin"].id) is None
        assert await repo.search(status=None, q=None) == [rows["my_admin"]]
        assert await repo.ids_with_permission([their_csm.id], Permission.CSM_SEAT) == set()
        csm_role = await role(session, other_org, "CSM")
        assert await repo.count_with_role(csm_role.id) == 0


class TestRoleRepository:
    async def test_get_and_list_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        theirs = await role(session, other_org, "CSM")
        repo = RoleRepository(session, org.id)

        assert await repo.get(theirs.id) is None
        assert {r.org_id for r in await repo.all()} == {org.id}
        found = await repo.get_by_name("csm")
        assert found is not None and found.org_id == org.id


class TestAuditRepository:
    async def test_page_stays_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        for who, where in ((rows["my_admin"], org), (rows["their_admin"], other_org)):
            audit.record_for(session, _sees_all(where, who), "account.created", "account", None)
        await session.flush()

        items, total = await AuditRepository(session, org.id).page(
            page=PageParams(), entity_type=None, entity_id=None
        )

        # Each entry comes with its actor's name, looked up in the same organisation only.
        entry, actor_name = items[0]
        assert total == 1 and entry.actor_user_id == rows["my_admin"].id
        assert actor_name == rows["my_admin"].full_name
