import uuid
from typing import Annotated

from fastapi import File, Form, Response, UploadFile, status

from api.deps import CurrentActor, RedisDep, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.accounts import imports
from domain.accounts.schemas import AccountImportRead

router = AreaRouter(prefix="/account-imports", tags=["account-imports"])


@router.post(
    "",
    response_model=AccountImportRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem(401, 403, 413, 422),
)
async def start_account_import(
    file: Annotated[UploadFile, File(description="The CSV (UTF-8, header row first, ≤ 10 MB)")],
    mapping: Annotated[
        str,
        Form(
            description='JSON object of CSV column -> field key, e.g. {"Id": "external_id", '
            '"Company": "name", "Seats": "custom.seats"}'
        ),
    ],
    actor: CurrentActor,
    session: Session,
    dry_run: Annotated[bool, Form(description="Validate and report only; write nothing")] = False,
) -> AccountImportRead:
    """Upload a CSV of accounts and queue its import. Rows are matched to accounts by external
    id (exact, case-sensitive): a match is updated, anything else is created. Every row is
    validated first; if any row is invalid, a real run writes nothing and reports every error.
    Blank cells leave a field unchanged. Poll the import for progress and its report."""
    data = await file.read(imports.MAX_CSV_BYTES + 1)
    account_import = await imports.start_import(
        session,
        actor,
        file_name=file.filename or "accounts.csv",
        csv_text=imports.decode_csv(data),
        mapping=imports.parse_mapping(mapping),
        dry_run=dry_run,
    )
    return AccountImportRead.model_validate(account_import)


@router.get("", response_model=list[AccountImportRead], responses=problem(401))
async def list_account_imports(
    actor: CurrentActor, session: Session, redis: RedisDep
) -> list[AccountImportRead]:
    """The organisation's most recent imports (the caller's own, unless they see all accounts),
    newest first."""
    return await imports.list_imports(session, actor, redis=redis)


@router.get(
    "/template",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "A CSV header row"},
        **problem(401),
    },
)
async def get_account_import_template(actor: CurrentActor, session: Session) -> Response:
    """A CSV header row of every field an import can map, custom fields included."""
    return Response(
        await imports.template_csv(session, actor),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="accounts-import.csv"'},
    )


@router.get("/{import_id:id}", response_model=AccountImportRead, responses=problem(401, 404, 422))
async def get_account_import(
    import_id: uuid.UUID, actor: CurrentActor, session: Session, redis: RedisDep
) -> AccountImportRead:
    """One import: its status, progress while it runs, counts, and every invalid row's error."""
    return await imports.get_import(session, actor, import_id, redis=redis)
