"""Bulk edit, CSV export, custom views and attribute triggers."""

import csv
import io
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account, ChurnEvent, LifecycleStage, StagePeriod, Tier
from domain.audit.models import AuditEntry
from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import User, UserStatus
from tests.factories import auth_headers, create_account, create_user, user_by_role
from tests.helpers import assert_problem
from workers.jobs.accounts import run_attribute_triggers

API = "/api/v1"


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


async def _named(session: AsyncSession, model: Any, org: Organisation, name: str) -> Any:
    return await session.scalar(select(model).where(model.org_id == org.id, model.name == name))


async def _trigger_writes(session: AsyncSession) -> dict[str, int]:
    """How many stage periods and account audit entries there are."""
    return {
        "stage_periods": len((await session.scalars(select(StagePeriod.id))).all()),
        "audit": len(
            (
                await session.scalars(
                    select(AuditEntry.id).where(AuditEntry.entity_type == "account")
                )
            ).all()
        ),
    }


class TestBulkEdit:
    async def test_assigns_all_matching_accounts_to_a_csm_with_history(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        other = await create_user(session, org, role_name="CSM")
        a = await create_account(session, org, name="A")
        b = await create_account(session, org, name="B", csms=[other])
        c = await create_account(session, org, name="C")
        onboarding = await _named(session, LifecycleStage, org, "Onboarding")

        response = await client.post(
            f"{API}/accounts/bulk-edit",
            headers=headers,
            json={
                "selection": {"filter": {"kind": "compare", "field": "csm", "op": "is_empty"}},
                "changes": {"add_csm_ids": [str(csm.id)], "stage_id": str(onboarding.id)},
            },
        )
        assert response.json() == {"matched": 2, "updated": 2}
        for account in (a, c):
            got = (await client.get(f"{API}/accounts/{account.id}", headers=headers)).json()
            assert got["csm_ids"] == [str(csm.id)]
            assert got["stage_id"] == str(onboarding.id)
        untouched = (await client.get(f"{API}/accounts/{b.id}", headers=headers)).json()
        assert untouched["csm_ids"] == [str(other.id)]
        periods = (
            await session.scalars(
                select(StagePeriod).where(StagePeriod.account_id.in_([a.id, c.id]))
            )
        ).all()
        assert len(periods) == 2

    @pytest.mark.parametrize("who", ["unknown", "analyst", "other organisation"])
    async def test_naming_a_user_without_a_csm_seat_is_refused(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        headers: dict[str, str],
        who: str,
    ) -> None:
        match who:
            case "unknown":
                user_id = uuid.uuid4()
            case "analyst":
                user_id = (await create_user(session, org, role_name="Analyst")).id
            case _:
                user_id = (await create_user(session, other_org)).id
        account = await create_account(session, org, csm_score=10)
        before = await _trigger_writes(session)

        response = await client.post(
            f"{API}/accounts/bulk-edit",
            headers=headers,
            json={
                "selection": {"account_ids": [str(account.id)]},
                "changes": {"add_csm_ids": [str(user_id)], "csm_score": 20},
            },
        )

        body = assert_problem(response, 409, "not_a_csm")
        assert str(user_id) in body["detail"]
        got = (await client.get(f"{API}/accounts/{account.id}", headers=headers)).json()
        assert (got["csm_ids"], got["csm_score"]) == ([], 10)
        assert await _trigger_writes(session) == before

    async def test_keeping_a_csm_who_lost_their_seat_writes_nothing(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        """Kept CSMs are checked from the lists the edit wrote: refused, the whole edit goes."""
        csm = await create_user(session, org, role_name="CSM")
        lost = await create_user(session, org, role_name="CSM")
        fine = await create_account(session, org, csm_score=10)
        keeps_lost = await create_account(session, org, csms=[lost], csm_score=10)
        lost.status = UserStatus.INACTIVE
        await session.flush()
        before = await _trigger_writes(session)

        response = await client.post(
            f"{API}/accounts/bulk-edit",
            headers=headers,
            json={
                "selection": {"account_ids": [str(fine.id), str(keeps_lost.id)]},
                "changes": {"add_csm_ids": [str(csm.id)], "csm_score": 20},
            },
        )

        body = assert_problem(response, 409, "not_a_csm")
        assert str(lost.id) in body["detail"]
        for account, csm_ids in ((fine, []), (keeps_lost, [str(lost.id)])):
            got = (await client.get(f"{API}/accounts/{account.id}", headers=headers)).json()
            assert (got["csm_ids"], got["csm_score"]) == (csm_ids, 10)
        assert await _trigger_writes(session) == before

    async def test_selected_ids_and_removal(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        a = await create_account(session, org, csms=[csm])
        b = await create_account(session, org, csms=[csm])
        response = await client.post(
            f"{API}/accounts/bulk-edit",
            headers=headers,
            json={
                "selection": {"account_ids": [str(a.id)]},
                "changes": {"remove_csm_ids": [str(csm.id)], "csm_score": 70},
            },
        )
        assert response.json() == {"matched": 1, "updated": 1}
        got_a = (await client.get(f"{API}/accounts/{a.id}", headers=headers)).json()
        got_b = (await client.get(f"{API}/accounts/{b.id}", headers=headers)).json()
        assert (got_a["csm_ids"], got_a["csm_score"]) == ([], 70)
        assert (got_b["csm_ids"], got_b["csm_score"]) == ([str(csm.id)], None)

    async def test_a_csm_cannot_bulk_edit_accounts_they_cannot_see(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, settings: Settings
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        mine = await create_account(session, org, csms=[csm])
        theirs = await create_account(session, org)
        response = await client.post(
            f"{API}/accounts/bulk-edit",
            headers=auth_headers(settings, csm),
            json={
                "selection": {"account_ids": [str(mine.id), str(theirs.id)]},
                "changes": {"csm_score": 10},
            },
        )
        assert response.json() == {"matched": 1, "updated": 1}
        await session.refresh(theirs)
        assert theirs.csm_score is None

    async def test_marks_churned_and_reactivates_only_the_accounts_that_change(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        admin: User,
    ) -> None:
        active = await create_account(session, org, name="Active")
        lost = await create_account(
            session, org, name="Lost", churned_on=date(2025, 1, 1), churn_reason="Old churn"
        )
        selection = {"account_ids": [str(active.id), str(lost.id)]}

        churned = await client.post(
            f"{API}/accounts/bulk-edit",
            headers=headers,
            json={
                "selection": selection,
                "changes": {"churn": {"churned_on": "2026-04-30", "reason": "Acquired"}},
            },
        )

        assert churned.json() == {"matched": 2, "updated": 1}
        got = (await client.get(f"{API}/accounts/{active.id}", headers=headers)).json()
        assert (got["churned_on"], got["churn_reason"]) == ("2026-04-30", "Acquired")
        untouched = (await client.get(f"{API}/accounts/{lost.id}", headers=headers)).json()
        assert (untouched["churned_on"], untouched["churn_reason"]) == ("2025-01-01", "Old churn")
        events = (await session.scalars(select(ChurnEvent))).all()
        assert [(e.account_id, str(e.churned_on), e.reason, e.changed_by_id) for e in events] == [
            (active.id, "2026-04-30", "Acquired", admin.id)
        ]

        reactivated = await client.post(
            f"{API}/accounts/bulk-edit",
            headers=headers,
            json={"selection": selection, "changes": {"reactivate": True}},
        )

        assert reactivated.json() == {"matched": 2, "updated": 2}
        for account in (active, lost):
            got = (await client.get(f"{API}/accounts/{account.id}", headers=headers)).json()
            assert (got["churned_on"], got["churn_reason"]) == (None, None)
        event = await session.scalar(select(ChurnEvent).execution_options(populate_existing=True))
        assert event is not None and event.reactivated_on is not None

    async def test_churn_and_reactivate_at_once_is_422(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        response = await client.post(
            f"{API}/accounts/bulk-edit",
            headers=headers,
            json={
                "selection": {"account_ids": [str(account.id)]},
                "changes": {
                    "churn": {"churned_on": "2026-04-30", "reason": "Acquired"},
                    "reactivate": True,
                },
            },
        )
        assert_problem(response, 422)
        await session.refresh(account)
        assert account.churned_on is None

    async def test_invalid_change_changes_nothing(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        await create_account(session, org)
        response = await client.post(
            f"{API}/accounts/bulk-edit",
            headers=headers,
            json={
                "selection": {},
                "changes": {"custom_values": {"nope": 1}},
            },
        )
        assert_problem(response, 422, "invalid_custom_value")


class TestExport:
    async def test_csv_of_a_filtered_selection_in_chosen_columns(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        admin: User,
    ) -> None:
        tier1 = await _named(session, Tier, org, "Tier 1")
        csm = await create_user(session, org, role_name="CSM", email="casey@example.com")
        await create_account(
            session, org, name="Alpha", external_id="a", tier_id=tier1.id, csms=[csm]
        )
        await create_account(session, org, name="=HYPERLINK(1)", external_id="b", tier_id=tier1.id)
        await create_account(session, org, name="Gamma", external_id="c")

        response = await client.post(
            f"{API}/accounts/export",
            headers=headers,
            json={
                "selection": {
                    "filter": {"kind": "compare", "field": "tier", "op": "eq", "value": "Tier 1"}
                },
                "columns": ["external_id", "name", "tier", "csm"],
            },
        )
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows == [
            ["External id", "Name", "Tier", "CSM"],
            ["b", "'=HYPERLINK(1)", "Tier 1", ""],
            ["a", "Alpha", "Tier 1", "casey@example.com"],
        ]

    async def test_unknown_column_is_422(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.post(
            f"{API}/accounts/export", headers=headers, json={"columns": ["password"]}
        )
        # As the list answers it.
        assert_problem(response, 422, "invalid_filter")


class TestViews:
    async def test_personal_and_shared_views(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        settings: Settings,
    ) -> None:
        body = {
            "name": "Renewing soon",
            "columns": ["name", "renewal_on", "tier"],
            "filter": {"kind": "date", "field": "renewal_on", "op": "within_next_days", "days": 90},
            "sort": "renewal_on",
        }
        mine = await client.post(f"{API}/account-views", headers=headers, json=body)
        assert mine.status_code == 201, mine.text
        shared = await client.post(
            f"{API}/account-views",
            headers=headers,
            json={**body, "name": "Team view", "is_shared": True},
        )
        assert shared.status_code == 201
        csm = await create_user(session, org, role_name="CSM")
        csm_headers = auth_headers(settings, csm)
        seen = (await client.get(f"{API}/account-views", headers=csm_headers)).json()
        assert [v["name"] for v in seen] == ["Team view"]
        assert seen[0]["filter"]["days"] == 90
        # A CSM may not share views or change someone else's shared view.
        denied = await client.post(
            f"{API}/account-views", headers=csm_headers, json={**body, "is_shared": True}
        )
        assert_problem(denied, 403)
        edit = await client.put(
            f"{API}/account-views/{shared.json()['id']}", headers=csm_headers, json=body
        )
        assert_problem(edit, 403)
        hidden = await client.delete(
            f"{API}/account-views/{mine.json()['id']}", headers=csm_headers
        )
        assert_problem(hidden, 404)

    async def test_those_who_configure_product_look_after_every_users_views(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        admin: User,
        headers: dict[str, str],
        settings: Settings,
    ) -> None:
        """A personal view may keep a field from being deleted: whoever configures product
        settings lists, edits and deletes anyone's. Everyone else keeps to their own and the
        shared ones, and another's personal view is not found, as before."""

        async def listed(who: dict[str, str], **params: str) -> Any:
            response = await client.get(f"{API}/account-views", headers=who, params=params)
            return [v["name"] for v in response.json()] if response.is_success else response

        async def save(who: dict[str, str], name: str, shared: bool = False) -> Any:
            body = {"name": name, "is_shared": shared}
            response = await client.post(f"{API}/account-views", headers=who, json=body)
            assert response.status_code == 201, response.text
            return response.json()

        csm_user = await create_user(session, org, role_name="CSM", full_name="Sam Lee")
        csm = auth_headers(settings, csm_user)
        other_csm = auth_headers(settings, await create_user(session, org, role_name="CSM"))
        stranger = await user_by_role(session, other_org, "Admin")
        await save(auth_headers(settings, stranger), "Elsewhere", shared=True)
        await save(headers, "Team", shared=True)
        await save(headers, "Admin's own")
        sams = await save(csm, "My renewals")

        assert await listed(headers) == ["Admin's own", "Team"]
        assert await listed(headers, owner="all") == ["Admin's own", "My renewals", "Team"]
        assert await listed(headers, owner=str(csm_user.id)) == ["My renewals"]
        assert await listed(headers, owner=str(stranger.id)) == []
        assert await listed(csm, owner=str(admin.id)) == ["Team"]
        assert await listed(csm, owner=str(csm_user.id)) == ["My renewals"]
        assert_problem(await listed(csm, owner="all"), 403)
        assert_problem(await listed(headers, owner="everyone"), 422)

        # Another CSM neither sees nor touches Sam's view: not found, not forbidden.
        url = f"{API}/account-views/{sams['id']}"
        assert_problem(await client.put(url, headers=other_csm, json={"name": "x"}), 404)
        assert_problem(await client.delete(url, headers=other_csm), 404)

        edited = await client.put(
            url, headers=headers, json={"name": "Renewals", "columns": ["name"]}
        )
        assert edited.status_code == 200, edited.text
        assert (edited.json()["owner_id"], edited.json()["is_shared"]) == (str(csm_user.id), False)
        assert await listed(csm) == ["Renewals", "Team"]
        deleted = await client.delete(url, headers=headers)
        assert deleted.status_code == 204, deleted.text
        assert await listed(csm) == ["Team"]

        entries = {
            e.action: e
            for e in await session.scalars(
                select(AuditEntry).where(AuditEntry.entity_id == uuid.UUID(sams["id"]))
            )
        }
        assert {action: e.actor_user_id for action, e in entries.items()} == {
            "account_view.created": csm_user.id,
            "account_view.updated": admin.id,
            "account_view.deleted": admin.id,
        }
        assert entries["account_view.deleted"].before == {
            "name": "Renewals",
            "owner_id": str(csm_user.id),
        }

    async def test_a_name_is_unique_among_the_owners_views_and_the_shared_ones(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        headers: dict[str, str],
        settings: Settings,
    ) -> None:
        async def save(who: dict[str, str], name: str, shared: bool = False) -> Any:
            return await client.post(
                f"{API}/account-views", headers=who, json={"name": name, "is_shared": shared}
            )

        async def edit(who: dict[str, str], view: Any, name: str, shared: bool = False) -> Any:
            return await client.put(
                f"{API}/account-views/{view['id']}",
                headers=who,
                json={"name": name, "is_shared": shared},
            )

        colleague = auth_headers(settings, await create_user(session, org, role_name="Admin"))
        csm = auth_headers(settings, await create_user(session, org, role_name="CSM"))
        mine = (await save(headers, "Renewals")).json()
        other = (await save(headers, "Upsells")).json()
        team = (await save(colleague, "Team", shared=True)).json()
        await save(colleague, "Private")

        refused = {
            "created": await save(headers, " RENEWALS "),
            "created shared": await save(headers, "renewals", shared=True),
            "renamed": await edit(headers, other, "Renewals"),
            "created as another's shared": await save(headers, "TEAM", shared=True),
            "shared": await edit(headers, other, "team", shared=True),
            "renamed for its owner": await edit(headers, team, "private", shared=True),
        }

        details = {
            case: assert_problem(answer, 409, "account_view_name_taken")["detail"]
            for case, answer in refused.items()
        }
        assert details == {
            "created": "You already have a view named 'RENEWALS'",
            "created shared": "You already have a view named 'renewals'",
            "renamed": "You already have a view named 'Renewals'",
            "created as another's shared": "A shared view is already named 'TEAM'",
            "shared": "A shared view is already named 'team'",
            "renamed for its owner": "The view's owner already has a view named 'private'",
        }
        # A view keeps its own name in any case; another user's personal view, a personal view
        # beside another's shared one and another organisation's view may share a name.
        allowed = [
            await edit(headers, mine, "RENEWALS"),
            await save(csm, "Renewals"),
            await save(colleague, "Upsells"),
            await save(headers, "Team"),
            await save(
                auth_headers(settings, await user_by_role(session, other_org, "Admin")),
                "Team",
                shared=True,
            ),
        ]
        assert [a.status_code for a in allowed] == [200, 201, 201, 201, 201], [
            a.text for a in allowed
        ]
        listed = (await client.get(f"{API}/account-views", headers=headers)).json()
        assert sorted((v["name"], v["is_shared"]) for v in listed) == [
            ("RENEWALS", False),
            ("Team", False),
            ("Team", True),
            ("Upsells", False),
        ]

    async def test_view_with_bad_filter_or_column_is_422(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        bad_filter = await client.post(
            f"{API}/account-views",
            headers=headers,
            json={
                "name": "x",
                "filter": {"kind": "compare", "field": "nope", "op": "eq", "value": 1},
            },
        )
        assert_problem(bad_filter, 422, "invalid_filter")
        bad_column = await client.post(
            f"{API}/account-views", headers=headers, json={"name": "x", "columns": ["nope"]}
        )
        assert_problem(bad_column, 422, "invalid_filter")


class TestAttributeTriggers:
    async def test_tier_stage_and_churn_triggers_run_idempotently(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        job_ctx: dict[str, Any],
    ) -> None:
        tier1 = await _named(session, Tier, org, "Tier 1")
        onboarding = await _named(session, LifecycleStage, org, "Onboarding")
        await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={"key": "rev", "label": "Revenue", "type": "number"},
        )
        big = await create_account(
            session,
            org,
            name="Big",
            custom_values={"rev": 2000},
            joined_on=date.today() - timedelta(days=400),
        )
        new = await create_account(
            session,
            org,
            name="New",
            custom_values={"rev": 10},
            joined_on=date.today() - timedelta(days=3),
        )
        dead = await create_account(
            session,
            org,
            name="Dead",
            custom_values={"rev": 0},
            joined_on=date.today() - timedelta(days=900),
        )
        for body in (
            {
                "name": "Tier 1 at 1k",
                "target": "tier",
                "tier_id": str(tier1.id),
                "condition": {"kind": "compare", "field": "custom.rev", "op": "gte", "value": 1000},
            },
            {
                "name": "New is onboarding",
                "target": "stage",
                "stage_id": str(onboarding.id),
                "condition": {
                    "kind": "date",
                    "field": "joined_on",
                    "op": "within_last_days",
                    "days": 30,
                },
            },
            {
                "name": "No revenue",
                "target": "churned",
                "churn_reason": "No revenue",
                "condition": {"kind": "compare", "field": "custom.rev", "op": "eq", "value": 0},
            },
        ):
            created = await client.post(f"{API}/attribute-triggers", headers=headers, json=body)
            assert created.status_code == 201, created.text

        first = await run_attribute_triggers(job_ctx, str(org.id))
        second = await run_attribute_triggers(job_ctx, str(org.id))

        assert sorted(first.values()) == [1, 1, 1]
        assert sorted(second.values()) == [0, 0, 0]
        for account in (big, new, dead):
            await session.refresh(account)
        assert big.tier_id == tier1.id and new.tier_id is None
        assert new.stage_id == onboarding.id
        assert (dead.churned_on is not None, dead.churn_reason) == (True, "No revenue")
        assert big.churned_on is None
        # The history a run writes is what a manual change writes, by no user; the second run
        # wrote none.
        periods = (await session.scalars(select(StagePeriod))).all()
        assert [
            (p.account_id, p.stage_id, p.stage_name, p.left_at, p.changed_by_id) for p in periods
        ] == [(new.id, onboarding.id, "Onboarding", None, None)]
        events = (await session.scalars(select(ChurnEvent))).all()
        assert [
            (e.account_id, e.churned_on, e.reason, e.reactivated_on, e.changed_by_id)
            for e in events
        ] == [(dead.id, dead.churned_on, "No revenue", None, None)]
        audited = (
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity_type == "account")
                .order_by(AuditEntry.action)
            )
        ).all()
        assert sorted((e.entity_id, e.action, e.actor_user_id) for e in audited) == sorted(
            [
                (dead.id, "account.churned", None),
                (big.id, "account.updated", None),
                (new.id, "account.updated", None),
            ]
        )
        tier_change = next(e for e in audited if e.entity_id == big.id)
        assert tier_change.before is not None and tier_change.after is not None
        assert (tier_change.before["tier_id"], tier_change.after["tier_id"]) == (
            None,
            str(tier1.id),
        )
        # Each entry names the trigger that made it; later writes of the transaction none.
        log = (
            await client.get(f"{API}/audit-log", headers=headers, params={"entity_type": "account"})
        ).json()["items"]
        assert sorted((e["entity_id"], e["actor_name"]) for e in log) == sorted(
            [
                (str(dead.id), "Attribute trigger No revenue"),
                (str(big.id), "Attribute trigger Tier 1 at 1k"),
                (str(new.id), "Attribute trigger New is onboarding"),
            ]
        )
        edited = await client.patch(
            f"{API}/accounts/{big.id}", headers=headers, json={"csm_score": 70}
        )
        assert edited.status_code == 200, edited.text
        log = (
            await client.get(f"{API}/audit-log", headers=headers, params={"entity_id": str(big.id)})
        ).json()["items"]
        edit = next(e for e in log if e["after"] == {"csm_score": 70})
        assert edit["actor_trigger_id"] is None and edit["actor_user_id"] is not None

    async def test_overlapping_triggers_the_first_by_position_decides_and_a_rerun_writes_nothing(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        job_ctx: dict[str, Any],
    ) -> None:
        onboarding = await _named(session, LifecycleStage, org, "Onboarding")
        established = await _named(session, LifecycleStage, org, "Established")
        tier1, tier2 = (
            await _named(session, Tier, org, "Tier 1"),
            await _named(session, Tier, org, "Tier 2"),
        )
        await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={"key": "rev", "label": "Revenue", "type": "number"},
        )
        recent = date.today() - timedelta(days=3)
        both = await create_account(session, org, custom_values={"rev": 2000}, joined_on=recent)
        old = await create_account(
            session, org, custom_values={"rev": 2000}, joined_on=date.today() - timedelta(days=400)
        )
        # No join date: the first stage trigger's condition is unknown for it, not a match.
        undated = await create_account(session, org, custom_values={"rev": 2000})
        joined_within_30 = {
            "kind": "date",
            "field": "joined_on",
            "op": "within_last_days",
            "days": 30,
        }
        for body in (
            # Listed out of order: position decides, not creation.
            {
                "name": "Paying is established",
                "target": "stage",
                "stage_id": str(established.id),
                "position": 1,
                "condition": {"kind": "compare", "field": "custom.rev", "op": "gte", "value": 1000},
            },
            {
                "name": "New is onboarding",
                "target": "stage",
                "stage_id": str(onboarding.id),
                "position": 0,
                "condition": joined_within_30,
            },
            {
                "name": "Any revenue is Tier 2",
                "target": "tier",
                "tier_id": str(tier2.id),
                "position": 3,
                "condition": {"kind": "compare", "field": "custom.rev", "op": "gt", "value": 0},
            },
            {
                "name": "Big is Tier 1",
                "target": "tier",
                "tier_id": str(tier1.id),
                "position": 2,
                "condition": {"kind": "compare", "field": "custom.rev", "op": "gte", "value": 1000},
            },
        ):
            created = await client.post(f"{API}/attribute-triggers", headers=headers, json=body)
            assert created.status_code == 201, created.text

        await run_attribute_triggers(job_ctx, str(org.id))
        written = await _trigger_writes(session)
        second = await run_attribute_triggers(job_ctx, str(org.id))

        assert sorted(second.values()) == [0, 0, 0, 0]
        assert await _trigger_writes(session) == written
        for account in (both, old, undated):
            await session.refresh(account)
        assert (both.stage_id, both.tier_id) == (onboarding.id, tier1.id)
        assert (old.stage_id, old.tier_id) == (established.id, tier1.id)
        assert (undated.stage_id, undated.tier_id) == (established.id, tier1.id)
        periods = (await session.scalars(select(StagePeriod))).all()
        assert sorted((p.account_id, p.stage_name, p.left_at) for p in periods) == sorted(
            [
                (both.id, "Onboarding", None),
                (old.id, "Established", None),
                (undated.id, "Established", None),
            ]
        )
        # One entry per attribute a trigger set on each account.
        assert written == {"stage_periods": 3, "audit": 6}

    async def test_invalid_triggers_are_422(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        cond = {"kind": "compare", "field": "csm_score", "op": "gt", "value": 1}
        no_tier = await client.post(
            f"{API}/attribute-triggers",
            headers=headers,
            json={"name": "x", "target": "tier", "condition": cond},
        )
        assert_problem(no_tier, 422, "invalid_trigger")
        no_stage = await client.post(
            f"{API}/attribute-triggers",
            headers=headers,
            json={"name": "x", "target": "stage", "condition": cond},
        )
        assert_problem(no_stage, 422, "invalid_trigger")
        # A value of another target would be dropped without a word.
        both = await client.post(
            f"{API}/attribute-triggers",
            headers=headers,
            json={"name": "x", "target": "tier", "tier_id": str(uuid.uuid4()),
                  "stage_id": str(uuid.uuid4()), "condition": cond},
        )  # fmt: skip
        assert "not stage_id" in assert_problem(both, 422, "validation_error")["detail"]
        bad_cond = await client.post(
            f"{API}/attribute-triggers",
            headers=headers,
            json={
                "name": "x",
                "target": "churned",
                "churn_reason": "r",
                "condition": {"kind": "compare", "field": "nope", "op": "eq", "value": 1},
            },
        )
        assert_problem(bad_cond, 422, "invalid_filter")

    async def test_a_tier_or_stage_the_organisation_lacks_is_a_conflict(
        self,
        client: AsyncClient,
        session: AsyncSession,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        cond = {"kind": "compare", "field": "csm_score", "op": "gt", "value": 1}
        theirs = await _named(session, Tier, other_org, "Tier 1")
        their_stage = await _named(session, LifecycleStage, other_org, "Onboarding")

        answers = [
            await client.post(f"{API}/attribute-triggers", headers=headers, json=body)
            for body in (
                {"name": "x", "target": "tier", "tier_id": str(theirs.id), "condition": cond},
                {"name": "x", "target": "stage", "stage_id": str(uuid.uuid4()), "condition": cond},
                {
                    "name": "x",
                    "target": "stage",
                    "stage_id": str(their_stage.id),
                    "condition": cond,
                },
            )
        ]

        for answer in answers:
            assert_problem(answer, 409, "trigger_target_not_found")

    async def test_a_name_is_the_organisations_one_trigger_whatever_its_case(
        self,
        client: AsyncClient,
        session: AsyncSession,
        other_org: Organisation,
        headers: dict[str, str],
        settings: Settings,
    ) -> None:
        cond = {"kind": "compare", "field": "csm_score", "op": "gt", "value": 1}
        body = {"name": "Renewals", "target": "churned", "churn_reason": "r", "condition": cond}
        first = await client.post(f"{API}/attribute-triggers", headers=headers, json=body)
        assert first.status_code == 201, first.text
        second = await client.post(
            f"{API}/attribute-triggers", headers=headers, json={**body, "name": "Upsells"}
        )
        assert second.status_code == 201, second.text

        created = await client.post(
            f"{API}/attribute-triggers", headers=headers, json={**body, "name": " RENEWALS "}
        )
        renamed = await client.put(
            f"{API}/attribute-triggers/{second.json()['id']}",
            headers=headers,
            json={**body, "name": "renewals"},
        )

        assert assert_problem(created, 409, "attribute_trigger_name_taken")["detail"] == (
            "An attribute trigger is already named 'RENEWALS'"
        )
        assert_problem(renamed, 409, "attribute_trigger_name_taken")
        # A trigger keeps its own name, in any case; another organisation has its own names.
        kept = await client.put(
            f"{API}/attribute-triggers/{first.json()['id']}",
            headers=headers,
            json={**body, "name": "RENEWALS"},
        )
        assert (kept.status_code, kept.json()["name"]) == (200, "RENEWALS"), kept.text
        theirs = await client.post(
            f"{API}/attribute-triggers",
            headers=auth_headers(settings, await user_by_role(session, other_org, "Admin")),
            json=body,
        )
        assert theirs.status_code == 201, theirs.text
        listed = (await client.get(f"{API}/attribute-triggers", headers=headers)).json()
        assert sorted(t["name"] for t in listed) == ["RENEWALS", "Upsells"]

    async def test_run_now_enqueues_a_job_after_commit(
        self, client: AsyncClient, headers: dict[str, str], redis: Redis
    ) -> None:
        response = await client.post(f"{API}/attribute-triggers/run", headers=headers)
        # Queued, with no body, as the schema says.
        assert (response.status_code, response.content) == (202, b"")
        jobs = await redis.queued_jobs()  # type: ignore[attr-defined]  # ArqRedis
        assert [j.function for j in jobs] == ["accounts.run_attribute_triggers"]

    async def test_csm_cannot_manage_triggers(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, settings: Settings
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        response = await client.post(
            f"{API}/attribute-triggers/run", headers=auth_headers(settings, csm)
        )
        assert_problem(response, 403, "permission_denied")


async def test_export_only_rows_the_user_sees(
    client: AsyncClient, session: AsyncSession, org: Organisation, settings: Settings
) -> None:
    csm = await create_user(session, org, role_name="CSM")
    await create_account(session, org, name="Mine", csms=[csm])
    await create_account(session, org, name="Theirs")
    response = await client.post(
        f"{API}/accounts/export", headers=auth_headers(settings, csm), json={"columns": ["name"]}
    )
    assert response.text.splitlines() == ["Name", "Mine"]
    assert await session.scalar(select(Account.id).where(Account.name == "Theirs"))
