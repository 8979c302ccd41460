"""Creating an organisation: its built-in roles and its first admin."""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.orgs import service as orgs
from domain.users.models import UserStatus
from domain.users.passwords import verify_password
from domain.users.permissions import BUILTIN_ROLES, Permission
from domain.users.repository import RoleRepository, UserRepository


class TestCreateOrganisation:
    async def test_creates_built_in_roles_and_an_admin(self, session: AsyncSession) -> None:
        org, admin = await orgs.create_organisation(
            session,
            name="Acme CS",
            admin_email="founder@example.com",
            admin_name="Founder",
            admin_password="founder-password",
            base_currency="EUR",
            time_zone="Europe/Paris",
        )

        assert (org.name, org.base_currency, org.time_zone, org.requires_mfa) == (
            "Acme CS",
            "EUR",
            "Europe/Paris",
            False,
        )
        roles = {r.name: r for r in await RoleRepository(session, org.id).all()}
        assert set(roles) == set(BUILTIN_ROLES)
        assert all(r.is_builtin for r in roles.values())
        assert set(roles["Admin"].permissions) == {str(p) for p in Permission}
        assert roles["Guest"].permissions == ["view_all_accounts"]
        loaded = await UserRepository(session, org.id).get(admin.id)
        assert loaded is not None and loaded.role.name == "Admin"
        assert loaded.status == UserStatus.ACTIVE
        assert verify_password(loaded.password_hash, "founder-password")

    async def test_role_named_finds_a_built_in_role(self, session: AsyncSession) -> None:
        org, admin = await orgs.create_organisation(
            session,
            name="Acme CS",
            admin_email="founder2@example.com",
            admin_name="Founder",
            admin_password="founder-password",
        )

        admin_role = await orgs.role_named(session, org.id, "admin")

        assert admin_role.id == admin.role_id
