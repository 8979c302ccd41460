"""users: token version, last accepted TOTP step; an email is unique among active users only

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 21:00:00

`token_version` is copied into every access token and bumped on logout, password change or
reset and deactivation, so tokens issued before stop working at once instead of at expiry.
`totp_last_step` is the newest TOTP time step accepted, so a code cannot be used twice.

Email addresses were unique across every row of `users`, so inviting an address used in
another organisation answered 409 and told any admin that the address has a Tenure login
elsewhere. Now only active users hold their address: an invitation to it is accepted like
any other, and accepting it fails (for the address's owner, who received the link) while
the address signs in elsewhere. Within one organisation an address stays one user, whatever
its status. Downgrading needs the addresses unique again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("token_version", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("users", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.drop_index("uq_users_email_lower", table_name="users")
    op.create_index(
        "uq_users_active_email_lower",
        "users",
        [sa.literal_column("lower(email)")],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index(
        "uq_users_org_id_email_lower",
        "users",
        ["org_id", sa.literal_column("lower(email)")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_users_org_id_email_lower", table_name="users")
    op.drop_index(
        "uq_users_active_email_lower",
        table_name="users",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index(
        "uq_users_email_lower", "users", [sa.literal_column("lower(email)")], unique=True
    )
    op.drop_column("users", "totp_last_step")
    op.drop_column("users", "token_version")
