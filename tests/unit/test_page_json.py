"""The account list writes its plain rows as `Page[AccountListRead]` would, without building a
model per row (domain/common/pagination.py `PageJson`)."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from asyncpg.pgproto.pgproto import UUID as PgUUID

from domain.accounts.schemas import AccountListRead
from domain.accounts.service import LIST_PAGE
from domain.common.pagination import Page, Paged


def _row(**overrides: Any) -> dict[str, Any]:
    now = datetime(2026, 12, 5, 9, 30, 15, 123456, tzinfo=UTC)
    return {
        "id": uuid.uuid4(),
        "external_id": "acme-001",
        "crm_id": None,
        "billing_id": "cus_1",
        "support_id": None,
        "name": 'Acme Ünïcode "quoted"',
        "domain": "acme.com",
        "joined_on": date(2024, 2, 29),
        "renewal_on": None,
        "parent_id": None,
        "tier_id": uuid.uuid4(),
        "stage_id": None,
        "csm_ids": [uuid.uuid4(), uuid.uuid4()],
        "status_title": "On track",
        "status_details": None,
        "status_at": now,
        "status_author_id": uuid.uuid4(),
        "csm_score": 70,
        "nps": Decimal("42.5"),
        "churned_on": None,
        "churn_reason": None,
        "custom_values": {"plan": "pro", "seats": 12, "ratio": 0.5, "vip": True, "since": None},
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "metric_values": {"mrr": 1250.0, "logins": None},
        "health_values": {"score": 64.0, "band": "average"},
        **overrides,
    }


def test_the_same_bytes_as_the_validated_page() -> None:
    paged = Paged(items=[_row(), _row(nps=None, csm_ids=[])], total=7, limit=2, offset=4)
    validated = Page[AccountListRead].model_validate(
        {**vars(paged), "items": [AccountListRead.model_validate(r) for r in paged.items]}
    )

    assert LIST_PAGE.dump(paged) == validated.model_dump_json().encode()


def test_columns_that_are_not_the_models_fields_are_left_out() -> None:
    paged = Paged(items=[{**_row(), "org_id": uuid.uuid4()}], total=1, limit=50, offset=0)

    assert b"org_id" not in LIST_PAGE.dump(paged)


def test_ids_as_the_database_driver_reads_them_are_written_as_ids() -> None:
    def driver_id() -> PgUUID:
        return PgUUID(str(uuid.uuid4()))

    row = _row(id=driver_id(), tier_id=driver_id(), csm_ids=[driver_id(), driver_id()])
    paged = Paged(items=[row], total=1, limit=50, offset=0)
    validated = Page[AccountListRead].model_validate(
        {**vars(paged), "items": [AccountListRead.model_validate(row)]}
    )

    assert LIST_PAGE.dump(paged) == validated.model_dump_json().encode()
    assert f'"id":"{row["id"]}"'.encode() in LIST_PAGE.dump(paged)
