"""CSV import of accounts: map columns to fields, validate every row, then upsert all rows by
external id in one transaction (or write nothing), through the same write path as manual edits
(bulk_writes.py) so histories, churn events and the audit log are written alike. A dry run
checks the rows against that write path's rules too, so it reports what the real run would
refuse."""

import csv
import datetime as dt
import io
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import bulk_writes, custom_values
from domain.accounts.errors import (
    AccountOutOfYourSight,
    ExternalIdTaken,
    HierarchyCycle,
    ImportNotFound,
    ImportTooLarge,
    InvalidCustomValue,
    InvalidImportFile,
    InvalidImportMapping,
    NotACsm,
    ParentNotFound,
    StageNotFound,
    TierNotFound,
)
from domain.accounts.models import (
    AccountImport,
    CustomField,
    CustomFieldType,
    ImportStatus,
    LifecycleStage,
    Tier,
)
from domain.accounts.repository import (
    ConfigRepository,
    ImportRepository,
    find_import_in_any_organisation,
)
from domain.accounts.schemas import AccountCreate, AccountImportRead, AccountUpdate, ChurnCreate
from domain.common import clock, jobs
from domain.common.errors import DomainError
from domain.users import service as users
from domain.users.actor import Actor, require
from domain.users.models import UserStatus
from domain.users.permissions import Permission

MAX_CSV_BYTES = 10_000_000
MAX_STORED_ERRORS = 1000
MAX_LISTED = 50
PROGRESS_TTL_SECONDS = 86_400
_LOOKUP_CHUNK = 5000

# Field key -> what the template and the docs call it. Order is the template's column order.
BUILTIN_FIELDS = (
    "external_id",
    "name",
    "domain",
    "crm_id",
    "billing_id",
    "support_id",
    "joined_on",
    "renewal_on",
    "tier",
    "stage",
    "csm",
    "csm_score",
    "parent_external_id",
    "churned_on",
    "churn_reason",
)
_TEXT_FIELDS = ("name", "domain", "crm_id", "billing_id", "support_id")
_DATE_FIELDS = ("joined_on", "renewal_on")
_CHURN_FIELDS = ("churned_on", "churn_reason")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def progress_key(import_id: uuid.UUID) -> str:
    return f"import:{import_id}:progress"


