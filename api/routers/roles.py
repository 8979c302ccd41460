import uuid

from fastapi import status

from api.deps import CurrentActor, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.users import service as users
from domain.users.permissions import PERMISSION_LABELS
from domain.users.schemas import PermissionRead, RoleCreate, RoleRead, RoleUpdate

router = AreaRouter(prefix="/roles", tags=["roles"])


@router.get("", response_model=list[RoleRead], responses=problem(401))
async def list_roles(actor: CurrentActor, session: Session) -> list[RoleRead]:
    """Built-in and custom roles."""
    return [RoleRead.model_validate(r) for r in await users.list_roles(session, actor)]


@router.get("/permissions", response_model=list[PermissionRead], responses=problem(401))
async def list_permissions(actor: CurrentActor) -> list[PermissionRead]:
    """Every permission a role can grant, with its label."""
    return [PermissionRead(key=k, label=v) for k, v in PERMISSION_LABELS.items()]


@router.post(
    "",
    response_model=RoleRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 409, 422),
)
async def create_role(data: RoleCreate, actor: CurrentActor, session: Session) -> RoleRead:
    """Create a custom role."""
    return RoleRead.model_validate(await users.create_role(session, actor, data))


@router.patch("/{role_id:id}", response_model=RoleRead, responses=problem(401, 403, 404, 409, 422))
async def update_role(
    role_id: uuid.UUID, data: RoleUpdate, actor: CurrentActor, session: Session
) -> RoleRead:
    """Change a custom role; built-in roles are fixed. Taking "manage users" from the role you
    hold is a `409 cannot_change_self`, as changing your own role to one without it is."""
    return RoleRead.model_validate(await users.update_role(session, actor, role_id, data))


@router.delete(
    "/{role_id:id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 409, 422),
)
async def delete_role(role_id: uuid.UUID, actor: CurrentActor, session: Session) -> None:
    """Delete a custom role that no user (of any status) holds."""
    await users.delete_role(session, actor, role_id)
