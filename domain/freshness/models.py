"""What the live chain has still to do, and what it last did.

- `account_changes`: one row per account whose figures are stale since a write changed one of
  their inputs. Writers upsert it in the write's own transaction (`domain.freshness.changes`):
  a burst of changes to one account stays one row. `first_seq`..`last_seq` are the change
  numbers it covers (one number per writing transaction, from `account_change_seq`), so a
  client holding the number of its write can tell when everything up to it is done. A worker
  claims rows (`claimed_by`, `claimed_seq`) and deletes them with the results in one
  transaction; a claim older than the lease is taken over (its worker died).
- `freshness_stages`: per organisation and stage of the chain, when it last completed and for
  how many accounts.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Sequence, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.common.base import Base, reference

CHANGE_SEQUENCE = Sequence("account_change_seq", metadata=Base.metadata)


class AccountChange(Base):
    """An account whose figures wait for the live chain."""

    __tablename__ = "account_changes"
    __table_args__ = (
        # Claims and the freshness view read an organisation's rows in change order.
        Index("ix_account_changes_org_id_first_seq", "org_id", "first_seq"),
    )

    # No foreign key to accounts: marking takes no lock on the account rows that account
    # writers lock, and the chain skips an account that is gone.
    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(reference("organisations.id", ondelete="CASCADE"))
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    # The earliest day (organisation time) whose usage changed; None when usage did not.
    usage_from: Mapped[date | None]
    # Its subscriptions, invoices or exchange rates changed: its MRR is recomputed first.
    revenue: Mapped[bool] = mapped_column(server_default=text("false"))
    # Its events moved between its contacts: its usage days are recomputed whole, not from
    # their new events.
    usage_rebuild: Mapped[bool] = mapped_column(server_default=text("false"))
    changed_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    claimed_by: Mapped[uuid.UUID | None]
    claimed_at: Mapped[datetime | None]
    claimed_seq: Mapped[int | None] = mapped_column(BigInteger)
    # When the first change after the claim was made: `changed_at` once the claim is cleared.
    rechanged_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(server_default=text("0"))
    failed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class FreshnessStage(Base):
    """When a stage of the live chain last completed for an organisation."""

    __tablename__ = "freshness_stages"

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(40), primary_key=True)
    completed_at: Mapped[datetime]
    accounts: Mapped[int]
    seconds: Mapped[float]
