"""Signing in and out through the API: passwords, throttling, refresh rotation, 2FA, emailed
links and invitations."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from httpx import AsyncClient, Response
from jose import jwt
from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common import clock
from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users import tokens
from domain.users.models import OneTimeToken, RecoveryCode, RefreshToken, User, UserStatus
from tests.factories import PASSWORD, auth_headers, create_org, create_user, role
from tests.helpers import assert_problem, emails_to, link_token, only_link_token, outbox_count
from workers.jobs import users as user_jobs

NEW_PASSWORD = "a-brand-new-password"


async def _login(client: AsyncClient, email: str, password: str = PASSWORD) -> Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def _refresh(client: AsyncClient, refresh_token: str | None) -> Response:
    # Send exactly the token under test, not whatever the client's cookie jar holds.
    client.cookies.clear()
    headers = {"Cookie": f"tenure_refresh={refresh_token}"} if refresh_token else {}
    return await client.post("/api/v1/auth/refresh", headers=headers)


def _refresh_cookie(response: Response) -> str:
    token = response.cookies.get("tenure_refresh")
    assert token, response.headers.get("set-cookie")
    return token


def _bearer(body: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['access_token']}"}


async def _me(client: AsyncClient, headers: dict[str, str]) -> Response:
    return await client.get("/api/v1/me", headers=headers)


async def _mfa_login(
    client: AsyncClient, user: User, *, code: str | None = None, recovery_code: str | None = None
) -> Response:
    first = await _login(client, user.email)
    assert first.json()["status"] == "mfa_required", first.text
    payload: dict[str, str] = {"mfa_token": first.json()["mfa_token"]}
    if code is not None:
        payload["code"] = code
    if recovery_code is not None:
        payload["recovery_code"] = recovery_code
    return await client.post("/api/v1/auth/login/mfa", json=payload)


def _secret(settings: Settings) -> str:
    return settings.auth.secret_key.get_secret_value()


def _next_code(secret: str) -> str:
    """The code of the next time step. A code works once, so a test that already used the
    current one uses this (the step after the current one is accepted, for clock drift)."""
    return pyotp.TOTP(secret).at(clock.now(), counter_offset=1)


async def _run_password_reset_jobs(redis: Redis, job_ctx: dict[str, Any]) -> None:
    """Run the reset jobs the requests queued, as the worker would, and take them off the
    queue."""
    for job in await redis.queued_jobs():  # type: ignore[attr-defined]  # ArqRedis
        if job.function == "users.send_password_reset":
            await user_jobs.send_password_reset(job_ctx, **job.kwargs)
            await redis.zrem("arq:queue", job.job_id)
            await redis.delete(f"arq:job:{job.job_id}")


RequestReset = Callable[[str], Awaitable[Response]]


@pytest.fixture
def request_reset(client: AsyncClient, redis: Redis, job_ctx: dict[str, Any]) -> RequestReset:
    """Ask for a password reset and run the job it queued."""

    async def request(email: str) -> Response:
        response = await client.post("/api/v1/auth/password-reset", json={"email": email})
        await _run_password_reset_jobs(redis, job_ctx)
        return response

    return request


class TestLogin:
    async def test_access_token_works_and_refresh_cookie_is_http_only(
        self, client: AsyncClient, admin: User
    ) -> None:
        response = await _login(client, admin.email)

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "authenticated"
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 15 * 60
        assert body["mfa_enrolment_required"] is False
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("tenure_refresh=")
        assert "HttpOnly" in cookie
        assert "Path=/api/v1/auth" in cookie
        assert "samesite=strict" in cookie.lower()
        # Beside it, one a script reads: there is a session to resume.
        (hint,) = [c for c in response.headers.get_list("set-cookie") if "tenure_signed_in" in c]
        assert hint.startswith("tenure_signed_in=1;") and "HttpOnly" not in hint
        assert "Path=/;" in hint
        me = await _me(client, _bearer(body))
        assert me.status_code == 200
        assert me.json()["email"] == admin.email
        assert me.json()["last_login_at"] is not None

    async def test_email_is_case_insensitive(self, client: AsyncClient, admin: User) -> None:
        response = await _login(client, admin.email.upper())

        assert response.json()["status"] == "authenticated"

    async def test_wrong_password_is_invalid_credentials(
        self, client: AsyncClient, admin: User
    ) -> None:
        response = await _login(client, admin.email, "not-the-password")

        assert_problem(response, 401, "invalid_credentials")
        assert response.headers["www-authenticate"] == "Bearer"
        assert "set-cookie" not in response.headers

    async def test_unknown_email_answers_exactly_like_a_wrong_password(
        self, client: AsyncClient, admin: User
    ) -> None:
        unknown = await _login(client, "nobody@example.com")
        wrong = await _login(client, admin.email, "not-the-password")

        assert_problem(unknown, 401, "invalid_credentials")
        assert unknown.json() == wrong.json()

    @pytest.mark.parametrize("status", [UserStatus.INVITED, UserStatus.INACTIVE])
    async def test_user_who_is_not_active_cannot_log_in(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, status: UserStatus
    ) -> None:
        # The factory gives them the usual password, so only their status refuses them.
        user = await create_user(session, org, status=status)

        response = await _login(client, user.email)

        assert_problem(response, 401, "invalid_credentials")

    async def test_malformed_email_is_422(self, client: AsyncClient) -> None:
        response = await _login(client, "not-an-email")

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["body", "email"]


class TestLoginThrottle:
    """Conftest allows 5 failures per email and 20 per IP in the window."""

    async def test_email_is_locked_after_five_failures(
        self, client: AsyncClient, admin: User
    ) -> None:
        for _ in range(5):
            assert_problem(await _login(client, admin.email, "wrong-password"), 401)

        response = await _login(client, admin.email, "wrong-password")

        assert_problem(response, 429, "login_throttled")
        assert 0 < int(response.headers["retry-after"]) <= 900

    async def test_correct_password_is_refused_while_throttled(
        self, client: AsyncClient, admin: User
    ) -> None:
        for _ in range(5):
            await _login(client, admin.email, "wrong-password")

        response = await _login(client, admin.email.upper())

        assert_problem(response, 429, "login_throttled")
        assert "set-cookie" not in response.headers

    async def test_other_emails_are_not_locked_by_one_email(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, admin: User
    ) -> None:
        other = await create_user(session, org)
        for _ in range(5):
            await _login(client, admin.email, "wrong-password")

        response = await _login(client, other.email)

        assert response.json()["status"] == "authenticated"

    async def test_success_resets_the_email_count(self, client: AsyncClient, admin: User) -> None:
        for _ in range(4):
            await _login(client, admin.email, "wrong-password")
        assert (await _login(client, admin.email)).status_code == 200

        for _ in range(4):
            assert_problem(await _login(client, admin.email, "wrong-password"), 401)

    async def test_ip_is_locked_after_twenty_failures(
        self, client: AsyncClient, admin: User
    ) -> None:
        # Four emails, five failures each: no single email is over its limit.
        for n in range(20):
            await _login(client, f"stranger-{n % 4}@example.com", "wrong-password")

        response = await _login(client, admin.email)

        assert_problem(response, 429, "login_throttled")
        assert int(response.headers["retry-after"]) > 0


async def _age_rotations(session: AsyncSession, user: User) -> None:
    """Move the user's token rotations back past the reuse grace."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.rotated_at.is_not(None))
        .values(rotated_at=RefreshToken.rotated_at - timedelta(minutes=1))
    )


