from fastapi import status

from api.deps import Session
from api.errors import problem
from api.routing import AreaRouter
from domain.orgs import service as orgs
from domain.orgs.schemas import FirstOrganisation, OrganisationRead, SetupStatus

router = AreaRouter(prefix="/setup", tags=["setup"])


@router.get("", response_model=SetupStatus)
async def get_setup_status(session: Session) -> SetupStatus:
    """Whether this Tenure still needs its first organisation (no sign-in needed)."""
    return SetupStatus(needed=await orgs.setup_needed(session))


@router.post(
    "",
    response_model=OrganisationRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(409, 422),
)
async def create_first_organisation(data: FirstOrganisation, session: Session) -> OrganisationRead:
    """Create the first organisation and its admin, who then signs in with this email and
    password. Works once, on a Tenure without any organisation; afterwards a `409`."""
    org, _ = await orgs.create_first_organisation(session, data)
    return OrganisationRead.model_validate(org)