def decode_csv(data: bytes) -> str:
    """The upload as text: UTF-8, with or without a byte-order mark."""
    if len(data) > MAX_CSV_BYTES:
        raise ImportTooLarge(f"Import files are limited to {MAX_CSV_BYTES // 1_000_000} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidImportFile("The file is not UTF-8 text") from exc
    if "\x00" in text:
        raise InvalidImportFile("The file contains NUL bytes; it is not a CSV")
    return text


def parse_mapping(text: str) -> dict[str, str]:
    """The mapping form field: a JSON object of CSV column -> field key."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidImportMapping("The mapping must be a JSON object") from exc
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidImportMapping("The mapping must map column names to field keys (strings)")
    return value


def _read_rows(csv_text: str) -> tuple[list[str], list[list[str]]]:
    try:
        rows = list(csv.reader(io.StringIO(csv_text, newline="")))
    except csv.Error as exc:
        raise InvalidImportFile(f"The CSV cannot be parsed: {exc}") from exc
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InvalidImportFile("The file has no header row")
    header = [cell.strip() for cell in rows[0]]
    # Wholly blank lines (often trailing ones) are not rows.
    return header, [r for r in rows[1:] if any(cell.strip() for cell in r)]


async def _custom_fields(session: AsyncSession, org_id: uuid.UUID) -> dict[str, CustomField]:
    return {f.key: f for f in await ConfigRepository(session, org_id).all(CustomField)}


async def _check_mapping(
    session: AsyncSession, actor: Actor, header: list[str], mapping: dict[str, str]
) -> None:
    custom = await _custom_fields(session, actor.org_id)
    problems: list[str] = []
    for column, key in mapping.items():
        if column not in header:
            problems.append(f"column {column!r} is not in the file's header")
        if key.startswith("custom."):
            if key[7:] not in custom:
                problems.append(f"{key!r} is not a custom field")
        elif key not in BUILTIN_FIELDS:
            problems.append(f"{key!r} is not a field that can be imported")
    targets = list(mapping.values())
    if duplicated := sorted({k for k in targets if targets.count(k) > 1}):
        problems.append(f"several columns map to {', '.join(duplicated)}")
    if "external_id" not in targets:
        problems.append("a column must map to external_id (the key accounts are matched by)")
    if len(set(header)) != len(header):
        problems.append("the header repeats a column name")
    if problems:
        raise InvalidImportMapping("; ".join(problems))


async def start_import(
    session: AsyncSession,
    actor: Actor,
    *,
    file_name: str,
    csv_text: str,
    mapping: dict[str, str],
    dry_run: bool,
) -> AccountImport:
    """Store the upload and queue its run (sent only once this transaction commits)."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    header, rows = _read_rows(csv_text)
    await _check_mapping(session, actor, header, mapping)
    account_import = AccountImport(
        id=uuid.uuid4(),
        org_id=actor.org_id,
        created_by_id=actor.user_id,
        file_name=(file_name or "accounts.csv")[:300],
        csv_text=csv_text,
        mapping=mapping,
        dry_run=dry_run,
        status=ImportStatus.QUEUED,
        total_rows=len(rows),
        processed_rows=0,
        created_count=0,
        updated_count=0,
        errors=[],
        error_count=0,
    )
    session.add(account_import)
    await session.flush()
    await session.refresh(account_import, ["created_at"])
    jobs.enqueue(
        session,
        "accounts.run_import",
        job_id=f"import:{account_import.id}",
        import_id=str(account_import.id),
    )
    return account_import


async def _progress(redis: Redis, import_id: uuid.UUID) -> int | None:
    raw = await redis.get(progress_key(import_id))
    if raw is None:
        return None
    try:
        return int(json.loads(raw)["processed"])
    except (ValueError, KeyError, TypeError):
        return None


async def _read(redis: Redis, account_import: AccountImport) -> AccountImportRead:
    read = AccountImportRead.model_validate(account_import)
    if account_import.status == ImportStatus.RUNNING:
        # The run's writes are invisible until it commits; its progress is published in Redis.
        processed = await _progress(redis, account_import.id)
        if processed is not None:
            read.processed_rows = processed
    return read


async def get_import(
    session: AsyncSession, actor: Actor, import_id: uuid.UUID, *, redis: Redis
) -> AccountImportRead:
    account_import = await ImportRepository(session, actor).get(import_id)
    if account_import is None:
        raise ImportNotFound()
    return await _read(redis, account_import)


async def list_imports(
    session: AsyncSession, actor: Actor, *, redis: Redis
) -> list[AccountImportRead]:
    rows = await ImportRepository(session, actor).latest(limit=MAX_LISTED)
    return [await _read(redis, r) for r in rows]


async def template_csv(session: AsyncSession, actor: Actor) -> str:
    """A header row of every field an import can map, custom fields included."""
    custom = await _custom_fields(session, actor.org_id)
    out = io.StringIO()
    csv.writer(out).writerow([*BUILTIN_FIELDS, *(f"custom.{k}" for k in sorted(custom))])
    return out.getvalue()


# ---- the run ------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    external_id: str
    values: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)
    parent_external_id: str | None = None
    account_id: uuid.UUID | None = None
    churn: ChurnCreate | None = None


@dataclass
class _Lookups:
    custom: dict[str, CustomField]
    tiers: dict[str, uuid.UUID]
    stages: dict[str, uuid.UUID]
    csms: dict[str, uuid.UUID]
    # Live accounts of the organisation by external id, and which of them the actor may see.
    existing: dict[str, uuid.UUID]
    visible: set[uuid.UUID]
    # The churn (date, reason) of each existing account that is churned.
    churned: dict[uuid.UUID, tuple[dt.date, str]]


class _Report:
    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []
        self.count = 0
        # Every row with an error, even beyond the stored ones.
        self.rows: set[int] = set()

    def add(self, row: int, column: str | None, message: str) -> None:
        self.count += 1
        self.rows.add(row)
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append({"row": row, "column": column, "message": message})


