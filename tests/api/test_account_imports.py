"""CSV import of accounts: upload, dry run report, atomic upsert by external id, progress."""

import json
import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import bulk_writes, imports
from domain.accounts.models import (
    Account,
    AccountImport,
    ChurnEvent,
    CsmAssignmentPeriod,
    CustomField,
    CustomFieldKind,
    CustomFieldType,
    ImportStatus,
    LifecycleStage,
    StagePeriod,
    Tier,
)
from domain.audit.models import AuditEntry
from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem
from workers.jobs.accounts import run_import

API = "/api/v1"
MAPPING = {
    "Id": "external_id",
    "Company": "name",
    "Joined": "joined_on",
    "Tier": "tier",
    "Stage": "stage",
    "CSM": "csm",
    "Score": "csm_score",
    "Parent": "parent_external_id",
    "Seats": "custom.seats",
}
HEADER = list(MAPPING)


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


@pytest.fixture(autouse=True)
async def seats(session: AsyncSession, org: Organisation) -> CustomField:
    field = CustomField(
        org_id=org.id,
        key="seats",
        label="Seats",
        kind=CustomFieldKind.METRIC,
        type=CustomFieldType.NUMBER,
        options=[],
    )
    session.add(field)
    await session.flush()
    return field


def csv_of(*rows: dict[str, str], header: list[str] = HEADER) -> str:
    lines = [",".join(header)]
    lines += [",".join(row.get(column, "") for column in header) for row in rows]
    return "\n".join(lines) + "\n"


async def upload(
    client: AsyncClient,
    headers: dict[str, str],
    content: str | bytes,
    *,
    mapping: dict[str, str] | str = MAPPING,
    dry_run: bool = False,
) -> Any:
    return await client.post(
        f"{API}/account-imports",
        headers=headers,
        files={
            "file": (
                "accounts.csv",
                content.encode() if isinstance(content, str) else content,
                "text/csv",
            )
        },
        data={
            "mapping": mapping if isinstance(mapping, str) else json.dumps(mapping),
            "dry_run": "true" if dry_run else "false",
        },
    )


