"""time_ordered_uuid(): the random bits from the session's generator

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-06 13:00:00

An edit of stage, score and CSMs of 100,000 accounts gives about 600,000 rows an id. Each id
took 2.6 us, half of it `gen_random_uuid()` reading the operating system's strong generator
and most of the rest cutting and setting bits of its bytes: 1.6 s of the edit's 9-12 s on a
slow machine. Now the 48 bits of Unix milliseconds, the version, 74 bits from `random()` (the
session's xoshiro256** generator, seeded from the strong one when the session starts) and the
variant are put together as two integers: 0.9 us an id, the edit 1.1 s faster. The ids stay
unique and time ordered; they are not secrets (no id in Tenure grants anything: every read
checks the caller's organisation and scope), so they need not be unguessable.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # 28672 is the version nibble (7) in place; the sign bit of the second half is the variant's
    # leading 1, the 0 after it left by the 62 random bits below it.
    op.execute(
        """
        CREATE OR REPLACE FUNCTION time_ordered_uuid() RETURNS uuid
        LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
            SELECT encode(
                int8send((floor(date_part('epoch', clock_timestamp()) * 1000)::bigint << 16)
                         | 28672 | (random() * 4095)::int)
                || int8send(((random() * 2147483647)::bigint << 31)
                            | (random() * 2147483647)::bigint
                            | (-9223372036854775808)::bigint),
                'hex')::uuid
        $$
        """
    )


def downgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION time_ordered_uuid() RETURNS uuid
        LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
            SELECT encode(
                set_bit(set_bit(
                    overlay(uuid_send(gen_random_uuid())
                            PLACING substring(int8send(
                                floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)
                                FROM 3)
                            FROM 1 FOR 6),
                    52, 1), 53, 1),
                'hex')::uuid
        $$
        """
    )