class TestRefresh:
    async def test_rotates_the_token_and_the_cookie(self, client: AsyncClient, admin: User) -> None:
        first = _refresh_cookie(await _login(client, admin.email))

        response = await _refresh(client, first)

        assert response.status_code == 200, response.text
        second = _refresh_cookie(response)
        assert second != first
        assert "HttpOnly" in response.headers["set-cookie"]
        assert (await _me(client, _bearer(response.json()))).status_code == 200
        assert (await _refresh(client, second)).status_code == 200

    async def test_rotated_token_no_longer_refreshes(
        self, client: AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        first = _refresh_cookie(await _login(client, admin.email))
        await _refresh(client, first)
        await _age_rotations(session, admin)

        response = await _refresh(client, first)

        assert_problem(response, 401, "refresh_token_reused")

    async def test_a_reload_racing_its_own_refresh_stays_signed_in(
        self, client: AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        """The browser sent the token again before it stored the first answer's cookie."""
        first = _refresh_cookie(await _login(client, admin.email))
        one = await _refresh(client, first)
        again = await _refresh(client, first)

        assert one.status_code == again.status_code == 200, again.text
        assert _refresh_cookie(again) != _refresh_cookie(one)
        assert (await _me(client, _bearer(again.json()))).status_code == 200
        # Both successors live on; past the grace the first token is a reuse again.
        assert (await _refresh(client, _refresh_cookie(one))).status_code == 200
        await _age_rotations(session, admin)
        assert_problem(await _refresh(client, first), 401, "refresh_token_reused")

    async def test_reusing_a_rotated_token_revokes_the_whole_family(
        self, client: AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        first = _refresh_cookie(await _login(client, admin.email))
        newest = _refresh_cookie(await _refresh(client, first))
        await _age_rotations(session, admin)

        assert_problem(await _refresh(client, first), 401, "refresh_token_reused")

        # The revocation outlives the 401 that reported it: the thief's newest token is dead.
        assert_problem(await _refresh(client, newest), 401, "invalid_token")
        family = await session.scalars(
            select(RefreshToken)
            .where(RefreshToken.user_id == admin.id)
            .execution_options(populate_existing=True)
        )
        assert [t.revoked_at is not None for t in family] == [True, True]

    async def test_family_revocation_leaves_other_logins_alone(
        self, client: AsyncClient, admin: User
    ) -> None:
        stolen = _refresh_cookie(await _login(client, admin.email))
        other_device = _refresh_cookie(await _login(client, admin.email))
        await _refresh(client, stolen)
        await _refresh(client, stolen)

        assert (await _refresh(client, other_device)).status_code == 200

    async def test_without_a_cookie_is_401(self, client: AsyncClient) -> None:
        assert_problem(await _refresh(client, None), 401, "invalid_token")

    async def test_unknown_token_is_401(self, client: AsyncClient) -> None:
        assert_problem(await _refresh(client, tokens.new_opaque_token()), 401, "invalid_token")

    async def test_expired_token_is_401(
        self, client: AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        token = _refresh_cookie(await _login(client, admin.email))
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == admin.id)
            .values(expires_at=clock.now() - timedelta(seconds=1))
        )

        assert_problem(await _refresh(client, token), 401, "invalid_token")

    async def test_keeps_the_family_expiry(
        self, client: AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        # Rotation must not extend a session forever.
        token = _refresh_cookie(await _login(client, admin.email))
        await _refresh(client, token)

        rows = list(
            await session.scalars(select(RefreshToken).where(RefreshToken.user_id == admin.id))
        )
        assert len(rows) == 2
        assert rows[0].expires_at == rows[1].expires_at


class TestLogout:
    async def test_revokes_the_refresh_token_and_clears_the_cookie(
        self, client: AsyncClient, admin: User
    ) -> None:
        token = _refresh_cookie(await _login(client, admin.email))
        client.cookies.clear()

        response = await client.post(
            "/api/v1/auth/logout", headers={"Cookie": f"tenure_refresh={token}"}
        )

        assert response.status_code == 204
        cookie = response.headers["set-cookie"]
        assert cookie.startswith('tenure_refresh=""') and "Max-Age=0" in cookie
        assert "Path=/api/v1/auth" in cookie
        assert 'tenure_signed_in=""' in cookie
        assert_problem(await _refresh(client, token), 401, "invalid_token")

    async def test_revokes_tokens_rotated_from_the_same_login(
        self, client: AsyncClient, admin: User
    ) -> None:
        first = _refresh_cookie(await _login(client, admin.email))
        second = _refresh_cookie(await _refresh(client, first))
        client.cookies.clear()

        await client.post("/api/v1/auth/logout", headers={"Cookie": f"tenure_refresh={first}"})

        assert_problem(await _refresh(client, second), 401)

    async def test_without_a_cookie_is_fine(self, client: AsyncClient) -> None:
        client.cookies.clear()

        assert (await client.post("/api/v1/auth/logout")).status_code == 204


class TestAccessTokens:
    async def test_missing_token_is_401(self, client: AsyncClient) -> None:
        response = await client.get("/api/v1/me")

        assert_problem(response, 401, "invalid_token")
        assert response.headers["www-authenticate"] == "Bearer"

    @pytest.mark.parametrize(
        "token", ["garbage", "a.b.c", "Bearer", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA", ""]
    )
    async def test_garbage_is_401(self, client: AsyncClient, token: str) -> None:
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

        assert_problem(response, 401)

    async def test_token_signed_with_another_secret_is_401(
        self, client: AsyncClient, admin: User
    ) -> None:
        forged = tokens.encode(
            tokens.TokenClaims(user_id=admin.id, org_id=admin.org_id, purpose="access"),
            secret="not-our-secret",
            now=clock.now(),
            ttl=timedelta(minutes=5),
        )

        response = await _me(client, {"Authorization": f"Bearer {forged}"})

        assert_problem(response, 401, "invalid_token")

    async def test_expired_token_is_401(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        expired = tokens.encode(
            tokens.TokenClaims(user_id=admin.id, org_id=admin.org_id, purpose="access"),
            secret=_secret(settings),
            now=clock.now() - timedelta(hours=1),
            ttl=timedelta(minutes=15),
        )

        assert_problem(await _me(client, {"Authorization": f"Bearer {expired}"}), 401)

    async def test_token_of_a_user_that_does_not_exist_is_401(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        claims = tokens.TokenClaims(user_id=admin.org_id, org_id=admin.org_id, purpose="access")
        token = tokens.encode(
            claims, secret=_secret(settings), now=clock.now(), ttl=timedelta(minutes=5)
        )

        assert_problem(await _me(client, {"Authorization": f"Bearer {token}"}), 401)

    async def test_token_naming_another_org_is_401(
        self, client: AsyncClient, settings: Settings, admin: User, other_org: Organisation
    ) -> None:
        # A valid user id under the wrong organisation must not resolve.
        claims = tokens.TokenClaims(user_id=admin.id, org_id=other_org.id, purpose="access")
        token = tokens.encode(
            claims, secret=_secret(settings), now=clock.now(), ttl=timedelta(minutes=5)
        )

        assert_problem(await _me(client, {"Authorization": f"Bearer {token}"}), 401)


class TestMfaLogin:
    @pytest.fixture
    async def user(self, session: AsyncSession, org: Organisation) -> User:
        return await create_user(session, org, mfa_secret=pyotp.random_base32())

    async def test_password_step_asks_for_the_second_factor(
        self, client: AsyncClient, user: User
    ) -> None:
        response = await _login(client, user.email)

        body = response.json()
        assert body["status"] == "mfa_required"
        assert body["mfa_token"]
        assert body["access_token"] is None
        assert "set-cookie" not in response.headers

    async def test_wrong_code_is_invalid_mfa_code(self, client: AsyncClient, user: User) -> None:
        response = await _mfa_login(client, user, code="000000")

        assert_problem(response, 401, "invalid_mfa_code")

    async def test_correct_code_signs_in(self, client: AsyncClient, user: User) -> None:
        assert user.mfa_secret
        response = await _mfa_login(client, user, code=pyotp.TOTP(user.mfa_secret).now())

        assert response.status_code == 200, response.text
        assert response.json()["status"] == "authenticated"
        _refresh_cookie(response)
        me = await _me(client, _bearer(response.json()))
        assert me.json()["mfa_enabled"] is True

    async def test_no_code_at_all_is_invalid_mfa_code(
        self, client: AsyncClient, user: User
    ) -> None:
        assert_problem(await _mfa_login(client, user), 401, "invalid_mfa_code")

    async def test_mfa_token_is_not_an_access_token(self, client: AsyncClient, user: User) -> None:
        mfa_token = (await _login(client, user.email)).json()["mfa_token"]

        response = await _me(client, {"Authorization": f"Bearer {mfa_token}"})

        assert_problem(response, 401, "invalid_token")

    async def test_access_token_is_not_an_mfa_token(
        self, client: AsyncClient, settings: Settings, user: User
    ) -> None:
        access = auth_headers(settings, user)["Authorization"].removeprefix("Bearer ")
        assert user.mfa_secret

        response = await client.post(
            "/api/v1/auth/login/mfa",
            json={"mfa_token": access, "code": pyotp.TOTP(user.mfa_secret).now()},
        )

        assert_problem(response, 401, "invalid_token")

    async def test_expired_mfa_token_is_401(
        self, client: AsyncClient, settings: Settings, user: User
    ) -> None:
        stale = tokens.encode(
            tokens.TokenClaims(user_id=user.id, org_id=user.org_id, purpose="mfa"),
            secret=_secret(settings),
            now=clock.now() - timedelta(minutes=10),
            ttl=timedelta(minutes=5),
        )
        assert user.mfa_secret

        response = await client.post(
            "/api/v1/auth/login/mfa",
            json={"mfa_token": stale, "code": pyotp.TOTP(user.mfa_secret).now()},
        )

        assert_problem(response, 401, "invalid_token")

    async def test_garbage_mfa_token_is_401(self, client: AsyncClient) -> None:
        response = await client.post(
            "/api/v1/auth/login/mfa", json={"mfa_token": "nonsense", "code": "123456"}
        )

        assert_problem(response, 401, "invalid_token")

    async def test_wrong_codes_are_throttled(self, client: AsyncClient, user: User) -> None:
        mfa_token = (await _login(client, user.email)).json()["mfa_token"]
        for _ in range(5):
            await client.post(
                "/api/v1/auth/login/mfa", json={"mfa_token": mfa_token, "code": "000000"}
            )
        assert user.mfa_secret

        response = await client.post(
            "/api/v1/auth/login/mfa",
            json={"mfa_token": mfa_token, "code": pyotp.TOTP(user.mfa_secret).now()},
        )

        assert_problem(response, 429, "login_throttled")


async def _enrol(client: AsyncClient, headers: dict[str, str]) -> tuple[str, list[str]]:
    """Enrol the caller in 2FA through the API; return the secret and the recovery codes."""
    started = await client.post("/api/v1/me/mfa/enrolment", headers=headers)
    assert started.status_code == 200, started.text
    secret = started.json()["secret"]
    confirmed = await client.post(
        "/api/v1/me/mfa/confirm", headers=headers, json={"code": pyotp.TOTP(secret).now()}
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["codes"]


class TestMfaEnrolment:
    async def test_otpauth_uri_names_tenure_and_the_user(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        response = await client.post(
            "/api/v1/me/mfa/enrolment", headers=auth_headers(settings, admin)
        )

        assert response.status_code == 200
        body = response.json()
        uri = urlsplit(body["otpauth_uri"])
        assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
        assert unquote(uri.path) == f"/Tenure:{admin.email}"
        query = parse_qs(uri.query)
        assert query["issuer"] == ["Tenure"]
        assert query["secret"] == [body["secret"]]

    async def test_enrolment_is_not_active_until_confirmed(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        await client.post("/api/v1/me/mfa/enrolment", headers=auth_headers(settings, admin))

        response = await _login(client, admin.email)

        assert response.json()["status"] == "authenticated"

    async def test_confirming_gives_ten_recovery_codes_and_turns_2fa_on(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)

        _, codes = await _enrol(client, headers)

        assert len(codes) == 10 and len(set(codes)) == 10
        assert (await _me(client, headers)).json()["mfa_enabled"] is True
        assert (await _login(client, admin.email)).json()["status"] == "mfa_required"

    async def test_wrong_code_does_not_enable(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)
        await client.post("/api/v1/me/mfa/enrolment", headers=headers)

        response = await client.post(
            "/api/v1/me/mfa/confirm", headers=headers, json={"code": "000000"}
        )

        # A 403: the session is fine (a 401 would have the SPA sign out).
        assert_problem(response, 403, "invalid_mfa_code")
        assert (await _me(client, headers)).json()["mfa_enabled"] is False

    async def test_confirming_before_starting_is_409(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        response = await client.post(
            "/api/v1/me/mfa/confirm", headers=auth_headers(settings, admin), json={"code": "123456"}
        )

        assert_problem(response, 409, "mfa_not_enrolling")

    async def test_starting_again_once_enabled_is_409(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)
        await _enrol(client, headers)

        response = await client.post("/api/v1/me/mfa/enrolment", headers=headers)

        assert_problem(response, 409, "mfa_already_enabled")


class TestRecoveryCodes:
    async def test_a_recovery_code_signs_in_once(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        _, codes = await _enrol(client, auth_headers(settings, admin))

        # Typed by a human: upper case, with spaces around.
        first = await _mfa_login(client, admin, recovery_code=f"  {codes[0].upper()} ")
        again = await _mfa_login(client, admin, recovery_code=codes[0])

        assert first.status_code == 200, first.text
        assert first.json()["status"] == "authenticated"
        assert_problem(again, 401, "invalid_mfa_code")
        assert (await _mfa_login(client, admin, recovery_code=codes[1])).status_code == 200

    async def test_regenerating_invalidates_the_old_codes(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)
        secret, old = await _enrol(client, headers)

        response = await client.post(
            "/api/v1/me/mfa/recovery-codes",
            headers=headers,
            json={"code": _next_code(secret)},
        )

        assert response.status_code == 200
        new = response.json()["codes"]
        assert len(new) == 10 and not set(new) & set(old)
        assert_problem(await _mfa_login(client, admin, recovery_code=old[0]), 401)
        assert (await _mfa_login(client, admin, recovery_code=new[0])).status_code == 200

    async def test_regenerating_needs_a_valid_code(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)
        _, old = await _enrol(client, headers)

        response = await client.post(
            "/api/v1/me/mfa/recovery-codes", headers=headers, json={"code": "000000"}
        )

        assert_problem(response, 403, "invalid_mfa_code")
        assert (await _mfa_login(client, admin, recovery_code=old[0])).status_code == 200

    async def test_regenerating_without_2fa_is_409(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        response = await client.post(
            "/api/v1/me/mfa/recovery-codes",
            headers=auth_headers(settings, admin),
            json={"code": "123456"},
        )

        assert_problem(response, 409, "mfa_not_enabled")


class TestDisableMfa:
    async def test_needs_the_password(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)
        secret, _ = await _enrol(client, headers)

        response = await client.post(
            "/api/v1/me/mfa/disable",
            headers=headers,
            json={"password": "wrong-password", "code": _next_code(secret)},
        )

        assert_problem(response, 403, "wrong_password")
        assert (await _me(client, headers)).json()["mfa_enabled"] is True

    async def test_needs_a_valid_code(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)
        await _enrol(client, headers)

        response = await client.post(
            "/api/v1/me/mfa/disable", headers=headers, json={"password": PASSWORD, "code": "000000"}
        )

        assert_problem(response, 403, "invalid_mfa_code")
        assert (await _me(client, headers)).json()["mfa_enabled"] is True

    async def test_with_password_and_code_turns_2fa_off(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)
        secret, _ = await _enrol(client, headers)

        response = await client.post(
            "/api/v1/me/mfa/disable",
            headers=headers,
            json={"password": PASSWORD, "code": _next_code(secret)},
        )

        assert response.status_code == 204
        assert (await _me(client, headers)).json()["mfa_enabled"] is False
        assert (await _login(client, admin.email)).json()["status"] == "authenticated"
        codes = await session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == admin.id))
        assert list(codes) == []

    async def test_when_not_enabled_is_409(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        response = await client.post(
            "/api/v1/me/mfa/disable",
            headers=auth_headers(settings, admin),
            json={"password": PASSWORD, "code": "123456"},
        )

        assert_problem(response, 409, "mfa_not_enabled")


class TestOrganisationRequiresMfa:
    @pytest.fixture
    async def user(self, session: AsyncSession) -> User:
        org, _ = await create_org(session, requires_mfa=True)
        return await create_user(session, org)

    async def test_login_says_enrolment_is_required(self, client: AsyncClient, user: User) -> None:
        response = await _login(client, user.email)

        body = response.json()
        assert body["status"] == "authenticated"
        assert body["mfa_enrolment_required"] is True
        me = await _me(client, _bearer(body))
        assert me.status_code == 200
        assert me.json()["mfa_enrolment_required"] is True
        assert me.json()["organisation_requires_mfa"] is True

    async def test_refresh_still_says_enrolment_is_required(
        self, client: AsyncClient, user: User
    ) -> None:
        token = _refresh_cookie(await _login(client, user.email))

        assert (await _refresh(client, token)).json()["mfa_enrolment_required"] is True

    async def test_other_routes_are_refused_until_enrolled(
        self, client: AsyncClient, settings: Settings, user: User
    ) -> None:
        headers = auth_headers(settings, user)

        for path in ("/api/v1/accounts", "/api/v1/users", "/api/v1/organisation"):
            assert_problem(await client.get(path, headers=headers), 403, "mfa_enrolment_required")

    async def test_enrolling_lifts_the_restriction(
        self, client: AsyncClient, settings: Settings, user: User
    ) -> None:
        headers = auth_headers(settings, user)

        await _enrol(client, headers)

        assert (await client.get("/api/v1/accounts", headers=headers)).status_code == 200
        assert (await _me(client, headers)).json()["mfa_enrolment_required"] is False

    async def test_turning_it_on_applies_to_signed_in_users(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)
        assert (await client.get("/api/v1/accounts", headers=headers)).status_code == 200

        response = await client.patch(
            "/api/v1/organisation", headers=headers, json={"requires_mfa": True}
        )

        assert response.json()["requires_mfa"] is True
        assert_problem(
            await client.get("/api/v1/accounts", headers=headers), 403, "mfa_enrolment_required"
        )


async def _change_password(
    client: AsyncClient, headers: dict[str, str], current: str, new: str = NEW_PASSWORD
) -> Response:
    return await client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": current, "new_password": new},
    )


class TestChangePassword:
    async def test_wrong_current_password_is_403_and_the_session_goes_on(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)

        response = await _change_password(client, headers, "wrong-password")

        # Not a 401: clients take that for an ended session (the SPA signs out).
        assert_problem(response, 403, "wrong_password")
        assert (await _me(client, headers)).status_code == 200
        assert (await _login(client, admin.email)).status_code == 200

    async def test_new_password_works_and_the_old_one_does_not(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        response = await client.post(
            "/api/v1/me/password",
            headers=auth_headers(settings, admin),
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )

        assert response.status_code == 204
        assert (await _login(client, admin.email, NEW_PASSWORD)).status_code == 200
        assert_problem(await _login(client, admin.email), 401, "invalid_credentials")

    async def test_ends_every_other_sign_in_and_keeps_this_one(
        self, client: AsyncClient, admin: User
    ) -> None:
        # Whoever else signed in with the old password (another device, someone who knew it)
        # is signed out; the browser that changed it goes on.
        here, elsewhere = await _login(client, admin.email), await _login(client, admin.email)
        headers = {"Authorization": f"Bearer {here.json()['access_token']}"}

        assert (await _change_password(client, headers, PASSWORD)).status_code == 204

        assert_problem(await _refresh(client, _refresh_cookie(elsewhere)), 401, "invalid_token")
        refreshed = await _refresh(client, _refresh_cookie(here))
        assert refreshed.status_code == 200, refreshed.text
        again = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
        assert (await _me(client, again)).status_code == 200
        # The refreshed sign-in is still this one: a second change keeps it too.
        assert (await _change_password(client, again, NEW_PASSWORD, PASSWORD)).status_code == 204
        assert (await _refresh(client, _refresh_cookie(refreshed))).status_code == 200

    async def test_short_new_password_is_422(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        response = await client.post(
            "/api/v1/me/password",
            headers=auth_headers(settings, admin),
            json={"current_password": PASSWORD, "new_password": "short"},
        )

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["body", "new_password"]


class TestPasswordChecksOfSignedInUsers:
    """Asking a signed-in user for their password again counts against the sign-in throttle
    (conftest: 5 failures per email): a stolen session gets no more guesses than the sign-in
    form gives."""

    async def test_changing_the_password_is_throttled_after_five_wrong_ones(
        self, client: AsyncClient, redis: Redis, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)
        for n in range(5):
            assert_problem(await _change_password(client, headers, f"wrong-{n}"), 403)

        throttled = await _change_password(client, headers, PASSWORD)

        assert_problem(throttled, 429, "login_throttled")
        assert 0 < int(throttled.headers["retry-after"]) <= 900
        # One count for the address: signing in is throttled too.
        assert_problem(await _login(client, admin.email), 429, "login_throttled")
        await redis.flushdb()
        assert (await _login(client, admin.email)).status_code == 200

    async def test_turning_2fa_off_is_throttled_after_five_wrong_passwords(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)
        secret, _ = await _enrol(client, headers)
        for n in range(5):
            wrong = await client.post(
                "/api/v1/me/mfa/disable",
                headers=headers,
                json={"password": f"wrong-{n}", "code": "000000"},
            )
            assert_problem(wrong, 403, "wrong_password")

        throttled = await client.post(
            "/api/v1/me/mfa/disable",
            headers=headers,
            json={"password": PASSWORD, "code": _next_code(secret)},
        )

        assert_problem(throttled, 429, "login_throttled")
        assert int(throttled.headers["retry-after"]) > 0
        assert (await _me(client, headers)).json()["mfa_enabled"] is True

    async def test_codes_of_a_signed_in_user_are_throttled_after_five_wrong_ones(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        """Confirming enrolment and replacing recovery codes ask for a code alone: a stolen
        session may not guess one unchecked."""
        headers = auth_headers(settings, admin)
        started = await client.post("/api/v1/me/mfa/enrolment", headers=headers)
        secret = started.json()["secret"]
        for _ in range(5):
            wrong = await client.post(
                "/api/v1/me/mfa/confirm", headers=headers, json={"code": "000000"}
            )
            assert_problem(wrong, 403, "invalid_mfa_code")

        throttled = await client.post(
            "/api/v1/me/mfa/confirm", headers=headers, json={"code": pyotp.TOTP(secret).now()}
        )
        regenerated = await client.post(
            "/api/v1/me/mfa/recovery-codes", headers=headers, json={"code": "000000"}
        )

        assert_problem(throttled, 429, "login_throttled")
        assert (await _me(client, headers)).json()["mfa_enabled"] is False
        # Not enrolled: refused for that before any code is counted.
        assert_problem(regenerated, 409, "mfa_not_enabled")

    async def test_the_right_password_clears_the_count(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)
        for n in range(4):
            assert_problem(await _change_password(client, headers, f"wrong-{n}"), 403)
        assert (await _change_password(client, headers, PASSWORD)).status_code == 204

        # The change ended this access token; the count shows in sign-ins as well: five more
        # failures before the sixth is refused.
        for _ in range(5):
            assert_problem(await _login(client, admin.email, "wrong"), 401, "invalid_credentials")
        assert_problem(await _login(client, admin.email, "wrong"), 429, "login_throttled")


class TestPasswordReset:
    async def _confirm(self, client: AsyncClient, token: str, password: str) -> Response:
        return await client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": password}
        )

    async def test_unknown_email_is_202_and_sends_nothing(
        self, request_reset: RequestReset, client: AsyncClient, session: AsyncSession, redis: Redis
    ) -> None:
        before = await outbox_count(session)

        response = await request_reset("nobody@example.com")

        assert response.status_code == 202
        assert await outbox_count(session) == before
        assert await redis.zcard("arq:queue") == 0  # the reset job ran and queued no email

    async def test_inactive_user_gets_nothing(
        self,
        request_reset: RequestReset,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
    ) -> None:
        user = await create_user(session, org, status=UserStatus.INACTIVE)

        response = await request_reset(user.email)

        assert response.status_code == 202
        assert await emails_to(session, user.email) == []

    async def test_known_user_gets_a_reset_link(
        self, request_reset: RequestReset, client: AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        response = await request_reset(admin.email.upper())

        assert response.status_code == 202
        [email] = await emails_to(session, admin.email)
        assert email.subject == "Reset your Tenure password"
        assert "http://tenure.test/reset-password?token=" in email.text_body
        assert "within 60 minutes" in email.text_body

    async def test_confirming_sets_the_password_and_signs_out_everywhere(
        self,
        request_reset: RequestReset,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        admin: User,
    ) -> None:
        old_session = _refresh_cookie(await _login(client, admin.email))
        await request_reset(admin.email)
        token = await only_link_token(session, admin.email, "/reset-password")

        response = await self._confirm(client, token, NEW_PASSWORD)

        assert response.status_code == 204
        assert (await _login(client, admin.email, NEW_PASSWORD)).status_code == 200
        assert_problem(await _login(client, admin.email), 401, "invalid_credentials")
        assert_problem(await _refresh(client, old_session), 401)
        # The admins see it, as they see a password changed signed in (another admin here:
        # the reset ended this one's tokens).
        org = await session.get_one(Organisation, admin.org_id)
        other_admin = await create_user(session, org, role_name="Admin")
        [logged] = (
            await client.get(
                "/api/v1/audit-log",
                params={"action": "user.password_reset"},
                headers=auth_headers(settings, other_admin),
            )
        ).json()["items"]
        assert (logged["actor_user_id"], logged["entity_id"]) == (str(admin.id), str(admin.id))

    async def test_a_reset_lifts_the_lock_wrong_passwords_put_on_the_address(
        self, request_reset: RequestReset, client: AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        for _ in range(5):
            await _login(client, admin.email, "wrong-password")
        assert_problem(await _login(client, admin.email), 429, "login_throttled")
        await request_reset(admin.email)
        token = await only_link_token(session, admin.email, "/reset-password")

        assert (await self._confirm(client, token, NEW_PASSWORD)).status_code == 204

        assert (await _login(client, admin.email, NEW_PASSWORD)).status_code == 200

    async def test_the_link_works_once(
        self, request_reset: RequestReset, client: AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        await request_reset(admin.email)
        token = await only_link_token(session, admin.email, "/reset-password")
        await self._confirm(client, token, NEW_PASSWORD)

        response = await self._confirm(client, token, "yet-another-password")

        assert_problem(response, 409, "invalid_link_token")
        assert (await _login(client, admin.email, NEW_PASSWORD)).status_code == 200

    async def test_an_expired_link_is_refused(
        self, request_reset: RequestReset, client: AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        await request_reset(admin.email)
        token = await only_link_token(session, admin.email, "/reset-password")
        await session.execute(
            update(OneTimeToken)
            .where(OneTimeToken.user_id == admin.id)
            .values(expires_at=clock.now() - timedelta(seconds=1))
        )

        response = await self._confirm(client, token, NEW_PASSWORD)

        assert_problem(response, 409, "invalid_link_token")
        assert (await _login(client, admin.email)).status_code == 200

    async def test_a_newer_link_replaces_the_older_one(
        self, request_reset: RequestReset, client: AsyncClient, session: AsyncSession, admin: User
    ) -> None:
        await request_reset(admin.email)
        first = await only_link_token(session, admin.email, "/reset-password")
        await request_reset(admin.email)
        second = next(
            t
            for t in (
                link_token(e, "/reset-password") for e in await emails_to(session, admin.email)
            )
            if t != first
        )

        assert_problem(await self._confirm(client, first, NEW_PASSWORD), 409, "invalid_link_token")
        assert (await self._confirm(client, second, NEW_PASSWORD)).status_code == 204

    async def test_an_invitation_token_is_not_a_reset_token(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        invited = await _invite(client, session, settings, admin)
        token = await only_link_token(session, invited, "/accept-invitation")

        response = await self._confirm(client, token, NEW_PASSWORD)

        assert_problem(response, 409, "invalid_link_token")

    async def test_garbage_token_is_409(self, client: AsyncClient) -> None:
        response = await self._confirm(client, "x" * 40, NEW_PASSWORD)

        assert_problem(response, 409, "invalid_link_token")


async def _invite(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    admin: User,
    email: str = "new.teammate@example.com",
) -> str:
    org = await session.get_one(Organisation, admin.org_id)
    csm = await role(session, org, "CSM")
    response = await client.post(
        "/api/v1/users/invitations",
        headers=auth_headers(settings, admin),
        json={"email": email, "full_name": "New Teammate", "role_id": str(csm.id)},
    )
    assert response.status_code == 201, response.text
    return email


class TestInvitations:
    async def _accept(
        self, client: AsyncClient, token: str, password: str = NEW_PASSWORD, **extra: str
    ) -> Response:
        return await client.post(
            "/api/v1/auth/invitations/accept",
            json={"token": token, "password": password, **extra},
        )

    async def test_invited_user_is_pending_and_emailed_a_link(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        email = await _invite(client, session, settings, admin)

        listed = await client.get(
            "/api/v1/users", params={"status": "invited"}, headers=auth_headers(settings, admin)
        )
        assert [u["email"] for u in listed.json()] == [email]
        assert listed.json()[0]["invited_at"] is not None
        [sent] = await emails_to(session, email)
        assert sent.subject == "You are invited to Org on Tenure"
        assert "http://tenure.test/accept-invitation?token=" in sent.text_body

    async def test_the_link_previews_who_it_is_for(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        email = await _invite(client, session, settings, admin)
        token = await only_link_token(session, email, "/accept-invitation")

        response = await client.get(f"/api/v1/auth/invitations/{token}")

        assert response.status_code == 200
        assert response.json() == {
            "email": email,
            "full_name": "New Teammate",
            "organisation_name": "Org",
        }

    async def test_accepting_sets_the_password_and_signs_in(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        email = await _invite(client, session, settings, admin)
        token = await only_link_token(session, email, "/accept-invitation")

        response = await self._accept(client, token, full_name="Renamed Teammate")

        assert response.status_code == 200, response.text
        _refresh_cookie(response)
        me = (await _me(client, _bearer(response.json()))).json()
        assert (me["email"], me["status"], me["full_name"]) == (
            email,
            "active",
            "Renamed Teammate",
        )
        assert (await _login(client, email, NEW_PASSWORD)).status_code == 200
        [logged] = (
            await client.get(
                "/api/v1/audit-log",
                params={"action": "user.invitation_accepted"},
                headers=auth_headers(settings, admin),
            )
        ).json()["items"]
        assert logged["actor_name"] == logged["target_name"] == "Renamed Teammate"

    async def test_the_link_works_once(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        email = await _invite(client, session, settings, admin)
        token = await only_link_token(session, email, "/accept-invitation")
        await self._accept(client, token)

        assert_problem(
            await self._accept(client, token, "other-password-1"), 409, "invalid_link_token"
        )
        assert_problem(
            await client.get(f"/api/v1/auth/invitations/{token}"), 409, "invalid_link_token"
        )

    async def test_an_expired_link_is_refused(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        email = await _invite(client, session, settings, admin)
        token = await only_link_token(session, email, "/accept-invitation")
        await session.execute(
            update(OneTimeToken).values(expires_at=clock.now() - timedelta(seconds=1))
        )

        assert_problem(
            await client.get(f"/api/v1/auth/invitations/{token}"), 409, "invalid_link_token"
        )
        assert_problem(await self._accept(client, token), 409, "invalid_link_token")

    async def test_a_reset_token_is_not_an_invitation(
        self,
        request_reset: RequestReset,
        client: AsyncClient,
        session: AsyncSession,
        admin: User,
    ) -> None:
        await request_reset(admin.email)
        token = await only_link_token(session, admin.email, "/reset-password")

        assert_problem(await self._accept(client, token), 409, "invalid_link_token")

    async def test_resending_replaces_the_link(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        email = await _invite(client, session, settings, admin)
        first = await only_link_token(session, email, "/accept-invitation")
        user = await session.scalar(select(User).where(User.email == email))
        assert user

        response = await client.post(
            f"/api/v1/users/{user.id}/resend-invitation", headers=auth_headers(settings, admin)
        )

        assert response.status_code == 200
        tokens_sent = [link_token(e, "/accept-invitation") for e in await emails_to(session, email)]
        [second] = [t for t in tokens_sent if t != first]
        assert_problem(await self._accept(client, first), 409, "invalid_link_token")
        assert (await self._accept(client, second)).status_code == 200

    async def test_resending_to_an_active_user_is_409(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        response = await client.post(
            f"/api/v1/users/{admin.id}/resend-invitation", headers=auth_headers(settings, admin)
        )

        assert_problem(response, 409, "user_not_active")

    async def test_an_organisation_name_with_a_line_break_still_invites(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        # Stored before names were checked: the subject is made one line, not refused.
        await session.execute(
            update(Organisation)
            .where(Organisation.id == admin.org_id)
            .values(name="Acme\r\nBcc: all@example.com")
        )

        email = await _invite(client, session, settings, admin)

        [sent] = await emails_to(session, email)
        assert sent.subject == "You are invited to Acme Bcc: all@example.com on Tenure"

    async def test_an_email_of_this_organisation_is_409(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        csm = await role(session, await session.get_one(Organisation, admin.org_id), "CSM")
        invited = await _invite(client, session, settings, admin)

        for email in (admin.email.upper(), invited):
            response = await client.post(
                "/api/v1/users/invitations",
                headers=auth_headers(settings, admin),
                json={"email": email, "full_name": "Dup", "role_id": str(csm.id)},
            )
            assert_problem(response, 409, "email_taken")
        assert await emails_to(session, admin.email) == []

    async def test_an_address_used_in_another_organisation_is_invited_like_any_other(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        admin: User,
        other_org: Organisation,
    ) -> None:
        # A 409 here would tell any admin which addresses have a login in another tenant.
        elsewhere = await create_user(session, other_org)
        fresh = await _invite(client, session, settings, admin, "never.seen@example.com")

        await _invite(client, session, settings, admin, elsewhere.email.upper())

        listed = await client.get(
            "/api/v1/users", params={"status": "invited"}, headers=auth_headers(settings, admin)
        )
        assert sorted(u["email"].lower() for u in listed.json()) == sorted(
            [fresh, elsewhere.email.lower()]
        )
        [sent] = await emails_to(session, elsewhere.email)
        assert sent.subject == "You are invited to Org on Tenure"

    async def test_accepting_while_the_address_signs_in_elsewhere_is_409(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        admin: User,
        other_org: Organisation,
    ) -> None:
        # Only the address's owner holds the link, so only they learn this.
        elsewhere = await create_user(session, other_org)
        await _invite(client, session, settings, admin, elsewhere.email)
        token = await only_link_token(session, elsewhere.email, "/accept-invitation")

        response = await self._accept(client, token)

        assert_problem(response, 409, "email_taken")
        me = await _me(client, _bearer((await _login(client, elsewhere.email)).json()))
        assert me.json()["org_id"] == str(other_org.id)
        assert_problem(await _login(client, elsewhere.email, NEW_PASSWORD), 401)
        # The link still works once the other login is gone.
        await session.execute(
            update(User).where(User.id == elsewhere.id).values(status=UserStatus.INACTIVE)
        )
        assert (await self._accept(client, token)).status_code == 200


class TestCodesAndChallengesWorkOnce:
    @pytest.fixture
    async def user(self, session: AsyncSession, org: Organisation) -> User:
        return await create_user(session, org, mfa_secret=pyotp.random_base32())

    async def test_a_code_signs_in_once(self, client: AsyncClient, user: User) -> None:
        assert user.mfa_secret
        code = pyotp.TOTP(user.mfa_secret).now()

        first = await _mfa_login(client, user, code=code)
        again = await _mfa_login(client, user, code=code)

        assert first.status_code == 200, first.text
        assert_problem(again, 401, "invalid_mfa_code")

    async def test_a_code_older_than_the_last_one_used_is_refused(
        self, client: AsyncClient, user: User
    ) -> None:
        assert user.mfa_secret
        current = pyotp.TOTP(user.mfa_secret).now()

        assert (await _mfa_login(client, user, code=_next_code(user.mfa_secret))).status_code == 200
        assert_problem(await _mfa_login(client, user, code=current), 401, "invalid_mfa_code")

    async def test_a_code_used_in_a_sign_in_cannot_turn_2fa_off(
        self, client: AsyncClient, user: User
    ) -> None:
        assert user.mfa_secret
        code = pyotp.TOTP(user.mfa_secret).now()
        signed_in = await _mfa_login(client, user, code=code)

        response = await client.post(
            "/api/v1/me/mfa/disable",
            headers=_bearer(signed_in.json()),
            json={"password": PASSWORD, "code": code},
        )

        assert_problem(response, 403, "invalid_mfa_code")

    async def test_an_mfa_token_starts_one_session(self, client: AsyncClient, user: User) -> None:
        assert user.mfa_secret
        mfa_token = (await _login(client, user.email)).json()["mfa_token"]

        first = await client.post(
            "/api/v1/auth/login/mfa",
            json={"mfa_token": mfa_token, "code": pyotp.TOTP(user.mfa_secret).now()},
        )
        again = await client.post(
            "/api/v1/auth/login/mfa",
            json={"mfa_token": mfa_token, "code": _next_code(user.mfa_secret)},
        )

        assert first.status_code == 200, first.text
        assert_problem(again, 401, "invalid_token")

    async def test_a_wrong_code_does_not_use_up_the_mfa_token(
        self, client: AsyncClient, user: User
    ) -> None:
        assert user.mfa_secret
        mfa_token = (await _login(client, user.email)).json()["mfa_token"]
        wrong = await client.post(
            "/api/v1/auth/login/mfa", json={"mfa_token": mfa_token, "code": "000000"}
        )

        right = await client.post(
            "/api/v1/auth/login/mfa",
            json={"mfa_token": mfa_token, "code": pyotp.TOTP(user.mfa_secret).now()},
        )

        assert_problem(wrong, 401, "invalid_mfa_code")
        assert right.status_code == 200, right.text


class TestAccessTokensEndEarly:
    """Access tokens live 15 minutes; signing out, a new password or deactivation must end
    them at once, not at expiry."""

    async def test_logout_ends_the_access_token(self, client: AsyncClient, admin: User) -> None:
        signed_in = await _login(client, admin.email)
        cookie = _refresh_cookie(signed_in)
        client.cookies.clear()

        await client.post("/api/v1/auth/logout", headers={"Cookie": f"tenure_refresh={cookie}"})

        assert_problem(await _me(client, _bearer(signed_in.json())), 401, "invalid_token")

    async def test_other_devices_get_a_new_access_token_by_refreshing(
        self, client: AsyncClient, admin: User
    ) -> None:
        laptop = await _login(client, admin.email)
        phone = await _login(client, admin.email)
        client.cookies.clear()
        await client.post(
            "/api/v1/auth/logout", headers={"Cookie": f"tenure_refresh={_refresh_cookie(laptop)}"}
        )

        assert_problem(await _me(client, _bearer(phone.json())), 401)
        renewed = await _refresh(client, _refresh_cookie(phone))
        assert renewed.status_code == 200, renewed.text
        assert (await _me(client, _bearer(renewed.json()))).status_code == 200

    async def test_a_password_reset_ends_access_tokens(
        self,
        request_reset: RequestReset,
        client: AsyncClient,
        session: AsyncSession,
        admin: User,
    ) -> None:
        signed_in = await _login(client, admin.email)
        await request_reset(admin.email)
        token = await only_link_token(session, admin.email, "/reset-password")

        await client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": token, "new_password": NEW_PASSWORD},
        )

        assert_problem(await _me(client, _bearer(signed_in.json())), 401, "invalid_token")

    async def test_a_password_change_ends_access_tokens(
        self, client: AsyncClient, admin: User
    ) -> None:
        other_device = await _login(client, admin.email)
        this_device = await _login(client, admin.email)

        changed = await client.post(
            "/api/v1/me/password",
            headers=_bearer(this_device.json()),
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )

        assert changed.status_code == 204
        assert_problem(await _me(client, _bearer(other_device.json())), 401, "invalid_token")

    async def test_deactivation_ends_access_tokens_and_mfa_tokens(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        admin = await create_user(session, org, role_name="Admin")
        user = await create_user(session, org)
        signed_in = await _login(client, user.email)

        await client.post(
            f"/api/v1/users/{user.id}/deactivate", headers=auth_headers(settings, admin)
        )
        await session.execute(
            update(User).where(User.id == user.id).values(status=UserStatus.ACTIVE)
        )

        # Even once active again, the tokens issued before stay dead.
        assert_problem(await _me(client, _bearer(signed_in.json())), 401, "invalid_token")

    async def test_a_token_without_an_expiry_is_401(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        # Signed with our secret, so only the missing `exp` can refuse it.
        forever = jwt.encode(
            {
                "sub": str(admin.id),
                "org": str(admin.org_id),
                "pur": "access",
                "ver": 0,
                "iat": 0,
                "jti": "x",
            },
            _secret(settings),
            algorithm="HS256",
        )

        assert_problem(await _me(client, {"Authorization": f"Bearer {forever}"}), 401)


class TestPasswordResetThrottle:
    async def test_requests_past_the_limit_are_answered_alike_and_send_nothing(
        self, request_reset: RequestReset, session: AsyncSession, admin: User
    ) -> None:
        answers = [(await request_reset(admin.email)).status_code for _ in range(12)]

        assert answers == [202] * 12
        assert len(await emails_to(session, admin.email)) == 3

    async def test_a_client_asking_for_many_addresses_is_throttled(
        self, request_reset: RequestReset, session: AsyncSession, admin: User
    ) -> None:
        for n in range(20):
            await request_reset(f"nobody-{n}@example.com")

        assert (await request_reset(admin.email)).status_code == 202
        assert await emails_to(session, admin.email) == []

    async def test_a_known_and_an_unknown_address_get_the_same_work(
        self, client: AsyncClient, session: AsyncSession, redis: Redis, admin: User
    ) -> None:
        # The request only counts and queues a job; the job looks the address up, so the
        # answer's timing cannot tell the two apart.
        before = await outbox_count(session)
        for email in (admin.email, "nobody@example.com"):
            response = await client.post("/api/v1/auth/password-reset", json={"email": email})
            assert response.status_code == 202

        jobs = await redis.queued_jobs()  # type: ignore[attr-defined]  # ArqRedis
        assert sorted((j.function, j.kwargs["email"]) for j in jobs) == sorted(
            [
                ("users.send_password_reset", admin.email),
                ("users.send_password_reset", "nobody@example.com"),
            ]
        )
        assert await outbox_count(session) == before


class TestAnAddressMovesBetweenOrganisations:
    async def test_reactivating_a_user_whose_address_now_signs_in_elsewhere_is_409(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        admin: User,
        other_org: Organisation,
    ) -> None:
        # Deactivated here, the address was invited to and accepted in another organisation;
        # only one active user may hold it, so reactivating must fail cleanly (not a 500).
        left = await create_user(session, await session.get_one(Organisation, admin.org_id))
        await client.post(
            f"/api/v1/users/{left.id}/deactivate", headers=auth_headers(settings, admin)
        )
        other_admin = await create_user(session, other_org, role_name="Admin")
        await _invite(client, session, settings, other_admin, left.email)
        token = await only_link_token(session, left.email, "/accept-invitation")
        accepted = await client.post(
            "/api/v1/auth/invitations/accept", json={"token": token, "password": NEW_PASSWORD}
        )
        assert accepted.status_code == 200, accepted.text

        response = await client.post(
            f"/api/v1/users/{left.id}/reactivate", headers=auth_headers(settings, admin)
        )

        assert_problem(response, 409, "email_taken")
