"""Every repository answers only its own organisation's rows (two organisations, each
repository): another organisation's ids read nothing and change nothing. The last test fails
when a repository class has no test class here."""

import importlib
import inspect
import json
import pkgutil
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

import domain
from domain.accounts import service as accounts
from domain.accounts.models import (
    Account,
    AccountCsm,
    AccountImport,
    AccountView,
    AttributeTrigger,
    ChurnEvent,
    CustomField,
    LifecycleStage,
    Tier,
    TriggerTarget,
)
from domain.accounts.repository import (
    BY_NAME,
    AccountBatchRepository,
    AccountRepository,
    ConfigRepository,
    ImportRepository,
    StateChange,
)
from domain.accounts.schemas import AccountCreate, NpsResponseCreate, StatusUpdateCreate
from domain.alerts import service as alerts
from domain.alerts.models import Alert, EvaluationTrigger
from domain.alerts.repository import AlertRepository, PlaybookRepository
from domain.alerts.schemas import AlertFilters, AlertRuleCreate, PlaybookWrite
from domain.audit import service as audit
from domain.audit.repository import AuditRepository
from domain.churn.models import ChurnModel
from domain.churn.repository import ChurnRepository
from domain.common import clock
from domain.common.bulk_sql import send
from domain.common.pagination import PageParams
from domain.freshness import changes
from domain.freshness.repository import REFRESH_STAGE, FreshnessRepository, StageDone
from domain.health import service as health
from domain.health.repository import HealthRepository
from domain.integration import webhooks
from domain.integration.repository import IntegrationRepository
from domain.interactions.models import Ticket
from domain.interactions.repository import (
    InteractionBatchRepository,
    InteractionRepository,
    TimelineRepository,
)
from domain.metrics import service as metrics
from domain.metrics.models import AccountMetricValues, ComputedMetric, MetricFormat
from domain.metrics.repository import MetricsRepository
from domain.notifications import service as notifications
from domain.notifications.models import EmailState, Notification
from domain.notifications.repository import NotificationRepository
from domain.notifications.schemas import NotificationPreferencesWrite
from domain.orgs.models import Organisation
from domain.reporting.repository import Period, ReportingRepository, Scope
from domain.reporting.schemas import (
    AlertGrouping,
    AlertMetric,
    ReportSelection,
    TaskGrouping,
    TaskMetric,
)
from domain.revenue.models import FxRate, Subscription, SubscriptionStatus
from domain.revenue.repository import RevenueRepository
from domain.tasks import service as tasks
from domain.tasks import views as task_views
from domain.tasks.repository import TaskRepository, TaskViewRepository
from domain.tasks.schemas import TaskCreate, TaskFilters, TaskViewWrite
from domain.tenancy.repository import TenancyRepository
from domain.usage.repository import UsageRepository
from domain.users import service as users
from domain.users.actor import Actor
from domain.users.models import (
    OneTimeToken,
    OneTimeTokenPurpose,
    RecoveryCode,
    RefreshToken,
    User,
)
from domain.users.permissions import Permission
from domain.users.repository import RoleRepository, UserRepository
from tests.factories import create_account, create_api_key, create_user, role, user_by_role
from tests.interaction_factories import create_interaction, create_note, create_ticket
from tests.metric_factories import add_snapshot, create_contact


def _sees_all(org: Organisation, user: User) -> Actor:
    return Actor(org_id=org.id, user_id=user.id, permissions=frozenset(Permission))


async def _two_orgs(session: AsyncSession, org: Organisation, other_org: Organisation) -> Any:
    return {
        "mine": await create_account(session, org, external_id="same"),
        "theirs": await create_account(session, other_org, external_id="same"),
        "my_admin": await user_by_role(session, org, "Admin"),
        "their_admin": await user_by_role(session, other_org, "Admin"),
    }


async def _their_child_with_history(
    session: AsyncSession, other_org: Organisation, rows: Any
) -> Account:
    """A child of the other organisation's account, in a stage, with an NPS response and a
    status update: something in each of its history tables to be missed."""
    their_actor = _sees_all(other_org, rows["their_admin"])
    [stage, *_] = await ConfigRepository(session, other_org.id).all(LifecycleStage)
    child = await accounts.create_account(
        session,
        their_actor,
        AccountCreate(
            external_id="child", name="Child", parent_id=rows["theirs"].id, stage_id=stage.id
        ),
    )
    await accounts.record_nps(session, their_actor, child.id, NpsResponseCreate(score=9))
    await accounts.post_status(session, their_actor, child.id, StatusUpdateCreate(title="Fine"))
    return child


