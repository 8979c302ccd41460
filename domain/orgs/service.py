import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import service as accounts
from domain.audit import service as audit
from domain.common import clock
from domain.freshness import changes
from domain.orgs.errors import BaseCurrencyHasRates, SetupDone
from domain.orgs.models import Organisation
from domain.orgs.repository import any_organisation_exists, take_first_run_turn
from domain.orgs.schemas import FirstOrganisation, OrganisationRead, OrganisationUpdate
from domain.revenue import service as revenue
from domain.usage import service as usage
from domain.users import service as users
from domain.users.actor import Actor, require
from domain.users.models import Role, User, UserStatus
from domain.users.passwords import hash_password_in_thread
from domain.users.permissions import Permission
from domain.users.repository import RoleRepository


async def create_organisation(
    session: AsyncSession,
    *,
    name: str,
    admin_email: str,
    admin_name: str,
    admin_password: str,
    base_currency: str = "USD",
    time_zone: str = "UTC",
) -> tuple[Organisation, User]:
    """A new workspace with its built-in roles and a first admin."""
    org = Organisation(id=uuid.uuid4(), name=name, base_currency=base_currency, time_zone=time_zone)
    session.add(org)
    await session.flush()
    accounts.add_default_configuration(session, org.id)
    roles = users.builtin_roles(org.id)
    session.add_all(roles)
    await session.flush()
    admin_role = next(r for r in roles if r.name == "Admin")
    admin = User(
        org_id=org.id,
        email=admin_email,
        full_name=admin_name,
        password_hash=await hash_password_in_thread(admin_password),
        role_id=admin_role.id,
        status=UserStatus.ACTIVE,
    )
    session.add(admin)
    await session.flush()
    return org, admin


async def setup_needed(session: AsyncSession) -> bool:
    """Whether this Tenure has no organisation yet (a fresh install without the demo)."""
    return not await any_organisation_exists(session)


async def create_first_organisation(
    session: AsyncSession, data: FirstOrganisation
) -> tuple[Organisation, User]:
    """The first-run setup: allowed only while no organisation exists. Two setups sent at once
    take turns, so the second finds the first's organisation and is refused."""
    await take_first_run_turn(session)
    if not await setup_needed(session):
        raise SetupDone()
    return await create_organisation(
        session,
        name=data.organisation_name,
        admin_email=str(data.admin_email).lower(),
        admin_name=data.admin_name,
        admin_password=data.admin_password,
        base_currency=data.base_currency,
        time_zone=data.time_zone,
    )


async def role_named(session: AsyncSession, org_id: uuid.UUID, name: str) -> Role:
    role = await RoleRepository(session, org_id).get_by_name(name)
    assert role is not None, f"built-in role {name} missing"
    return role


async def get_organisation(session: AsyncSession, actor: Actor) -> Organisation:
    return await session.get_one(Organisation, actor.org_id)


async def update_organisation(
    session: AsyncSession, actor: Actor, data: OrganisationUpdate
) -> Organisation:
    require(actor, Permission.MANAGE_ORGANISATION)
    org = await get_organisation(session, actor)
    before = OrganisationRead.model_validate(org).model_dump(mode="json")
    if data.base_currency not in (None, org.base_currency):
        rates = await revenue.fx_rate_count(session, org.id)
        if rates:
            kept = "1 exchange rate is" if rates == 1 else f"{rates:,} exchange rates are"
            raise BaseCurrencyHasRates(
                f"{kept} to {org.base_currency}: delete them before changing the base "
                f"currency to {data.base_currency}, then set rates to it"
            )
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(org, field, value)
    await session.flush()
    now = clock.now()
    if org.time_zone != before["time_zone"]:
        # Usage days are the zone's calendar days: recent ones are re-derived in the new zone
        # (with the new timeout, if that changed too), and every account's figures that count
        # from "today" are brought up to date by the live chain.
        first = await usage.time_zone_changed(
            session, org.id, before=before["time_zone"], after=org.time_zone, now=now
        )
        await changes.note_organisation(session, org.id, usage_from=first)
    elif org.session_timeout_minutes != before["session_timeout_minutes"]:
        # Sessions are derived at rollup time: recent days are re-derived with the new timeout.
        await usage.session_timeout_changed(
            session, org.id, today=clock.today_in(org.time_zone, now), now=now
        )
    if org.base_currency != before["base_currency"]:
        # MRR and its missing rates are stored in the base currency: recompute them.
        await changes.note_revenue_of_organisation(session, org.id)
    audit.record_for(
        session,
        actor,
        "organisation.updated",
        "organisation",
        org.id,
        before=before,
        after=OrganisationRead.model_validate(org).model_dump(mode="json"),
    )
    return org
