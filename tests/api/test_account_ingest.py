"""Integrators send accounts and custom metric values in batches: by external id, names and
emails instead of ids, each record succeeding or failing on its own, idempotently."""

import gzip
import json
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account, CustomField, StagePeriod
from domain.audit.models import AuditEntry
from domain.common.batches import MAX_BATCH
from domain.common.settings import Settings
from domain.integration.models import ApiScope
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_api_key, create_user
from tests.helpers import assert_problem

URL = "/api/v1/accounts/batch"


async def _send(
    client: AsyncClient, headers: dict[str, str], items: list[Any], url: str = URL
) -> dict[str, Any]:
    response = await client.post(url, headers=headers, json={"items": items})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _account(session: AsyncSession, org: Organisation, external_id: str) -> Account:
    account = await session.scalar(
        select(Account)
        .where(Account.org_id == org.id, Account.external_id == external_id)
        .execution_options(populate_existing=True)
    )
    assert account is not None
    return account


@pytest.fixture
async def key(session: AsyncSession, org: Organisation) -> dict[str, str]:
    _, headers = await create_api_key(session, org, ApiScope.INGEST)
    return headers


class TestUpsertingAccounts:
    async def test_creates_accounts_with_names_emails_and_a_parent_in_the_same_batch(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")

        body = await _send(
            client,
            key,
            [
                {
                    "external_id": "child",
                    "name": "Acme EU",
                    "parent_external_id": "parent",
                    "stage": "onboarding",
                },
                {
                    "external_id": "parent",
                    "name": "Acme",
                    "tier": "Tier 1",
                    "csm_emails": [csm.email.upper()],
                    "renewal_on": "2027-03-31",
                },
            ],
        )

        parent, child = (
            await _account(session, org, "parent"),
            await _account(session, org, "child"),
        )
        # Each stored record with the id Tenure gave it: no lookup per account needed.
        assert isinstance(body["change"], int)
        assert body == {
            "accepted": 2,
            "rejected": 0,
            "errors": [],
            "change": body["change"],
            "records": [
                {"index": 0, "external_id": "child", "id": str(child.id)},
                {"index": 1, "external_id": "parent", "id": str(parent.id)},
            ],
        }
        assert child.parent_id == parent.id
        await session.refresh(parent, ["csm_assignments"])
        assert parent.csm_ids == [csm.id] and str(parent.renewal_on) == "2027-03-31"
        stages = await session.scalars(
            select(StagePeriod.stage_name).where(StagePeriod.account_id == child.id)
        )
        assert list(stages) == ["Onboarding"]

    async def test_the_same_batch_twice_changes_nothing_the_second_time(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        await session.commit()
        items = [
            {
                "external_id": "a-1",
                "name": "One",
                "stage": "Trial",
                "csm_score": 40,
                "csm_emails": [csm.email],
            }
        ]
        await _send(client, key, items)
        audits = select(func.count()).select_from(AuditEntry)
        before = await session.scalar(audits)

        again = await _send(client, key, items)

        assert again["accepted"] == 1, again
        # Nothing to recompute, and no audit entry of an edit that changed nothing.
        assert again["change"] is None, again
        assert await session.scalar(audits) == before
        count = select(func.count()).select_from(Account).where(Account.org_id == org.id)
        assert await session.scalar(count) == 1

    async def test_updates_only_what_is_sent(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        await create_account(session, org, external_id="a-1", name="Old", domain="old.com")

        await _send(client, key, [{"external_id": "a-1", "name": "New", "crm_id": None}])

        account = await _account(session, org, "a-1")
        assert (account.name, account.domain) == ("New", "old.com")

    async def test_one_id_names_one_account_in_every_system(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        """A ticket or subscription names its account by any of its ids: an id another
        account already has, in any system, would make it find either."""
        acme = {"external_id": "acme", "name": "Acme", "crm_id": "001ACME", "support_id": "zd-9"}
        assert (await _send(client, key, [acme]))["accepted"] == 1

        body = await _send(
            client,
            key,
            [
                {"external_id": "copy", "name": "Copy", "crm_id": "001ACME"},
                {"external_id": "zd-9", "name": "Shadow"},
                {"external_id": "b-1", "name": "One", "billing_id": "cus_1"},
                {"external_id": "b-2", "name": "Two", "billing_id": "cus_1"},
                # The account's own ids, sent again, are its own.
                {**acme, "name": "Acme Inc"},
            ],
        )

        assert (body["accepted"], body["rejected"]) == (2, 3), body
        assert [(e["index"], e["message"]) for e in body["errors"]] == [
            (
                0,
                "crm_id '001ACME' already names the account 'acme': one id names one account, "
                "so that records sent with it find that account",
            ),
            (
                1,
                "external_id 'zd-9' already names the account 'acme': one id names one "
                "account, so that records sent with it find that account",
            ),
            (
                3,
                "billing_id 'cus_1' already names the account 'b-1': one id names one account, "
                "so that records sent with it find that account",
            ),
        ]
        assert (await _account(session, org, "acme")).name == "Acme Inc"

    async def test_an_account_under_a_parent_refused_in_the_batch_says_so(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        body = await _send(
            client,
            key,
            [
                {"external_id": "child", "name": "Child", "parent_external_id": "parent"},
                {"external_id": "grandchild", "name": "GC", "parent_external_id": "child"},
                {"external_id": "parent", "name": "Parent", "tier": "Gold"},
            ],
        )

        assert body["accepted"] == 0, body
        assert [(e["index"], e["message"]) for e in body["errors"]] == [
            (0, "parent_external_id: the parent 'parent' was refused in this batch"),
            (1, "parent_external_id: the parent 'child' was refused in this batch"),
            (2, "Unknown tier 'Gold'; tiers are: Tier 1, Tier 2, Tier 3"),
        ]

    async def test_bad_records_are_refused_one_by_one_with_their_reason(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        await create_account(session, org, external_id="existing")

        body = await _send(
            client,
            key,
            [
                {"external_id": "ok", "name": "Fine"},
                {"external_id": "no-name"},
                {"external_id": "bad-tier", "name": "X", "tier": "Platinum"},
                {"external_id": "bad-csm", "name": "X", "csm_emails": ["nobody@example.com"]},
                {"external_id": "bad-score", "name": "X", "csm_score": 300},
                "not an object",
                {"external_id": "ok", "name": "Twice"},
                {"external_id": "orphan", "name": "X", "parent_external_id": "missing"},
                {"external_id": "existing", "parent_external_id": "existing"},
                {"external_id": "typo", "name": "X", "nmae": "?"},
            ],
        )

        assert body["accepted"] == 1 and body["rejected"] == 9
        reasons = {e["index"]: (e["id"], e["message"]) for e in body["errors"]}
        assert reasons[1] == ("no-name", "name: required for a new account")
        # An unknown name is answered with the ones that exist, in their order.
        assert reasons[2][1] == "Unknown tier 'Platinum'; tiers are: Tier 1, Tier 2, Tier 3"
        assert "nobody@example.com" in reasons[3][1]
        assert reasons[4][0] == "bad-score" and "csm_score" in reasons[4][1]
        assert reasons[5][0] is None
        assert "repeated" in reasons[6][1] and "missing" in reasons[7][1]
        assert reasons[8][0] == "existing"
        assert "nmae" in reasons[9][1]
        assert (await _account(session, org, "ok")).name == "Fine"

    async def test_a_cycle_is_refused_and_the_rest_is_kept(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        parent = await create_account(session, org, external_id="p")
        await create_account(session, org, external_id="c", parent_id=parent.id)

        body = await _send(
            client,
            key,
            [{"external_id": "p", "parent_external_id": "c"}, {"external_id": "n", "name": "N"}],
        )

        assert (body["accepted"], [e["index"] for e in body["errors"]]) == (1, [0])
        assert (await _account(session, org, "p")).parent_id is None

    async def test_the_batch_itself_must_be_well_formed(
        self, client: AsyncClient, key: dict[str, str]
    ) -> None:
        for body in ({"items": []}, {"items": "x"}, {}):
            assert_problem(await client.post(URL, headers=key, json=body), 422, "invalid_batch")
        too_many = {"items": [{}] * (MAX_BATCH + 1)}
        assert_problem(await client.post(URL, headers=key, json=too_many), 413, "batch_too_large")

    async def test_a_read_key_cannot_send_accounts(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        _, read = await create_api_key(session, org, ApiScope.READ)

        response = await client.post(URL, headers=read, json={"items": [{"external_id": "x"}]})

        assert_problem(response, 403)

    async def test_each_refused_record_is_in_the_api_log(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
        admin: User,
    ) -> None:
        admin_headers = auth_headers(settings, admin)
        api_key, key = await create_api_key(session, org, ApiScope.INGEST)
        await _send(client, key, [{"external_id": "x"}, {"external_id": "y", "name": "Y"}])

        calls = await client.get(f"/api/v1/api-keys/{api_key.id}/calls", headers=admin_headers)

        (call,) = calls.json()["items"]
        assert (call["accepted"], call["rejected"]) == (1, 1)
        assert call["errors"] == [
            {"index": 0, "id": "x", "message": "name: required for a new account"}
        ]

    async def test_a_call_refused_whole_counts_its_records_in_the_api_log(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
        admin: User,
    ) -> None:
        admin_headers = auth_headers(settings, admin)
        api_key, key = await create_api_key(session, org, ApiScope.INGEST)
        items = [{"external_id": f"a-{n}", "name": "A"} for n in range(3)]
        envelope = await client.post(
            "/api/v1/accounts/batch", headers=key, json={"items": items, "extra": 1}
        )
        assert_problem(envelope, 422)
        single = await client.post(
            "/api/v1/accounts/upsert", headers=key, json={"external_id": "b", "tier": "Gold"}
        )
        assert_problem(single, 409, "tier_not_found")
        # One subscription with two items, refused by its schema, is one record.
        subscription = await client.post(
            "/api/v1/subscriptions",
            headers=key,
            json={
                "external_id": "s",
                "account_external_id": "b",
                "currency": "USD",
                "starts_on": "not a day",
                "items": [{"external_id": "i", "unit_price": 1}] * 2,
            },
        )
        assert_problem(subscription, 422)

        calls = await client.get(f"/api/v1/api-keys/{api_key.id}/calls", headers=admin_headers)

        counted = sorted((c["path"], c["accepted"], c["rejected"]) for c in calls.json()["items"])
        assert counted == [
            ("/api/v1/accounts/batch", 0, 3),
            ("/api/v1/accounts/upsert", 0, 1),
            ("/api/v1/subscriptions", 0, 1),
        ]


class TestMetricValues:
    async def test_values_are_typed_per_record(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        session.add(
            CustomField(org_id=org.id, key="seats", label="Seats", kind="metric", type="number")
        )
        await create_account(session, org, external_id="a-1")
        await create_account(session, org, external_id="a-2")

        body = await _send(
            client,
            key,
            [
                {"account_external_id": "a-1", "values": {"seats": 12}},
                {"account_external_id": "a-2", "values": {"seats": "many"}},
                {"account_external_id": "nope", "values": {"seats": 1}},
                {"account_external_id": "a-2", "values": {"unknown": 1}},
            ],
            url="/api/v1/accounts/metric-values/batch",
        )

        assert body["accepted"] == 1
        assert [(e["index"], e["id"]) for e in body["errors"]] == [
            (1, "a-2"),
            (2, "nope"),
            (3, "a-2"),
        ]
        a1 = await _account(session, org, "a-1")
        assert body["records"] == [{"index": 0, "external_id": "a-1", "id": str(a1.id)}]
        assert a1.custom_values == {"seats": 12}
        assert (await _account(session, org, "a-2")).custom_values == {}


class TestSingleRecords:
    """One record at a time: the same rules as a batch item, refusals as 422 problems."""

    async def test_upsert_one_account_updates_only_what_is_sent(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        url = "/api/v1/accounts/upsert"
        created = await client.post(url, headers=key, json={"external_id": "a-1", "name": "Acme"})
        updated = await client.post(url, headers=key, json={"external_id": "a-1", "domain": "a.io"})

        account = await _account(session, org, "a-1")
        assert created.status_code == updated.status_code == 200, updated.text
        assert created.json()["id"] == updated.json()["id"] == str(account.id)
        # Each answers the number of its change, for GET /freshness/changes/{change}.
        assert isinstance(created.json()["change"], int)
        assert (account.name, account.domain) == ("Acme", "a.io")

    async def test_a_refused_account_is_a_problem_and_writes_nothing(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        url = "/api/v1/accounts/upsert"
        no_name = await client.post(url, headers=key, json={"external_id": "a-2"})
        bad_tier = await client.post(
            url, headers=key, json={"external_id": "a-2", "name": "B", "tier": "Gold"}
        )

        assert_problem(no_name, 422, code="record_refused")
        # A tier the organisation lacks is a conflict with what is stored, as in a PATCH.
        assert "Gold" in assert_problem(bad_tier, 409, code="tier_not_found")["detail"]
        count = select(func.count()).select_from(Account).where(Account.org_id == org.id)
        assert await session.scalar(count) == 0

    @pytest.mark.parametrize(
        "domain",
        ["acme .com", "https://acme.com", "acme.com/pricing", "acme.com@evil.example", "acme"],
    )
    async def test_a_domain_that_is_not_a_host_name_is_a_422_and_writes_nothing(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        key: dict[str, str],
        settings: Settings,
        admin: User,
        domain: str,
    ) -> None:
        # The SPA links an account to https://<domain>: a user@, a path or a second scheme
        # there would lead somewhere else.
        account = await create_account(session, org, external_id="a-3", domain="acme.com")
        url = "/api/v1/accounts/upsert"
        answers = [
            await client.post(url, headers=key, json={"external_id": "a-3", "domain": domain}),
            await client.post(
                url, headers=key, json={"external_id": "a-4", "name": "D", "domain": domain}
            ),
            await client.patch(
                f"/api/v1/accounts/{account.id}",
                headers=auth_headers(settings, admin),
                json={"domain": domain},
            ),
        ]
        batch = await _send(client, key, [{"external_id": "a-3", "domain": domain}])

        for answer in answers:
            [error] = assert_problem(answer, 422, "validation_error")["errors"]
            assert error["loc"] == ["body", "domain"] and "not a domain" in error["msg"]
        [refused] = batch["errors"]
        assert refused["message"].startswith("domain: not a domain: give the host name alone")
        assert (await _account(session, org, "a-3")).domain == "acme.com"
        count = select(func.count()).select_from(Account).where(Account.org_id == org.id)
        assert await session.scalar(count) == 1

    async def test_a_domain_may_be_any_host_name(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        domains = ["www.acme.co.uk", "Acme.COM", "bücher.de", "acme.example", "xn--bcher-kva.de"]

        body = await _send(
            client,
            key,
            [{"external_id": f"d-{n}", "name": "D", "domain": d} for n, d in enumerate(domains)],
        )

        assert (body["accepted"], body["rejected"]) == (len(domains), 0)
        assert [(await _account(session, org, f"d-{n}")).domain for n in range(5)] == domains

    async def test_set_one_accounts_values(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
    ) -> None:
        session.add(
            CustomField(org_id=org.id, key="seats", label="Seats", kind="metric", type="number")
        )
        account = await create_account(session, org, external_id="a-1")
        url = "/api/v1/accounts/metric-values"

        ok = await client.post(
            url, headers=key, json={"account_external_id": "a-1", "values": {"seats": 12}}
        )
        wrong = await client.post(
            url, headers=key, json={"account_external_id": "a-1", "values": {"seats": "x"}}
        )
        unknown = await client.post(
            url, headers=key, json={"account_external_id": "zz", "values": {"seats": 1}}
        )

        assert ok.json()["id"] == str(account.id)
        assert_problem(wrong, 422, code="invalid_custom_value")
        assert "'zz'" in assert_problem(unknown, 409, code="account_not_found")["detail"]
        assert (await _account(session, org, "a-1")).custom_values == {"seats": 12}


class TestAuditedAsTheKey:
    async def test_an_integrations_changes_name_its_key_in_the_audit_log(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        admin: User,
        settings: Settings,
    ) -> None:
        key, headers = await create_api_key(session, org, ApiScope.FULL, name="CRM sync")
        account = await create_account(session, org, external_id="acme", name="Acme")
        await session.commit()

        await _send(client, headers, [{"external_id": "acme", "name": "Acme Inc"}])
        await _send(client, headers, [{"external_id": "new-1", "name": "New"}])
        edited = await client.patch(
            f"/api/v1/accounts/{account.id}", headers=headers, json={"csm_score": 40}
        )
        assert edited.status_code == 200, edited.text

        log = await client.get(
            "/api/v1/audit-log", headers=auth_headers(settings, admin), params={"limit": 10}
        )
        entries = [e for e in log.json()["items"] if e["entity_type"] == "account"]
        assert len(entries) == 3, entries
        assert {(e["actor_api_key_id"], e["actor_name"]) for e in entries} == {
            (str(key.id), "API key CRM sync")
        }


async def test_a_gzip_batch_is_read_as_its_json(
    client: AsyncClient, session: AsyncSession, org: Organisation, key: dict[str, str]
) -> None:
    """As the README says: any route takes a gzip body, not only Segment's."""
    body = gzip.compress(json.dumps({"items": [{"external_id": "gz", "name": "Gz"}]}).encode())
    headers = {**key, "Content-Type": "application/json", "Content-Encoding": "gzip"}

    response = await client.post(URL, headers=headers, content=body)

    assert response.json()["accepted"] == 1, response.text
    assert (await _account(session, org, "gz")).name == "Gz"