class TestAccountRepository:
    async def test_reads_by_id_answer_nothing_for_another_organisations_accounts(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        child = await _their_child_with_history(session, other_org, rows)
        repo = AccountRepository(session, _sees_all(org, rows["my_admin"]))
        theirs = AccountRepository(session, _sees_all(other_org, rows["their_admin"]))

        assert await theirs.ancestor_ids(child.id) == [child.id, rows["theirs"].id]
        stages, _, _, nps, statuses = await theirs.history(child.id)
        assert stages and nps and statuses
        assert await repo.get_in_org(child.id) is None
        assert await repo.ancestor_ids(child.id) == []
        assert await repo.children(rows["theirs"].id) == []
        assert await repo.history(child.id) == ([], [], [], [], [])
        assert await repo.open_periods(child.id) == (None, [])
        assert await repo.nps_scores_since_latest_window(child.id) == []
        assert (
            await repo.matching_ids(
                q=None, condition=None, churned=None, account_ids=[child.id], limit=10
            )
            == []
        )

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

        listed = [(a["id"], json.loads(a["json"])["csm_ids"]) for a in items]
        assert (listed, total) == ([(assigned.id, [str(csm.id)])], 1)
        assert await repo.get(unassigned.id) is None
        # Uniqueness is still checked against the whole organisation.
        assert await repo.external_id_taken(unassigned.external_id, except_id=None) is True

    async def test_a_page_compiled_once_binds_each_callers_scope(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        """The list's common shapes are compiled once per process: whoever comes next through
        the same shape (another organisation, another CSM) sees their own accounts."""
        rows = await _two_orgs(session, org, other_org)
        for owner, admin, account in [
            (org, "my_admin", "mine"),
            (other_org, "their_admin", "theirs"),
            (org, "my_admin", "mine"),
        ]:
            repo = AccountRepository(session, _sees_all(owner, rows[admin]))
            items, total = await repo.page(
                q="same", order=BY_NAME, descending=True, limit=10, offset=0, deleted=False
            )
            assert ([a["id"] for a in items], total) == ([rows[account].id], 1)
        first, second = await create_user(session, org), await create_user(session, org)
        theirs = [await create_account(session, org, csms=[csm]) for csm in (first, second)]
        for csm, account in [(first, theirs[0]), (second, theirs[1]), (first, theirs[0])]:
            repo = AccountRepository(session, users.actor_for(await _with_role(session, csm)))
            items, total = await repo.page(
                q=None, order=BY_NAME, descending=True, limit=10, offset=0, deleted=False
            )
            assert ([a["id"] for a in items], total) == ([account.id], 1)


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
        repo = MetricsRepository(session, org.id)
        assert await repo.changed_at(rows["theirs"].id) is None
        assert await repo.changed_at(rows["mine"].id) is not None
        assert await repo.live_accounts() == 2

    async def test_snapshots_and_computed_metrics_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        day = date(2026, 1, 1)
        await add_snapshot(session, rows["theirs"], day, {"mrr": 5})
        metric = ComputedMetric(
            org_id=other_org.id,
            key="double",
            label="Double",
            format=MetricFormat.NUMBER,
            formula="mrr * 2",
        )
        session.add(metric)
        await session.flush()
        repo = MetricsRepository(session, org.id)

        assert await MetricsRepository(session, other_org.id).snapshot_values(
            rows["theirs"].id, day
        ) == {"mrr": 5}
        assert await repo.snapshot_values(rows["theirs"].id, day) == {}
        assert await repo.history(rows["theirs"].id, "mrr", since=day, until=day) == []
        assert await repo.get_computed(metric.id) is None
        assert await repo.computed() == []

    async def test_what_names_a_field_is_looked_for_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        session.add_all(
            [
                AccountView(
                    org_id=other_org.id,
                    owner_id=rows["their_admin"].id,
                    name="Theirs",
                    is_shared=False,
                    columns=["custom.seats"],
                    filter={"kind": "compare", "field": "custom.seats", "op": "gt", "value": 1},
                ),
                AttributeTrigger(
                    org_id=other_org.id,
                    name="Theirs",
                    target=TriggerTarget.CHURNED,
                    churn_reason="Pro",
                    condition={
                        "kind": "compare",
                        "field": "custom.plan",
                        "op": "eq",
                        "value": "Pro",
                    },
                ),
            ]
        )
        await session.flush()
        mine, theirs = MetricsRepository(session, org.id), MetricsRepository(session, other_org.id)

        for repo, views in ((theirs, ["Theirs"]), (mine, [])):
            found = await repo.naming(["custom.seats"], scored=["seats"])
            assert ([v.name for v in found.views.shown], found.views.count) == (views, len(views))
            showing = await repo.views_showing(["custom.seats"])
            assert [v.name for v in showing] == views
        for repo, triggers in ((theirs, 1), (mine, 0)):
            found = await repo.naming(["custom.plan"], scored=[])
            assert found.triggers.count == triggers
            compared = await repo.comparing("custom.plan", ["Pro"])
            assert compared.triggers.count == triggers


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
        assert await repo.find_by_email(rows["their_admin"].email) is None
        assert await repo.advance_totp_step(rows["their_admin"].id, 5) is False
        assert await UserRepository(session, other_org.id).advance_totp_step(
            rows["their_admin"].id, 5
        )

    async def test_token_writes_change_nothing_of_another_organisations_user(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        theirs, now = rows["their_admin"], clock.now()
        family = uuid.uuid4()
        refresh = RefreshToken(
            org_id=other_org.id,
            user_id=theirs.id,
            family_id=family,
            token_hash="r" * 64,
            created_at=now,
            expires_at=now + timedelta(days=1),
        )
        code = RecoveryCode(org_id=other_org.id, user_id=theirs.id, code_hash="c" * 64)
        link = OneTimeToken(
            org_id=other_org.id,
            user_id=theirs.id,
            purpose=OneTimeTokenPurpose.PASSWORD_RESET,
            token_hash="l" * 64,
            created_at=now,
            expires_at=now + timedelta(days=1),
        )
        session.add_all([refresh, code, link])
        await session.flush()
        repo = UserRepository(session, org.id)

        assert await repo.unused_recovery_codes(theirs.id) == []
        await repo.revoke_refresh_tokens(theirs.id, now)
        await repo.revoke_family(family, now)
        await repo.delete_recovery_codes(theirs.id)
        await repo.expire_link_tokens(theirs.id, OneTimeTokenPurpose.PASSWORD_RESET, now)
        await session.flush()

        for row in (refresh, link):
            await session.refresh(row)
        assert (refresh.revoked_at, link.used_at) == (None, None)
        assert await UserRepository(session, other_org.id).unused_recovery_codes(theirs.id) == [
            code
        ]


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
        entry, actor_name, key_name, trigger_name = items[0]
        assert total == 1 and entry.actor_user_id == rows["my_admin"].id
        assert (actor_name, key_name, trigger_name) == (rows["my_admin"].full_name, None, None)
        repo = AuditRepository(session, org.id)
        assert await repo.target_names({("account", rows["theirs"].id)}) == {}
        assert await repo.target_names({("account", rows["mine"].id)}) == {
            rows["mine"].id: rows["mine"].name
        }


class TestConfigRepository:
    async def test_configuration_and_views_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        [their_tier, *_] = await ConfigRepository(session, other_org.id).all(Tier)
        their_view = AccountView(
            org_id=other_org.id, owner_id=rows["their_admin"].id, name="Theirs", is_shared=True
        )
        session.add(their_view)
        await session.flush()
        repo = ConfigRepository(session, org.id)

        assert {t.org_id for t in await repo.all(Tier)} == {org.id}
        assert await repo.get(Tier, their_tier.id) is None
        assert await repo.live_accounts_with(Tier, their_tier.id) == 0
        assert await repo.view(their_view.id, seen_by=rows["their_admin"].id) is None
        assert await repo.views(seen_by=rows["their_admin"].id) == []
        their_tier.name = "Platinum"
        session.add(
            CustomField(
                org_id=other_org.id, key="seats", label="Seats", kind="metric", type="number"
            )
        )
        await session.flush()
        assert await repo.name_taken(Tier, "Platinum", except_id=None) is False
        assert await repo.custom_field_by_key("seats") is None

    async def test_closing_a_stage_leaves_another_organisations_periods_open(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        child = await _their_child_with_history(session, other_org, rows)
        assert child.stage_id is not None

        await ConfigRepository(session, org.id).close_open_stage_periods(
            child.stage_id, clock.now()
        )

        theirs = AccountRepository(session, _sees_all(other_org, rows["their_admin"]))
        stage, _ = await theirs.open_periods(child.id)
        assert stage is not None


class TestAccountBatchRepository:
    async def test_reads_and_writes_by_id_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        theirs = rows["theirs"]
        repo = AccountBatchRepository(session, _sees_all(org, rows["my_admin"]))

        assert await repo.rows([theirs.id]) == []
        assert await repo.live_ids_among([theirs.id]) == set()
        assert await repo.external_ids_in_use({"same"}) == {"same": rows["mine"].id}
        assert await repo.reload([theirs.id]) == []
        await send(
            session,
            [
                repo.accounts_update(
                    ["name"], [{"id": theirs.id, "name": "Renamed"}], updated_at=clock.now()
                )
            ],
        )
        # Nothing of theirs is found, so a churn or reactivation of it writes nothing.
        now = clock.now()
        churn = {"churned_on": now.date(), "reason": "x", "skip_churned": True, "now": now}
        assert await repo.churn_all([theirs.id], **churn) == StateChange([], [], [])
        await AccountBatchRepository(session, _sees_all(other_org, rows["their_admin"])).churn_all(
            [theirs.id], **churn
        )
        assert await repo.reactivate_all(
            [theirs.id], reactivated_on=now.date(), skip_active=True, now=now
        ) == StateChange([], [], [])
        await session.refresh(theirs)
        assert theirs.name != "Renamed"
        assert theirs.churned_on == now.date()

    async def test_history_writes_by_id_change_nothing_of_another_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        child = await _their_child_with_history(session, other_org, rows)
        their_actor = _sees_all(other_org, rows["their_admin"])
        csm = await accounts.create_account(
            session,
            their_actor,
            AccountCreate(external_id="csm", name="Csm", csm_ids=[rows["their_admin"].id]),
        )
        theirs = AccountBatchRepository(session, their_actor)
        [(period_id, _, _)] = await theirs.open_stage_periods([child.id])
        [(csm_row_id, _, _)] = await theirs.csm_rows([csm.id])
        [(csm_period_id, _, _)] = await theirs.open_csm_periods([csm.id])
        repo = AccountBatchRepository(session, _sees_all(org, rows["my_admin"]))

        assert await repo.open_stage_periods([child.id]) == []
        assert await repo.csm_rows([csm.id]) == []
        assert await repo.parent_links([child.id]) == {}
        await send(
            session,
            [
                repo.stage_periods_closed([period_id], clock.now()),
                repo.csm_periods_closed([csm_period_id], clock.now()),
                repo.csm_rows_deleted([csm_row_id]),
            ],
        )

        assert len(await theirs.open_stage_periods([child.id])) == 1
        assert len(await theirs.open_csm_periods([csm.id])) == 1
        assert len(await theirs.csm_rows([csm.id])) == 1


class TestImportRepository:
    async def test_imports_and_their_lookups_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        theirs = AccountImport(
            org_id=other_org.id, file_name="a.csv", csv_text="Id\n", mapping={}, dry_run=True
        )
        session.add(theirs)
        await session.flush()
        repo = ImportRepository(session, _sees_all(org, rows["my_admin"]))

        assert await repo.get(theirs.id) is None
        assert await repo.latest(limit=10) == []
        assert [r.id for r in await repo.accounts_by_external_id(["same"])] == [rows["mine"].id]


class TestIntegrationRepository:
    async def test_keys_calls_secrets_and_deliveries_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        their_key, _ = await create_api_key(session, other_org)
        await webhooks.rotate_secret(
            session,
            Actor(
                org_id=other_org.id,
                user_id=None,
                permissions=frozenset({Permission.CONFIGURE_CONNECTORS}),
            ),
        )
        theirs = IntegrationRepository(session, other_org.id)
        assert await theirs.claim_delivery("msg_1", type="x", received_at=clock.now())
        repo = IntegrationRepository(session, org.id)

        assert await repo.keys() == []
        assert await repo.key(their_key.id) is None
        await repo.note_key_used(their_key.id, clock.now(), unless_since=clock.now())
        await session.refresh(their_key)
        assert their_key.last_used_at is None
        assert await repo.calls(their_key.id, only_errors=False, limit=10, offset=0) == ([], 0)
        assert await repo.secrets() == []
        assert await repo.secrets_live_since(clock.now()) == []
        assert await repo.delivery("msg_1") is None
        # The same webhook id is this organisation's own first delivery.
        assert await repo.claim_delivery("msg_1", type="x", received_at=clock.now())


class TestInteractionRepository:
    async def test_get_by_id_stays_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        theirs = rows["theirs"]
        actor = _sees_all(org, rows["my_admin"])
        repo = InteractionRepository(
            session, org.id, AccountRepository(session, actor).visible_ids()
        )

        assert await repo.get_interaction((await create_interaction(session, theirs)).id) is None
        assert await repo.get_note((await create_note(session, theirs)).id) is None
        ticket = await create_ticket(session, theirs, source="zendesk", external_id="T-1")
        assert await repo.get_ticket(ticket.id) is None
        assert await repo.page_interactions([theirs.id], type=None, limit=10, offset=0) == ([], 0)
        assert await repo.page_notes([theirs.id], limit=10, offset=0) == ([], 0)
        assert await repo.page_tickets([theirs.id], limit=10, offset=0) == ([], 0)
        assert await repo.ticket_external_id_taken("zendesk", "T-1", except_id=None) is False
        assert await repo.team_user_ids_among([rows["their_admin"].id]) == set()


class TestTimelineRepository:
    async def test_another_organisations_accounts_have_no_timeline(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        for account in (rows["mine"], rows["theirs"]):
            await create_interaction(session, account)

        items, total = await TimelineRepository(session, org.id).page(
            [rows["mine"].id, rows["theirs"].id], kinds=None, limit=10, offset=0
        )

        assert ({i["account_id"] for i in items}, total) == ({rows["mine"].id}, 1)


class TestInteractionBatchRepository:
    async def test_upserts_by_key_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        theirs = await create_ticket(
            session, rows["theirs"], source="zendesk", external_id="T-1", subject="Theirs"
        )
        repo = InteractionBatchRepository(session, org.id)

        assert await repo.ids_by_key(Ticket, [("zendesk", "T-1")]) == {}
        # The same key, even sent with the other organisation's id, is a ticket of this one.
        await repo.upsert(
            Ticket,
            [
                {
                    "id": uuid.uuid4(),
                    "org_id": other_org.id,
                    "account_id": rows["mine"].id,
                    "source": "zendesk",
                    "external_id": "T-1",
                    "subject": "Mine",
                    "status": "open",
                    "priority": "normal",
                    "opened_at": clock.now(),
                    "closed_at": None,
                }
            ],
            ("account_id", "subject", "status", "priority", "opened_at", "closed_at"),
        )
        await session.refresh(theirs)
        assert theirs.subject == "Theirs"
        assert list(await repo.ids_by_key(Ticket, [("zendesk", "T-1")])) == [("zendesk", "T-1")]


class TestRevenueRepository:
    async def test_rates_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rate = FxRate(
            org_id=other_org.id, currency="EUR", effective_on=date(2026, 1, 1), rate=Decimal("1.1")
        )
        session.add(rate)
        await session.flush()
        repo = RevenueRepository(session, org.id)

        assert await repo.get_fx_rate(rate.id) is None
        assert await repo.fx_rates() == []
        assert await repo.fx_rates_by_key([("EUR", date(2026, 1, 1))]) == {}

    async def test_subscriptions_waiting_under_the_same_reference_stay_in_their_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        # Waiting for an account "same": both organisations have one.
        theirs = Subscription(
            org_id=other_org.id,
            external_id="sub-1",
            account_external_id="same",
            status=SubscriptionStatus.ACTIVE,
            currency="EUR",
            starts_on=date(2026, 1, 1),
        )
        session.add(theirs)
        await session.flush()
        repo = RevenueRepository(session, org.id)

        assert await repo.account_subscriptions(rows["mine"]) == []
        assert await repo.page_account_invoices(rows["mine"], limit=10, offset=0) == ([], 0)
        assert await repo.subscriptions_by_external_id(["sub-1"]) == {}
        assert await repo.waiting_references() == set()
        assert await repo.link_waiting({"same": rows["mine"].id}) == set()
        await session.refresh(theirs)
        assert theirs.account_id is None
        assert await RevenueRepository(session, other_org.id).account_subscriptions(
            rows["theirs"]
        ) == [theirs]


class TestUsageRepository:
    async def test_contacts_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        theirs = await create_contact(session, rows["theirs"], external_id="u-1")
        repo = UsageRepository(session, org.id)

        assert await repo.get_contact(theirs.id, visible=None) is None
        assert await repo.contact_exists("u-1") is False
        assert await repo.contact_accounts(theirs.id, visible=None) == []
        assert await repo.contact_events(theirs.id, visible=None, limit=10) == []
        assert await repo.page_account_contacts(rows["theirs"].id, limit=10, offset=0) == ([], 0)
        assert await UsageRepository(session, other_org.id).page_account_contacts(
            rows["theirs"].id, limit=10, offset=0
        ) == ([theirs], 1)


class TestFreshnessRepository:
    async def test_claims_and_waits_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        await changes.note(session, other_org.id, [rows["theirs"].id])
        theirs = FreshnessRepository(session, other_org.id)
        await theirs.record_stages([StageDone(REFRESH_STAGE, clock.now(), 1, 0.1)])
        await session.commit()
        repo = FreshnessRepository(session, org.id)

        assert await repo.account(rows["theirs"].id) == (False, None)
        claimed = await repo.claim(
            uuid.uuid4(), limit=10, now=clock.now(), stale_before=clock.now(), max_attempts=3
        )
        assert claimed == []
        waiting, refreshed_at = await theirs.account(rows["theirs"].id)
        assert waiting and refreshed_at is not None


class TestTenancyRepository:
    async def test_reads_its_own_organisations_time_zone(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        other_org.time_zone = "Asia/Tokyo"
        await session.flush()

        assert await TenancyRepository(session, org.id).time_zone() == org.time_zone
        assert await TenancyRepository(session, other_org.id).time_zone() == "Asia/Tokyo"


class TestHealthRepository:
    async def test_models_scores_and_bands_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        await health.compute(session, org.id)
        await health.compute(session, other_org.id)
        mine, theirs = HealthRepository(session, org.id), HealthRepository(session, other_org.id)
        await theirs.save_bands(90, 10)
        their_model = (await theirs.models())[0]

        assert [m.org_id for m in await mine.models()] == [org.id]
        assert await mine.model(their_model.id) is None
        assert await mine.versions([their_model.id]) == {}
        assert await mine.account_health(rows["theirs"].id) is None
        assert await mine.account_health(rows["mine"].id) is not None
        assert await mine.bands() is None and await theirs.bands() is not None
        await theirs.add_segment_model("Theirs", {"kind": "all", "conditions": []})
        assert await mine.name_free("Theirs", except_id=uuid.uuid4())
        assert not await theirs.name_free("Theirs", except_id=uuid.uuid4())
        version = next(iter((await theirs.versions([their_model.id])).values()))
        assert await mine.version_and_model(version.id) is None
        await mine.retire(their_model.id)
        await mine.set_priorities([their_model.id])
        assert (their_model.deleted_at, their_model.priority) == (None, None)
        # Today's point of a trend or a history is the organisation's current scores alone,
        # and its snapshots are its own, whichever accounts a caller passes.
        day = date(2026, 1, 1)
        await add_snapshot(session, rows["theirs"], day, {"mrr": 5})
        assert await mine.snapshot_days(day) == (False, None, None)
        assert await theirs.snapshot_days(day) == (True, day, day)
        for repo, counted in ((mine, [(day, None, 1, 0)]), (theirs, [(day, None, 1, 0)])):
            every_account = select(Account.id)  # unscoped: the repository scopes
            trend = await repo.trend(
                every_account, since=day, until=day, today=day, mrr_now=AccountMetricValues.mrr
            )
            assert trend == counted
        assert await mine.days(rows["theirs"].id, since=day, until=day, today=day) == []
        assert len(await theirs.days(rows["theirs"].id, since=day, until=day, today=day)) == 1


class TestChurnRepository:
    async def test_models_and_history_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        day = date(2026, 1, 1)
        await add_snapshot(session, rows["theirs"], day, {"mrr": 5})
        session.add(
            ChurnEvent(
                org_id=other_org.id,
                account_id=rows["theirs"].id,
                churned_on=day + timedelta(days=3),
                reason="Budget",
            )
        )
        theirs = ChurnRepository(session, other_org.id)
        await theirs.add(
            ChurnModel(
                trained_at=clock.now(),
                horizon_days=90,
                snapshot_days=1,
                rows=1,
                accounts=1,
                churn_events=1,
                features=[],
            )
        )
        mine = ChurnRepository(session, org.id)

        assert await mine.models(limit=5) == []
        assert await mine.labelled_days(day) == (0, None, None, 1)
        assert await mine.churn_events(day, day + timedelta(days=90)) == 0
        assert await mine.examples(first_day=day, last_day=day, stride=1, horizon_days=90) == []
        assert len(await theirs.models(limit=5)) == 1
        assert await theirs.labelled_days(day) == (1, day, day, 1)
        assert await theirs.churn_events(day, day + timedelta(days=90)) == 1
        [(_, _, _, churned)] = await theirs.day_examples(day, 90)
        assert churned is True
        assert await MetricsRepository(session, org.id).live_churn_model() is None
        assert await MetricsRepository(session, other_org.id).live_churn_model() is not None


class TestAlertRepository:
    async def test_rules_alerts_and_evaluations_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        rule = AlertRuleCreate.model_validate(
            {
                "name": "Same",
                "type": "churn",
                "condition": {
                    "kind": "compare",
                    "field": "external_id",
                    "op": "eq",
                    "value": "same",
                },
            }
        )
        theirs_rule = await alerts.create_rule(session, Actor.system(other_org.id), rule)
        await alerts.create_rule(session, Actor.system(org.id), rule)
        for tenant in (org, other_org):
            await alerts.evaluate(session, tenant.id, trigger=EvaluationTrigger.SCHEDULE)
        await session.flush()
        their_alert = await session.scalar(select(Alert).where(Alert.org_id == other_org.id))
        assert their_alert is not None
        mine = AlertRepository(session, org.id)

        assert [r.org_id for r in await mine.rules()] == [org.id]
        assert await mine.rule(theirs_rule.id) is None
        assert await mine.name_free("Same", except_id=None) is False
        assert await mine.triggers([theirs_rule.id], since=clock.now() - timedelta(days=1)) == {}
        assert await mine.evaluations(theirs_rule.id, limit=10) == []
        assert await mine.alert(their_alert.id, visible=None) is None
        page, total = await mine.page(AlertFilters(), visible=None, limit=10, offset=0)
        assert total == 1 and page[0]["account_id"] == rows["mine"].id
        assert (
            await mine.dismiss(
                alert_ids=[their_alert.id],
                rule_id=theirs_rule.id,
                visible=None,
                by=None,
                now=clock.now(),
            )
            == 0
        )
        assert (
            await mine.delete(alert_ids=[their_alert.id], rule_id=theirs_rule.id, visible=None) == 0
        )
        await mine.delete_rule(theirs_rule.id)
        assert await AlertRepository(session, other_org.id).rule(theirs_rule.id) is not None
        assert their_alert.status == "open"


class TestPlaybookRepository:
    async def test_playbooks_and_their_steps_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        data = PlaybookWrite.model_validate({"name": "Same", "steps": [{"title": "Call"}]})
        theirs = await alerts.create_playbook(session, Actor.system(other_org.id), data)
        mine = PlaybookRepository(session, org.id)

        assert await mine.playbooks() == []
        assert await mine.playbook(theirs.id) is None
        assert await mine.steps([theirs.id]) == []
        assert await mine.name_free("Same") is True
        assert await mine.active_users([rows["their_admin"].id]) == set()
        await mine.replace_steps(theirs.id, [])
        await mine.delete(theirs.id)
        kept = await alerts.get_playbook(session, Actor.system(other_org.id), theirs.id)
        assert [s.title for s in kept.steps] == ["Call"]


class TestTaskRepository:
    async def test_tasks_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        theirs = await tasks.create_task(
            session, Actor.system(other_org.id), TaskCreate(account_id=rows["theirs"].id, title="T")
        )
        await tasks.create_task(
            session, Actor.system(org.id), TaskCreate(account_id=rows["mine"].id, title="M")
        )
        mine = TaskRepository(session, org.id)

        page, total = await mine.page(
            TaskFilters(), visible=None, user_id=None, today=date.today(), limit=10, offset=0
        )
        assert total == 1 and page[0].Task.account_id == rows["mine"].id
        assert await mine.task(theirs.id, visible=None, user_id=None) is None
        assert await mine.alert_task(theirs.id) is None
        assert await mine.active_user(rows["their_admin"].id) is False
        await mine.delete([theirs.id])
        assert (
            await TaskRepository(session, other_org.id).task(theirs.id, visible=None, user_id=None)
            is not None
        )


class TestReportingRepository:
    async def test_reports_count_and_list_only_the_organisations_rows(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        for tenant, account, owner in (
            (org, rows["mine"], rows["my_admin"]),
            (other_org, rows["theirs"], rows["their_admin"]),
        ):
            await tasks.create_task(
                session,
                Actor.system(tenant.id),
                TaskCreate(account_id=account.id, title="T", owner_id=owner.id),
            )
            rule = await alerts.create_rule(
                session,
                Actor.system(tenant.id),
                AlertRuleCreate.model_validate(
                    {
                        "name": "Any",
                        "type": "churn",
                        "condition": {
                            "kind": "compare",
                            "field": "name",
                            "op": "starts_with",
                            "value": "Account",
                        },
                        "creates_task": True,
                    }
                ),
            )
            fired = await alerts.evaluate(
                session, tenant.id, trigger=EvaluationTrigger.RUN_NOW, rule_id=rule.id
            )
            assert fired == 1
        # A manager link across organisations (the API refuses one) still reaches no one.
        rows["their_admin"].manager_id = rows["my_admin"].id
        await session.flush()
        mine = ReportingRepository(session, org.id)
        who = TenancyRepository(session, org.id)
        now = clock.now()
        period = Period(
            since=now.date(),
            until=now.date(),
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=1),
            overdue_before=now.date(),
        )
        everyone = Scope(team=None)
        team = Scope(team=who.team(rows["my_admin"].id))
        # The alert's account has no CSM: only a viewer of everyone counts it.
        for scope, alerts_, tasks_ in ((everyone, 1, 2), (team, 0, 1)):
            (alert_row,) = await mine.alert_report(
                scope, ReportSelection(), [period], by=AlertGrouping.MONTH
            )
            (task_row,) = await mine.task_report(
                scope, ReportSelection(), [period], by=TaskGrouping.MONTH, time_zone="UTC"
            )
            assert (alert_row["raised"], task_row["created"]) == (alerts_, tasks_)
            listed, total = await mine.task_rows(
                scope,
                ReportSelection(),
                period,
                TaskMetric.CREATED,
                time_zone="UTC",
                limit=10,
                offset=0,
            )
            assert total == tasks_ and {t["account_id"] for t in listed} == {rows["mine"].id}
            listed, total = await mine.alert_rows(
                scope, ReportSelection(), period, AlertMetric.RAISED, limit=10, offset=0
            )
            assert total == alerts_ and {a["account_id"] for a in listed} <= {rows["mine"].id}
        assert list(await session.scalars(who.team(rows["my_admin"].id))) == [rows["my_admin"].id]
        assert await who.user_in(rows["their_admin"].id, None) is False


class TestNotificationRepository:
    async def test_notifications_stay_in_the_organisation_and_with_their_user(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        their_csm = await create_user(session, other_org)
        await tasks.create_task(
            session,
            Actor.system(other_org.id),
            TaskCreate(account_id=rows["theirs"].id, title="T", owner_id=their_csm.id),
        )
        [theirs] = await session.scalars(
            select(Notification).where(Notification.user_id == their_csm.id)
        )
        await notifications.set_preferences(
            session,
            Actor(org_id=other_org.id, user_id=their_csm.id, permissions=frozenset()),
            NotificationPreferencesWrite(email_digest="daily"),
        )
        mine = NotificationRepository(session, org.id)
        now = clock.now()

        assert await mine.page(their_csm.id, unread_only=False, limit=10, offset=0) == ([], 0)
        assert await mine.row(their_csm.id, theirs.id) is None
        assert await mine.unread_count(their_csm.id) == 0
        assert await mine.mark_read(their_csm.id, now=now) == 0
        assert await mine.mark_read(their_csm.id, now=now, notification_id=theirs.id) == 0
        assert await mine.preferences(their_csm.id) is None
        await mine.save_preferences(their_csm.id, kinds={}, email_digest="immediate")
        assert await mine.claim_emails(EmailState.PENDING, limit=None) == []
        await mine.set_email_state([theirs.id], EmailState.EMAILED, now=now)
        # Alerts of another organisation's rules notify nobody here.
        assert (
            await mine.for_alerts([uuid.uuid4()], [], fired_at=now, opened=1, now=now)
        ).count == 0

        again = await session.get_one(Notification, theirs.id, populate_existing=True)
        assert (again.read_at, again.email_state) == (None, EmailState.PENDING)
        prefs = await NotificationRepository(session, other_org.id).preferences(their_csm.id)
        assert prefs is not None and prefs.email_digest == "daily"
        stranger = await create_user(session, other_org)
        await mine.save_preferences(stranger.id, kinds={}, email_digest="daily")
        assert await NotificationRepository(session, other_org.id).preferences(stranger.id) is None


class TestTaskViewRepository:
    async def test_views_and_defaults_stay_in_the_organisation(
        self, session: AsyncSession, org: Organisation, other_org: Organisation
    ) -> None:
        rows = await _two_orgs(session, org, other_org)
        theirs = await task_views.create_view(
            session,
            _sees_all(other_org, rows["their_admin"]),
            TaskViewWrite(name="Theirs", is_shared=True),
        )
        await TaskViewRepository(session, other_org.id).set_default(
            rows["their_admin"].id, theirs.id
        )
        mine = TaskViewRepository(session, org.id)

        assert await mine.views(seen_by=rows["my_admin"].id) == []
        assert await mine.view(theirs.id, seen_by=rows["their_admin"].id) is None
        assert await mine.default_of(rows["their_admin"].id) is None
        await mine.clear_default(rows["their_admin"].id)
        theirs_repo = TaskViewRepository(session, other_org.id)
        assert await theirs_repo.default_of(rows["their_admin"].id) == theirs.id
        # Another organisation's upsert never takes over a user's default.
        await mine.set_default(rows["their_admin"].id, theirs.id)
        assert await mine.default_of(rows["their_admin"].id) is None


def _repository_classes() -> set[type]:
    found: set[type] = set()
    for info in pkgutil.walk_packages(domain.__path__, "domain."):
        module = importlib.import_module(info.name)
        found |= {
            cls
            for name, cls in inspect.getmembers(module, inspect.isclass)
            if name.endswith("Repository") and cls.__module__ == module.__name__
        }
    return found


def test_every_repository_has_a_scoping_test() -> None:
    classes = _repository_classes()
    untested = {cls.__name__ for cls in classes} - {
        name.removeprefix("Test") for name in globals() if name.startswith("Test")
    }
    # The first half keeps the enumeration honest: it must find the repositories at all.
    assert AccountRepository in classes and untested == set()
