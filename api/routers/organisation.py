from api.deps import CurrentActor, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.orgs import service as orgs
from domain.orgs.schemas import OrganisationRead, OrganisationUpdate

router = AreaRouter(prefix="/organisation", tags=["organisation"])


@router.get("", response_model=OrganisationRead, responses=problem(401))
async def get_organisation(actor: CurrentActor, session: Session) -> OrganisationRead:
    """Your organisation's settings."""
    return OrganisationRead.model_validate(await orgs.get_organisation(session, actor))


@router.patch("", response_model=OrganisationRead, responses=problem(401, 403, 409, 422))
async def update_organisation(
    data: OrganisationUpdate, actor: CurrentActor, session: Session
) -> OrganisationRead:
    """Change the organisation's name, currency, time zone or 2FA requirement. The base
    currency changes only while no exchange rate is stored (each is a rate to it): a 409
    otherwise."""
    return OrganisationRead.model_validate(await orgs.update_organisation(session, actor, data))