async def _lookups(session: AsyncSession, actor: Actor, external_ids: set[str]) -> _Lookups:
    config = ConfigRepository(session, actor.org_id)
    csms: dict[str, uuid.UUID] = {}
    for user in await users.list_users(session, actor):
        if user.status != UserStatus.INACTIVE and Permission.CSM_SEAT in user.role.permissions:
            csms[user.email.lower()] = user.id
    existing: dict[str, uuid.UUID] = {}
    visible: set[uuid.UUID] = set()
    churned: dict[uuid.UUID, tuple[dt.date, str]] = {}
    wanted = sorted(external_ids)
    imports = ImportRepository(session, actor)
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        rows = await imports.accounts_by_external_id(wanted[start : start + _LOOKUP_CHUNK])
        for external_id, account_id, is_visible, churned_on, churn_reason in rows:
            existing[external_id] = account_id
            if is_visible:
                visible.add(account_id)
            if churned_on is not None:
                churned[account_id] = (churned_on, churn_reason or "")
    return _Lookups(
        custom=await _custom_fields(session, actor.org_id),
        tiers={t.name.lower(): t.id for t in await config.all(Tier)},
        stages={s.name.lower(): s.id for s in await config.all(LifecycleStage)},
        csms=csms,
        existing=existing,
        visible=visible,
        churned=churned,
    )


def _visible_external_ids(lookups: _Lookups) -> set[str]:
    return {e for e, account_id in lookups.existing.items() if account_id in lookups.visible}


def _custom_cell(custom_field: CustomField, text: str) -> Any:
    """A cell's text as the JSON value its custom field stores (InvalidCustomValue if not)."""
    value: Any = text
    if custom_field.type == CustomFieldType.NUMBER:
        try:
            number = float(text)
            value = int(number) if number.is_integer() and "." not in text else number
        except ValueError:
            value = text
    elif custom_field.type == CustomFieldType.BOOLEAN:
        lowered = text.lower()
        value = True if lowered in _TRUE else False if lowered in _FALSE else text
    return custom_values.coerce(custom_field, value)


def _parse_row(
    number: int,
    cells: dict[str, tuple[str, str]],
    columns: dict[str, str],
    lookups: _Lookups,
    report: _Report,
) -> tuple[_Row, bool]:
    """One row's values by field key, reporting each bad cell, and whether it is valid.
    `cells` maps field key -> (column, text), blank cells being absent (they change nothing);
    `columns` maps every mapped field key to its column."""
    errors_before = report.count
    text = {key: value for key, (_, value) in cells.items()}
    external_id = text.get("external_id", "")
    if not external_id:
        report.add(number, columns.get("external_id"), "external_id is required")
    row = _Row(number=number, external_id=external_id)
    for key, value in text.items():
        column = columns[key]
        if key in _TEXT_FIELDS:
            row.values[key] = value
        elif key in _DATE_FIELDS:
            try:
                row.values[key] = dt.date.fromisoformat(value)
            except ValueError:
                report.add(number, column, f"{value!r} is not a date (YYYY-MM-DD)")
        elif key == "tier":
            if (tier_id := lookups.tiers.get(value.lower())) is None:
                report.add(number, column, f"No tier is named {value!r}")
            row.values["tier_id"] = tier_id
        elif key == "stage":
            if (stage_id := lookups.stages.get(value.lower())) is None:
                report.add(number, column, f"No lifecycle stage is named {value!r}")
            row.values["stage_id"] = stage_id
        elif key == "csm":
            ids = []
            for email in (e.strip() for e in value.split(";")):
                if not email:
                    continue
                if (user_id := lookups.csms.get(email.lower())) is None:
                    report.add(number, column, f"{email} is not a user with a CSM seat")
                elif user_id not in ids:
                    ids.append(user_id)
            row.values["csm_ids"] = ids
        elif key == "csm_score":
            try:
                score = int(value)
            except ValueError:
                score = -1
            if not 0 <= score <= 100:
                report.add(number, column, f"CSM score is a whole number 0-100; {value!r} is not")
            row.values["csm_score"] = score
        elif key == "parent_external_id":
            row.parent_external_id = value
        elif key in _CHURN_FIELDS:
            pass  # read together below: a churn is a date and a reason
        elif key.startswith("custom."):
            try:
                row.custom[key[7:]] = _custom_cell(lookups.custom[key[7:]], value)
            except DomainError as exc:
                report.add(number, column, exc.detail)
    if external_id in lookups.existing:
        row.account_id = lookups.existing[external_id]
        if row.account_id not in lookups.visible:
            # External ids are unique in the organisation, so a new account cannot take this
            # one; said exactly as creating it through the API says it, and no more (not
            # whose it is, nor that it is an account the importer may not see).
            report.add(number, columns["external_id"], ExternalIdTaken.title)
    elif external_id and "name" not in row.values:
        report.add(number, columns.get("name"), "name is required for a new account")
    _parse_churn(row, text, columns, lookups, report)
    if report.count == errors_before:
        _check_schema(row, columns, report)
    return row, report.count == errors_before