async def run(
    client: AsyncClient,
    headers: dict[str, str],
    job_ctx: dict[str, Any],
    content: str,
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Upload, run the job as the worker would, and return the import as the API shows it."""
    response = await upload(client, headers, content, dry_run=dry_run)
    assert response.status_code == 202, response.text
    import_id = response.json()["id"]
    await run_import(job_ctx, import_id)
    got = await client.get(f"{API}/account-imports/{import_id}", headers=headers)
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


async def accounts_of(session: AsyncSession, org: Organisation) -> dict[str, Account]:
    rows = await session.scalars(
        select(Account).where(Account.org_id == org.id).execution_options(populate_existing=True)
    )
    return {a.external_id: a for a in rows}


async def named(session: AsyncSession, model: Any, org: Organisation, name: str) -> Any:
    return await session.scalar(select(model).where(model.org_id == org.id, model.name == name))


def errors_by_row(body: dict[str, Any]) -> dict[int, tuple[str | None, str]]:
    return {e["row"]: (e["column"], e["message"]) for e in body["errors"]}


class TestDryRun:
    async def test_reports_every_invalid_row_with_its_reason_and_writes_nothing(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        job_ctx: dict[str, Any],
        seats: CustomField,
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        analyst = await create_user(session, org, role_name="Analyst")
        await create_account(session, org, external_id="acme", name="Acme")
        before = await accounts_of(session, org)
        content = csv_of(
            {"Id": "new-1", "Company": "New", "CSM": csm.email, "Seats": "12"},
            {"Id": "bad-date", "Company": "X", "Joined": "2024-13-01"},
            {"Id": "bad-tier", "Company": "X", "Tier": "Platinum"},
            {"Id": "not-csm", "Company": "X", "CSM": analyst.email},
            {"Id": "bad-seats", "Company": "X", "Seats": "lots"},
            {"Company": "No id"},
            {"Id": "no-name"},
            {"Id": "acme", "Score": "70"},
        )

        body = await run(client, headers, job_ctx, content, dry_run=True)

        assert body["status"] == "succeeded"
        assert body["dry_run"] is True
        assert (body["total_rows"], body["processed_rows"]) == (8, 8)
        # What a real run would do with the valid rows.
        assert (body["created_count"], body["updated_count"]) == (1, 1)
        assert body["error_count"] == 6
        errors = errors_by_row(body)
        assert set(errors) == {3, 4, 5, 6, 7, 8}
        assert errors[3][0] == "Joined" and "not a date" in errors[3][1]
        assert errors[4][0] == "Tier" and "Platinum" in errors[4][1]
        assert errors[5][0] == "CSM" and analyst.email in errors[5][1]
        assert errors[6][0] == "Seats" and "number" in errors[6][1]
        assert errors[7][0] == "Id" and "external_id is required" in errors[7][1]
        assert errors[8][0] == "Company" and "name is required" in errors[8][1]
        after = await accounts_of(session, org)
        assert set(after) == set(before)
        assert after["acme"].csm_score is None

    async def test_reports_a_parent_chain_looping_through_existing_accounts(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        job_ctx: dict[str, Any],
    ) -> None:
        # top <- mid (stored); the file makes top a child of a new account under mid.
        top = await create_account(session, org, external_id="top", name="Top")
        await create_account(session, org, external_id="mid", name="Mid", parent_id=top.id)
        content = csv_of(
            {"Id": "fresh", "Company": "Fresh"},
            {"Id": "under-mid", "Company": "Under mid", "Parent": "mid"},
            {"Id": "top", "Parent": "under-mid"},
            # Below an invalid row: not checked on its own (that row is reported).
            {"Id": "orphan", "Company": "Orphan", "Parent": "bad"},
            {"Id": "bad", "Company": "Bad", "Score": "nope"},
        )

        dry = await run(client, headers, job_ctx, content, dry_run=True)

        assert dry["status"] == "succeeded"
        errors = errors_by_row(dry)
        assert set(errors) == {4, 6}
        assert errors[4] == (
            "Parent",
            "The parent chain through 'under-mid' loops back to this account "
            "(an account cannot be its own ancestor)",
        )
        # The real run refuses the same row and writes nothing.
        real = await run(client, headers, job_ctx, content)
        assert real["status"] == "failed"
        assert errors_by_row(real) == errors
        assert set(await accounts_of(session, org)) == {"top", "mid"}


class TestRun:
    async def test_upserts_by_exact_external_id_with_histories_and_counts(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        job_ctx: dict[str, Any],
        admin: User,
        seats: CustomField,
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        other_csm = await create_user(session, org, role_name="CSM Manager")
        acme = await create_account(session, org, external_id="acme", name="Acme")
        content = "\ufeff" + csv_of(
            {"Id": "acme", "Company": "Acme Renamed", "Stage": "onboarding", "CSM": csm.email},
            {
                "Id": "ACME",
                "Company": "Acme Upper",
                "Tier": "tier 1",
                "Score": "55",
                "Seats": "10",
                "CSM": f"{csm.email.upper()}; {other_csm.email}",
                "Joined": "2024-02-29",
            },
        )

        body = await run(client, headers, job_ctx, content)

        assert body["status"] == "succeeded", body
        assert (body["created_count"], body["updated_count"], body["error_count"]) == (1, 1, 0)
        assert body["processed_rows"] == body["total_rows"] == 2
        assert body["finished_at"] is not None
        accounts = await accounts_of(session, org)
        assert set(accounts) == {"acme", "ACME"}
        updated, created = accounts["acme"], accounts["ACME"]
        assert updated.id == acme.id and updated.name == "Acme Renamed"
        onboarding = await named(session, LifecycleStage, org, "Onboarding")
        assert updated.stage_id == onboarding.id
        tier_1 = await named(session, Tier, org, "Tier 1")
        assert (created.name, created.tier_id, created.csm_score) == ("Acme Upper", tier_1.id, 55)
        assert created.custom_values == {"seats": 10}
        assert str(created.joined_on) == "2024-02-29"
        stages = (
            await session.scalars(select(StagePeriod).where(StagePeriod.account_id == acme.id))
        ).all()
        assert [(s.stage_id, s.changed_by_id) for s in stages] == [(onboarding.id, admin.id)]
        periods = (
            await session.scalars(
                select(CsmAssignmentPeriod).where(
                    CsmAssignmentPeriod.account_id.in_([acme.id, created.id])
                )
            )
        ).all()
        assert sorted((p.account_id == acme.id, str(p.user_id)) for p in periods) == sorted(
            [(True, str(csm.id)), (False, str(csm.id)), (False, str(other_csm.id))]
        )
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.org_id == org.id, AuditEntry.actor_user_id == admin.id
                )
            )
        ).all()
        assert sorted(actions) == ["account.created", "account.updated"]

    async def test_one_bad_row_writes_nothing_and_fails_with_the_report(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        job_ctx: dict[str, Any],
        seats: CustomField,
    ) -> None:
        await create_account(session, org, external_id="acme", name="Acme")
        content = csv_of(
            {"Id": "acme", "Company": "Renamed", "Score": "90"},
            {"Id": "new-1", "Company": "New one"},
            {"Id": "new-2", "Company": "New two", "Score": "101"},
        )

        body = await run(client, headers, job_ctx, content)

        assert body["status"] == "failed"
        assert (body["created_count"], body["updated_count"]) == (0, 0)
        assert body["error_count"] == 1
        assert body["errors"][0]["row"] == 4 and body["errors"][0]["column"] == "Score"
        accounts = await accounts_of(session, org)
        assert set(accounts) == {"acme"}
        assert (accounts["acme"].name, accounts["acme"].csm_score) == ("Acme", None)
        audit_count = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.org_id == org.id)
        )
        assert audit_count == 0

    async def test_a_failure_while_writing_rolls_back_every_row(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        job_ctx: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # A refusal only the write meets (as when someone changes the accounts between the
        # check and the write): the check is skipped, so the cycle is found while writing.
        async def nothing_refused(*_: Any) -> list[Any]:
            return []

        monkeypatch.setattr(bulk_writes, "check_accounts", nothing_refused)
        top = await create_account(session, org, external_id="top", name="Top")
        await create_account(session, org, external_id="mid", name="Mid", parent_id=top.id)
        content = csv_of(
            {"Id": "fresh", "Company": "Fresh"},
            {"Id": "top", "Parent": "mid"},
        )

        body = await run(client, headers, job_ctx, content)

        assert body["status"] == "failed", body
        assert body["errors"][0]["row"] == 3
        accounts = await accounts_of(session, org)
        assert set(accounts) == {"top", "mid"}
        assert accounts["top"].parent_id is None

    async def test_parents_may_be_earlier_later_or_existing_accounts(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        job_ctx: dict[str, Any],
    ) -> None:
        existing = await create_account(session, org, external_id="holding", name="Holding")
        content = csv_of(
            {"Id": "child", "Company": "Child", "Parent": "group"},
            {"Id": "group", "Company": "Group", "Parent": "holding"},
            {"Id": "sibling", "Company": "Sibling", "Parent": "group"},
        )

        body = await run(client, headers, job_ctx, content)

        assert body["status"] == "succeeded", body
        accounts = await accounts_of(session, org)
        assert accounts["group"].parent_id == existing.id
        assert accounts["child"].parent_id == accounts["group"].id
        assert accounts["sibling"].parent_id == accounts["group"].id

    async def test_unknown_parent_duplicates_and_loops_are_reported(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        job_ctx: dict[str, Any],
    ) -> None:
        content = csv_of(
            {"Id": "a", "Company": "A", "Parent": "nowhere"},
            {"Id": "b", "Company": "B"},
            {"Id": "b", "Company": "B again"},
            {"Id": "c", "Company": "C", "Parent": "d"},
            {"Id": "d", "Company": "D", "Parent": "c"},
            {"Id": "e", "Company": "E", "Parent": "e"},
        )

        body = await run(client, headers, job_ctx, content, dry_run=True)

        errors = errors_by_row(body)
        assert "nowhere" in errors[2][1]
        assert "also on row 3" in errors[4][1]
        assert "loops" in (errors.get(5) or errors[6])[1]
        assert "own parent" in errors[7][1]
        assert await accounts_of(session, org) == {}

    async def test_a_parent_outside_a_csms_book_is_reported_as_unknown(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
        job_ctx: dict[str, Any],
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        someone_else = await create_user(session, org, role_name="CSM")
        await create_account(session, org, external_id="mine", name="Mine", csms=[csm])
        await create_account(session, org, external_id="theirs", name="Theirs", csms=[someone_else])
        content = csv_of(
            {"Id": "mine", "Company": "Mine", "Parent": "theirs"},
            {"Id": "new", "Company": "New", "Parent": "nowhere"},
        )

        body = await run(client, auth_headers(settings, csm), job_ctx, content, dry_run=True)

        errors = errors_by_row(body)
        assert errors[2][1] == "No account has external id 'theirs'"
        assert errors[3][1] == "No account has external id 'nowhere'"
        assert errors[2][0] == errors[3][0]
        assert (await accounts_of(session, org))["mine"].parent_id is None

    async def test_rerunning_a_finished_import_changes_nothing(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        job_ctx: dict[str, Any],
    ) -> None:
        body = await run(client, headers, job_ctx, csv_of({"Id": "one", "Company": "One"}))
        assert body["status"] == "succeeded"
        before = await accounts_of(session, org)

        assert await run_import(job_ctx, body["id"]) == "skipped"

        again = (await client.get(f"{API}/account-imports/{body['id']}", headers=headers)).json()
        assert again == body
        after = await accounts_of(session, org)
        assert set(after) == {"one"}
        assert after["one"].updated_at == before["one"].updated_at
        audit_count = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.org_id == org.id)
        )
        assert audit_count == 1


CHURN_MAPPING = {
    "Id": "external_id",
    "Company": "name",
    "Lost on": "churned_on",
    "Why": "churn_reason",
}


class TestChurnColumns:
    async def run_churn(
        self, client: AsyncClient, headers: dict[str, str], job_ctx: dict[str, Any], *rows: str
    ) -> dict[str, Any]:
        response = await upload(
            client,
            headers,
            "\n".join(["Id,Company,Lost on,Why", *rows]) + "\n",
            mapping=CHURN_MAPPING,
        )
        assert response.status_code == 202, response.text
        await run_import(job_ctx, response.json()["id"])
        body: dict[str, Any] = (
            await client.get(f"{API}/account-imports/{response.json()['id']}", headers=headers)
        ).json()
        return body

    async def test_rows_with_a_churn_date_and_reason_churn_their_accounts(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        job_ctx: dict[str, Any],
        admin: User,
    ) -> None:
        kept = await create_account(session, org, external_id="kept", name="Kept")
        lost = await create_account(session, org, external_id="lost", name="Lost")

        body = await self.run_churn(
            client,
            headers,
            job_ctx,
            "kept,,,",
            "lost,,2026-02-01,Budget cuts",
            "new-lost,New lost,2026-03-15,Went with a competitor",
        )

        assert body["status"] == "succeeded", body
        accounts = await accounts_of(session, org)
        assert kept.id == accounts["kept"].id and accounts["kept"].churned_on is None
        assert (str(accounts["lost"].churned_on), accounts["lost"].churn_reason) == (
            "2026-02-01",
            "Budget cuts",
        )
        assert accounts["new-lost"].churn_reason == "Went with a competitor"
        events = await session.scalars(select(ChurnEvent).where(ChurnEvent.org_id == org.id))
        assert sorted(
            (e.account_id, str(e.churned_on), e.reason, e.changed_by_id) for e in events
        ) == sorted(
            [
                (lost.id, "2026-02-01", "Budget cuts", admin.id),
                (accounts["new-lost"].id, "2026-03-15", "Went with a competitor", admin.id),
            ]
        )
        churned = await session.scalars(
            select(AuditEntry.entity_id).where(AuditEntry.action == "account.churned")
        )
        assert sorted(churned) == sorted([lost.id, accounts["new-lost"].id])

        # The same file again: the churns are recorded already, nothing is written.
        audit_before = await session.scalar(select(func.count()).select_from(AuditEntry))
        again = await self.run_churn(
            client,
            headers,
            job_ctx,
            "kept,,,",
            "lost,,2026-02-01,Budget cuts",
            "new-lost,New lost,2026-03-15,Went with a competitor",
        )
        assert again["status"] == "succeeded", again
        assert await session.scalar(select(func.count()).select_from(ChurnEvent)) == 2
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before

    async def test_incomplete_or_conflicting_churns_are_reported(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        job_ctx: dict[str, Any],
    ) -> None:
        await create_account(session, org, external_id="gone", name="Gone")
        await client.post(
            f"{API}/accounts/{(await accounts_of(session, org))['gone'].id}/churn",
            headers=headers,
            json={"churned_on": "2026-01-10", "reason": "Budget"},
        )

        body = await self.run_churn(
            client,
            headers,
            job_ctx,
            "a,A,2026-02-01,",
            "b,B,,Too expensive",
            "c,C,yesterday,Budget",
            "gone,,2026-02-01,Budget",
        )

        assert body["status"] == "failed"
        assert errors_by_row(body) == {
            2: ("Why", "A churn date needs a churn reason"),
            3: ("Lost on", "A churn reason needs a churn date"),
            4: ("Lost on", "'yesterday' is not a date (YYYY-MM-DD)"),
            5: (
                "Lost on",
                "The account already churned on 2026-01-10 (Budget); "
                "reactivate it before recording another churn",
            ),
        }
        assert await session.scalar(select(func.count()).select_from(ChurnEvent)) == 1


class TestProgress:
    async def test_progress_is_published_in_redis_and_shown_while_running(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        job_ctx: dict[str, Any],
        redis: Redis,
    ) -> None:
        content = csv_of(*({"Id": f"acc-{i}", "Company": f"A {i}"} for i in range(205)))
        response = await upload(client, headers, content)
        body = response.json()
        assert (body["status"], body["total_rows"], body["processed_rows"]) == ("queued", 205, 0)
        import_id = uuid.UUID(body["id"])

        # While it runs the writes are invisible; the GET reads the published progress.
        row = await session.get_one(AccountImport, import_id)
        row.status = ImportStatus.RUNNING
        await session.flush()
        await redis.set(imports.progress_key(import_id), json.dumps({"processed": 200}))
        running = (await client.get(f"{API}/account-imports/{import_id}", headers=headers)).json()
        assert (running["status"], running["processed_rows"]) == ("running", 200)

        await run_import(job_ctx, str(import_id))

        published = json.loads(await redis.get(imports.progress_key(import_id)) or "{}")
        assert published == {"processed": 205, "total": 205}
        assert 0 < (await redis.ttl(imports.progress_key(import_id))) <= 86_400
        done = (await client.get(f"{API}/account-imports/{import_id}", headers=headers)).json()
        assert (done["status"], done["processed_rows"], done["created_count"]) == (
            "succeeded",
            205,
            205,
        )


class TestUpload:
    async def test_enqueues_the_run_after_commit(
        self, client: AsyncClient, headers: dict[str, str], redis: Redis
    ) -> None:
        response = await upload(client, headers, csv_of({"Id": "x", "Company": "X"}))
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["status"] == "queued" and body["dry_run"] is False
        jobs = await redis.queued_jobs()  # type: ignore[attr-defined]  # ArqRedis
        assert [(j.function, j.job_id, j.kwargs) for j in jobs] == [
            ("accounts.run_import", f"import:{body['id']}", {"import_id": body["id"]})
        ]

    async def test_invalid_upload_enqueues_nothing(
        self, client: AsyncClient, headers: dict[str, str], redis: Redis
    ) -> None:
        response = await upload(
            client, headers, csv_of({"Id": "x"}), mapping={"Id": "external_id", "Zip": "zip"}
        )
        body = assert_problem(response, 422, "invalid_import_mapping")
        assert "'zip' is not a field" in body["detail"]
        assert "'Zip' is not in the file's header" in body["detail"]
        assert await redis.queued_jobs() == []  # type: ignore[attr-defined]  # ArqRedis

    @pytest.mark.parametrize(
        ("mapping", "content"),
        [
            ({"Company": "name"}, "Company\nX\n"),  # no external_id
            ({"Id": "external_id", "X": "custom.nope"}, "Id,X\n1,2\n"),
            ({"Id": "external_id", "Name": "name", "N2": "name"}, "Id,Name,N2\n1,a,b\n"),
            ("not json", "Id\n1\n"),
            ('["Id"]', "Id\n1\n"),
        ],
    )
    async def test_bad_mapping_is_422(
        self,
        client: AsyncClient,
        headers: dict[str, str],
        mapping: dict[str, str] | str,
        content: str,
    ) -> None:
        response = await upload(client, headers, content, mapping=mapping)
        assert_problem(response, 422, "invalid_import_mapping")

    @pytest.mark.parametrize(
        "content",
        [b"\xff\xfe\x00I\x00d", b"", b"\n\n", b"Id\x00,Name\n1,2\n", b'Id\n"unterminated\x00'],
    )
    async def test_a_file_that_is_not_csv_is_422(
        self, client: AsyncClient, headers: dict[str, str], content: bytes
    ) -> None:
        response = await upload(client, headers, content, mapping={"Id": "external_id"})
        assert_problem(response, 422, "invalid_import_file")

    async def test_too_large_is_413(self, client: AsyncClient, headers: dict[str, str]) -> None:
        content = b"Id\n" + b"x" * imports.MAX_CSV_BYTES
        response = await upload(client, headers, content, mapping={"Id": "external_id"})
        assert_problem(response, 413)

    def test_decode_refuses_more_than_the_cap(self) -> None:
        with pytest.raises(imports.ImportTooLarge):
            imports.decode_csv(b"x" * (imports.MAX_CSV_BYTES + 1))
        assert imports.decode_csv("\ufeffId\n".encode()) == "Id\n"

    @pytest.mark.parametrize("role_name", ["Guest", "Analyst"])
    async def test_users_who_cannot_update_accounts_get_403(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
        role_name: str,
    ) -> None:
        user = await create_user(session, org, role_name=role_name)
        response = await upload(
            client, auth_headers(settings, user), csv_of({"Id": "x", "Company": "X"})
        )
        assert_problem(response, 403, "permission_denied")

    async def test_template_lists_every_mappable_field(
        self, client: AsyncClient, headers: dict[str, str], seats: CustomField
    ) -> None:
        response = await client.get(f"{API}/account-imports/template", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        columns = response.text.strip().split(",")
        assert columns[:2] == ["external_id", "name"]
        assert {
            "tier",
            "stage",
            "csm",
            "parent_external_id",
            "churned_on",
            "churn_reason",
            "custom.seats",
        } <= set(columns)


class TestVisibility:
    async def test_another_orgs_import_is_404(
        self,
        client: AsyncClient,
        session: AsyncSession,
        headers: dict[str, str],
        other_org: Organisation,
        settings: Settings,
    ) -> None:
        response = await upload(client, headers, csv_of({"Id": "x", "Company": "X"}))
        import_id = response.json()["id"]
        outsider = await create_user(session, other_org, role_name="Admin")
        other = auth_headers(settings, outsider)

        got = await client.get(f"{API}/account-imports/{import_id}", headers=other)
        assert_problem(got, 404, "import_not_found")
        assert (await client.get(f"{API}/account-imports", headers=other)).json() == []
        missing = await client.get(f"{API}/account-imports/{uuid.uuid4()}", headers=headers)
        assert_problem(missing, 404)
        listed = (await client.get(f"{API}/account-imports", headers=headers)).json()
        assert [i["id"] for i in listed] == [import_id]

    async def test_a_csm_only_updates_accounts_they_can_see(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
        job_ctx: dict[str, Any],
        headers: dict[str, str],
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        someone_else = await create_user(session, org, role_name="CSM")
        await create_account(session, org, external_id="mine", name="Mine", csms=[csm])
        await create_account(session, org, external_id="theirs", name="Theirs", csms=[someone_else])
        csm_headers = auth_headers(settings, csm)
        content = csv_of(
            {"Id": "mine", "Company": "Mine renamed"},
            {"Id": "theirs", "Company": "Hijacked"},
        )

        body = await run(client, csm_headers, job_ctx, content)

        assert body["status"] == "failed"
        assert body["errors"] == [
            {
                "row": 3,
                "column": "Id",
                # What creating it through the API says: not whose it is.
                "message": "Another account already has this external id",
            }
        ]
        accounts = await accounts_of(session, org)
        assert set(accounts) == {"mine", "theirs"}
        assert (accounts["mine"].name, accounts["theirs"].name) == ("Mine", "Theirs")
        # Their own import is theirs to see; the admin's list shows it too.
        assert [
            i["id"]
            for i in (await client.get(f"{API}/account-imports", headers=csm_headers)).json()
        ] == [body["id"]]

        ok = await run(client, csm_headers, job_ctx, csv_of({"Id": "mine", "Company": "Mine 2"}))
        assert (ok["status"], ok["updated_count"]) == ("succeeded", 1)
        assert (await accounts_of(session, org))["mine"].name == "Mine 2"

    async def test_a_csm_creates_only_accounts_they_are_a_csm_of(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
        job_ctx: dict[str, Any],
    ) -> None:
        # One who sees only their own accounts: a new account without them would vanish from
        # their sight as it is made, as it would through the API (account_out_of_your_sight).
        csm = await create_user(session, org, role_name="CSM")
        someone_else = await create_user(session, org, role_name="CSM")
        csm_headers = auth_headers(settings, csm)
        content = csv_of(
            {"Id": "given-away", "Company": "Given away", "CSM": someone_else.email},
            {"Id": "kept", "Company": "Kept", "CSM": f"{someone_else.email};{csm.email}"},
        )

        body = await run(client, csm_headers, job_ctx, content)

        assert body["status"] == "failed"
        assert errors_by_row(body) == {
            2: ("CSM", "You see only the accounts you are a CSM of: list yourself among its CSMs")
        }
        assert set(await accounts_of(session, org)) == set()
        fixed = csv_of(
            {"Id": "given-away", "Company": "Given away", "CSM": csm.email},
            {"Id": "kept", "Company": "Kept", "CSM": f"{someone_else.email};{csm.email}"},
        )
        assert (await run(client, csm_headers, job_ctx, fixed))["created_count"] == 2
        assert set(await accounts_of(session, org)) == {"given-away", "kept"}
