"""The full account record: configuration, histories, churn vs reactivate, hierarchy,
custom fields and the filter language on the account list."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import (
    Account,
    CsmAssignmentPeriod,
    LifecycleStage,
    StagePeriod,
    Tier,
)
from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem

API = "/api/v1"


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


async def _named(session: AsyncSession, model: Any, org: Organisation, name: str) -> Any:
    return await session.scalar(select(model).where(model.org_id == org.id, model.name == name))


async def _query(client: AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(f"{API}/accounts/query", headers=headers, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


class TestConfiguration:
    async def test_new_org_has_default_stages_and_tiers(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        stages = (await client.get(f"{API}/lifecycle-stages", headers=headers)).json()
        tiers = (await client.get(f"{API}/tiers", headers=headers)).json()

        assert [s["name"] for s in stages] == ["Trial", "Onboarding", "Established", "Renewal"]
        assert [t["name"] for t in tiers] == ["Tier 1", "Tier 2", "Tier 3"]

    async def test_create_rename_delete_tier(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        created = await client.post(
            f"{API}/tiers", headers=headers, json={"name": "Strategic", "position": 0}
        )
        assert created.status_code == 201
        tier_id = created.json()["id"]
        dup = await client.post(f"{API}/tiers", headers=headers, json={"name": "strategic"})
        assert_problem(dup, 409, "name_taken")
        renamed = await client.put(
            f"{API}/tiers/{tier_id}", headers=headers, json={"name": "Enterprise", "position": 1}
        )
        assert renamed.json()["name"] == "Enterprise"
        assert (await client.delete(f"{API}/tiers/{tier_id}", headers=headers)).status_code == 204
        gone = await client.delete(f"{API}/tiers/{tier_id}", headers=headers)
        assert_problem(gone, 404, "tier_not_found")

    async def test_csm_cannot_configure(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, settings: Settings
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        response = await client.post(
            f"{API}/lifecycle-stages", headers=auth_headers(settings, csm), json={"name": "X"}
        )
        assert_problem(response, 403, "permission_denied")

    async def test_a_stage_accounts_or_triggers_use_is_refused_with_what_uses_it(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        trial = await _named(session, LifecycleStage, org, "Trial")
        onboarding = await _named(session, LifecycleStage, org, "Onboarding")
        ids = []
        for n in range(2):
            created = await client.post(
                f"{API}/accounts",
                headers=headers,
                json={"external_id": f"t{n}", "name": f"T{n}", "stage_id": str(trial.id)},
            )
            ids.append(created.json()["id"])
        trigger = await client.post(
            f"{API}/attribute-triggers",
            headers=headers,
            json={
                "name": "Young is trial",
                "target": "stage",
                "stage_id": str(trial.id),
                "condition": {
                    "kind": "date",
                    "field": "joined_on",
                    "op": "within_last_days",
                    "days": 14,
                },
            },
        )
        assert trigger.status_code == 201, trigger.text

        refused = await client.delete(f"{API}/lifecycle-stages/{trial.id}", headers=headers)

        assert_problem(refused, 409, "config_item_in_use")
        assert refused.json()["detail"] == (
            "The lifecycle stage “Trial” is in use: 2 accounts have it and the attribute "
            "trigger “Young is trial” sets it. Move them to another lifecycle stage and change "
            "or delete the trigger before deleting it."
        )
        # Nothing changed: the stage, the accounts in it, their open periods and the trigger.
        stages = (await client.get(f"{API}/lifecycle-stages", headers=headers)).json()
        assert "Trial" in [s["name"] for s in stages]
        for account_id in ids:
            got = (await client.get(f"{API}/accounts/{account_id}", headers=headers)).json()
            assert got["stage_id"] == str(trial.id)
        open_periods = await session.scalars(
            select(StagePeriod.stage_id).where(
                StagePeriod.org_id == org.id, StagePeriod.left_at.is_(None)
            )
        )
        assert list(open_periods) == [trial.id, trial.id]
        listed = (await client.get(f"{API}/attribute-triggers", headers=headers)).json()
        assert [t["name"] for t in listed] == ["Young is trial"]

        # Once the accounts have moved and the trigger is gone, it can be deleted.
        await client.post(
            f"{API}/accounts/bulk-edit",
            headers=headers,
            json={"selection": {"account_ids": ids}, "changes": {"stage_id": str(onboarding.id)}},
        )
        still = await client.delete(f"{API}/lifecycle-stages/{trial.id}", headers=headers)
        assert still.json()["detail"].startswith(
            "The lifecycle stage “Trial” is in use: the attribute trigger “Young is trial” sets it."
        )
        await client.delete(f"{API}/attribute-triggers/{trigger.json()['id']}", headers=headers)
        deleted = await client.delete(f"{API}/lifecycle-stages/{trial.id}", headers=headers)
        assert deleted.status_code == 204, deleted.text

    async def test_a_tier_accounts_have_is_refused(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        tier1 = await _named(session, Tier, org, "Tier 1")
        await create_account(session, org, tier_id=tier1.id)

        refused = await client.delete(f"{API}/tiers/{tier1.id}", headers=headers)

        assert_problem(refused, 409, "config_item_in_use")
        assert "1 account has it" in refused.json()["detail"]
        assert await _named(session, Tier, org, "Tier 1") is not None

    async def test_deleting_a_stage_only_deleted_accounts_had_ends_their_open_periods(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        stage = await client.post(
            f"{API}/lifecycle-stages", headers=headers, json={"name": "Pilot", "position": 9}
        )
        stage_id = stage.json()["id"]
        created = await client.post(
            f"{API}/accounts",
            headers=headers,
            json={"external_id": "gone", "name": "Gone", "stage_id": stage_id},
        )
        account_id = created.json()["id"]
        await client.delete(f"{API}/accounts/{account_id}", headers=headers)

        deleted = await client.delete(f"{API}/lifecycle-stages/{stage_id}", headers=headers)

        assert deleted.status_code == 204, deleted.text
        period = await session.scalar(
            select(StagePeriod)
            .where(StagePeriod.account_id == created.json()["id"])
            .execution_options(populate_existing=True)
        )
        assert period is not None
        assert (period.stage_id, period.stage_name, period.left_at is not None) == (
            None,
            "Pilot",
            True,
        )
        # Restored, the account is in no stage and in no open period.
        restored = await client.post(f"{API}/accounts/{account_id}/restore", headers=headers)
        assert restored.json()["stage_id"] is None

    async def test_another_orgs_tier_is_not_found(
        self,
        client: AsyncClient,
        session: AsyncSession,
        headers: dict[str, str],
        other_org: Organisation,
    ) -> None:
        foreign = await _named(session, Tier, other_org, "Tier 1")
        account = await create_account(session, await _org_of(session, headers, client))
        response = await client.patch(
            f"{API}/accounts/{account.id}", headers=headers, json={"tier_id": str(foreign.id)}
        )
        # The account exists; the tier its body names does not.
        assert_problem(response, 409, "tier_not_found")
        response = await client.delete(f"{API}/tiers/{foreign.id}", headers=headers)
        assert_problem(response, 404, "tier_not_found")


async def _org_of(session: AsyncSession, headers: dict[str, str], client: AsyncClient) -> Any:
    me = (await client.get(f"{API}/me", headers=headers)).json()
    return await session.get(Organisation, me["org_id"])


class TestHistories:
    async def test_stage_changes_write_entered_and_left(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        trial = await _named(session, LifecycleStage, org, "Trial")
        onboarding = await _named(session, LifecycleStage, org, "Onboarding")
        created = await client.post(
            f"{API}/accounts",
            headers=headers,
            json={"external_id": "a1", "name": "A1", "stage_id": str(trial.id)},
        )
        account_id = created.json()["id"]
        await client.patch(
            f"{API}/accounts/{account_id}",
            headers=headers,
            json={"stage_id": str(onboarding.id)},
        )
        # Setting the same stage again writes nothing.
        await client.patch(
            f"{API}/accounts/{account_id}",
            headers=headers,
            json={"stage_id": str(onboarding.id)},
        )

        history = (await client.get(f"{API}/accounts/{account_id}/history", headers=headers)).json()
        assert [(s["stage_name"], s["left_at"] is None) for s in history["stages"]] == [
            ("Onboarding", True),
            ("Trial", False),
        ]
        assert history["stages"][1]["days"] >= 0

    async def test_csm_changes_keep_effective_dates(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        first = await create_user(session, org, role_name="CSM")
        second = await create_user(session, org, role_name="CSM")
        created = await client.post(
            f"{API}/accounts",
            headers=headers,
            json={"external_id": "a2", "name": "A2", "csm_ids": [str(first.id)]},
        )
        account_id = created.json()["id"]
        await client.patch(
            f"{API}/accounts/{account_id}", headers=headers, json={"csm_ids": [str(second.id)]}
        )

        periods = (
            await session.scalars(
                select(CsmAssignmentPeriod).where(CsmAssignmentPeriod.account_id == account_id)
            )
        ).all()
        by_user = {p.user_id: p for p in periods}
        assert by_user[first.id].unassigned_at is not None
        assert by_user[second.id].unassigned_at is None
        assert by_user[second.id].assigned_at >= by_user[first.id].assigned_at

    async def test_csm_score_history_and_range(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)
        for score in (40, 75):
            response = await client.patch(
                f"{API}/accounts/{account.id}", headers=headers, json={"csm_score": score}
            )
            assert response.json()["csm_score"] == score
        too_high = await client.patch(
            f"{API}/accounts/{account.id}", headers=headers, json={"csm_score": 101}
        )
        assert_problem(too_high, 422)
        history = (await client.get(f"{API}/accounts/{account.id}/history", headers=headers)).json()
        assert [e["score"] for e in history["csm_scores"]] == [75, 40]

    async def test_nps_is_the_average_within_30_days_of_the_latest(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)
        latest = datetime(2026, 6, 30, tzinfo=UTC)
        for score, days_before in ((2, 45), (10, 20), (7, 0)):
            response = await client.post(
                f"{API}/accounts/{account.id}/nps",
                headers=headers,
                json={
                    "score": score,
                    "responded_at": (latest - timedelta(days=days_before)).isoformat(),
                },
            )
        # 2 is more than 30 days before the latest answer: (10 + 7) / 2.
        assert response.json()["nps"] == "8.5"
        bad = await client.post(
            f"{API}/accounts/{account.id}/nps", headers=headers, json={"score": 11}
        )
        assert_problem(bad, 422)

    async def test_status_update_sets_latest_status(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        admin: User,
    ) -> None:
        account = await create_account(session, org)
        response = await client.post(
            f"{API}/accounts/{account.id}/status",
            headers=headers,
            json={"title": "Expansion talks", "details": "Wants 50 more seats"},
        )
        body = response.json()
        assert (body["status_title"], body["status_details"]) == (
            "Expansion talks",
            "Wants 50 more seats",
        )
        assert body["status_author_id"] == str(admin.id)

    async def test_status_updates_are_kept_in_history_newest_first(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        headers: dict[str, str],
        admin: User,
    ) -> None:
        account = await create_account(session, org)
        csm = await create_user(session, org, role_name="CSM Manager")
        for h, title, details in (
            (headers, "Kick-off done", "Training booked"),
            (auth_headers(settings, csm), "At risk", None),
        ):
            response = await client.post(
                f"{API}/accounts/{account.id}/status",
                headers=h,
                json={"title": title, "details": details},
            )
            assert response.status_code == 200, response.text

        history = (await client.get(f"{API}/accounts/{account.id}/history", headers=headers)).json()

        assert [(s["title"], s["details"], s["changed_by_id"]) for s in history["statuses"]] == [
            ("At risk", None, str(csm.id)),
            ("Kick-off done", "Training booked", str(admin.id)),
        ]
        assert history["statuses"][0]["posted_at"] >= history["statuses"][1]["posted_at"]


class TestChurn:
    async def test_churned_account_leaves_active_book_but_stays_listed_as_churned(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        churned = await create_account(session, org, name="Gone Co")
        await create_account(session, org, name="Live Co")
        response = await client.post(
            f"{API}/accounts/{churned.id}/churn",
            headers=headers,
            json={"churned_on": "2026-10-31", "reason": "Budget cut"},
        )
        assert response.json()["churned_on"] == "2026-10-31"
        again = await client.post(
            f"{API}/accounts/{churned.id}/churn",
            headers=headers,
            json={"churned_on": "2026-10-31", "reason": "x"},
        )
        assert_problem(again, 409, "already_churned")

        active = await _query(client, headers, churned=False)
        only_churned = await _query(client, headers, churned=True)
        assert [a["name"] for a in active["items"]] == ["Live Co"]
        assert [a["name"] for a in only_churned["items"]] == ["Gone Co"]
        # Churned is not deleted: the account is still readable.
        assert (
            await client.get(f"{API}/accounts/{churned.id}", headers=headers)
        ).status_code == 200

    async def test_a_churn_is_not_dated_after_today(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org, name="Soon Co")
        tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()

        single = await client.post(
            f"{API}/accounts/{account.id}/churn",
            headers=headers,
            json={"churned_on": tomorrow, "reason": "Notice given"},
        )
        bulk = await client.post(
            f"{API}/accounts/bulk-edit",
            headers=headers,
            json={
                "selection": {"account_ids": [str(account.id)]},
                "changes": {"churn": {"churned_on": tomorrow, "reason": "Notice given"}},
            },
        )

        assert tomorrow in assert_problem(single, 422, "churned_in_the_future")["detail"]
        assert_problem(bulk, 422, "churned_in_the_future")
        got = (await client.get(f"{API}/accounts/{account.id}", headers=headers)).json()
        assert got["churned_on"] is None

    async def test_reactivate(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)
        not_churned = await client.post(f"{API}/accounts/{account.id}/reactivate", headers=headers)
        assert_problem(not_churned, 409, "not_churned")
        await client.post(
            f"{API}/accounts/{account.id}/churn",
            headers=headers,
            json={"churned_on": "2026-01-31", "reason": "Moved to competitor"},
        )
        response = await client.post(f"{API}/accounts/{account.id}/reactivate", headers=headers)
        assert (response.json()["churned_on"], response.json()["churn_reason"]) == (None, None)

    async def test_a_csm_cannot_churn_or_reactivate_an_account_outside_their_book(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        theirs = await create_account(session, org, name="Not mine")
        churned = await create_account(session, org, name="Gone, not mine")
        await client.post(
            f"{API}/accounts/{churned.id}/churn",
            headers=headers,
            json={"churned_on": "2026-01-31", "reason": "Budget"},
        )
        csm_headers = auth_headers(settings, csm)

        churn = await client.post(
            f"{API}/accounts/{theirs.id}/churn",
            headers=csm_headers,
            json={"churned_on": "2026-10-31", "reason": "x"},
        )
        reactivate = await client.post(
            f"{API}/accounts/{churned.id}/reactivate", headers=csm_headers
        )

        assert_problem(churn, 404, "account_not_found")
        assert_problem(reactivate, 404, "account_not_found")
        states = {
            a["name"]: a["churned_on"]
            for a in (await client.get(f"{API}/accounts?churned=", headers=headers)).json()["items"]
        }
        assert states == {"Not mine": None, "Gone, not mine": "2026-01-31"}


class TestHierarchy:
    async def test_cycle_is_refused(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        top = await create_account(session, org)
        middle = await create_account(session, org, parent_id=top.id)
        bottom = await create_account(session, org, parent_id=middle.id)

        for parent, child in ((bottom, top), (top, top)):
            response = await client.patch(
                f"{API}/accounts/{child.id}", headers=headers, json={"parent_id": str(parent.id)}
            )
            assert_problem(response, 409, "hierarchy_cycle")

    async def test_unknown_or_foreign_parent_is_refused(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        foreign = await create_account(session, other_org)
        response = await client.post(
            f"{API}/accounts",
            headers=headers,
            json={"external_id": "x", "name": "X", "parent_id": str(foreign.id)},
        )
        assert_problem(response, 409, "parent_not_found")

    async def test_a_csm_cannot_move_an_account_under_one_outside_their_book(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
    ) -> None:
        # An account they cannot see is answered exactly like one that does not exist.
        csm = await create_user(session, org, role_name="CSM")
        someone_else = await create_user(session, org, role_name="CSM")
        mine = await create_account(session, org, csms=[csm])
        also_mine = await create_account(session, org, csms=[csm])
        theirs = await create_account(session, org, csms=[someone_else])
        csm_headers = auth_headers(settings, csm)

        answers = []
        for parent_id in (theirs.id, uuid.uuid4()):
            response = await client.patch(
                f"{API}/accounts/{mine.id}", headers=csm_headers, json={"parent_id": str(parent_id)}
            )
            body = assert_problem(response, 409, "parent_not_found")
            answers.append((body["title"], body["detail"]))
        created = await client.post(
            f"{API}/accounts",
            headers=csm_headers,
            json={
                "external_id": "new",
                "name": "New",
                "parent_id": str(theirs.id),
                "csm_ids": [str(csm.id)],
            },
        )
        moved = await client.patch(
            f"{API}/accounts/{mine.id}", headers=csm_headers, json={"parent_id": str(also_mine.id)}
        )

        assert answers[0] == answers[1]
        assert_problem(created, 409, "parent_not_found")
        assert moved.status_code == 200, moved.text
        stored = await session.scalar(
            select(Account.parent_id)
            .where(Account.id == mine.id)
            .execution_options(populate_existing=True)
        )
        assert stored == also_mine.id

    async def test_children_with_descendant_counts(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        top = await create_account(session, org, name="Top")
        left = await create_account(session, org, name="Left", parent_id=top.id)
        await create_account(session, org, name="Right", parent_id=top.id)
        leaf = await create_account(session, org, name="Leaf", parent_id=left.id)
        await create_account(session, org, name="Leaf 2", parent_id=leaf.id)

        children = (await client.get(f"{API}/accounts/{top.id}/children", headers=headers)).json()
        assert [(c["account"]["name"], c["descendants"]) for c in children] == [
            ("Left", 2),
            ("Right", 0),
        ]

    async def test_children_of_a_loop_already_in_the_data_are_answered(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        """Writes refuse a loop; one already stored (written before that rule) still ends the
        walk instead of running until the connection is given up."""
        first = await create_account(session, org, name="First")
        second = await create_account(session, org, name="Second", parent_id=first.id)
        first.parent_id = second.id
        await session.flush()

        children = await client.get(f"{API}/accounts/{first.id}/children", headers=headers)
        assert [(c["account"]["name"], c["descendants"]) for c in children.json()] == [
            ("Second", 1)
        ]


class TestCustomFields:
    async def _define(self, client: AsyncClient, headers: dict[str, str], **body: Any) -> None:
        response = await client.post(f"{API}/custom-fields", headers=headers, json=body)
        assert response.status_code == 201, response.text

    @pytest.mark.parametrize("options", [[], ["EMEA", "EMEA"]])
    async def test_a_category_has_options_each_once(
        self, client: AsyncClient, headers: dict[str, str], options: list[str]
    ) -> None:
        body = {"key": "region", "label": "Region", "type": "category", "options": options}
        created = await client.post(f"{API}/custom-fields", headers=headers, json=body)
        assert_problem(created, 422, "validation_error")
        made = await client.post(
            f"{API}/custom-fields", headers=headers, json={**body, "options": ["EMEA"]}
        )
        updated = await client.patch(
            f"{API}/custom-fields/{made.json()['id']}", headers=headers, json={"options": options}
        )
        assert_problem(updated, 422, "validation_error")

    async def test_only_a_category_has_options(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        body = {"key": "seats", "label": "Seats", "type": "number"}
        created = await client.post(
            f"{API}/custom-fields", headers=headers, json={**body, "options": ["A"]}
        )
        problem = assert_problem(created, 422, "validation_error")
        assert "only a category field has options, not a number field" in str(problem)
        await self._define(client, headers, **body)
        (field,) = (await client.get(f"{API}/custom-fields", headers=headers)).json()

        updated = await client.patch(
            f"{API}/custom-fields/{field['id']}", headers=headers, json={"options": ["A"]}
        )

        assert_problem(updated, 422, "invalid_custom_field_options")
        (after,) = (await client.get(f"{API}/custom-fields", headers=headers)).json()
        assert after["options"] == []

    async def test_typed_values(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        await self._define(client, headers, key="seats", label="Seats", type="number")
        await self._define(
            client, headers, key="region", label="Region", type="category", options=["EMEA", "AMER"]
        )
        await self._define(client, headers, key="signed", label="Signed", type="date")
        account = await create_account(session, org)
        url = f"{API}/accounts/{account.id}"

        ok = await client.patch(
            url,
            headers=headers,
            json={"custom_values": {"seats": 120, "region": "EMEA", "signed": "2026-02-01"}},
        )
        assert ok.json()["custom_values"] == {
            "seats": 120,
            "region": "EMEA",
            "signed": "2026-02-01",
        }
        for bad in (
            {"seats": "lots"},
            {"seats": True},
            {"region": "APAC"},
            {"signed": "yesterday"},
            {"unknown": 1},
        ):
            response = await client.patch(url, headers=headers, json={"custom_values": bad})
            assert_problem(response, 422, "invalid_custom_value")
        cleared = await client.patch(url, headers=headers, json={"custom_values": {"seats": None}})
        assert cleared.json()["custom_values"] == {"region": "EMEA", "signed": "2026-02-01"}

    async def test_key_is_unique_and_well_formed(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        await self._define(client, headers, key="seats", label="Seats", type="number")
        dup = await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={"key": "seats", "label": "Seats", "type": "number"},
        )
        assert_problem(dup, 409)
        bad = await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={"key": "Bad Key", "label": "x", "type": "text"},
        )
        assert_problem(bad, 422)
        fields = (await client.get(f"{API}/custom-fields", headers=headers)).json()
        assert [(f["key"], f["kind"]) for f in fields] == [("seats", "metric")]

    async def test_a_key_a_metric_or_an_account_field_has_is_taken(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        """A custom field of a metric's key would replace the metric in the catalog, filters
        and columns; one of an account field's name would hide its metric behind the field."""
        computed = await client.post(
            f"{API}/computed-metrics",
            headers=headers,
            json={"key": "per_seat", "label": "Per seat", "formula": "mrr / 2"},
        )
        assert computed.status_code == 201, computed.text
        for key, type_, holder in (
            ("per_seat", "number", "the metric 'Per seat'"),
            ("mrr", "number", "the metric 'MRR'"),
            ("churn_probability", "number", "the metric 'Churn probability'"),
            ("mrr", "text", "the metric 'MRR'"),
            ("name", "text", "the account's own field 'name'"),
            ("days_to_renewal", "number", "the account's own field 'days_to_renewal'"),
        ):
            response = await client.post(
                f"{API}/custom-fields",
                headers=headers,
                json={"key": key, "label": "Clash", "type": type_},
            )
            problem = assert_problem(response, 409, "field_key_taken")
            assert problem["detail"] == f"{key!r} is already the key of {holder}"

        assert (await client.get(f"{API}/custom-fields", headers=headers)).json() == []
        listed = (await client.get(f"{API}/metrics", headers=headers)).json()
        kinds = {m["key"]: m["kind"] for m in listed}
        assert (kinds["per_seat"], kinds["mrr"]) == ("computed", "builtin")

    async def test_an_option_live_accounts_hold_is_kept(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        """The filter language refuses a value that is not an option: accounts holding a
        removed one could no longer be found by it."""
        plan = {"key": "plan", "label": "Plan", "type": "category"}
        created = await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={**plan, "options": ["Basic", "Pro", "Gold"]},
        )
        url = f"{API}/custom-fields/{created.json()['id']}"
        for value in ("Pro", "Pro", "Gold"):
            await create_account(session, org, custom_values={"plan": value})
        await create_account(
            session, org, custom_values={"plan": "Basic"}, deleted_at=datetime.now(UTC)
        )

        refused = await client.patch(url, headers=headers, json={"options": ["Basic"]})

        problem = assert_problem(refused, 409, "custom_field_option_in_use")
        assert problem["detail"] == (
            "Options the custom field “Plan” (custom.plan) would lose are in use: 2 live "
            "accounts hold “Pro”, 1 live account holds “Gold”. Give those accounts another "
            "value first."
        )
        (field,) = (await client.get(f"{API}/custom-fields", headers=headers)).json()
        assert field["options"] == ["Basic", "Pro", "Gold"]
        # Only a deleted account holds "Basic"; options may be added and reordered.
        kept = await client.patch(url, headers=headers, json={"options": ["Gold", "Pro", "New"]})
        assert kept.status_code == 200, kept.text
        assert kept.json()["options"] == ["Gold", "Pro", "New"]

    async def test_an_option_a_saved_filter_compares_with_is_kept(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        created = await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={"key": "plan", "label": "Plan", "type": "category", "options": ["Basic", "Pro"]},
        )
        pro = {"kind": "compare", "field": "custom.plan", "op": "in", "value": ["Pro"]}
        for path, body in (
            ("account-views", {"name": "Pro plans", "filter": pro}),
            ("alert-rules", {"name": "Pro at risk", "type": "churn", "condition": pro}),
        ):
            response = await client.post(f"{API}/{path}", headers=headers, json=body)
            assert response.status_code == 201, response.text
        url = f"{API}/custom-fields/{created.json()['id']}"

        refused = await client.patch(url, headers=headers, json={"options": ["Basic"]})
        kept = await client.patch(url, headers=headers, json={"options": ["Pro"]})

        problem = assert_problem(refused, 409, "custom_field_option_in_use")
        assert problem["detail"] == (
            "Options the custom field “Plan” (custom.plan) would lose are in use: your personal "
            "account view “Pro plans”; the alert rule “Pro at risk” compare the field with them. "
            "Change those filters first."
        )
        assert kept.status_code == 200, kept.text

    async def test_format_defaults_to_the_types_first(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        for key, type_ in (("seats", "number"), ("site", "text"), ("signed", "date")):
            await self._define(client, headers, key=key, label=key, type=type_)
        await self._define(client, headers, key="vip", label="VIP", type="boolean")
        await self._define(
            client, headers, key="arr_band", label="ARR", type="number", format="currency"
        )

        fields = (await client.get(f"{API}/custom-fields", headers=headers)).json()

        assert {f["key"]: f["format"] for f in fields} == {
            "arr_band": "currency",
            "seats": "plain",
            "signed": "date",
            "site": "text",
            "vip": "default",
        }

    async def test_a_format_the_type_cannot_take_is_422(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        wrong = await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={"key": "signed", "label": "Signed", "type": "date", "format": "currency"},
        )
        unknown = await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={"key": "seats", "label": "Seats", "type": "number", "format": "roman"},
        )

        assert_problem(wrong, 422, "invalid_custom_field_format")
        assert_problem(unknown, 422, "validation_error")
        assert (await client.get(f"{API}/custom-fields", headers=headers)).json() == []

    async def test_format_is_edited_within_the_type(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        await self._define(client, headers, key="site", label="Site", type="text")
        (field,) = (await client.get(f"{API}/custom-fields", headers=headers)).json()
        url = f"{API}/custom-fields/{field['id']}"

        ok = await client.patch(url, headers=headers, json={"format": "url"})
        refused = await client.patch(url, headers=headers, json={"format": "percent"})

        assert ok.status_code == 200 and ok.json()["format"] == "url"
        assert_problem(refused, 422, "invalid_custom_field_format")
        (after,) = (await client.get(f"{API}/custom-fields", headers=headers)).json()
        assert after["format"] == "url"

    async def test_a_currency_metric_is_a_currency_metric(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        await self._define(
            client, headers, key="budget", label="Budget", type="number", format="currency"
        )
        await self._define(
            client, headers, key="seats", label="Seats", type="number", format="integer"
        )

        metrics = (await client.get(f"{API}/metrics", headers=headers)).json()

        formats = {m["key"]: m["format"] for m in metrics}
        assert (formats["budget"], formats["seats"]) == ("currency", "number")


class TestFilterLanguage:
    async def test_filters_by_tier_date_window_custom_metric_and_csm(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={"key": "seats", "label": "Seats", "type": "number"},
        )
        tier1 = await _named(session, Tier, org, "Tier 1")
        csm = await create_user(session, org, role_name="CSM")
        today = date.today()
        await create_account(
            session,
            org,
            name="Renewing big",
            tier_id=tier1.id,
            renewal_on=today + timedelta(days=30),
            custom_values={"seats": 500},
            csms=[csm],
        )
        await create_account(
            session,
            org,
            name="Renewing small",
            tier_id=tier1.id,
            renewal_on=today + timedelta(days=20),
            custom_values={"seats": 5},
        )
        await create_account(
            session,
            org,
            name="Renewing later",
            renewal_on=today + timedelta(days=200),
            custom_values={"seats": 900},
        )

        def names(result: dict[str, Any]) -> list[str]:
            return [a["name"] for a in result["items"]]

        renewing = {"kind": "date", "field": "renewal_on", "op": "within_next_days", "days": 60}
        assert names(await _query(client, headers, filter=renewing)) == [
            "Renewing big",
            "Renewing small",
        ]
        big_tier1 = {
            "kind": "all",
            "conditions": [
                {"kind": "compare", "field": "tier", "op": "eq", "value": "Tier 1"},
                {"kind": "compare", "field": "custom.seats", "op": "gte", "value": 100},
            ],
        }
        assert names(await _query(client, headers, filter=big_tier1)) == ["Renewing big"]
        unassigned = {"kind": "compare", "field": "csm", "op": "is_empty"}
        assert names(await _query(client, headers, filter=unassigned, sort="name")) == [
            "Renewing later",
            "Renewing small",
        ]
        not_tier1 = {
            "kind": "not",
            "condition": {"kind": "compare", "field": "tier", "op": "eq", "value": "Tier 1"},
        }
        result = await _query(client, headers, filter=not_tier1)
        assert (names(result), result["total"]) == (["Renewing later"], 1)
        soon = {"kind": "compare", "field": "days_to_renewal", "op": "lt", "value": 25}
        assert names(await _query(client, headers, filter=soon)) == ["Renewing small"]

    @pytest.mark.parametrize(
        ("condition", "why"),
        [
            ({"kind": "compare", "field": "nope", "op": "eq", "value": 1}, "unknown field"),
            ({"kind": "compare", "field": "csm_score", "op": "gt", "value": "high"}, "number"),
            ({"kind": "compare", "field": "tier", "op": "eq", "value": "Tier 9"}, "not one of"),
            ({"kind": "compare", "field": "name", "op": "gt", "value": "a"}, "does not apply"),
            ({"kind": "date", "field": "name", "op": "within_next_days", "days": 3}, "not a date"),
            ({"kind": "compare", "field": "tier", "op": "in", "value": []}, "non-empty list"),
        ],
    )
    async def test_invalid_filters_are_422(
        self, client: AsyncClient, headers: dict[str, str], condition: dict[str, Any], why: str
    ) -> None:
        response = await client.post(
            f"{API}/accounts/query", headers=headers, json={"filter": condition}
        )
        body = assert_problem(response, 422, "invalid_filter")
        assert why in body["detail"]

    async def test_malformed_tree_is_422(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.post(
            f"{API}/accounts/query",
            headers=headers,
            json={"filter": {"kind": "xor", "conditions": []}},
        )
        assert_problem(response, 422, "validation_error")

    async def test_csm_query_is_scoped_to_their_accounts(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, settings: Settings
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        await create_account(session, org, name="Mine", csms=[csm])
        await create_account(session, org, name="Theirs")
        result = await _query(
            client,
            auth_headers(settings, csm),
            filter={"kind": "compare", "field": "name", "op": "is_not_empty"},
        )
        assert ([a["name"] for a in result["items"]], result["total"]) == (["Mine"], 1)

    async def test_fields_list_includes_custom_fields(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={"key": "seats", "label": "Seats", "type": "number"},
        )
        fields = {
            f["key"]: f
            for f in (await client.get(f"{API}/accounts/fields", headers=headers)).json()
        }
        assert fields["custom.seats"]["type"] == "number"
        assert fields["tier"]["options"] == ["Tier 1", "Tier 2", "Tier 3"]


async def test_stage_period_rows_are_scoped(session: AsyncSession, org: Organisation) -> None:
    rows = (await session.scalars(select(StagePeriod).where(StagePeriod.org_id == org.id))).all()
    assert rows == []