def _parse_churn(
    row: _Row,
    text: dict[str, str],
    columns: dict[str, str],
    lookups: _Lookups,
    report: _Report,
) -> None:
    """A churn date and reason mark the account churned as the single-account API does. An
    account already churned with the same date and reason is left alone (importing the same
    file again changes nothing); one churned differently must be reactivated first."""
    on_text, reason = text.get("churned_on"), text.get("churn_reason")
    if on_text is None and reason is None:
        return
    on_column = columns.get("churned_on")
    reason_column = columns.get("churn_reason")
    if on_text is None:
        report.add(row.number, on_column or reason_column, "A churn reason needs a churn date")
        return
    try:
        churned_on = dt.date.fromisoformat(on_text)
    except ValueError:
        report.add(row.number, on_column, f"{on_text!r} is not a date (YYYY-MM-DD)")
        return
    if reason is None:
        report.add(row.number, reason_column or on_column, "A churn date needs a churn reason")
        return
    try:
        churn = ChurnCreate(churned_on=churned_on, reason=reason)
    except ValidationError as exc:
        report.add(row.number, reason_column, f"churn_reason: {exc.errors()[0]['msg']}")
        return
    current = lookups.churned.get(row.account_id) if row.account_id else None
    if current is None:
        row.churn = churn
    elif current != (churn.churned_on, churn.reason):
        report.add(
            row.number,
            on_column,
            f"The account already churned on {current[0].isoformat()} ({current[1]}); "
            "reactivate it before recording another churn",
        )


def _schema_data(row: _Row) -> dict[str, Any]:
    data = dict(row.values)
    if row.custom:
        data["custom_values"] = row.custom
    return data


def _check_schema(row: _Row, columns: dict[str, str], report: _Report) -> None:
    """The same limits (lengths, ranges) as the API's account payloads."""
    model = AccountUpdate if row.account_id else AccountCreate
    try:
        model.model_validate({**_schema_data(row), "external_id": row.external_id})
    except ValidationError as exc:
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else ""
            key = {"tier_id": "tier", "stage_id": "stage", "csm_ids": "csm"}.get(key, key)
            report.add(row.number, columns.get(key), f"{key}: {error['msg']}")


def _order_parents_first(rows: list[_Row], report: _Report) -> list[_Row]:
    """Rows in an order where a parent created by this file is written before its children."""
    by_external_id = {r.external_id: r for r in rows}
    ordered: list[_Row] = []
    state: dict[str, str] = {}
    for start in rows:
        path: list[_Row] = []
        node: _Row | None = start
        while node is not None and state.get(node.external_id) is None:
            state[node.external_id] = "visiting"
            path.append(node)
            parent = node.parent_external_id
            # A row naming itself as parent is reported on its own.
            node = by_external_id.get(parent) if parent and parent != node.external_id else None
            if node is not None and state.get(node.external_id) == "visiting":
                report.add(
                    start.number, None, f"The parent chain through {parent!r} loops back on itself"
                )
                node = None
        for item in reversed(path):
            state[item.external_id] = "done"
            ordered.append(item)
    return ordered


def _rows_by_field(
    header: list[str], mapping: dict[str, str], rows: list[list[str]]
) -> list[dict[str, tuple[str, str]]]:
    index = {column: header.index(column) for column in mapping if column in header}
    result = []
    for cells in rows:
        by_field: dict[str, tuple[str, str]] = {}
        for column, key in mapping.items():
            i = index.get(column)
            value = cells[i].strip() if i is not None and i < len(cells) else ""
            if value:
                by_field[key] = (column, value)
        result.append(by_field)
    return result


async def _publish(redis: Redis, import_id: uuid.UUID, processed: int, total: int) -> None:
    await redis.set(
        progress_key(import_id),
        json.dumps({"processed": processed, "total": total}),
        ex=PROGRESS_TTL_SECONDS,
    )


async def _actor_of(session: AsyncSession, account_import: AccountImport) -> Actor | None:
    """The importing user as they are now: the run writes with their current permissions."""
    if account_import.created_by_id is None:
        return None
    nobody = Actor(org_id=account_import.org_id, user_id=None, permissions=frozenset())
    try:
        user = await users.get_user(session, nobody, account_import.created_by_id)
    except DomainError:
        return None
    if user.status == UserStatus.INACTIVE:
        return None
    return users.actor_for(user)


