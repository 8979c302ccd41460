"""The account list presumes a signed-in user as the process last found them and checks them in
the page's own statement (`domain.users.auth.presuming`): one statement instead of two, and
every change to the user still takes effect on the same token's next request."""

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import User, UserStatus
from domain.users.permissions import Permission
from tests.factories import auth_headers, create_account, create_user, role

LIST = "/api/v1/accounts"


async def listed(client: AsyncClient, headers: dict[str, str], query: str = "") -> set[str]:
    response = await client.get(LIST + query, headers=headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == len(page["items"])
    return {a["id"] for a in page["items"]}


async def test_a_users_next_list_is_one_statement(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    admin: User,
    statements: list[str],
) -> None:
    accounts = {str((await create_account(session, org, csms=[admin])).id) for _ in range(3)}
    headers = auth_headers(settings, admin)
    statements.clear()

    assert await listed(client, headers) == accounts
    assert len(statements) == 2  # the user, then the page
    statements.clear()

    assert await listed(client, headers) == accounts
    # The page, checking the user in the same statement.
    assert len(statements) == 1, "\n".join(s[:80] for s in statements)
    statements.clear()

    # An empty page has no row to carry the user: they are read on their own.
    assert await listed(client, headers, "?q=no-account-matches-this") == set()
    assert len(statements) == 2


async def test_a_revoked_token_or_an_inactive_user_is_refused_on_the_next_list(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    statements: list[str],
) -> None:
    revoked, leaving = await create_user(session, org), await create_user(session, org)
    await create_account(session, org, csms=[revoked, leaving])
    for user in (revoked, leaving):
        assert len(await listed(client, auth_headers(settings, user))) == 1

    revoked.token_version += 1  # signed out everywhere
    leaving.status = UserStatus.INACTIVE
    await session.flush()

    for user in (revoked, leaving):
        for query in ("", "?q=no-account-matches-this", "?sort=custom.plan"):
            statements.clear()
            response = await client.get(LIST + query, headers=auth_headers(settings, user))
            assert response.status_code == 401, (query, response.text)
            assert response.json()["code"] == "invalid_token"
            # Refused first by the page's own statement; then no longer presumed, so refused
            # by the read of the user alone, before any page.
            assert len(statements) == 1
            assert ("WITH page" in statements[0]) == (query == ""), query


async def test_a_user_whose_role_changed_lists_as_their_new_role(
    client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
) -> None:
    user = await create_user(session, org, role_name="CSM")
    theirs = await create_account(session, org, csms=[user])
    other = await create_account(session, org)
    headers = auth_headers(settings, user)
    assert await listed(client, headers) == {str(theirs.id)}

    user.role_id = (await role(session, org, "Admin")).id
    await session.flush()
    # Allowed now, though refused as the user was presumed (a CSM may not see deleted accounts).
    assert await listed(client, headers, "?deleted=true") == set()
    assert await listed(client, headers) == {str(theirs.id), str(other.id)}

    user.role_id = (await role(session, org, "CSM")).id
    await session.flush()
    assert await listed(client, headers) == {str(theirs.id)}
    deleted = await client.get(LIST + "?deleted=true", headers=headers)
    assert deleted.status_code == 403


async def test_a_role_losing_view_all_accounts_takes_effect_on_the_next_list(
    client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
) -> None:
    manager = await create_user(session, org, role_name="Admin")
    theirs = await create_account(session, org, csms=[manager])
    await create_account(session, org)
    headers = auth_headers(settings, manager)
    assert len(await listed(client, headers)) == 2

    admin_role = await role(session, org, "Admin")
    admin_role.permissions = [
        p for p in admin_role.permissions if p != Permission.VIEW_ALL_ACCOUNTS
    ]
    await session.flush()

    assert await listed(client, headers) == {str(theirs.id)}


async def test_an_org_now_requiring_2fa_refuses_the_next_list(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    admin: User,
) -> None:
    headers = auth_headers(settings, admin)
    await listed(client, headers)

    org.requires_mfa = True
    await session.flush()

    response = await client.get(LIST, headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_enrolment_required"
