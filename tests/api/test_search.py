"""Full-text search over interactions and notes: relevance, stemming, filters and scoping."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.settings import Settings
from domain.interactions.models import Interaction, InteractionType
from domain.interactions.repository import SEARCH_CANDIDATES
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem
from tests.interaction_factories import create_interaction, create_note

URL = "/api/v1/interactions/search"


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


async def _search(client: AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await client.get(URL, headers=headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestRelevance:
    async def test_finds_a_word_in_the_body_with_a_highlighted_snippet(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        admin: User,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org, name="Acme")
        hit = await create_interaction(
            session,
            account,
            author=admin,
            subject="Call",
            body="They worry about pricing & <b>discounts</b>",
        )
        await create_interaction(session, account, subject="Call", body="All good")

        body = await _search(client, headers, q="pricing")

        assert body["total"] == 1
        [result] = body["items"]
        assert (result["kind"], result["id"], result["account_name"]) == (
            "interaction",
            str(hit.id),
            "Acme",
        )
        assert result["author_name"] == admin.full_name
        assert "<mark>pricing</mark>" in result["headline"]
        # The snippet is escaped text: stored markup never reaches a consumer as markup.
        assert "&amp;" in result["headline"] and "<b>" not in result["headline"]

    async def test_a_notes_snippet_reads_as_its_text(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        await create_note(
            session,
            account,
            body="<ul><li>SSO for all regions</li><li>Analytics add-on</li></ul>"
            "<p>Budget is set in <b>October</b>; raise it before then.</p>",
        )

        [result] = (await _search(client, headers, q="budget"))["items"]

        # Inline tags leave no gap before the punctuation after them; blocks keep words apart.
        assert "in October; raise" in result["headline"]
        assert "regionsAnalytics" not in result["headline"]
        assert (
            "regions Analytics" in (await _search(client, headers, q="sso"))["items"][0]["headline"]
        )

    async def test_stems_words(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        hit = await create_interaction(session, account, body="Discussed the renewal terms")

        body = await _search(client, headers, q="renewals")

        assert [r["id"] for r in body["items"]] == [str(hit.id)]

    async def test_ranks_better_matches_first_and_includes_notes(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        weak = await create_interaction(
            session,
            account,
            body="Budget came up once among many other unrelated topics and words here",
            occurred_at=datetime(2025, 6, 1, tzinfo=UTC),
        )
        note = await create_note(session, account, body="<p>Budget, <b>budget</b>, budget</p>")

        body = await _search(client, headers, q="budget")

        assert [r["id"] for r in body["items"]] == [str(note.id), str(weak.id)]
        assert body["items"][0]["kind"] == "note"
        assert body["items"][0]["type"] == "note"
        assert "<b>" not in body["items"][0]["headline"]

    async def test_without_q_lists_newest_first(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        old = await create_interaction(
            session, account, occurred_at=datetime(2024, 1, 1, tzinfo=UTC)
        )
        new = await create_interaction(
            session, account, occurred_at=datetime(2025, 1, 1, tzinfo=UTC)
        )

        body = await _search(client, headers, type="call")

        assert [r["id"] for r in body["items"]] == [str(new.id), str(old.id)]

    async def test_a_query_of_only_stop_words_finds_nothing(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await create_interaction(session, await create_account(session, org), body="the and")

        assert (await _search(client, headers, q="the"))["total"] == 0

    async def test_odd_query_syntax_is_not_an_error(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await create_interaction(session, await create_account(session, org), body="renewal")

        for q in ['"unterminated', "a & | ! ( :*", "-renewal or"]:
            await _search(client, headers, q=q)

    async def test_too_long_query_is_422(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        assert_problem(await client.get(URL, headers=headers, params={"q": "x" * 501}), 422)


class TestFilters:
    async def test_by_type_account_author_and_dates(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        admin: User,
        headers: dict[str, str],
    ) -> None:
        one = await create_account(session, org)
        two = await create_account(session, org)
        csm = await create_user(session, org)
        qbr = await create_interaction(
            session,
            one,
            type="qbr",
            body="renewal",
            author=csm,
            occurred_at=datetime(2025, 3, 1, tzinfo=UTC),
        )
        call = await create_interaction(
            session,
            two,
            type="call",
            body="renewal",
            author=admin,
            occurred_at=datetime(2025, 1, 1, tzinfo=UTC),
        )
        note = await create_note(session, one, body="renewal", author=admin)

        def ids(body: dict[str, Any]) -> set[str]:
            return {r["id"] for r in body["items"]}

        assert ids(await _search(client, headers, q="renewal")) == {
            str(qbr.id),
            str(call.id),
            str(note.id),
        }
        assert ids(await _search(client, headers, q="renewal", type="qbr")) == {str(qbr.id)}
        assert ids(await _search(client, headers, q="renewal", type="note")) == {str(note.id)}
        assert ids(await _search(client, headers, q="renewal", account_id=str(two.id))) == {
            str(call.id)
        }
        assert ids(await _search(client, headers, author_id=str(csm.id))) == {str(qbr.id)}
        assert ids(
            await _search(
                client,
                headers,
                type="call",
                since="2024-12-01T00:00:00Z",
                until="2025-02-01T00:00:00Z",
            )
        ) == {str(call.id)}
        assert (await _search(client, headers, type="call", since="2025-02-01T00:00:00Z"))[
            "total"
        ] == 0

    async def test_bad_type_is_422(self, client: AsyncClient, headers: dict[str, str]) -> None:
        assert_problem(await client.get(URL, headers=headers, params={"type": "lunch"}), 422)


class TestScoping:
    async def test_a_csm_finds_only_their_accounts_and_totals_agree(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        csm = await create_user(session, org)
        mine = await create_account(session, org, csms=[csm])
        theirs = await create_account(session, org)
        hit = await create_interaction(session, mine, body="escalation")
        await create_interaction(session, theirs, body="escalation")
        await create_note(session, theirs, body="escalation")

        body = await _search(client, auth_headers(settings, csm), q="escalation")

        assert body["total"] == 1
        assert [r["id"] for r in body["items"]] == [str(hit.id)]

    @pytest.mark.parametrize("as_list", [True, False], ids=["ids-as-list", "ids-as-subquery"])
    async def test_a_csm_scope_is_the_same_however_it_is_sent(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        headers: dict[str, str],
        monkeypatch: pytest.MonkeyPatch,
        as_list: bool,
    ) -> None:
        from domain.tenancy import accounts

        if not as_list:
            monkeypatch.setattr(accounts, "VISIBLE_LIST_AT_MOST", 1)
        csm = await create_user(session, org)
        mine = [await create_account(session, org, csms=[csm]) for _ in range(2)]
        gone = await create_account(session, org, csms=[csm])
        theirs = await create_account(session, org)
        hits = [await create_interaction(session, a, body="escalation") for a in mine]
        hits.append(await create_note(session, mine[0], body="escalation"))
        for account in (gone, theirs):
            await create_interaction(session, account, body="escalation")
        await client.delete(f"/api/v1/accounts/{gone.id}", headers=headers)
        csm_headers = auth_headers(settings, csm)

        body = await _search(client, csm_headers, q="escalation", limit=2)
        beyond = await _search(client, csm_headers, q="escalation", offset=10)

        assert body["total"] == beyond["total"] == 3
        assert len(body["items"]) == 2 and beyond["items"] == []
        everything = await _search(client, csm_headers, q="escalation")
        assert {r["id"] for r in everything["items"]} == {str(h.id) for h in hits}

    async def test_other_orgs_are_never_found(
        self,
        client: AsyncClient,
        session: AsyncSession,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        foreign = await create_account(session, other_org)
        await create_interaction(session, foreign, body="escalation")

        assert (await _search(client, headers, q="escalation"))["total"] == 0
        assert (await _search(client, headers, account_id=str(foreign.id)))["total"] == 0

    @pytest.mark.parametrize("as_list", [True, False], ids=["deleted-as-list", "live-as-subquery"])
    async def test_a_deleted_accounts_interactions_vanish(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        monkeypatch: pytest.MonkeyPatch,
        as_list: bool,
    ) -> None:
        from domain.tenancy import accounts

        if not as_list:
            monkeypatch.setattr(accounts, "VISIBLE_LIST_AT_MOST", 0)
        account = await create_account(session, org)
        live = await create_account(session, org)
        await create_interaction(session, account, body="escalation")
        await create_note(session, account, body="escalation")
        kept = await create_interaction(session, live, body="escalation")
        assert (await _search(client, headers, q="escalation"))["total"] == 3

        await client.delete(f"/api/v1/accounts/{account.id}", headers=headers)

        body = await _search(client, headers, q="escalation")
        assert (body["total"], [r["id"] for r in body["items"]]) == (1, [str(kept.id)])
        listed = await _search(client, headers)
        assert [r["id"] for r in listed["items"]] == [str(kept.id)]


class TestEveryMatch:
    async def test_a_match_older_than_the_newest_thousand_can_rank_first(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        best = await create_interaction(
            session,
            account,
            body="Renewal, renewal, renewal: the renewal plan",
            occurred_at=datetime(2020, 1, 1, tzinfo=UTC),
        )
        newer = [
            {
                "id": uuid.uuid4(),
                "org_id": org.id,
                "account_id": account.id,
                "type": InteractionType.CALL,
                "occurred_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
                "body": "Mentioned the renewal once",
                "participant_user_ids": [],
                "participant_contacts": [],
            }
            for n in range(SEARCH_CANDIDATES + 5)
        ]
        await session.execute(insert(Interaction), newer)

        body = await _search(client, headers, q="renewal", limit=3)

        assert body["items"][0]["id"] == str(best.id)
        assert (body["total"], body["total_capped"]) == (SEARCH_CANDIDATES + 6, False)
        # Within one rank, newest first.
        assert [r["occurred_at"][:16] for r in body["items"][1:]] == [
            "2025-01-01T16:44",
            "2025-01-01T16:43",
        ]

    async def test_a_listing_without_words_counts_only_the_newest(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from domain.interactions import repository, service

        monkeypatch.setattr(repository, "SEARCH_CANDIDATES", 3)
        monkeypatch.setattr(service, "SEARCH_CANDIDATES", 3)
        account = await create_account(session, org)
        made = [
            await create_interaction(
                session,
                account,
                body="renewal talk",
                occurred_at=datetime(2025, 1, day, tzinfo=UTC),
            )
            for day in range(1, 6)
        ]

        body = await _search(client, headers, type="call")

        assert (body["total"], body["total_capped"]) == (3, True)
        assert [r["id"] for r in body["items"]] == [str(i.id) for i in reversed(made[-3:])]
        few = await _search(client, headers, type="call", since="2025-01-04T00:00:00Z")
        assert (few["total"], few["total_capped"]) == (2, False)
        # With words, the same five are all ranked and counted.
        words = await _search(client, headers, q="renewal", type="call")
        assert (words["total"], words["total_capped"]) == (5, False)