async def begin_import(session: AsyncSession, import_id: uuid.UUID) -> bool:
    """Mark a queued import running (its own short transaction, so the SPA sees it at once).
    False when there is nothing to run: unknown, or already finished."""
    account_import = await find_import_in_any_organisation(
        session, import_id, lock=True, with_csv=False
    )
    if account_import is None or account_import.status in (
        ImportStatus.SUCCEEDED,
        ImportStatus.FAILED,
    ):
        return False
    account_import.status = ImportStatus.RUNNING
    return True


def _finish(
    account_import: AccountImport, status: ImportStatus, report: _Report, *, processed: int
) -> None:
    account_import.status = status
    account_import.errors = report.errors
    account_import.error_count = report.count
    account_import.processed_rows = processed
    account_import.finished_at = clock.now()


async def run_import(session: AsyncSession, redis: Redis, import_id: uuid.UUID) -> AccountImport:
    """Validate every row, then (unless a dry run or any row is invalid) upsert them all.
    Nothing is written to accounts unless every row is valid; re-running a finished import
    changes nothing."""
    account_import = await find_import_in_any_organisation(
        session, import_id, lock=True, with_csv=True
    )
    if account_import is None:
        raise ImportNotFound()
    if account_import.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
        return account_import
    report = _Report()
    actor = await _actor_of(session, account_import)
    if actor is None or not actor.can(Permission.UPDATE_ACCOUNTS):
        report.add(1, None, "The importing user can no longer create or update accounts")
        _finish(account_import, ImportStatus.FAILED, report, processed=0)
        return account_import

    header, raw_rows = _read_rows(account_import.csv_text)
    total = len(raw_rows)
    account_import.total_rows = total
    mapping = account_import.mapping
    cells = _rows_by_field(header, mapping, raw_rows)
    wanted = {c[k][1] for c in cells for k in ("external_id", "parent_external_id") if k in c}
    lookups = await _lookups(session, actor, wanted)

    columns = {key: column for column, key in mapping.items()}
    rows: list[_Row] = []
    first_row_of: dict[str, int] = {}
    for i, by_field in enumerate(cells):
        number = i + 2  # the header is row 1
        row, valid = _parse_row(number, by_field, columns, lookups, report)
        if row.external_id in first_row_of:
            report.add(
                number,
                columns["external_id"],
                f"external_id {row.external_id!r} is also on row {first_row_of[row.external_id]}",
            )
            continue
        if row.external_id:
            first_row_of[row.external_id] = number
        if valid:
            rows.append(row)
    # Parents: an account the importer may see, or a row of this file. One they may not see
    # is reported exactly as one that does not exist.
    parents = _visible_external_ids(lookups)
    for row in rows:
        parent = row.parent_external_id
        if parent is None:
            continue
        column = columns["parent_external_id"]
        if parent == row.external_id:
            report.add(row.number, column, "An account cannot be its own parent")
        elif parent not in parents and parent not in first_row_of:
            report.add(row.number, column, f"No account has external id {parent!r}")
    ordered = _order_parents_first(rows, report)
    await _check_writes(session, actor, ordered, lookups, columns, report)

    created = sum(1 for r in rows if r.account_id is None)
    account_import.created_count = created
    account_import.updated_count = len(rows) - created
    if account_import.dry_run:
        await _publish(redis, import_id, total, total)
        _finish(account_import, ImportStatus.SUCCEEDED, report, processed=total)
        return account_import
    if report.count:
        # A real run with any invalid row writes nothing: the report says what to fix.
        account_import.created_count = account_import.updated_count = 0
        _finish(account_import, ImportStatus.FAILED, report, processed=0)
        return account_import

    await _publish(redis, import_id, 0, total)
    try:
        async with session.begin_nested():
            await _write(session, redis, actor, account_import, ordered, lookups)
    except _RowFailed as exc:
        # A rule only the write can see (the rows' accounts changed by someone else since they
        # were checked): the savepoint is rolled back, so nothing of the run is kept.
        account_import.created_count = account_import.updated_count = 0
        report.add(exc.row, None, exc.message)
        _finish(account_import, ImportStatus.FAILED, report, processed=0)
        return account_import
    await _publish(redis, import_id, total, total)
    _finish(account_import, ImportStatus.SUCCEEDED, report, processed=total)
    return account_import


class _RowFailed(Exception):
    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.message = message


_Batch = list[bulk_writes.NewAccount | bulk_writes.AccountEdit]


def _batch(rows: list[_Row], lookups: _Lookups) -> tuple[_Batch, dict[str, uuid.UUID]]:
    """The rows (parents first) as the write path's batch, and every account's id by external
    id (new accounts get theirs now, so rows can name them as parents)."""
    ids = dict(lookups.existing)
    ids.update({r.external_id: uuid.uuid4() for r in rows if r.account_id is None})
    batch: _Batch = []
    for row in rows:
        data = _schema_data(row)
        if row.parent_external_id is not None:
            data["parent_id"] = ids[row.parent_external_id]
        if row.account_id is None:
            batch.append(
                bulk_writes.NewAccount(
                    AccountCreate(external_id=row.external_id, **data), id=ids[row.external_id]
                )
            )
        else:
            # Only accounts the row changes are written (and audited): importing the same file
            # again writes nothing.
            batch.append(
                bulk_writes.AccountEdit.of(row.account_id, AccountUpdate(**data), always=False)
            )
    return batch, ids


# The column a write-path refusal is about, by the error's code.
_REFUSAL_COLUMNS = {
    HierarchyCycle.code: "parent_external_id",
    ParentNotFound.code: "parent_external_id",
    ExternalIdTaken.code: "external_id",
    TierNotFound.code: "tier",
    StageNotFound.code: "stage",
    NotACsm.code: "csm",
    AccountOutOfYourSight.code: "csm",
    InvalidCustomValue.code: None,
}


async def _check_writes(
    session: AsyncSession,
    actor: Actor,
    ordered: list[_Row],
    lookups: _Lookups,
    columns: dict[str, str],
    report: _Report,
) -> None:
    """Report what the write path would refuse among the rows valid so far, such as a parent
    chain that loops back through existing accounts: without this a dry run could succeed
    where the real run fails. Rows whose parent is an invalid row of the file are left out
    (that row is reported)."""
    included: set[str] = set()
    checkable: list[_Row] = []
    parents = _visible_external_ids(lookups)
    for row in ordered:
        parent = row.parent_external_id
        if row.number in report.rows or (
            parent is not None and parent not in parents and parent not in included
        ):
            continue
        included.add(row.external_id)
        checkable.append(row)
    batch, _ = _batch(checkable, lookups)
    for error in await bulk_writes.check_accounts(session, actor, batch):
        row = checkable[error.extra["index"]]
        column = _REFUSAL_COLUMNS.get(error.code)
        message = error.detail
        if isinstance(error, HierarchyCycle):
            message = (
                f"The parent chain through {row.parent_external_id!r} loops back to this "
                "account (an account cannot be its own ancestor)"
            )
        report.add(row.number, columns.get(column) if column else None, message)


async def _write(
    session: AsyncSession,
    redis: Redis,
    actor: Actor,
    account_import: AccountImport,
    rows: list[_Row],
    lookups: _Lookups,
) -> None:
    """Every row in one batch through the accounts' write path, then the churns the rows
    record; progress is published after each chunk."""
    batch, ids = _batch(rows, lookups)

    async def progress(done: int) -> None:
        await _publish(redis, account_import.id, done, len(rows))

    try:
        await bulk_writes.write_accounts(session, actor, batch, on_progress=progress)
    except DomainError as exc:
        raise _RowFailed(rows[exc.extra.get("index", 0)].number, exc.detail) from exc
    churning = [row for row in rows if row.churn is not None]
    try:
        await bulk_writes.churn_each(
            session,
            actor,
            [(ids[row.external_id], row.churn) for row in churning if row.churn is not None],
        )
    except DomainError as exc:
        raise _RowFailed(churning[exc.extra.get("index", 0)].number, exc.detail) from exc


async def fail_import(session: AsyncSession, import_id: uuid.UUID, message: str) -> None:
    """Give up on a run that kept crashing: nothing of it was kept, and it says so."""
    account_import = await find_import_in_any_organisation(
        session, import_id, lock=False, with_csv=False
    )
    if account_import is None or account_import.status in (
        ImportStatus.SUCCEEDED,
        ImportStatus.FAILED,
    ):
        return
    report = _Report()
    report.add(1, None, message)
    account_import.created_count = account_import.updated_count = 0
    _finish(account_import, ImportStatus.FAILED, report, processed=0)
